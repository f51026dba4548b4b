//! The one error type of the crate.

use std::fmt;

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
    // Each refused number carries the limit it broke, as the type that sets it gives it.
    MaxDelay {
        value: String,
        max: f64,
    },
    TaskCount {
        text: String,
        max: usize,
    },
    NoTasks,
    TooManyTasks {
        n: String,
        max: usize,
    },
    OutOfMemory(usize),
    InsideRuntime,
    Runtime(std::io::Error),
    Task(tokio::task::JoinError),
    Partition(String),
    SeedRange(String),
    Worker,
    MismatchedShards(String, String),
    Unknown {
        what: &'static str,
        value: String,
        expected: String,
    },
    Env {
        variable: &'static str,
        value: String,
        expected: String,
    },
}

impl Error {
    fn new(kind: Kind) -> Error {
        Error { kind }
    }

    /// A refused `max_delay`: `max` is the largest accepted.
    pub(crate) fn max_delay(value: impl fmt::Display, max: f64) -> Error {
        Error::new(Kind::MaxDelay {
            value: value.to_string(),
            max,
        })
    }

    pub(crate) fn no_tasks() -> Error {
        Error::new(Kind::NoTasks)
    }

    /// An `n` that is not a whole number: `max` is the largest accepted.
    pub(crate) fn task_count(text: &str, max: usize) -> Error {
        Error::new(Kind::TaskCount {
            text: text.to_string(),
            max,
        })
    }

    /// An `n` above `max`, the most waits accepted.
    pub(crate) fn too_many_tasks(n: impl fmt::Display, max: usize) -> Error {
        Error::new(Kind::TooManyTasks {
            n: n.to_string(),
            max,
        })
    }

    pub(crate) fn out_of_memory(n: usize) -> Error {
        Error::new(Kind::OutOfMemory(n))
    }

    pub(crate) fn inside_runtime() -> Error {
        Error::new(Kind::InsideRuntime)
    }

    pub(crate) fn runtime(err: std::io::Error) -> Error {
        Error::new(Kind::Runtime(err))
    }

    pub(crate) fn task(err: tokio::task::JoinError) -> Error {
        Error::new(Kind::Task(err))
    }

    pub(crate) fn partition(value: impl fmt::Display) -> Error {
        Error::new(Kind::Partition(value.to_string()))
    }

    pub(crate) fn seed_range(value: impl fmt::Display) -> Error {
        Error::new(Kind::SeedRange(value.to_string()))
    }

    pub(crate) fn mismatched_shards(ours: String, theirs: String) -> Error {
        Error::new(Kind::MismatchedShards(ours, theirs))
    }

    pub(crate) fn worker() -> Error {
        Error::new(Kind::Worker)
    }

    pub(crate) fn unknown(what: &'static str, value: &str, expected: String) -> Error {
        Error::new(Kind::Unknown {
            what,
            value: value.to_string(),
            expected,
        })
    }

    /// A malformed environment variable: its name, its value and what it should hold.
    pub(crate) fn env(variable: &'static str, value: &str, expected: impl fmt::Display) -> Error {
        Error::new(Kind::Env {
            variable,
            value: value.to_string(),
            expected: expected.to_string(),
        })
    }

    /// Whether the caller asked for something the routines do not accept.
    ///
    /// True for a bad `max_delay`, `n = 0` where a routine divides by `n`, an `n` above
    /// [`TaskCount::MAX`](crate::TaskCount::MAX), a bad seed range or partition, an unknown
    /// generator or clock name, and a malformed `WAITSIM_*` environment variable. False for
    /// failures of the environment: memory, the runtime, a task or a worker that did not
    /// complete.
    ///
    /// ```
    /// let err = waitsim::MaxDelay::new(-1.0).unwrap_err();
    /// assert!(err.is_invalid_input());
    /// ```
    #[must_use]
    pub fn is_invalid_input(&self) -> bool {
        match self.kind {
            Kind::MaxDelay { .. }
            | Kind::TaskCount { .. }
            | Kind::NoTasks
            | Kind::TooManyTasks { .. }
            | Kind::Partition(_)
            | Kind::SeedRange(_)
            | Kind::Unknown { .. }
            | Kind::MismatchedShards(..)
            | Kind::Env { .. } => true,
            Kind::OutOfMemory(_)
            | Kind::InsideRuntime
            | Kind::Runtime(_)
            | Kind::Task(_)
            | Kind::Worker => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::MaxDelay { value, max } => write!(
                f,
                "invalid max_delay `{value}`: expected a finite number of seconds in [0, {max}]"
            ),
            Kind::TaskCount { text, max } => {
                write!(f, "invalid n `{text}`: expected a whole number in [0, {max}]")
            }
            Kind::NoTasks => f.write_str(
                "invalid n `0`: measure_time divides the elapsed time by n, so n must be at least 1",
            ),
            Kind::TooManyTasks { n, max } => write!(
                f,
                "invalid n `{n}`: expected at most {max} waits (each holds a timer entry in \
                 memory, and this many would not fit)"
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
            Kind::MismatchedShards(ours, theirs) => write!(
                f,
                "a sweep of {theirs} cannot merge with one of {ours}"
            ),
            Kind::Unknown { what, value, expected } => {
                write!(f, "unknown {what} `{value}`: expected one of {expected}")
            }
            Kind::Env { variable, value, expected } => {
                write!(f, "invalid {variable} `{value}`: expected {expected}")
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
