//! `task_wait_random` and `task_wait_n`: the same waits as spawned tasks.

use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::delay::{MaxDelay, draw, draw_sorted, sleep_from, vec_for};
use crate::error::Error;

/// Spawns a random wait as a task and returns its handle, the analogue of Python's
/// `asyncio.Task`.
///
/// The delay is drawn from `rng` now, before the task is spawned, and the wait starts now, so
/// neither depends on when the scheduler first runs the task. Awaiting the handle gives the
/// delay, as [`wait_random`](crate::wait_random) would. As with any tokio task, dropping the
/// handle detaches the task; it does not cancel it.
///
/// # Panics
///
/// Like `tokio::spawn`, if called outside a tokio runtime with timers enabled.
///
/// ```
/// use waitsim::{seeded, task_wait_random, MaxDelay};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let task: tokio::task::JoinHandle<f64> = task_wait_random(&mut seeded(0), MaxDelay::new(5.0)?);
/// let delay = task.await?;
/// assert!((0.0..=5.0).contains(&delay));
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping the handle detaches the task, which then runs unobserved: await it, or abort it"]
pub fn task_wait_random<R: rand::Rng + ?Sized>(
    rng: &mut R,
    max_delay: MaxDelay,
) -> JoinHandle<f64> {
    spawn_wait(Instant::now(), draw(rng, max_delay))
}

/// Runs `n` random waits as spawned tasks and returns their delays in ascending order.
///
/// This is [`wait_n`](crate::wait_n) built from the tasks of [`task_wait_random`]: the delays
/// are drawn in index order, one task is spawned per delay (all starting at the same
/// instant), and their results are collected and sorted. For the same generator state it
/// returns exactly what `wait_n` returns, on any runtime flavour.
///
/// If the returned future is dropped before it completes, the tasks it spawned are aborted.
///
/// # Errors
///
/// If `n` is above [`TaskCount::MAX`](crate::TaskCount::MAX), or the memory cannot be
/// allocated; or if a task did not complete (its runtime shut down).
///
/// # Panics
///
/// Like `tokio::spawn`, if polled outside a tokio runtime with timers enabled.
///
/// ```
/// use waitsim::{seeded, task_wait_n, wait_n, MaxDelay};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), waitsim::Error> {
/// let max_delay = MaxDelay::new(6.0)?;
/// let tasks = task_wait_n(&mut seeded(3), 5, max_delay).await?;
/// let joined = wait_n(&mut seeded(3), 5, max_delay).await?;
/// assert_eq!(tasks, joined);
/// # Ok(())
/// # }
/// ```
pub async fn task_wait_n<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, Error> {
    task_wait_n_with(rng, n, max_delay, &mut || {}).await
}

/// [`task_wait_n`], calling `finished` as each task's result is collected.
pub(crate) async fn task_wait_n_with<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    finished: &mut dyn FnMut(),
) -> Result<Vec<f64>, Error> {
    let mut delays = draw_sorted(rng, n, max_delay)?;
    let mut tasks = AbortOnDrop(vec_for(n)?);
    let start = Instant::now();
    // The tasks are spawned in ascending order of delay (the delays were drawn in index order,
    // so nothing observable depends on this), which is the order they finish in.
    tasks
        .0
        .extend(delays.iter().map(|&delay| spawn_wait(start, delay)));
    // Await them in that order, writing each task's result back in place. Every handle is
    // awaited once, so this is linear, and each result is collected as soon as its task ends.
    for (slot, task) in delays.iter_mut().zip(tasks.0.iter_mut()) {
        *slot = task.await.map_err(Error::task)?;
        finished();
    }
    // Every task has finished: release the handles without aborting anything.
    tasks.0.clear();
    Ok(delays)
}

fn spawn_wait(start: Instant, delay: f64) -> JoinHandle<f64> {
    tokio::spawn(async move {
        sleep_from(start, delay).await;
        delay
    })
}

/// Handles whose tasks are aborted when the handles are dropped, so that cancelling
/// [`task_wait_n`] does not leave its tasks running.
struct AbortOnDrop(Vec<JoinHandle<f64>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}
