//! Why grading stopped short of a report, by whose problem it is. The kind decides what each
//! format does; it becomes an exit status only at the edge ([`Failure::exit`]).

use crate::exit::Exit;
use crate::interrupt;

/// Why a check could not give its report.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong: the grader's to fix.
    Usage(String),
    /// The `python3` to grade with is not a working Python 3.8 or newer: the grader's
    /// environment, as a usage error of `--python`.
    Python(String),
    /// The grader's machine failed: no temporary directory, no randomness, a warden or a
    /// sandbox that cannot start.
    Environment(String),
    /// The submission, as handed in, cannot be graded: it holds none of the exercise's files,
    /// or several copies of it and no rule chooses one. The learner's to fix: a score.
    Submission(String),
    /// A signal stopped the check.
    Interrupted,
}

impl Failure {
    /// The one line and the exit status the command ends with.
    pub fn exit(self) -> Exit {
        match self {
            Failure::Usage(message) | Failure::Python(message) | Failure::Submission(message) => {
                Exit::usage(message)
            }
            Failure::Environment(message) => Exit::environment(message),
            Failure::Interrupted => interrupt::stopped("before the report"),
        }
    }
}

impl From<Failure> for Exit {
    fn from(failure: Failure) -> Exit {
        failure.exit()
    }
}
