//! The one runner of bodies under test: a fresh current-thread runtime on tokio's paused clock
//! for every run, the virtual-time limit, and panics caught. The harness, its inputs and the
//! laws all run through it.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::time::Duration;

use tokio::time::Instant;

use crate::clock::{Clock, VIRTUAL_LIMIT, virtual_limit_words};
use crate::panic::message as panic_message;

/// A run that returned: its value and the virtual time it took.
#[derive(Debug)]
pub(crate) struct Ran<T> {
    pub(crate) value: T,
    pub(crate) elapsed: Duration,
}

/// A run that did not return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// It panicked, with this message.
    Panicked(String),
    /// It was still waiting when the virtual-time limit came.
    Hung,
    /// No runtime could be built, for this reason.
    NoRuntime(String),
}

impl Stopped {
    /// What a test body's report says of it.
    pub(crate) fn of_body(&self) -> String {
        match self {
            Stopped::Panicked(message) => format!("the body panicked: {message}"),
            Stopped::Hung => format!(
                "the body did not finish within {}: it waits on something that never comes",
                virtual_limit_words()
            ),
            Stopped::NoRuntime(err) => err.clone(),
        }
    }
}

/// Runs `future` on a fresh virtual-clock runtime, for at most the virtual-time limit,
/// catching a panic. The runtime, and every task still on it, is dropped before this returns.
pub(crate) fn on_virtual_clock<F: Future>(future: F) -> Result<Ran<F::Output>, Stopped> {
    let runtime = Clock::Virtual
        .runtime()
        .map_err(|err| Stopped::NoRuntime(err.to_string()))?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            let start = Instant::now();
            let value = tokio::time::timeout(VIRTUAL_LIMIT, future).await;
            (value, start.elapsed())
        })
    }));
    drop(runtime);
    match outcome {
        Ok((Ok(value), elapsed)) => Ok(Ran { value, elapsed }),
        Ok((Err(_), _)) => Err(Stopped::Hung),
        Err(panic) => Err(Stopped::Panicked(panic_message(&*panic))),
    }
}

thread_local! {
    /// Whether a panic on this thread is the harness's to report, and not to print.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic on this thread happened.
    static CAUGHT: RefCell<Option<Caught>> = const { RefCell::new(None) };
}

/// Where a panic happened, and its backtrace when `RUST_BACKTRACE` asks for one.
#[derive(Debug)]
pub(crate) struct Caught {
    /// The file, line and column of the `panic!` (or `assert!`).
    pub(crate) location: Option<String>,
    /// The backtrace, captured as `RUST_BACKTRACE` (or `RUST_LIB_BACKTRACE`) says.
    pub(crate) backtrace: Option<Backtrace>,
}

/// Installs, once per process, a panic hook that keeps quiet on a thread running
/// [`quietly`] (it notes where the panic happened instead) and hands every other panic to the
/// hook it replaced, so a test's own panics print as before.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.try_with(Cell::get).unwrap_or(false) {
                let backtrace = Backtrace::capture();
                let caught = Caught {
                    location: info.location().map(ToString::to_string),
                    backtrace: (backtrace.status() == BacktraceStatus::Captured)
                        .then_some(backtrace),
                };
                let _ = CAUGHT.try_with(|last| *last.borrow_mut() = Some(caught));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `call` with its panics kept quiet: they are caught by the caller as before, but not
/// printed. Returns what `call` returned, and where the last panic in it happened.
pub(crate) fn quietly<T>(call: impl FnOnce() -> T) -> (T, Option<Caught>) {
    install_hook();
    let was = QUIET.replace(true);
    CAUGHT.take();
    let value = call();
    QUIET.set(was);
    (value, CAUGHT.take())
}

/// Runs a blocking `call` (one that builds its own runtimes), catching a panic.
pub(crate) fn blocking<T>(call: impl FnOnce() -> T) -> Result<T, Stopped> {
    catch_unwind(AssertUnwindSafe(call)).map_err(|panic| Stopped::Panicked(panic_message(&*panic)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_returns_its_value_and_virtual_time() {
        let ran = on_virtual_clock(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            7
        })
        .unwrap();
        assert_eq!((ran.value, ran.elapsed), (7, Duration::from_secs(3600)));
    }

    #[test]
    fn a_run_that_panics_or_never_ends_is_stopped() {
        let panicked = on_virtual_clock(async { panic!("boom") }).unwrap_err();
        assert_eq!(panicked, Stopped::Panicked("boom".into()));
        assert_eq!(panicked.of_body(), "the body panicked: boom");
        let hung = on_virtual_clock(std::future::pending::<()>()).unwrap_err();
        assert_eq!(hung, Stopped::Hung);
        assert!(
            hung.of_body().contains("30 virtual years"),
            "{}",
            hung.of_body()
        );
        // The longest wait tokio honours still ends.
        let longest = on_virtual_clock(async {
            tokio::time::sleep(VIRTUAL_LIMIT - Duration::from_millis(1)).await;
        });
        assert!(longest.is_ok());
        assert_eq!(
            blocking(|| -> u8 { panic!("{}", String::from("owned")) }).unwrap_err(),
            Stopped::Panicked("owned".into())
        );
        assert_eq!(blocking(|| 3), Ok(3));
    }
}
