//! `measure_time`: the elapsed time of `wait_n`, per task.

use std::time::Duration;

use serde::{Serialize, Serializer};
use tokio::time::Instant;

use crate::delay::{check_task_count, secs_f64};
use crate::wait::wait_n_observed;
use crate::{Clock, Error, MaxDelay, Progress, UnitRng};

/// The outcome of one timed [`wait_n`](crate::wait_n): its delays and how long it took.
///
/// ```
/// use waitsim::{measure, seeded, Clock, MaxDelay};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let m = Clock::Virtual.block_on(measure(&mut seeded(0), 5, MaxDelay::new(9.0)?))??;
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
    #[serde(serialize_with = "secs")]
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
        // `measure` refuses n = 0, so the division is by at least one.
        self.elapsed_secs() / self.delays.len() as f64
    }

    /// Takes the delays out of the measurement.
    #[must_use]
    pub fn into_delays(self) -> Vec<f64> {
        self.delays
    }
}

fn secs<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(secs_f64(*duration))
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
pub async fn measure<R: UnitRng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Measurement, Error> {
    measure_observed(rng, n, max_delay, None).await
}

/// [`measure`], counting finished waits in `progress`.
pub(crate) async fn measure_observed<R: UnitRng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    progress: Option<&Progress>,
) -> Result<Measurement, Error> {
    check_measured_count(n)?;
    let start = Instant::now();
    let delays = wait_n_observed(rng, n, max_delay, progress).await?;
    Ok(Measurement {
        delays,
        elapsed: start.elapsed(),
    })
}

/// Refuses what a measurement of `n` waits cannot take: `n = 0` (the time per task would
/// divide by zero) and `n` above [`MAX_TASKS`](crate::MAX_TASKS).
pub(crate) fn check_measured_count(n: usize) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::no_tasks());
    }
    check_task_count(n)
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
pub fn measure_time<R: UnitRng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    clock: Clock,
) -> Result<f64, Error> {
    Ok(clock.block_on(measure(rng, n, max_delay))??.per_task())
}
