//! Interruption as a cancellation: SIGINT, SIGTERM and SIGHUP set a flag, and the command
//! stops where its output is whole.
//!
//! While the command has written nothing (it is computing, or waiting on the real clock),
//! stopping at once loses nothing, so the handler ends the process itself. Once output has
//! begun, the handler only sets the flag: the main path finishes the line it is writing,
//! flushes, and stops with status 130.

use std::io::{self, IsTerminal};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::output::{Failure, say};

/// The status of an interrupted run, whichever signal interrupted it.
pub const STATUS: u8 = 130;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether output has begun: then the handler must leave the stopping to the main path.
static WRITING: Mutex<bool> = Mutex::new(false);

/// Installs the handler. Without it a signal still ends the process, only less tidily.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        // Held while the process ends, so that the main path cannot begin writing meanwhile.
        let writing = WRITING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*writing {
            if io::stderr().is_terminal() {
                // Erase a progress bar that may be on the line.
                say(format_args!("\r\x1b[2K\x1b[1A"));
            }
            say(format_args!("error: interrupted"));
            std::process::exit(i32::from(STATUS));
        }
    });
}

/// Whether a signal has asked the command to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks the start of output: from now on a signal is handled by the main path, which checks
/// [`interrupted`] between records.
pub fn begin_output() {
    *WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
}

/// The failure of a run that a signal stopped, with what it had done.
pub fn stopped(done: impl std::fmt::Display) -> Failure {
    Failure {
        message: format!("interrupted {done}"),
        status: STATUS,
    }
}
