//! Clocks, and the one place where waitsim builds a tokio runtime.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::runtime::{Builder, Handle, Runtime};

use crate::delay::MaxDelay;
use crate::error::Error;
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

    /// The timer's tick: tokio ends every wait on a whole millisecond (see the crate docs on
    /// timer ticks).
    pub const TICK: Duration = Duration::from_millis(1);

    /// How long a wait of `secs` seconds lasts on tokio's timer: the `Duration` of it (whole
    /// nanoseconds, so a delay below half a nanosecond is no wait at all) rounded up to the
    /// [tick](Clock::TICK). On the virtual clock, `n` waits started together take exactly
    /// this of the largest delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// use waitsim::Clock;
    ///
    /// assert_eq!(Clock::wait_duration(0.0), Duration::ZERO);
    /// assert_eq!(Clock::wait_duration(0.0004), Clock::TICK);
    /// assert_eq!(Clock::wait_duration(2.0000004), Duration::from_millis(2001));
    /// ```
    #[must_use]
    pub fn wait_duration(secs: f64) -> Duration {
        let exact = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
        let ticks = exact.as_nanos().div_ceil(Clock::TICK.as_nanos());
        Duration::from_millis(u64::try_from(ticks).unwrap_or(u64::MAX))
    }

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

/// The longest virtual time one run of a body may take before the harness and the laws count
/// it as hung: the longest wait tokio honours, [`MaxDelay::MAX`].
pub(crate) const VIRTUAL_LIMIT: Duration = Duration::from_secs(MaxDelay::MAX.as_secs_f64() as u64);

/// The seconds of a year of 365 days, the unit [`virtual_limit_words`] counts in.
const YEAR_SECS: u64 = 365 * 24 * 3600;

/// [`VIRTUAL_LIMIT`] in words, for messages: `30 virtual years`.
pub(crate) fn virtual_limit_words() -> String {
    format!("{} virtual years", VIRTUAL_LIMIT.as_secs() / YEAR_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_limit_is_the_longest_wait_and_thirty_years() {
        assert_eq!(VIRTUAL_LIMIT.as_secs_f64(), MaxDelay::MAX.as_secs_f64());
        assert_eq!(VIRTUAL_LIMIT, Duration::from_secs(30 * 365 * 24 * 3600));
        // The words count whole years: none of the limit is left out.
        assert_eq!(VIRTUAL_LIMIT.as_secs() % YEAR_SECS, 0);
        assert_eq!(virtual_limit_words(), "30 virtual years");
        assert_eq!(
            Clock::wait_duration(MaxDelay::MAX.as_secs_f64()),
            VIRTUAL_LIMIT
        );
    }

    #[test]
    fn waits_round_up_to_the_millisecond_tick() {
        assert_eq!(Clock::wait_duration(0.0), Duration::ZERO);
        // Below a nanosecond a delay is no wait at all: a `Duration` holds whole nanoseconds.
        assert_eq!(Clock::wait_duration(1e-10), Duration::ZERO);
        assert_eq!(Clock::wait_duration(1e-9), Clock::TICK);
        assert_eq!(Clock::wait_duration(0.001), Clock::TICK);
        assert_eq!(Clock::wait_duration(2.0000004), Duration::from_millis(2001));
        assert_eq!(
            Clock::wait_duration(f64::INFINITY),
            Duration::from_millis(u64::MAX)
        );
    }

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
