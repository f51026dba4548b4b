//! `measure_time`: the elapsed time of `wait_n`, per task.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::delay::{secs, secs_f64};
use crate::wait::wait_n_with;
use crate::{Clock, Error, MaxDelay};

/// The outcome of one timed [`wait_n`](crate::wait_n): its delays and how long it took.
///
/// ```
/// use waitsim::analysis::measure;
/// use waitsim::{seeded, Clock, MaxDelay};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let m = Clock::Virtual.run(measure(&mut seeded(0), 5, MaxDelay::new(9.0)?))?;
/// assert_eq!(m.delays().len(), 5);
/// // On the virtual clock the elapsed time is the largest delay rounded up to a millisecond.
/// let largest = m.delays()[4];
/// assert!(m.elapsed_secs() >= largest);
/// assert!(m.elapsed_secs() < largest + 0.001);
/// assert_eq!(m.per_task(), m.elapsed_secs() / 5.0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurement {
    delays: Vec<f64>,
    #[serde(with = "secs")]
    elapsed: Duration,
}

impl Measurement {
    /// The delays, in ascending order.
    #[must_use]
    pub fn delays(&self) -> &[f64] {
        &self.delays
    }

    /// The time `wait_n` took, on the clock it ran on.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The elapsed time in seconds: the `f64` nearest to [`Measurement::elapsed`].
    #[must_use]
    pub fn elapsed_secs(&self) -> f64 {
        secs_f64(self.elapsed)
    }

    /// The elapsed time in seconds divided by the number of tasks: the seed's `measure_time`.
    #[must_use]
    pub fn per_task(&self) -> f64 {
        per_task(self.elapsed, self.delays.len())
    }

    /// Takes the delays out of the measurement.
    #[must_use]
    pub fn into_delays(self) -> Vec<f64> {
        self.delays
    }
}

/// The seed's `measure_time` of a run of `n` waits that took `elapsed`: seconds over `n`.
pub(crate) fn per_task(elapsed: Duration, n: usize) -> f64 {
    // Every measurement refuses n = 0, so the division is by at least one.
    secs_f64(elapsed) / n as f64
}

/// Times [`wait_n`](crate::wait_n)`(rng, n, max_delay)` on the clock of the runtime it is awaited on.
///
/// This is the form of [`measure_time`] for use inside an existing runtime. On a paused
/// (virtual) clock the elapsed time is exact and reproducible: the largest delay rounded up to
/// the timer's next whole millisecond (see the crate docs on timer ticks).
///
/// # Errors
///
/// If `n` is `0` (the time per task would divide by zero), and as [`wait_n`](crate::wait_n).
///
/// # Panics
///
/// Like `tokio::time::sleep`, if polled outside a tokio runtime with timers enabled.
pub async fn measure<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Measurement, Error> {
    measure_with(rng, n, max_delay, &mut || {}, false).await
}

/// [`measure`], calling `finished` as each wait ends; `alone` as for
/// [`wait_n_with`](crate::wait::wait_n_with): on a paused runtime that runs nothing else, the
/// clock is moved straight to the last deadline, with the same result.
pub(crate) async fn measure_with<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    finished: &mut dyn FnMut(),
    alone: bool,
) -> Result<Measurement, Error> {
    check_measured_count(n)?;
    let start = Instant::now();
    let delays = wait_n_with(rng, n, max_delay, finished, alone).await?;
    Ok(Measurement {
        delays,
        elapsed: start.elapsed(),
    })
}

/// Checks an `n` to measure: at least 1 (the elapsed time is divided by it), at most
/// [`TaskCount::MAX`](crate::TaskCount::MAX). Crate-internal: callers outside hold a
/// [`TaskCount::measured`](crate::TaskCount::measured).
pub(crate) fn check_measured_count(n: usize) -> Result<(), Error> {
    crate::TaskCount::measured(n).map(drop)
}

/// Runs [`wait_n`](crate::wait_n)`(rng, n, max_delay)` on a new runtime of the given clock and returns the
/// elapsed time in seconds divided by `n`, like the seed's `measure_time`.
///
/// With [`Clock::Virtual`] the call costs no real time and the result is reproducible; with
/// [`Clock::Real`] it really waits. Inside a runtime, use [`measure`] instead.
///
/// # Errors
///
/// If `n` is `0`, if called from inside a tokio runtime, and as [`wait_n`](crate::wait_n).
///
/// ```
/// use waitsim::{measure_time, seeded, Clock, MaxDelay};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let per_task = measure_time(&mut seeded(0), 5, MaxDelay::new(9.0)?, Clock::Virtual)?;
/// assert!(per_task > 0.0 && per_task <= 9.001 / 5.0);
/// assert!(measure_time(&mut seeded(0), 0, MaxDelay::new(9.0)?, Clock::Virtual).is_err());
/// # Ok(())
/// # }
/// ```
pub fn measure_time<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    clock: Clock,
) -> Result<f64, Error> {
    // The runtime is its own, so on the virtual clock the join may move the clock itself.
    let alone = clock == Clock::Virtual;
    let measured = clock.run(measure_with(rng, n, max_delay, &mut || {}, alone))?;
    Ok(measured.per_task())
}
