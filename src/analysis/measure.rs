//! Measurements: the delays of one timed `wait_n` and the time it took.

use std::time::Duration;

use serde::Serialize;

use crate::delay::{MaxDelay, secs, secs_f64};
use crate::error::Error;
use crate::measure::{per_task, timed_wait_n};
use crate::wait::Runtime;

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

/// Times [`wait_n`](crate::wait_n)`(rng, n, max_delay)` on the clock of the runtime it is awaited on.
///
/// This is the form of [`measure_time`](crate::measure_time) for use inside an existing runtime. On a paused
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
    measure_with(rng, n, max_delay, &mut || {}, Runtime::Shared).await
}

/// [`measure`], calling `finished` as each wait ends, on the given `runtime`.
pub(super) async fn measure_with<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    finished: &mut dyn FnMut(),
    runtime: Runtime,
) -> Result<Measurement, Error> {
    let (delays, elapsed) = timed_wait_n(rng, n, max_delay, finished, runtime).await?;
    Ok(Measurement { delays, elapsed })
}
