//! `waitsim check-python DIR`: grades a Python implementation of the exercise on a virtual
//! clock, against the laws and against the delays CPython's `random` gives.
//!
//! Each routine runs in a `python3` subprocess of its own, driven by `check_python.py` (shipped
//! inside the binary), which reports one JSON line per case. The code under test is executed,
//! not sandboxed; a case that takes longer than the time limit of real time ends that
//! routine's process, with its own verdict.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use waitsim::{Case, MaxDelay, RngKind, Scenario};

use crate::args::{CheckPythonArgs, Options};
use crate::interrupt::Group;
use crate::output::{Failure, emit, print_json};

/// The driver, run with `python3 -c`.
const DRIVER: &str = include_str!("check_python.py");

/// The exercise's routines, their files, in order.
const ROUTINES: [(&str, &str); 5] = [
    ("wait_random", "0-basic_async_syntax.py"),
    ("wait_n", "1-concurrent_coroutines.py"),
    ("measure_time", "2-measure_runtime.py"),
    ("task_wait_random", "3-tasks.py"),
    ("task_wait_n", "4-tasks.py"),
];

/// The checks of each routine, in the order they are reported.
fn checks(routine: &str) -> &'static [&'static str] {
    match routine {
        "wait_random" => &[
            "import",
            "shape",
            "runs",
            "in-range",
            "concurrent",
            "non-blocking",
            "parity",
        ],
        "measure_time" => &[
            "import",
            "shape",
            "runs",
            "divides",
            "concurrent",
            "non-blocking",
            "parity",
        ],
        "task_wait_random" => &[
            "import",
            "shape",
            "task",
            "runs",
            "in-range",
            "non-blocking",
            "parity",
        ],
        // `wait_n` and `task_wait_n`; `task_wait_n` also gets a row comparing it with `wait_n`.
        _ => &[
            "import",
            "shape",
            "runs",
            "length",
            "in-range",
            "ascending",
            "concurrent",
            "non-blocking",
            "parity",
        ],
    }
}

/// One case: a seed and the routine's inputs drawn from it.
#[derive(Clone, Copy, Debug, Serialize)]
struct Input {
    index: usize,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
    /// `None` calls `wait_random()` with its default.
    #[serde(serialize_with = "whole_or_float")]
    max_delay: Option<f64>,
}

/// Whole bounds as integers, as the exercise passes them (`randint` refuses floats).
fn whole_or_float<S: serde::Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => serializer.serialize_i64(v as i64),
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}

/// The inputs of `routine` for `seed`: the same `n` and bound for every routine of a seed, so
/// that `task_wait_n` and `wait_n` can be compared.
fn input(routine: &str, index: usize, seed: u64) -> Input {
    const SIZES: [usize; 7] = [5, 1, 10, 2, 20, 3, 50];
    const BOUNDS: [f64; 8] = [10.0, 5.0, 1.0, 0.5, 7.25, 0.0, 100.0, 3.0];
    let n = SIZES[(seed % SIZES.len() as u64) as usize];
    let bound = BOUNDS[((seed / SIZES.len() as u64) % BOUNDS.len() as u64) as usize];
    let (n, max_delay) = match routine {
        // Every fourth seed calls `wait_random()` with its default bound.
        "wait_random" => (None, (seed % 4 != 3).then_some(bound)),
        "task_wait_random" => (None, Some(bound)),
        _ => (Some(n), Some(bound)),
    };
    Input {
        index,
        seed,
        n,
        max_delay,
    }
}

impl Input {
    /// What waitsim's CPython generator draws for this case: the delays, ascending.
    fn expected(self, routine: &str) -> Result<Vec<f64>, waitsim::Error> {
        let max_delay = self
            .max_delay
            .map_or(Ok(MaxDelay::DEFAULT), MaxDelay::new)?;
        let n = self.n.unwrap_or(1);
        let scenario = match routine {
            "wait_random" | "task_wait_random" => Scenario::WaitRandom { max_delay },
            _ => Scenario::WaitN { n, max_delay },
        };
        let case = Case {
            rng: RngKind::Cpython,
            ..Case::new(scenario, self.seed)
        };
        Ok(case.run()?.delays)
    }
}

/// A value the driver reports: a float by its repr, a list, or anything else by type and repr.
#[derive(Clone, Debug, Deserialize)]
struct Value {
    r#type: String,
    repr: Option<String>,
    items: Option<Vec<Value>>,
}

impl Value {
    fn float(&self) -> Option<f64> {
        (self.r#type == "float").then(|| self.number())?
    }

    /// The value as a number, for a float or an int.
    fn number(&self) -> Option<f64> {
        matches!(self.r#type.as_str(), "float" | "int")
            .then(|| self.repr.as_deref()?.parse().ok())?
    }

    fn show(&self) -> String {
        match (&self.repr, &self.items) {
            (Some(repr), _) if self.r#type == "float" => repr.clone(),
            (Some(repr), _) => format!("{repr} (of type {}, not float)", self.r#type),
            (None, Some(items)) => format!("a list of {}", items.len()),
            (None, None) => format!("a {}", self.r#type),
        }
    }
}

/// One line from the driver.
#[derive(Debug, Default, Deserialize)]
struct Line {
    import_error: Option<String>,
    shape: Option<Option<String>>,
    version: Option<String>,
    case: Option<usize>,
    value: Option<Value>,
    elapsed: Option<String>,
    #[serde(default)]
    sleeps: u64,
    task: Option<bool>,
    returned: Option<String>,
    error: Option<String>,
}

/// The first counterexample of a check.
#[derive(Clone, Debug, Serialize)]
struct Counterexample {
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
    max_delay: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    expected: String,
    got: String,
    replay: String,
}

/// One row of the report.
#[derive(Clone, Debug, Serialize)]
struct Row {
    routine: &'static str,
    check: &'static str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterexample: Option<Counterexample>,
}

/// The whole report, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Report {
    directory: String,
    python: Option<String>,
    seeds: String,
    passed: usize,
    failed: usize,
    skipped: usize,
    missing: Vec<&'static str>,
    /// The virtual time every case took, added up: what running them on a real clock costs.
    virtual_seconds: f64,
    rows: Vec<Row>,
}

/// The oldest Python the driver is written for.
const OLDEST_PYTHON: (u32, u32) = (3, 8);

/// Refuses a `python` that is not a working Python 3.8 or newer, before any check runs.
fn check_python_version(python: &Path) -> Result<(), Failure> {
    let refuse = |why: String| {
        Failure::usage(format!(
            "`{}` is not a working Python {}.{} or newer: {why} (give one with --python PATH)",
            python.display(),
            OLDEST_PYTHON.0,
            OLDEST_PYTHON.1
        ))
    };
    let mut command = Command::new(python);
    command
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|err| refuse(format!("it cannot be run ({err})")))?;
    let group = Group::new(child.id());
    let stdout = child.stdout.take();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(drain(stdout));
    });
    let printed = receiver.recv_timeout(Duration::from_secs(10));
    group.kill();
    let _ = child.wait();
    let printed = printed.map_err(|_| refuse("it did not answer within 10 s".into()))?;
    let version = printed.trim();
    let parsed = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some(found) if found >= OLDEST_PYTHON => Ok(()),
        Some((major, minor)) => Err(refuse(format!("it is Python {major}.{minor}"))),
        None if version.is_empty() => Err(refuse("it printed no version".into())),
        None => Err(refuse(format!(
            "it printed `{}`",
            version.chars().take(40).collect::<String>()
        ))),
    }
}

/// What a Python process may use.
struct Limits {
    /// Real time, per case (and for the import).
    per_case: Duration,
    /// Address space, in bytes.
    memory: u64,
}

/// What one routine's process gave: the driver's lines, and how it ended.
struct Outcome {
    lines: Vec<Line>,
    /// The case that did not finish in time, or the last words of a process that died.
    ended: Option<String>,
}

pub fn run(args: &CheckPythonArgs, options: &Options) -> Result<(), Failure> {
    if options.seed.is_some()
        || options.clock != waitsim::Clock::Virtual
        || options.rng.is_some_and(|rng| rng != RngKind::Cpython)
    {
        return Err(Failure::usage(
            "`check-python` takes its seeds from --seeds A..B, runs on Python's own event loop made virtual, and draws with CPython's generator: no --seed, --clock or --rng",
        ));
    }
    let dir = &args.dir;
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "cannot check `{}`: not a directory",
            dir.display()
        )));
    }
    if args.seeds.is_empty() {
        return Err(Failure::usage(format!(
            "invalid seed range `{}`: it holds no seed, so nothing would be checked",
            args.seeds
        )));
    }
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    check_python_version(&python)?;
    let present: Vec<_> = ROUTINES
        .iter()
        .filter(|(_, file)| dir.join(file).is_file())
        .collect();
    if present.is_empty() {
        let files: Vec<_> = ROUTINES.iter().map(|(_, file)| *file).collect();
        return Err(Failure::usage(format!(
            "`{}` holds none of the exercise's files: {}",
            dir.display(),
            files.join(", ")
        )));
    }
    let limits = Limits {
        per_case: Duration::from_secs_f64(args.timeout.0),
        memory: args.memory.0,
    };
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut python_version = None;
    let mut results: Vec<(&str, Vec<Option<Vec<f64>>>)> = Vec::new();
    let mut virtual_seconds = 0.0;
    for &(routine, file) in &ROUTINES {
        if args.routine.as_deref().is_some_and(|only| only != routine) {
            continue;
        }
        if !dir.join(file).is_file() {
            missing.push(file);
            continue;
        }
        let inputs: Vec<Input> = args
            .seeds
            .range()
            .enumerate()
            .map(|(i, seed)| input(routine, i, seed))
            .collect();
        let outcome = drive(&python, dir, routine, &inputs, &limits)?;
        if python_version.is_none() {
            python_version = outcome.lines.iter().find_map(|line| line.version.clone());
        }
        virtual_seconds += outcome
            .lines
            .iter()
            .filter_map(|line| line.elapsed.as_deref()?.parse::<f64>().ok())
            .filter(|secs| secs.is_finite())
            .sum::<f64>();
        let (routine_rows, values) = judge(routine, &inputs, &outcome, args);
        rows.extend(routine_rows);
        results.push((routine, values));
    }
    same_as_wait_n(&mut rows, &results, args);
    let count = |verdict| rows.iter().filter(|row| row.verdict == verdict).count();
    let report = Report {
        directory: dir.display().to_string(),
        python: python_version,
        seeds: args.seeds.to_string(),
        passed: count("pass"),
        failed: count("FAIL"),
        skipped: count("skip"),
        missing,
        virtual_seconds,
        rows,
    };
    if options.json {
        print_json(&report)?;
    } else {
        let text = render(&report);
        emit(|out| out.write_all(text.as_bytes()))?;
    }
    if report.failed > 0 || !report.missing.is_empty() {
        // The report has said what failed, or which files are missing.
        return Err(Failure::quiet(1));
    }
    Ok(())
}

/// How much of a process's stderr is kept to show with a failure; the rest is read and dropped.
const KEPT_STDERR: usize = 4096;

/// Runs one routine's cases in a Python process, reading its lines with a time limit for
/// each.
///
/// The process is contained: it runs in a process group of its own, with stdin from
/// `/dev/null`, an address-space limit and a CPU-time limit (set by the driver before the
/// implementation is imported); its stderr is drained to the end, keeping the first few KB;
/// and when it ends or overruns, the whole group is killed, so nothing it started outlives
/// the check or holds its pipes open.
fn drive(
    python: &Path,
    dir: &Path,
    routine: &str,
    inputs: &[Input],
    limits: &Limits,
) -> Result<Outcome, Failure> {
    let cases =
        serde_json::to_string(inputs).map_err(|err| Failure::environment(err.to_string()))?;
    // The CPU time the whole process may use: every case's real-time limit, and the import's.
    let cpu_secs = (limits.per_case.as_secs_f64() * (inputs.len() + 1) as f64).ceil() as u64 + 1;
    let mut command = Command::new(python);
    command
        .arg("-c")
        .arg(DRIVER)
        .arg(dir)
        .arg(routine)
        .arg(cases)
        .arg(limits.memory.to_string())
        .arg(cpu_secs.to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|err| {
        Failure::usage(format!(
            "cannot run `{}`: {err} (give one with --python PATH)",
            python.display()
        ))
    })?;
    let group = Group::new(child.id());
    let (sender, receiver) = mpsc::channel();
    let stdout = child.stdout.take().map(BufReader::new);
    std::thread::spawn(move || {
        for line in stdout.into_iter().flat_map(BufRead::lines) {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take();
    let (kept_sender, kept) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = kept_sender.send(drain(stderr));
    });
    let mut lines = Vec::new();
    let mut ended = None;
    // One line for the import, then one per case.
    for expected in 0..=inputs.len() {
        match receiver.recv_timeout(limits.per_case) {
            Ok(text) => {
                let line: Line = serde_json::from_str(&text).unwrap_or_default();
                let stop = line.import_error.is_some();
                lines.push(line);
                if stop {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let what = if expected == 0 {
                    "the import"
                } else {
                    "the call"
                };
                ended = Some(format!(
                    "{what} did not finish within {} s of real time: an infinite loop, or a wait the virtual clock cannot skip",
                    limits.per_case.as_secs_f64()
                ));
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // Everything the process started goes with it; then its pipes close.
    group.kill();
    let status = child.wait().ok();
    drop(group);
    // A process that left the group (a new session) may still hold stderr: wait a little only.
    let last_words = kept
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    if ended.is_none()
        && lines.len() < inputs.len() + 1
        && lines.first().is_none_or(|l| l.import_error.is_none())
    {
        ended = Some(if over_cpu_limit(status) {
            format!("the Python process went over its CPU-time limit of {cpu_secs} s")
        } else {
            let last = last_words
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim()
                .to_string();
            format!("the Python process stopped: {last}")
        });
    }
    Ok(Outcome { lines, ended })
}

/// Reads a stream to its end, keeping the first [`KEPT_STDERR`] bytes as text.
fn drain(stream: Option<impl Read>) -> String {
    let mut kept = Vec::new();
    if let Some(mut stream) = stream {
        let mut buffer = [0; 8192];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            let room = KEPT_STDERR.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..read.min(room)]);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Whether a process was ended by the CPU-time limit (`SIGXCPU`, or `SIGKILL` at the hard one).
fn over_cpu_limit(status: Option<std::process::ExitStatus>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.and_then(|s| s.signal()) == Some(nix::sys::signal::Signal::SIGXCPU as i32)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        false
    }
}

/// The verdict of each check of one routine, and its results (for comparing routines).
fn judge(
    routine: &'static str,
    inputs: &[Input],
    outcome: &Outcome,
    args: &CheckPythonArgs,
) -> (Vec<Row>, Vec<Option<Vec<f64>>>) {
    let names = checks(routine);
    let mut failures: Vec<Option<(Counterexample, Option<String>)>> = vec![None; names.len()];
    let mut skipped: Vec<Option<String>> = vec![None; names.len()];
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
    let replay = |input: &Input| {
        format!(
            "waitsim check-python {} --routine {routine} --seeds {}..{}",
            args.dir.display(),
            input.seed,
            input.seed + 1
        )
    };
    let counter =
        |input: &Input, index: Option<usize>, expected: String, got: String| Counterexample {
            seed: Some(input.seed),
            n: input.n,
            max_delay: input.max_delay,
            index,
            expected,
            got,
            replay: replay(input),
        };
    let mut values = vec![None; inputs.len()];
    let first = outcome.lines.first();
    if let Some(error) = first.and_then(|l| l.import_error.clone()) {
        let example = Counterexample {
            seed: None,
            n: None,
            max_delay: None,
            index: None,
            expected: format!("`{routine}` imported as the exercise's main programs import it"),
            got: error,
            replay: format!(
                "waitsim check-python {} --routine {routine}",
                args.dir.display()
            ),
        };
        failures[0] = Some((example, None));
        for skip in skipped.iter_mut().skip(1) {
            *skip = Some("the import failed".into());
        }
        return (rows(routine, names, failures, skipped), values);
    }
    if first.is_none() {
        let note = outcome
            .ended
            .clone()
            .unwrap_or_else(|| "the Python process said nothing".into());
        let example = counter(&inputs[0], None, "the module to import".into(), note);
        failures[0] = Some((example, None));
        for skip in skipped.iter_mut().skip(1) {
            *skip = Some("the import failed".into());
        }
        return (rows(routine, names, failures, skipped), values);
    }
    if let Some(Some(problem)) = first.and_then(|l| l.shape.clone()) {
        let example = Counterexample {
            seed: None,
            n: None,
            max_delay: None,
            index: None,
            expected: "the exercise's signature".into(),
            got: problem,
            replay: format!(
                "waitsim check-python {} --routine {routine}",
                args.dir.display()
            ),
        };
        failures[at("shape")] = Some((example, None));
    }
    let mut fail = |name: &str, example: Counterexample, note: Option<String>| {
        let slot = &mut failures[at(name)];
        if slot.is_none() {
            *slot = Some((example, note));
        }
    };
    let by_case: Vec<Option<&Line>> = (0..inputs.len())
        .map(|i| outcome.lines.iter().skip(1).find(|l| l.case == Some(i)))
        .collect();
    let mut ran = 0;
    for (input, line) in inputs.iter().zip(&by_case) {
        let Some(line) = line else {
            let note = outcome.ended.clone().unwrap_or_else(|| "no result".into());
            fail("runs", counter(input, None, "a result".into(), note), None);
            break;
        };
        if routine == "task_wait_random" && line.task == Some(false) {
            let returned = line.returned.clone().unwrap_or_default();
            fail(
                "task",
                counter(
                    input,
                    None,
                    "an asyncio.Task".into(),
                    format!("a {returned}"),
                ),
                None,
            );
        }
        if let Some(error) = &line.error {
            fail(
                "runs",
                counter(
                    input,
                    None,
                    "a result".into(),
                    format!("an exception: {error}"),
                ),
                None,
            );
            continue;
        }
        ran += 1;
        if line.sleeps > 0 {
            fail(
                "non-blocking",
                counter(
                    input,
                    None,
                    "no call of time.sleep".into(),
                    format!("{} calls: each holds up the whole event loop", line.sleeps),
                ),
                None,
            );
        }
        let elapsed: f64 = line
            .elapsed
            .as_deref()
            .and_then(|e| e.parse().ok())
            .unwrap_or(f64::NAN);
        let Ok(expected) = input.expected(routine) else {
            continue;
        };
        let largest = expected.last().copied().unwrap_or(0.0);
        let max = input.max_delay.unwrap_or(10.0);
        let Some(value) = &line.value else { continue };
        if routine == "measure_time" {
            let n = input.n.unwrap_or(1) as f64;
            match value.float() {
                Some(got) if close(got, elapsed / n) => {}
                _ => fail(
                    "divides",
                    counter(
                        input,
                        None,
                        format!("{} (the {elapsed} s it took, over n)", elapsed / n),
                        value.show(),
                    ),
                    None,
                ),
            }
            // Concurrent waits take the largest delay; waits one after another, the sum.
            let sum: f64 = expected.iter().sum();
            if close(elapsed, largest) {
                // Concurrent, and the exercise's draw.
            } else if elapsed > max * (1.0 + 1e-9) + 1e-9
                || (expected.len() > 1 && close(elapsed, sum))
            {
                fail(
                    "concurrent",
                    counter(
                        input,
                        None,
                        format!("{largest} s of virtual time (the largest delay)"),
                        format!("{elapsed} s (the delays add up to {sum} s)"),
                    ),
                    None,
                );
            } else {
                fail(
                    "parity",
                    counter(input, None, format!("{largest} s, the largest of the exercise's draws"), format!("{elapsed} s")),
                    Some("not the exercise's draw: after random.seed(seed), the delays are not random.uniform(0, max_delay) drawn once per wait".into()),
                );
            }
            continue;
        }
        // The routines that return delays: one, or a list of n.
        let list: Vec<Value> = match (routine, &value.items) {
            ("wait_random" | "task_wait_random", _) => vec![value.clone()],
            (_, Some(items)) => items.clone(),
            (_, None) => {
                fail(
                    "length",
                    counter(input, None, "a list of delays".into(), value.show()),
                    None,
                );
                continue;
            }
        };
        if let Some(n) = input.n
            && list.len() != n
        {
            fail(
                "length",
                counter(
                    input,
                    None,
                    format!("{n} delays"),
                    format!("{}", list.len()),
                ),
                None,
            );
        }
        let many = input.n.is_some();
        let floats: Vec<Option<f64>> = list.iter().map(Value::float).collect();
        if let Some(index) = floats
            .iter()
            .position(|f| !f.is_some_and(|f| (0.0..=max).contains(&f)))
        {
            fail(
                "in-range",
                counter(
                    input,
                    many.then_some(index),
                    format!("a float in [0, {max}]"),
                    list[index].show(),
                ),
                None,
            );
        }
        // Order, time and draw are judged on the numbers, floats or not.
        let Some(got) = list.iter().map(Value::number).collect::<Option<Vec<f64>>>() else {
            continue;
        };
        values[input.index] = Some(got.clone());
        if let Some(index) = got.windows(2).position(|w| w[0] > w[1]) {
            fail(
                "ascending",
                counter(
                    input,
                    Some(index + 1),
                    format!("at least {}", got[index]),
                    got[index + 1].to_string(),
                ),
                None,
            );
        }
        let got_largest = got.iter().copied().fold(0.0, f64::max);
        if checks(routine).contains(&"concurrent") && !close(elapsed, got_largest) {
            let sum: f64 = got.iter().sum();
            fail(
                "concurrent",
                counter(
                    input,
                    None,
                    format!("{got_largest} s (the largest delay)"),
                    format!("{elapsed} s (the delays add up to {sum} s)"),
                ),
                None,
            );
        }
        let mut sorted = got.clone();
        sorted.sort_by(f64::total_cmp);
        if let Some(index) = first_difference(&expected, &sorted) {
            let show = |v: &[f64]| {
                v.get(index)
                    .map_or("nothing".to_string(), ToString::to_string)
            };
            fail(
                "parity",
                counter(input, many.then_some(index), show(&expected), show(&sorted)),
                Some("not the exercise's draw: after random.seed(seed), the delays are not random.uniform(0, max_delay) drawn once per wait".into()),
            );
        }
    }
    if ran == 0 {
        for (name, skip) in names.iter().zip(skipped.iter_mut()) {
            if !matches!(*name, "import" | "shape" | "runs" | "task") {
                *skip = Some("no case ran".into());
            }
        }
    }
    (rows(routine, names, failures, skipped), values)
}

/// Whether two times agree to within the event loop's clock resolution.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn first_difference(a: &[f64], b: &[f64]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn rows(
    routine: &'static str,
    names: &'static [&'static str],
    failures: Vec<Option<(Counterexample, Option<String>)>>,
    skipped: Vec<Option<String>>,
) -> Vec<Row> {
    names
        .iter()
        .zip(failures.into_iter().zip(skipped))
        .map(|(&check, (failure, skip))| match (failure, skip) {
            (Some((example, note)), _) => Row {
                routine,
                check,
                verdict: "FAIL",
                note,
                counterexample: Some(example),
            },
            (None, Some(reason)) => Row {
                routine,
                check,
                verdict: "skip",
                note: Some(reason),
                counterexample: None,
            },
            (None, None) => Row {
                routine,
                check,
                verdict: "pass",
                note: None,
                counterexample: None,
            },
        })
        .collect()
}

/// `task_wait_n` gives what `wait_n` gives for the same seed.
fn same_as_wait_n(
    rows: &mut Vec<Row>,
    results: &[(&str, Vec<Option<Vec<f64>>>)],
    args: &CheckPythonArgs,
) {
    let find = |name| {
        results
            .iter()
            .find(|(routine, _)| *routine == name)
            .map(|(_, values)| values)
    };
    let Some(tasks) = find("task_wait_n") else {
        return;
    };
    let mut row = Row {
        routine: "task_wait_n",
        check: "same-as-wait_n",
        verdict: "pass",
        note: None,
        counterexample: None,
    };
    match find("wait_n") {
        None => {
            row.verdict = "skip";
            row.note = Some("wait_n was not checked".into());
        }
        Some(joined) => {
            let seeds: Vec<u64> = args.seeds.range().collect();
            for ((i, t), j) in tasks.iter().enumerate().zip(joined) {
                let (Some(t), Some(j)) = (t, j) else { continue };
                // As multisets: the order is the ascending check's business.
                let sorted = |v: &[f64]| {
                    let mut v = v.to_vec();
                    v.sort_by(f64::total_cmp);
                    v
                };
                let (t, j) = (&sorted(t), &sorted(j));
                if let Some(index) = first_difference(j, t) {
                    let show = |v: &[f64]| {
                        v.get(index)
                            .map_or("nothing".to_string(), ToString::to_string)
                    };
                    let input = input("task_wait_n", i, seeds[i]);
                    row.verdict = "FAIL";
                    row.counterexample = Some(Counterexample {
                        seed: Some(input.seed),
                        n: input.n,
                        max_delay: input.max_delay,
                        index: Some(index),
                        expected: format!("{} (from wait_n)", show(j)),
                        got: show(t),
                        replay: format!(
                            "waitsim check-python {} --seeds {}..{}",
                            args.dir.display(),
                            input.seed,
                            input.seed + 1
                        ),
                    });
                    break;
                }
            }
        }
    }
    rows.push(row);
}

/// The report as a table: routine, check, verdict; under each failure its first
/// counterexample and the command that replays it.
fn render(report: &Report) -> String {
    let mut text = format!(
        "check-python {}: seeds {}\n\n",
        report.directory, report.seeds
    );
    let _ = writeln!(text, "{:<18}{:<16}verdict", "routine", "check");
    for row in &report.rows {
        let _ = writeln!(text, "{:<18}{:<16}{}", row.routine, row.check, row.verdict);
        if let Some(note) = &row.note {
            let _ = writeln!(text, "    {note}");
        }
        if let Some(example) = &row.counterexample {
            let mut case = Vec::new();
            if let Some(seed) = example.seed {
                case.push(format!("seed {seed}"));
            }
            if let Some(n) = example.n {
                case.push(format!("n {n}"));
            }
            if let Some(m) = example.max_delay {
                case.push(format!("max_delay {m}"));
            }
            if let Some(index) = example.index {
                case.push(format!("index {index}"));
            }
            let case = if case.is_empty() {
                String::new()
            } else {
                format!("{}: ", case.join(", "))
            };
            let _ = writeln!(
                text,
                "    {case}expected {}, got {}",
                example.expected, example.got
            );
            let _ = writeln!(text, "    replay: {}", example.replay);
        }
    }
    for file in &report.missing {
        let _ = writeln!(text, "missing: {file}");
    }
    let _ = writeln!(
        text,
        "\n{} passed, {} failed, {} skipped",
        report.passed, report.failed, report.skipped
    );
    let _ = writeln!(
        text,
        "the cases waited {:.1} s of virtual time, which a real clock would have taken",
        report.virtual_seconds
    );
    text
}
