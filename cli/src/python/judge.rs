//! Judging what a routine's process gave: the cases each seed asks for, and a verdict for each
//! check, with its first counterexample. The checks the Rust routines share are the laws of
//! [`waitsim::laws`], by the same names; the rest are the Python exercise's own.

use std::path::Path;

use serde::{Serialize, Serializer};
use waitsim::laws::{Law, first_difference};
use waitsim::{Case, MaxDelay, RngKind, Scenario};

use super::process::{Line, Outcome, Value};

/// The exercise's routines, their files, in order.
pub const ROUTINES: [(&str, &str); 5] = [
    ("wait_random", "0-basic_async_syntax.py"),
    ("wait_n", "1-concurrent_coroutines.py"),
    ("measure_time", "2-measure_runtime.py"),
    ("task_wait_random", "3-tasks.py"),
    ("task_wait_n", "4-tasks.py"),
];

/// What is checked of a routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The file imports as the exercise's main programs import it.
    Import,
    /// The routine has the exercise's signature.
    Shape,
    /// `task_wait_random` returns an `asyncio.Task`.
    Task,
    /// No `time.sleep`, which holds up the whole event loop.
    NonBlocking,
    /// A law the Rust routines obey too.
    Law(Law),
}

impl Check {
    /// The check's name in reports: the law's own name for a law.
    pub fn name(self) -> &'static str {
        match self {
            Check::Import => "import",
            Check::Shape => "shape",
            Check::Task => "task",
            Check::NonBlocking => "non-blocking",
            Check::Law(law) => law.name(),
        }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

const IMPORT: Check = Check::Import;
const SHAPE: Check = Check::Shape;
const TASK: Check = Check::Task;
const NON_BLOCKING: Check = Check::NonBlocking;
/// The call returns a value, without an exception, in time.
const COMPLETES: Check = Check::Law(Law::Completes);
const LENGTH: Check = Check::Law(Law::Length);
const IN_RANGE: Check = Check::Law(Law::InRange);
const ASCENDING: Check = Check::Law(Law::Ascending);
const CONCURRENT: Check = Check::Law(Law::Concurrent);
/// `measure_time` is the time taken divided by `n`.
const MEASURE_TIME: Check = Check::Law(Law::MeasureTime);
/// The delays are CPython's: `random.uniform(0, max_delay)` drawn once per wait.
const CONFORMS: Check = Check::Law(Law::Conforms);
/// `task_wait_n` gives what `wait_n` gives for the same seed.
pub const AGREES: Check = Check::Law(Law::Agrees);

/// The checks of each routine, in the order they are reported.
fn checks(routine: &str) -> &'static [Check] {
    match routine {
        "wait_random" => &[
            IMPORT,
            SHAPE,
            COMPLETES,
            IN_RANGE,
            CONCURRENT,
            NON_BLOCKING,
            CONFORMS,
        ],
        "measure_time" => &[
            IMPORT,
            SHAPE,
            COMPLETES,
            MEASURE_TIME,
            CONCURRENT,
            NON_BLOCKING,
            CONFORMS,
        ],
        "task_wait_random" => &[
            IMPORT,
            SHAPE,
            TASK,
            COMPLETES,
            IN_RANGE,
            NON_BLOCKING,
            CONFORMS,
        ],
        // `wait_n` and `task_wait_n`; `task_wait_n` also gets a row comparing it with `wait_n`.
        _ => &[
            IMPORT,
            SHAPE,
            COMPLETES,
            LENGTH,
            IN_RANGE,
            ASCENDING,
            CONCURRENT,
            NON_BLOCKING,
            CONFORMS,
        ],
    }
}

/// One case: a seed and the routine's inputs drawn from it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Input {
    index: usize,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
    /// `None` calls `wait_random()` with its default.
    #[serde(serialize_with = "whole_or_float")]
    max_delay: Option<f64>,
}

/// Whole bounds as integers, as the exercise passes them (`randint` refuses floats).
fn whole_or_float<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => serializer.serialize_i64(v as i64),
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}

/// The inputs of `routine` for `seed`: the same `n` and bound for every routine of a seed, so
/// that `task_wait_n` and `wait_n` can be compared.
pub fn input(routine: &str, index: usize, seed: u64) -> Input {
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

/// The first counterexample of a check.
#[derive(Clone, Debug, Serialize)]
pub struct Counterexample {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    pub max_delay: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub expected: String,
    pub got: String,
    pub replay: String,
}

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Verdict {
    /// The verdict as reports, text and JSON, write it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub routine: &'static str,
    pub check: Check,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

/// The delays a routine returned for each case that returned numbers, for comparing routines.
pub type Results = Vec<Option<Vec<f64>>>;

/// The note of a failed `conforms`.
const NOT_THE_DRAW: &str = "not the exercise's draw: after random.seed(seed), the delays are not random.uniform(0, max_delay) drawn once per wait";

/// The command that replays one case of `routine` in `dir`.
fn replay(dir: &Path, routine: Option<&str>, seed: Option<u64>) -> String {
    let mut command = format!("waitsim check-python {}", dir.display());
    if let Some(routine) = routine {
        command += &format!(" --routine {routine}");
    }
    if let Some(seed) = seed {
        command += &format!(" --seeds {seed}..{}", seed + 1);
    }
    command
}

/// The verdict of each check of one routine, and its results.
pub fn judge(
    routine: &'static str,
    dir: &Path,
    inputs: &[Input],
    outcome: &Outcome,
) -> (Vec<Row>, Results) {
    let names = checks(routine);
    let mut failures: Vec<Option<(Counterexample, Option<String>)>> = vec![None; names.len()];
    let mut skipped: Vec<Option<String>> = vec![None; names.len()];
    let at = |check: Check| names.iter().position(|c| *c == check).unwrap_or(0);
    let counter =
        |input: &Input, index: Option<usize>, expected: String, got: String| Counterexample {
            seed: Some(input.seed),
            n: input.n,
            max_delay: input.max_delay,
            index,
            expected,
            got,
            replay: replay(dir, Some(routine), Some(input.seed)),
        };
    let whole = |expected: String, got: String| Counterexample {
        seed: None,
        n: None,
        max_delay: None,
        index: None,
        expected,
        got,
        replay: replay(dir, Some(routine), None),
    };
    let mut values = vec![None; inputs.len()];
    let first = outcome.lines.first();
    let import_failed = match first {
        Some(Line {
            import_error: Some(error),
            ..
        }) => Some(whole(
            format!("`{routine}` imported as the exercise's main programs import it"),
            error.clone(),
        )),
        None => Some(counter(
            &inputs[0],
            None,
            "the module to import".into(),
            outcome
                .ended
                .clone()
                .unwrap_or_else(|| "the Python process said nothing".into()),
        )),
        Some(_) => None,
    };
    if let Some(example) = import_failed {
        failures[0] = Some((example, None));
        for skip in skipped.iter_mut().skip(1) {
            *skip = Some("the import failed".into());
        }
        return (rows(routine, names, failures, skipped), values);
    }
    if let Some(Some(problem)) = first.and_then(|l| l.shape.clone()) {
        failures[at(SHAPE)] = Some((whole("the exercise's signature".into(), problem), None));
    }
    let mut fail = |check: Check, example: Counterexample, note: Option<String>| {
        let slot = &mut failures[at(check)];
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
            fail(
                COMPLETES,
                counter(input, None, "a result".into(), note),
                None,
            );
            break;
        };
        if routine == "task_wait_random" && line.task == Some(false) {
            let returned = line.returned.clone().unwrap_or_default();
            fail(
                TASK,
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
                COMPLETES,
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
                NON_BLOCKING,
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
                    MEASURE_TIME,
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
                    CONCURRENT,
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
                    CONFORMS,
                    counter(
                        input,
                        None,
                        format!("{largest} s, the largest of the exercise's draws"),
                        format!("{elapsed} s"),
                    ),
                    Some(NOT_THE_DRAW.into()),
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
                    LENGTH,
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
                LENGTH,
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
                IN_RANGE,
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
                ASCENDING,
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
        if names.contains(&CONCURRENT) && !close(elapsed, got_largest) {
            let sum: f64 = got.iter().sum();
            fail(
                CONCURRENT,
                counter(
                    input,
                    None,
                    format!("{got_largest} s (the largest delay)"),
                    format!("{elapsed} s (the delays add up to {sum} s)"),
                ),
                None,
            );
        }
        let sorted = ascending(&got);
        if let Some(index) = first_difference(&expected, &sorted) {
            fail(
                CONFORMS,
                counter(
                    input,
                    many.then_some(index),
                    show_at(&expected, index),
                    show_at(&sorted, index),
                ),
                Some(NOT_THE_DRAW.into()),
            );
        }
    }
    if ran == 0 {
        for (check, skip) in names.iter().zip(skipped.iter_mut()) {
            if !matches!(*check, IMPORT | SHAPE | COMPLETES | TASK) {
                *skip = Some("no case ran".into());
            }
        }
    }
    (rows(routine, names, failures, skipped), values)
}

/// Whether two times agree to within the resolution of asyncio's float clock. (Python's
/// event loop has no timer tick: a wait ends at its own float deadline.)
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn ascending(delays: &[f64]) -> Vec<f64> {
    let mut sorted = delays.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The delay at `index`, or "nothing" past the end.
fn show_at(delays: &[f64], index: usize) -> String {
    delays
        .get(index)
        .map_or("nothing".to_string(), ToString::to_string)
}

fn rows(
    routine: &'static str,
    names: &'static [Check],
    failures: Vec<Option<(Counterexample, Option<String>)>>,
    skipped: Vec<Option<String>>,
) -> Vec<Row> {
    names
        .iter()
        .zip(failures.into_iter().zip(skipped))
        .map(|(&check, (failure, skip))| {
            let (verdict, note, counterexample) = match (failure, skip) {
                (Some((example, note)), _) => (Verdict::Fail, note, Some(example)),
                (None, Some(reason)) => (Verdict::Skip, Some(reason), None),
                (None, None) => (Verdict::Pass, None, None),
            };
            Row {
                routine,
                check,
                verdict,
                note,
                counterexample,
            }
        })
        .collect()
}

/// The `agrees` row of `task_wait_n`: it gives what `wait_n` gives for the same seed, as
/// multisets (the order is `ascending`'s business). `None` unless `task_wait_n` was checked.
pub fn agrees_with_wait_n(results: &[(&str, Results)], dir: &Path, seeds: &[u64]) -> Option<Row> {
    let find = |name| {
        results
            .iter()
            .find(|(routine, _)| *routine == name)
            .map(|(_, values)| values)
    };
    let tasks = find("task_wait_n")?;
    let mut row = Row {
        routine: "task_wait_n",
        check: AGREES,
        verdict: Verdict::Pass,
        note: None,
        counterexample: None,
    };
    let Some(joined) = find("wait_n") else {
        row.verdict = Verdict::Skip;
        row.note = Some("wait_n was not checked".into());
        return Some(row);
    };
    for ((i, t), j) in tasks.iter().enumerate().zip(joined) {
        let (Some(t), Some(j)) = (t, j) else { continue };
        let (t, j) = (ascending(t), ascending(j));
        if let Some(index) = first_difference(&j, &t) {
            let input = input("task_wait_n", i, seeds[i]);
            row.verdict = Verdict::Fail;
            row.counterexample = Some(Counterexample {
                seed: Some(input.seed),
                n: input.n,
                max_delay: input.max_delay,
                index: Some(index),
                expected: format!("{} (from wait_n)", show_at(&j, index)),
                got: show_at(&t, index),
                replay: replay(dir, None, Some(input.seed)),
            });
            break;
        }
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_that_are_laws_have_the_laws_names() {
        let names: Vec<&str> = checks("wait_n").iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "import",
                "shape",
                "completes",
                "length",
                "in-range",
                "ascending",
                "concurrent",
                "non-blocking",
                "conforms"
            ]
        );
        assert_eq!(checks("measure_time")[3].name(), Law::MeasureTime.name());
        assert_eq!(AGREES.name(), "agrees");
    }

    #[test]
    fn whole_bounds_go_to_python_as_integers() {
        let json = |max_delay| {
            serde_json::to_string(&Input {
                index: 0,
                seed: 0,
                n: None,
                max_delay,
            })
            .unwrap()
        };
        assert_eq!(json(Some(10.0)), r#"{"index":0,"seed":0,"max_delay":10}"#);
        assert_eq!(json(Some(7.25)), r#"{"index":0,"seed":0,"max_delay":7.25}"#);
        assert_eq!(json(None), r#"{"index":0,"seed":0,"max_delay":null}"#);
    }

    #[test]
    fn every_routine_of_a_seed_gets_the_same_size_and_bound() {
        let a = input("wait_n", 3, 12);
        let b = input("task_wait_n", 3, 12);
        assert_eq!((a.n, a.max_delay), (b.n, b.max_delay));
        assert_eq!(
            input("wait_random", 0, 3).max_delay,
            None,
            "every fourth seed"
        );
    }

    #[test]
    fn times_agree_within_a_nanosecond_scaled() {
        assert!(close(10.0, 10.0 + 5e-9));
        assert!(!close(10.0, 10.0 + 2e-8));
        assert!(close(0.0, 5e-10));
    }
}
