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
                let location = info.location().map(|at| {
                    let caller = in_standard_library(at.file())
                        .then(|| first_caller(&Backtrace::force_capture().to_string()))
                        .flatten();
                    match caller {
                        Some(caller) => format!("{at} (called from {caller})"),
                        None => at.to_string(),
                    }
                });
                let caught = Caught {
                    location,
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

/// Whether a source file is the standard library's, as a panic's location names it: a panic
/// raised inside it (an overflow in `u32::pow`) says nothing of the code that called it.
fn in_standard_library(file: &str) -> bool {
    file.starts_with("/rustc/")
        || file.contains("/library/core/src/")
        || file.contains("/library/std/src/")
        || file.contains("/library/alloc/src/")
}

/// The code that called into the standard library where a panic was raised, from a
/// backtrace taken in the panic hook, as `Backtrace` writes it (`N: SYMBOL`, then
/// `at FILE:LINE:COLUMN`, for each frame): the first location outside the standard library
/// after the frames of the panic machinery (`core::panicking`, `rust_begin_unwind`). `None`
/// without debug information.
fn first_caller(backtrace: &str) -> Option<String> {
    let mut panicking = false;
    for line in backtrace.lines().map(str::trim_start) {
        if let Some(at) = line.strip_prefix("at ") {
            if panicking && !in_standard_library(at) {
                return Some(at.to_string());
            }
        } else if let Some((_, symbol)) = line.split_once(": ") {
            panicking |= symbol.contains("rust_begin_unwind")
                || symbol.starts_with("core::panicking::")
                || symbol.starts_with("std::panicking::begin_panic");
        }
    }
    None
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

    #[test]
    fn a_panic_inside_the_standard_library_names_its_caller() {
        let backtrace = "   0: waitsim::runner::hook\n\
                         \x20            at ./src/runner.rs:98:48\n\
                         \x20 1: core::bool::then\n\
                         \x20            at /rustc/abc/library/core/src/bool.rs:60:5\n\
                         \x20 2: waitsim::runner::hook\n\
                         \x20            at ./src/runner.rs:97:5\n\
                         \x20 3: __rustc::rust_begin_unwind\n\
                         \x20            at /rustc/abc/library/std/src/panicking.rs:689:5\n\
                         \x20 4: core::panicking::panic_const::panic_const_mul_overflow\n\
                         \x20 5: core::num::pow\n\
                         \x20            at /rustc/abc/library/core/src/num/mod.rs:1243:5\n\
                         \x20 6: my_crate::retry\n\
                         \x20            at ./src/lib.rs:62:5\n\
                         \x20 7: tokio::runtime\n\
                         \x20            at /home/u/.cargo/registry/src/tokio/src/rt.rs:9:1\n";
        assert_eq!(
            first_caller(backtrace).as_deref(),
            Some("./src/lib.rs:62:5")
        );
        assert_eq!(first_caller("   0: <unknown>\n"), None);
        assert!(in_standard_library(
            "/rustc/0123/library/core/src/num/mod.rs"
        ));
        assert!(in_standard_library(
            "/home/u/.rustup/toolchains/stable/lib/rustlib/src/rust/library/core/src/num/mod.rs"
        ));
        assert!(!in_standard_library("src/lib.rs"));
        // Each sign alone marks the standard library.
        for file in [
            "/rustc/abc/library/test/src/lib.rs",
            "/x/library/core/src/num/mod.rs",
            "/x/library/std/src/panicking.rs",
            "/x/library/alloc/src/vec/mod.rs",
        ] {
            assert!(in_standard_library(file), "{file}");
        }
        // Each mark of the panic machinery alone starts the search for the caller.
        for machinery in [
            "__rustc::rust_begin_unwind",
            "core::panicking::panic_fmt",
            "std::panicking::begin_panic::<&str>",
        ] {
            let trace = format!(
                "   0: waitsim::runner::hook\n             at ./src/runner.rs:98:48\n   \
                 1: {machinery}\n             at /rustc/abc/library/std/src/panicking.rs:1:1\n   \
                 2: my_crate::f\n             at ./src/lib.rs:3:4\n"
            );
            assert_eq!(
                first_caller(&trace).as_deref(),
                Some("./src/lib.rs:3:4"),
                "{trace}"
            );
        }

        let line = std::cell::Cell::new(0);
        let (ran, caught) = quietly(|| {
            on_virtual_clock(async {
                let k = std::hint::black_box(40u32);
                line.set(line!() + 1);
                2u32.pow(k)
            })
        });
        assert!(ran.is_err());
        let at = caught.and_then(|caught| caught.location).unwrap();
        if cfg!(debug_assertions) {
            // The overflow is raised inside `u32::pow`; its caller is this file's line.
            assert!(at.contains("/library/core/src/num/"), "{at}");
            assert!(
                at.contains(&format!("src/runner.rs:{}:", line.get())),
                "{at}"
            );
        }
    }
}
