//! Clocks, and the one place where waitsim builds a tokio runtime.

use std::future::Future;

use serde::{Deserialize, Serialize};
use tokio::runtime::{Builder, Handle, Runtime};

use crate::Error;
use crate::name::{Named, named};

/// Which clock a simulation's waits run on.
///
/// ```
/// use waitsim::Clock;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let answer = Clock::Virtual.block_on(async {
///     tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
///     42
/// })?; // returns at once: the hour passed on the virtual clock
/// assert_eq!(answer, 42);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Clock {
    /// tokio's paused clock: time stands still while any task can run and jumps to the next
    /// timer when none can. Waits cost no real time and every run is reproducible.
    #[default]
    Virtual,
    /// The wall clock: every wait really waits.
    Real,
}

impl Clock {
    /// Both clocks, in the order they are listed to users.
    pub const ALL: &'static [Clock] = &[Clock::Virtual, Clock::Real];

    /// A new current-thread runtime with timers, on this clock.
    ///
    /// This is the only place waitsim builds a runtime. The virtual clock is tokio's paused
    /// clock (`start_paused`), which tokio supports on the current-thread runtime only.
    ///
    /// # Errors
    ///
    /// If the operating system refuses the runtime's resources.
    pub fn runtime(self) -> Result<Runtime, Error> {
        Builder::new_current_thread()
            .enable_time()
            .start_paused(self == Clock::Virtual)
            .build()
            .map_err(Error::runtime)
    }

    /// Runs `future` to completion on a new runtime of this clock.
    ///
    /// For a future that itself returns a `Result`, [`Clock::run`] gives one `Result`, not two.
    ///
    /// # Errors
    ///
    /// If called from inside a tokio runtime (where blocking on another would deadlock; use
    /// the async routines there), or if the runtime cannot be built.
    pub fn block_on<F: Future>(self, future: F) -> Result<F::Output, Error> {
        if Handle::try_current().is_ok() {
            return Err(Error::inside_runtime());
        }
        Ok(self.runtime()?.block_on(future))
    }

    /// Runs a fallible `future` to completion on a new runtime of this clock, the seed's
    /// `asyncio.run`: the runtime's error and the future's come back as one.
    ///
    /// `E` is any error a [`waitsim::Error`](Error) converts into: `waitsim::Error` itself, or
    /// `Box<dyn std::error::Error>`.
    ///
    /// ```
    /// use waitsim::{seeded, wait_n, Clock, MaxDelay};
    ///
    /// # fn main() -> Result<(), waitsim::Error> {
    /// let delays = Clock::Virtual.run(wait_n(&mut seeded(42), 5, MaxDelay::new(5.0)?))?;
    /// assert_eq!(delays.len(), 5);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Clock::block_on`], and whatever `future` returns.
    pub fn run<T, E, F>(self, future: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        self.block_on(future)?
    }
}

impl Named for Clock {
    const WHAT: &'static str = "clock";
    const ALL: &'static [Clock] = Clock::ALL;

    fn name(self) -> &'static str {
        match self {
            Clock::Virtual => "virtual",
            Clock::Real => "real",
        }
    }
}

named!(Clock);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &clock in Clock::ALL {
            assert_eq!(clock.to_string().parse::<Clock>().unwrap(), clock);
        }
        assert_eq!(
            "wall".parse::<Clock>().unwrap_err().to_string(),
            "unknown clock `wall`: expected one of `virtual`, `real`"
        );
    }

    #[test]
    fn run_flattens_the_runtime_error_and_the_future_error() {
        let ok: Result<u8, Error> = Clock::Virtual.run(async { Ok(7) });
        assert_eq!(ok.unwrap(), 7);
        let inner: Result<(), Error> =
            Clock::Virtual.run(async { Err(crate::MaxDelay::new(-1.0).unwrap_err()) });
        assert!(inner.unwrap_err().is_invalid_input());
        let nested =
            Clock::Virtual.block_on(async { Clock::Virtual.run(async { Ok::<_, Error>(()) }) });
        assert!(
            nested
                .unwrap()
                .unwrap_err()
                .to_string()
                .contains("inside a tokio runtime")
        );
    }

    #[test]
    fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
        let outcome = Clock::Virtual.block_on(async { Clock::Virtual.block_on(async {}) });
        let err = outcome.unwrap().unwrap_err();
        assert!(err.to_string().contains("inside a tokio runtime"), "{err}");
    }
}
