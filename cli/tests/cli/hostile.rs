//! The command with the environment against it: unwritable and closed streams, readers that
//! go away, signals at random moments, an address-space limit, unusable output paths and
//! inconsistent shards. Every case is bounded in time and leaves no process behind; the
//! parts that need a Unix shell or signals are Unix-only and say so elsewhere.

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{finish_within, run, stderr, stdout_of, temp, waitsim};

/// The statuses the command may end with, as the book's table lists them
/// (`book/src/reference/cli.md`).
const DOCUMENTED: [i32; 4] = [0, 1, 2, 130];

fn documented(status: ExitStatus, what: &str) -> i32 {
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{what}: ended by a signal: {status}"));
    assert!(
        DOCUMENTED.contains(&code),
        "{what}: undocumented status {code}"
    );
    code
}

#[cfg(unix)]
fn shell(script: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_waitsim"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[cfg(not(unix))]
#[test]
fn where_there_are_no_signals_a_run_still_ends_with_a_documented_status() {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "hostile: streams, signals and limits are tested on Unix only"
    );
    let good = run(&["wait-n", "5", "5", "--seed", "1"]);
    assert_eq!(documented(good.status, "wait-n"), 0);
    let bad = run(&["wait-n", "-1", "5"]);
    assert_eq!(documented(bad.status, "wait-n -1"), 2);
}

#[cfg(unix)]
#[test]
fn stderr_full_or_closed_changes_nothing() {
    for redirect in ["2>/dev/full", "2>&-"] {
        let bad = shell(&format!(r#""$0" wait-n -1 5 {redirect}"#));
        assert_eq!(documented(bad.status, redirect), 2, "{redirect}");
        // The seed line goes nowhere; the run and its output do not care.
        let good = shell(&format!(r#""$0" wait-n 5 5 --json {redirect}"#));
        assert_eq!(documented(good.status, redirect), 0, "{redirect}");
        assert!(String::from_utf8_lossy(&good.stdout).starts_with("{\"routine\":\"wait_n\""));
    }
}

#[cfg(unix)]
#[test]
fn stdout_closed_or_full_is_one_line_and_status_one() {
    for (redirect, says) in [
        (">&-", "it is closed"),
        (">/dev/full", "No space left on device"),
    ] {
        let output = shell(&format!(r#""$0" wait-n 5 10 --seed 1 {redirect}"#));
        assert_eq!(documented(output.status, redirect), 1, "{redirect}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{redirect}: {err}");
        assert!(
            err.starts_with("error: cannot write to stdout: ") && err.contains(says),
            "{err}"
        );
    }
    // A sweep into a full disk stops at the first failed write, with the same line.
    let output = shell(r#""$0" sweep 3 5 --seeds 0..2000000 --json >/dev/full"#);
    assert_eq!(documented(output.status, "sweep >/dev/full"), 1);
    assert!(
        stderr(&output).contains("error: cannot write to stdout: "),
        "{}",
        stderr(&output)
    );
}

/// Python's `subprocess.DEVNULL` (and many process managers' way to discard a command's
/// output) is `/dev/null` opened for reading and writing: the same thing the Rust runtime puts
/// in the place of a closed stdout. A discarded stdout runs as a visible one, in every mode;
/// a stdout closed before the start (`>&-`) is still refused.
#[cfg(target_os = "linux")]
#[test]
fn a_discarded_stdout_runs_as_a_visible_one_and_a_closed_one_is_refused() {
    let fixture = |name: &str| format!("{}/../fixtures/python/{name}", env!("CARGO_MANIFEST_DIR"));
    let (correct, broken) = (fixture("correct-gather"), fixture("no-sort"));
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["wait-n", "5", "10", "--seed", "1"],
        vec!["wait-n", "5", "10", "--seed", "1", "--json"],
        vec!["sweep", "3", "5", "--seeds", "0..20"],
        vec!["wait-n", "-1", "5"],
    ];
    let python = crate::python::have_python("a discarded stdout of check-python");
    if python {
        commands.push(vec!["check-python", &correct, "--seeds", "0..2"]);
        commands.push(vec![
            "check-python",
            &broken,
            "--seeds",
            "0..2",
            "--format",
            "junit",
        ]);
        commands.push(vec![
            "check-python",
            &broken,
            "--seeds",
            "0..2",
            "--format",
            "gradescope",
        ]);
    }
    for args in &commands {
        let what = args.join(" ");
        let visible = run(args);
        let read_write = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        let discarded = waitsim()
            .args(args)
            .stdout(read_write)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            documented(discarded.status, &what),
            documented(visible.status, &what),
            "{what}: {}",
            stderr(&discarded)
        );
        assert!(
            !stderr(&discarded).contains("cannot write to stdout"),
            "{what}: {}",
            stderr(&discarded)
        );
        // Usage is checked first: a bad value is status 2 whatever stdout is.
        let usage = visible.status.code() == Some(2);
        let closed = shell(&format!(r#""$0" {what} >&-"#));
        assert_eq!(
            documented(closed.status, &what),
            if usage { 2 } else { 1 },
            "{what}"
        );
        if !usage {
            assert_eq!(
                stderr(&closed),
                "error: cannot write to stdout: it is closed (the output would be lost)\n",
                "{what}"
            );
        }
    }
}

#[test]
fn a_reader_that_goes_away_stops_a_sweep_at_once() {
    use std::io::Read as _;
    let mut child = waitsim()
        .args(["sweep", "1", "10", "--seeds", "0..10000000", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first, b"{\"seed\":0,");
    drop(child.stdout.take());
    // The whole sweep takes a minute or more; once its reader has gone, it stops within the
    // next seeds. The guard only turns a sweep that never stops into a failure.
    let status = finish_within(child, Duration::from_secs(120), "a sweep whose reader left");
    assert_eq!(documented(status, "sweep | head"), 0);
}

#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_with_stderr_on_the_same_pipe() {
    use std::io::Read as _;
    // waitsim's own status, not `head`'s: a pipeline's status is its last command's.
    let status_file = temp("reader-gone-status");
    let _ = std::fs::remove_file(&status_file);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"{ "$0" sweep 1 10 --seeds 0..10000000 --json 2>&1; echo $? > "$1"; } | head -c 10"#)
        .arg(env!("CARGO_BIN_EXE_waitsim"))
        .arg(&status_file)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The whole sweep takes a minute or more; it stops within the seeds after its reader left.
    // The guard only turns a sweep that never stops into a failure.
    let status = finish_within(child, Duration::from_secs(120), "a sweep piped into head");
    assert!(status.success());
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("{\"seed\":0,"), "{text}");
    let status = std::fs::read_to_string(&status_file).unwrap();
    assert_eq!(
        status.trim(),
        "0",
        "waitsim's status when its reader went away"
    );
}

/// Waits, at most ten seconds, until `file` holds something.
#[cfg(unix)]
fn wait_for_output(file: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(file).map_or(0, |meta| meta.len()) == 0 {
        assert!(Instant::now() < deadline, "no output in {}", file.display());
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends `signal` to a running `sweep --json > file` after `delay`, and checks the file: only
/// whole lines, each a seed's JSON line, and the stderr line saying which seeds they cover.
#[cfg(unix)]
fn interrupt_a_sweep(signal: &str, delay: Duration, file: &std::path::Path) -> usize {
    let out = std::fs::File::create(file).unwrap();
    let child = waitsim()
        .args(["sweep", "2", "10", "--seeds", "0..5000000", "--json"])
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    // From its first line on, the command handles the signal itself; the moment is drawn
    // from there.
    wait_for_output(file);
    std::thread::sleep(delay);
    let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(sent.success());
    let output = {
        let status = finish_within(child, Duration::from_secs(10), "an interrupted sweep");
        assert_eq!(documented(status, signal), 130, "{signal} after {delay:?}");
        std::fs::read_to_string(file).unwrap()
    };
    assert!(
        output.is_empty() || output.ends_with('\n'),
        "a torn last line: {signal} after {delay:?}"
    );
    let mut count = 0;
    for (i, line) in output.lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("line {} is not JSON ({err}): {line}", i + 1));
        assert_eq!(value["seed"], i, "the lines are the first seeds, in order");
        count += 1;
    }
    count
}

#[cfg(unix)]
#[test]
fn signals_at_random_moments_leave_only_whole_lines() {
    // The moments are drawn from a seeded generator: the same every run.
    let mut rng = waitsim::seeded(13);
    let mut trials = 0;
    for signal in ["-INT", "-TERM"] {
        for k in 0..15 {
            let delay = Duration::from_secs_f64(0.3 * rand::RngExt::random::<f64>(&mut rng));
            let file = temp(&format!("interrupted-{}-{k}.jsonl", &signal[1..]));
            let lines = interrupt_a_sweep(signal, delay, &file);
            trials += 1;
            if lines > 0 && k == 0 {
                // A partial shard merges: its summary counts exactly its lines.
                let merged = stdout_of(&["sweep-merge", "--json", file.to_str().unwrap()]);
                let summary: serde_json::Value = serde_json::from_str(&merged).unwrap();
                assert_eq!(summary["summary"]["seeds"], lines);
            }
        }
    }
    assert_eq!(trials, 30);
}

#[cfg(unix)]
#[test]
fn an_interrupted_sweep_says_which_seeds_its_lines_cover() {
    let file = temp("interrupted-report.jsonl");
    let out = std::fs::File::create(&file).unwrap();
    let mut child = waitsim()
        .args(["sweep", "2", "10", "--seeds", "0..5000000", "--json"])
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_output(&file);
    std::thread::sleep(Duration::from_millis(100));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    let status = finish_within(child, Duration::from_secs(10), "an interrupted sweep");
    assert_eq!(status.code(), Some(130));
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: interrupted after {lines} of 5000000 seeds: the {lines} lines written"
        )),
        "{err}"
    );
    assert!(
        err.contains("sweep-merge reads them as a partial shard"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_that_cannot_fit_is_refused_at_once() {
    // Refused before any wait is made: the message is the estimate's, not an allocation's
    // failure, and no seed was drawn for a run (no `seed:` line).
    let output = shell(r#"ulimit -v 3000000; exec "$0" wait-n 100000000 10"#);
    assert_eq!(documented(output.status, "ulimit -v"), 1);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: not enough memory: the run needs about 12.0 GB, and ")
            && err.contains("(the address-space limit)"),
        "{err}"
    );
    // What fits, runs.
    let small = shell(r#"ulimit -v 3000000; exec "$0" wait-n 100000 10 --seed 1 --json"#);
    assert_eq!(
        documented(small.status, "ulimit -v, small"),
        0,
        "{}",
        stderr(&small)
    );
}

#[test]
fn unusable_output_paths_cost_no_simulation_and_leave_no_file() {
    let folder = temp("svg-folder");
    std::fs::create_dir_all(&folder).unwrap();
    let missing = temp("no-such-folder/picture.svg");
    let mut cases = vec![
        (
            folder.to_str().unwrap().to_owned(),
            "it is not a regular file",
        ),
        (missing.to_str().unwrap().to_owned(), "no folder"),
    ];
    if cfg!(unix) {
        cases.push(("/dev/full".to_owned(), "it is not a regular file"));
    }
    for (path, says) in cases {
        // Three million waits, or a hundred million in the sweep, would take tens of seconds:
        // the path is refused first, before a seed is drawn (stderr is the one error line).
        for args in [
            vec!["timeline", "3000000", "10", "--svg", &path],
            vec![
                "sweep",
                "1000",
                "10",
                "--seeds",
                "0..100000",
                "--svg",
                &path,
            ],
        ] {
            let output = run(&args);
            assert_eq!(documented(output.status, &path), 1, "{args:?}");
            let err = stderr(&output);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with(&format!("error: cannot write `{path}`: {says}")),
                "{err}"
            );
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(!missing.exists());
    // A timeline too tall for the terminal is refused before it runs.
    let tall = run(&["timeline", "3000000", "10"]);
    assert_eq!(documented(tall.status, "tall timeline"), 2);
    assert_eq!(stderr(&tall).lines().count(), 1, "{}", stderr(&tall));
}

#[test]
fn sweep_merge_refuses_every_inconsistent_line_by_file_and_number() {
    let good =
        r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":2.125}"#;
    let cases = [
        (
            r#"{"seed":1,"n":0,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":2.125}"#,
            "invalid n `0`",
        ),
        (
            r#"{"seed":1,"n":100000001,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":0.0}"#,
            "invalid n `100000001`",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":-2.125}"#,
            "is not elapsed / n",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":2.0}"#,
            "is not elapsed / n",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":4.2501,"measure_time":2.12505}"#,
            "not a whole number of milliseconds",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":6.0,"measure_time":3.0}"#,
            "longer than max_delay 5",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":-1.0,"measure_time":-0.5}"#,
            "invalid duration",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":null,"measure_time":2.125}"#,
            "not a line of `sweep --json`",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":-5.0,"rng":"chacha","elapsed":4.25,"measure_time":2.125}"#,
            "invalid max_delay",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"mt","elapsed":4.25,"measure_time":2.125}"#,
            "not a line of `sweep --json`",
        ),
        (
            r#"{"seed":1,"n":2,"max_delay":5.0,"rng":"chacha","elapsed":4.25,"measure_time":2.125,"x":1}"#,
            "unknown field",
        ),
        ("not json", "not a line of `sweep --json`"),
    ];
    for (k, (bad, says)) in cases.iter().enumerate() {
        let file = temp(&format!("bad-shard-{k}.jsonl"));
        std::fs::write(
            &file,
            format!("{}\n{bad}\n", good.replace("\"seed\":1", "\"seed\":0")),
        )
        .unwrap();
        let output = run(&["sweep-merge", file.to_str().unwrap()]);
        assert_eq!(documented(output.status, bad), 2, "{bad}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("error: {}:2: ", file.display())) && err.contains(says),
            "{bad}: {err}"
        );
    }
    // The good line merges, and the summary reads back with finite numbers only.
    let file = temp("good-shard.jsonl");
    std::fs::write(&file, format!("{good}\n")).unwrap();
    let merged = stdout_of(&["sweep-merge", "--json", file.to_str().unwrap()]);
    let summary: serde_json::Value = serde_json::from_str(&merged).unwrap();
    for (key, value) in summary["summary"].as_object().unwrap() {
        assert!(value.as_f64().is_some_and(f64::is_finite), "{key}: {value}");
    }
}

#[test]
fn every_ending_is_in_the_table() {
    let help = stdout_of(&["--help"]);
    for code in DOCUMENTED {
        assert!(
            help.contains(&format!("\n  {code} ")),
            "--help lists {code}"
        );
    }
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../book/src/reference/cli.md"
    ))
    .unwrap();
    for code in DOCUMENTED {
        assert!(
            page.contains(&format!("| {code} | ")),
            "the book's page on the command line lists {code}"
        );
    }
    let endings: [(&[&str], i32); 4] = [
        (&["wait-n", "5", "5", "--seed", "1"], 0),
        (&["measure-time", "0", "5"], 2),
        (&["wait-random", "-inf"], 2),
        (&["sweep-merge", "/no/such/file"], 2),
    ];
    for (args, code) in endings {
        assert_eq!(
            documented(run(args).status, &format!("{args:?}")),
            code,
            "{args:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_signal_while_an_svg_is_drawn_leaves_no_temporary_file() {
    for (signal, args) in [
        ("-INT", vec!["sweep", "2", "10", "--seeds", "0..5000000"]),
        ("-TERM", vec!["timeline", "3000000", "10"]),
    ] {
        let folder = temp(&format!("svg-signal{signal}"));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let picture = folder.join("picture.svg");
        let child = waitsim()
            .args(&args)
            .args(["--svg", picture.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The temporary file appears before the work starts; the signal comes during it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_dir(&folder).unwrap().count() == 0 {
            assert!(Instant::now() < deadline, "{args:?}: no temporary file");
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(100));
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = finish_within(child, Duration::from_secs(10), "an interrupted --svg");
        assert_eq!(documented(status, signal), 130, "{args:?}");
        let left: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}
