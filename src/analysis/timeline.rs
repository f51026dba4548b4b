//! Timelines: when each wait of a run started and ended.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::delay::{MaxDelay, draw_n, secs, vec_for};
use crate::error::Error;
use crate::wait::wait_sorted_timed;

/// One wait of a run, as it happened on the clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The wait's index: its place in the draw order.
    pub index: usize,
    /// The delay drawn for it, in seconds.
    pub delay: f64,
    /// When it started, from the start of the run (seconds in JSON).
    #[serde(with = "secs")]
    pub start: Duration,
    /// When it was seen to end, from the start of the run (seconds in JSON).
    #[serde(with = "secs")]
    pub end: Duration,
    /// Its place in the order the waits ended in, from 0.
    pub rank: usize,
}

/// Every wait of one [`wait_n`](crate::wait_n) run: when it started, when it ended, and the
/// run's elapsed time next to the sum of its delays (what waiting one after another would
/// cost).
///
/// ```
/// use waitsim::analysis::timeline;
/// use waitsim::{seeded, Clock, MaxDelay};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let t = Clock::Virtual.run(timeline(&mut seeded(1), 4, MaxDelay::DEFAULT))?;
/// assert_eq!(t.spans.len(), 4);
/// // All waits start together; the run lasts as long as the longest, not the sum.
/// assert!(t.spans.iter().all(|span| span.start.is_zero()));
/// assert!(t.elapsed.as_secs_f64() < t.sum_of_delays);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The number of waits.
    pub n: usize,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
    /// The time the whole run took (seconds in JSON).
    #[serde(with = "secs")]
    pub elapsed: Duration,
    /// The sum of all delays, in seconds.
    pub sum_of_delays: f64,
    /// Every wait's span, in index order (`tasks` in JSON).
    #[serde(rename = "tasks")]
    pub spans: Vec<Span>,
}

/// Runs [`wait_n`](crate::wait_n)`(rng, n, max_delay)` and records when each wait ended.
///
/// The delays are exactly those of `wait_n` with the same generator state (its result is the
/// delays of the timeline's spans in rank order). On a paused clock every end is the wait's
/// delay rounded up to the timer's next millisecond.
///
/// # Errors
///
/// As [`wait_n`](crate::wait_n).
///
/// # Panics
///
/// Like `tokio::time::sleep`, if polled outside a tokio runtime with timers enabled.
pub async fn timeline<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Timeline, Error> {
    let draws = draw_n(rng, n, max_delay)?;
    let mut order = vec_for(n)?;
    order.extend(0..n);
    // A stable sort, so that among equal delays the ranks follow the indices (in `wait_n`'s
    // result equal delays are the same number, and no order among them can be seen).
    order.sort_by(|&a: &usize, &b: &usize| draws[a].total_cmp(&draws[b]));
    let mut sorted = vec_for(n)?;
    sorted.extend(order.iter().map(|&index| draws[index]));
    let start = Instant::now();
    let ends = wait_sorted_timed(&sorted).await?;
    let elapsed = start.elapsed();
    let mut spans = vec_for(n)?;
    spans.extend(
        order
            .iter()
            .zip(&ends)
            .enumerate()
            .map(|(rank, (&index, &end))| Span {
                index,
                delay: draws[index],
                start: Duration::ZERO,
                end,
                rank,
            }),
    );
    spans.sort_unstable_by_key(|span| span.index);
    Ok(Timeline {
        n,
        max_delay,
        elapsed,
        // Folded from +0.0: `Sum` for floats starts at -0.0, which an empty run would print.
        sum_of_delays: draws.iter().fold(0.0, |sum, delay| sum + delay),
        spans,
    })
}
