//! The one error type of the crate.

use std::fmt;

use crate::delay::MaxDelay;

/// An error from a waitsim routine.
///
/// Every message names the offending value and, where there is one, the accepted range. Use
/// [`Error::is_invalid_input`] to tell a caller's mistake (a bad `max_delay`, `n = 0` for a
/// measurement, ...) from a failure of the environment (no memory, a runtime that cannot start).
#[derive(Debug)]
pub struct Error {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    MaxDelay(String),
    NoTasks,
    TooManyTasks(u128),
    OutOfMemory(usize),
    InsideRuntime,
    Runtime(std::io::Error),
    Task(tokio::task::JoinError),
    Partition(String),
    SeedRange(String),
    Worker,
    Scenario {
        routine: crate::Routine,
        problem: &'static str,
    },
    Unknown {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Error {
    pub(crate) fn max_delay(value: impl fmt::Display) -> Error {
        Error {
            kind: Kind::MaxDelay(value.to_string()),
        }
    }

    pub(crate) fn no_tasks() -> Error {
        Error {
            kind: Kind::NoTasks,
        }
    }

    pub(crate) fn too_many_tasks(n: impl Into<u128>) -> Error {
        Error {
            kind: Kind::TooManyTasks(n.into()),
        }
    }

    pub(crate) fn out_of_memory(n: usize) -> Error {
        Error {
            kind: Kind::OutOfMemory(n),
        }
    }

    pub(crate) fn inside_runtime() -> Error {
        Error {
            kind: Kind::InsideRuntime,
        }
    }

    pub(crate) fn runtime(err: std::io::Error) -> Error {
        Error {
            kind: Kind::Runtime(err),
        }
    }

    pub(crate) fn task(err: tokio::task::JoinError) -> Error {
        Error {
            kind: Kind::Task(err),
        }
    }

    pub(crate) fn partition(value: impl fmt::Display) -> Error {
        Error {
            kind: Kind::Partition(value.to_string()),
        }
    }

    pub(crate) fn seed_range(value: &str) -> Error {
        Error {
            kind: Kind::SeedRange(value.to_string()),
        }
    }

    pub(crate) fn worker() -> Error {
        Error { kind: Kind::Worker }
    }

    pub(crate) fn scenario(routine: crate::Routine, problem: &'static str) -> Error {
        Error {
            kind: Kind::Scenario { routine, problem },
        }
    }

    pub(crate) fn unknown(what: &'static str, value: &str, expected: &'static str) -> Error {
        Error {
            kind: Kind::Unknown {
                what,
                value: value.to_string(),
                expected,
            },
        }
    }

    /// Whether the caller asked for something the routines do not accept.
    ///
    /// True for a bad `max_delay`, `n = 0` where a routine divides by `n`, an `n` above
    /// [`MAX_TASKS`](crate::MAX_TASKS), and an unknown generator or clock name. False for
    /// failures of the environment: memory, the runtime, a task that did not complete.
    ///
    /// ```
    /// let err = waitsim::MaxDelay::new(-1.0).unwrap_err();
    /// assert!(err.is_invalid_input());
    /// ```
    #[must_use]
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self.kind,
            Kind::MaxDelay(_)
                | Kind::NoTasks
                | Kind::TooManyTasks(_)
                | Kind::Scenario { .. }
                | Kind::Unknown { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::MaxDelay(value) => write!(
                f,
                "invalid max_delay `{value}`: expected a finite number of seconds in [0, {}]",
                MaxDelay::MAX
            ),
            Kind::NoTasks => f.write_str(
                "invalid n `0`: measure_time divides the elapsed time by n, so n must be at least 1",
            ),
            Kind::TooManyTasks(n) => write!(
                f,
                "invalid n `{n}`: expected at most {} tasks (each task holds a timer entry in memory)",
                crate::MAX_TASKS
            ),
            Kind::OutOfMemory(n) => {
                write!(f, "cannot allocate memory for {n} delays: not enough memory on this machine")
            }
            Kind::InsideRuntime => f.write_str(
                "cannot start a runtime from inside a tokio runtime: use the async form instead",
            ),
            Kind::Runtime(err) => write!(f, "cannot start the tokio runtime: {err}"),
            Kind::Task(err) => write!(f, "a wait task did not complete: {err}"),
            Kind::Partition(value) => write!(
                f,
                "invalid partition `{value}`: expected K/N with whole numbers 1 <= K <= N"
            ),
            Kind::SeedRange(value) => write!(
                f,
                "invalid seed range `{value}`: expected A..B with whole numbers 0 <= A <= B <= {}",
                u64::MAX
            ),
            Kind::Worker => f.write_str("a sweep worker thread stopped unexpectedly"),
            Kind::Scenario { routine, problem } => write!(f, "invalid scenario: `{routine}` {problem}"),
            Kind::Unknown { what, value, expected } => {
                write!(f, "unknown {what} `{value}`: expected one of {expected}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Runtime(err) => Some(err),
            Kind::Task(err) => Some(err),
            _ => None,
        }
    }
}
