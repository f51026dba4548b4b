//! The exercise as `check-python` grades it: its routines and their files, what is checked of
//! each, and the cases each seed asks for. Keyed by [`waitsim::Routine`].

use serde::{Serialize, Serializer};
use waitsim::laws::Law;
use waitsim::{MaxDelay, Routine};

use super::protocol::CaseInput;

/// The exercise's routines, their files, in order.
pub const ROUTINES: [(Routine, &str); 5] = [
    (Routine::WaitRandom, "0-basic_async_syntax.py"),
    (Routine::WaitN, "1-concurrent_coroutines.py"),
    (Routine::MeasureTime, "2-measure_runtime.py"),
    (Routine::TaskWaitRandom, "3-tasks.py"),
    (Routine::TaskWaitN, "4-tasks.py"),
];

/// The modules the exercise needs, besides its own: what the policy never lists.
pub const NEEDED: [&str; 4] = ["asyncio", "random", "time", "typing"];

/// The modules the exercise needs, as the policy check says it.
pub const NEEDED_TEXT: &str = "asyncio, random, time, typing and the exercise's own modules";

/// One routine as the driver needs to know it: where it is, how it is called, and the
/// signature the exercise gives it.
#[derive(Debug, Serialize)]
struct RoutineSpec {
    routine: &'static str,
    /// The module the exercise's main programs import: the file's name without `.py`.
    module: &'static str,
    /// `async def`, awaited on the loop; otherwise a plain function.
    coroutine: bool,
    /// Called inside a running event loop (a coroutine, or `task_wait_random`, which makes a
    /// task); `measure_time` runs its own loop.
    in_loop: bool,
    /// Returns an `asyncio.Task`, which is awaited for its value.
    returns_task: bool,
    /// The leading parameters, by name.
    parameters: &'static [&'static str],
    /// The default of `max_delay`, where the exercise gives one.
    default_max_delay: Option<f64>,
}

/// The exercise, as the driver is told it: one spec for both sides, so that `driver.py` has
/// no table of its own.
#[derive(Debug, Serialize)]
struct Spec {
    routines: Vec<RoutineSpec>,
    needed: [&'static str; 4],
}

/// The exercise's spec as the driver reads it, one JSON argument.
pub fn spec_json() -> String {
    let routines = ROUTINES
        .iter()
        .map(|&(routine, file)| {
            let one = returns_one(routine);
            RoutineSpec {
                routine: routine.name(),
                module: file.trim_end_matches(".py"),
                coroutine: !matches!(routine, Routine::MeasureTime | Routine::TaskWaitRandom),
                in_loop: routine != Routine::MeasureTime,
                returns_task: routine == Routine::TaskWaitRandom,
                parameters: if one {
                    &["max_delay"]
                } else {
                    &["n", "max_delay"]
                },
                default_max_delay: (routine == Routine::WaitRandom)
                    .then_some(MaxDelay::DEFAULT.as_secs_f64()),
            }
        })
        .collect();
    serde_json::to_string(&Spec {
        routines,
        needed: NEEDED,
    })
    .unwrap_or_default()
}

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
    /// The file uses only what the exercise needs, read from its syntax tree.
    Policy,
    /// The driver's exchange was whole and well formed: the evidence the rest rests on.
    Protocol,
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
            Check::Policy => "policy",
            Check::Protocol => "protocol",
        }
    }
}

impl Check {
    /// What the check asks of the code, in a sentence for a learner.
    pub fn explain(self) -> &'static str {
        match self {
            Check::Import => {
                "the file must import as the exercise's main programs import it, with `__import__('N-name')`"
            }
            Check::Shape => {
                "the routine must have the exercise's signature: `async def` for wait_random, wait_n and task_wait_n, a plain `def` for measure_time and task_wait_random, with the exercise's parameters, and `max_delay` defaulting to 10"
            }
            Check::Task => {
                "`task_wait_random` must return an `asyncio.Task`, made with `asyncio.create_task`"
            }
            Check::NonBlocking => {
                "the code must wait with `await asyncio.sleep`, never `time.sleep`, which holds up every other coroutine"
            }
            Check::Law(Law::Completes) => {
                "every call must return a value, without an exception, in time"
            }
            Check::Law(Law::Length) => {
                "`wait_n` and `task_wait_n` must return a list of exactly `n` delays"
            }
            Check::Law(Law::InRange) => "every delay must be a float in `[0, max_delay]`",
            Check::Law(Law::Ascending) => {
                "the delays must come back in ascending order, smallest first"
            }
            Check::Law(Law::Concurrent) => {
                "the waits must run at the same time: the call takes as long as the largest delay, not the sum of them all"
            }
            Check::Law(Law::MeasureTime) => {
                "`measure_time(n, max_delay)` must return the time `wait_n` took, divided by `n`"
            }
            Check::Law(Law::Conforms) => {
                "each delay must be `random.uniform(0, max_delay)`, drawn once per wait, so that the same seed gives the same delays"
            }
            Check::Law(Law::Agrees) => {
                "`task_wait_n` must give the delays `wait_n` gives for the same seed"
            }
            Check::Law(_) => "the exercise's law of that name must hold",
            Check::Policy => {
                "the files must use only what the exercise needs, and never reach into the grader"
            }
            Check::Protocol => {
                "the grader's exchange with your code must be whole and in order; only code that writes to the grader's pipe or rewinds its clock breaks it"
            }
        }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

pub const IMPORT: Check = Check::Import;
pub const SHAPE: Check = Check::Shape;
pub const TASK: Check = Check::Task;
pub const NON_BLOCKING: Check = Check::NonBlocking;
pub const POLICY: Check = Check::Policy;
pub const PROTOCOL: Check = Check::Protocol;
/// The call returns a value, without an exception, in time.
pub const COMPLETES: Check = Check::Law(Law::Completes);
pub const LENGTH: Check = Check::Law(Law::Length);
pub const IN_RANGE: Check = Check::Law(Law::InRange);
pub const ASCENDING: Check = Check::Law(Law::Ascending);
pub const CONCURRENT: Check = Check::Law(Law::Concurrent);
/// `measure_time` is the time taken divided by `n`.
pub const MEASURE_TIME: Check = Check::Law(Law::MeasureTime);
/// The delays are CPython's: `random.uniform(0, max_delay)` drawn once per wait.
pub const CONFORMS: Check = Check::Law(Law::Conforms);
/// `task_wait_n` gives what `wait_n` gives for the same seed.
pub const AGREES: Check = Check::Law(Law::Agrees);

/// The checks of a routine that returns one delay.
const ONE_DELAY: &[Check] = &[
    IMPORT,
    SHAPE,
    COMPLETES,
    IN_RANGE,
    CONCURRENT,
    NON_BLOCKING,
    CONFORMS,
    POLICY,
    PROTOCOL,
];

/// The checks of a routine that returns `n` delays. (`task_wait_n` also gets the
/// [`COMPARISON`] with `wait_n`.)
const N_DELAYS: &[Check] = &[
    IMPORT,
    SHAPE,
    COMPLETES,
    LENGTH,
    IN_RANGE,
    ASCENDING,
    CONCURRENT,
    NON_BLOCKING,
    CONFORMS,
    POLICY,
    PROTOCOL,
];

/// Each routine's checks, in the order they are reported.
const CHECKS: [(Routine, &[Check]); 5] = [
    (Routine::WaitRandom, ONE_DELAY),
    (Routine::WaitN, N_DELAYS),
    (
        Routine::MeasureTime,
        &[
            IMPORT,
            SHAPE,
            COMPLETES,
            MEASURE_TIME,
            CONCURRENT,
            NON_BLOCKING,
            CONFORMS,
            POLICY,
            PROTOCOL,
        ],
    ),
    (
        Routine::TaskWaitRandom,
        &[
            IMPORT,
            SHAPE,
            TASK,
            COMPLETES,
            IN_RANGE,
            NON_BLOCKING,
            CONFORMS,
            POLICY,
            PROTOCOL,
        ],
    ),
    (Routine::TaskWaitN, N_DELAYS),
];

/// The checks of `routine`, in the order they are reported: none for a routine the exercise
/// does not have.
pub fn checks(routine: Routine) -> &'static [Check] {
    CHECKS
        .iter()
        .find(|(r, _)| *r == routine)
        .map_or(&[], |&(_, checks)| checks)
}

/// The one check that compares two routines: for each seed, `routine` must give the delays
/// `with` gives (`task_wait_n` those of `wait_n`). It is `routine`'s check, reported and scored
/// after its own, judged once both have run, and replayed with the whole folder, which runs
/// both.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    pub routine: Routine,
    pub with: Routine,
    pub check: Check,
}

/// The exercise's comparison: `task_wait_n` agrees with `wait_n`.
pub const COMPARISON: Comparison = Comparison {
    routine: Routine::TaskWaitN,
    with: Routine::WaitN,
    check: AGREES,
};

/// Every check reported of `routine`, in order: its own ([`checks`]), then the
/// [`COMPARISON`] if it is the routine's.
pub fn reported_checks(routine: Routine) -> Vec<Check> {
    let mut all = checks(routine).to_vec();
    if routine == COMPARISON.routine {
        all.push(COMPARISON.check);
    }
    all
}

/// The routine a replay of `routine`'s `check` runs: the routine itself, or every routine
/// (`None`) for the [`COMPARISON`], which needs both of its routines.
pub fn replayed(routine: Routine, check: Check) -> Option<Routine> {
    (check != COMPARISON.check).then_some(routine)
}

/// Whether `routine` returns one delay rather than a list of `n`.
pub fn returns_one(routine: Routine) -> bool {
    matches!(routine, Routine::WaitRandom | Routine::TaskWaitRandom)
}

/// The inputs of `routine` for `seed`: the same `n` and bound for every routine of a seed, so
/// that `task_wait_n` and `wait_n` can be compared.
pub fn input(routine: Routine, case: usize, seed: u64) -> CaseInput {
    const SIZES: [usize; 7] = [5, 1, 10, 2, 20, 3, 50];
    const BOUNDS: [f64; 8] = [10.0, 5.0, 1.0, 0.5, 7.25, 0.0, 100.0, 3.0];
    let n = SIZES[(seed % SIZES.len() as u64) as usize];
    let bound = BOUNDS[((seed / SIZES.len() as u64) % BOUNDS.len() as u64) as usize];
    let (n, max_delay) = match routine {
        // Every fourth seed calls `wait_random()` with its default bound.
        Routine::WaitRandom => (None, (seed % 4 != 3).then_some(bound)),
        Routine::TaskWaitRandom => (None, Some(bound)),
        _ => (Some(n), Some(bound)),
    };
    CaseInput {
        case,
        seed,
        n,
        max_delay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_that_are_laws_have_the_laws_names() {
        let names: Vec<&str> = checks(Routine::WaitN).iter().map(|c| c.name()).collect();
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
                "conforms",
                "policy",
                "protocol"
            ]
        );
        assert_eq!(
            checks(Routine::MeasureTime)[3].name(),
            Law::MeasureTime.name()
        );
        assert_eq!(AGREES.name(), "agrees");
    }

    #[test]
    fn every_routine_of_the_exercise_has_checks() {
        assert_eq!(ROUTINES.len(), Routine::ALL.len());
        for (routine, _) in ROUTINES {
            assert!(!checks(routine).is_empty());
        }
    }

    #[test]
    fn the_spec_the_driver_reads_names_each_routine_its_module_and_its_signature() {
        let spec: serde_json::Value = serde_json::from_str(&spec_json()).unwrap();
        let routines = spec["routines"].as_array().unwrap();
        assert_eq!(routines.len(), 5);
        assert_eq!(
            routines[0],
            serde_json::json!({
                "routine": "wait_random",
                "module": "0-basic_async_syntax",
                "coroutine": true,
                "in_loop": true,
                "returns_task": false,
                "parameters": ["max_delay"],
                "default_max_delay": 10.0,
            })
        );
        assert_eq!(routines[2]["routine"], "measure_time");
        assert_eq!(
            (
                routines[2]["coroutine"].clone(),
                routines[2]["in_loop"].clone()
            ),
            (false.into(), false.into())
        );
        assert_eq!(routines[3]["returns_task"], true);
        assert_eq!(spec["needed"], serde_json::json!(NEEDED));
    }

    #[test]
    fn the_driver_names_no_file_module_or_routine_of_the_exercise() {
        // The driver learns them from the spec: a name written in it would be a second copy.
        let driver = include_str!("driver.py");
        for (routine, file) in ROUTINES {
            for name in [routine.name(), file, file.trim_end_matches(".py")] {
                assert!(
                    !driver.contains(name),
                    "driver.py names `{name}`, which the catalogue's spec gives it"
                );
            }
        }
    }

    #[test]
    fn every_routine_of_a_seed_gets_the_same_size_and_bound() {
        let a = input(Routine::WaitN, 3, 12);
        let b = input(Routine::TaskWaitN, 3, 12);
        assert_eq!((a.n, a.max_delay), (b.n, b.max_delay));
        assert_eq!(
            input(Routine::WaitRandom, 0, 3).max_delay,
            None,
            "every fourth seed"
        );
    }
}
