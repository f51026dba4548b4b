//! How the command ends when it does not succeed: one line on stderr and an exit status.

use std::fmt;
use std::io::{self, Write};

/// Why the command stopped: the one line to print and the exit status.
#[derive(Debug)]
pub struct Exit {
    pub message: String,
    pub status: u8,
}

impl Exit {
    /// Bad usage: status 2.
    pub fn usage(message: impl Into<String>) -> Exit {
        Exit {
            message: message.into(),
            status: 2,
        }
    }

    /// A failure already reported on stdout: no line on stderr, only the status.
    pub fn quiet(status: u8) -> Exit {
        Exit {
            message: String::new(),
            status,
        }
    }

    /// A failure of the environment (output, files, resources): status 1.
    pub fn environment(message: impl Into<String>) -> Exit {
        Exit {
            message: message.into(),
            status: 1,
        }
    }
}

impl From<waitsim::Error> for Exit {
    fn from(err: waitsim::Error) -> Exit {
        if err.is_invalid_input() {
            Exit::usage(err.to_string())
        } else {
            Exit::environment(err.to_string())
        }
    }
}

/// Writes one line on stderr. A line that cannot be written is dropped: there is nowhere left
/// to say so, and it must not change how the command ends.
pub fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}
