//! `measure_time`: the elapsed time of `wait_n`, per task.

use std::time::Duration;

use tokio::time::Instant;

use crate::clock::Clock;
use crate::delay::{MaxDelay, TaskCount, secs_f64};
use crate::error::Error;
use crate::wait::{Runtime, wait_n_with};

/// Runs [`wait_n`](crate::wait_n) on `runtime`, calling `finished` as each wait ends, and
/// returns its delays and the time it took on the clock it ran on.
///
/// # Errors
///
/// If `n` is `0` (the time per task would divide by zero), and as [`wait_n`](crate::wait_n).
pub(crate) async fn timed_wait_n<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    finished: &mut dyn FnMut(),
    runtime: Runtime,
) -> Result<(Vec<f64>, Duration), Error> {
    check_measured_count(n)?;
    let start = Instant::now();
    let delays = wait_n_with(rng, n, max_delay, finished, runtime).await?;
    Ok((delays, start.elapsed()))
}

/// The seed's `measure_time` of a run of `n` waits that took `elapsed`: seconds over `n`.
pub(crate) fn per_task(elapsed: Duration, n: usize) -> f64 {
    // Every measurement refuses n = 0, so the division is by at least one.
    secs_f64(elapsed) / n as f64
}

/// Checks an `n` to measure: at least 1 (the elapsed time is divided by it), at most
/// [`TaskCount::MAX`](crate::TaskCount::MAX). Crate-internal: callers outside hold a
/// [`TaskCount::measured`](crate::TaskCount::measured).
pub(crate) fn check_measured_count(n: usize) -> Result<(), Error> {
    TaskCount::measured(n).map(drop)
}

/// Runs [`wait_n`](crate::wait_n)`(rng, n, max_delay)` on a new runtime of the given clock and returns the
/// elapsed time in seconds divided by `n`, like the seed's `measure_time`.
///
/// With [`Clock::Virtual`] the call costs no real time and the result is reproducible; with
/// [`Clock::Real`] it really waits. Inside a runtime, use
/// [`analysis::measure`](crate::analysis::measure) instead.
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
    let (delays, elapsed) = clock.run(timed_wait_n(
        rng,
        n,
        max_delay,
        &mut || {},
        Runtime::own(clock),
    ))?;
    Ok(per_task(elapsed, delays.len()))
}
