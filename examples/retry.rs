//! A jittered retry, tested with waitsim's harness: the correct function passes every seed,
//! and one with a planted bug is caught with a seed to replay.
//!
//! ```text
//! cargo run --example retry
//! ```
//!
//! The retry waits `min(cap, base * 2^k) * (0.5 + u / 2)` before try `k + 1`, for a uniform
//! `u` from the injected generator ("equal jitter"), so no wait is longer than `cap`. The
//! planted bug widens the jitter to `0.5 + u`, which can wait half as long again as `cap`.

use std::time::Duration;

use rand::RngExt;
use waitsim::Clock;
use waitsim::harness::{Harness, Sim};

const BASE: Duration = Duration::from_millis(100);
const CAP: Duration = Duration::from_secs(2);

/// Calls `attempt` until it succeeds or `tries` have failed, waiting a jittered, capped,
/// exponential backoff between tries; returns the waits.
async fn retry(
    rng: &mut impl rand::Rng,
    tries: u32,
    mut attempt: impl FnMut() -> bool,
    jitter: fn(f64) -> f64,
) -> Vec<Duration> {
    let mut waits = Vec::new();
    for k in 0..tries {
        if attempt() {
            break;
        }
        let backoff = BASE.saturating_mul(2u32.saturating_pow(k)).min(CAP);
        let wait = backoff.mul_f64(jitter(rng.random::<f64>()));
        tokio::time::sleep(wait).await;
        waits.push(wait);
    }
    waits
}

/// The retry's laws, for one seed: no wait longer than the cap, and the virtual time taken is
/// the sum of the waits (each rounded up to the timer's millisecond).
async fn check(mut sim: Sim, jitter: fn(f64) -> f64) -> Result<Vec<Duration>, String> {
    // The operation fails a number of times drawn from the seed, then succeeds.
    let failures = sim.rng.random_range(0..8);
    let mut calls = 0;
    let start = tokio::time::Instant::now();
    let waits = retry(
        &mut sim.rng,
        10,
        || {
            calls += 1;
            calls > failures
        },
        jitter,
    )
    .await;
    if let Some(long) = waits.iter().find(|&&w| w > CAP) {
        return Err(format!(
            "a wait of {long:?} is longer than the cap of {CAP:?}"
        ));
    }
    let ticks: Duration = waits
        .iter()
        .map(|w| Clock::wait_duration(w.as_secs_f64()))
        .sum();
    if start.elapsed() != ticks {
        return Err(format!("took {:?}, expected {ticks:?}", start.elapsed()));
    }
    Ok(waits)
}

fn main() {
    // Seeds that fail are not recorded: this is a demonstration, not a test of a crate.
    let harness = Harness::new()
        .without_regressions_file()
        .check_determinism(true);
    let correct = harness
        .clone()
        .name("retry_equal_jitter")
        .try_run(async |sim: Sim| check(sim, |u| 0.5 + u / 2.0).await);
    match correct {
        Ok(seeds) => println!("equal jitter: every law held for {seeds} seeds"),
        Err(failure) => println!("{failure}"),
    }
    let planted = harness
        .name("retry_wide_jitter")
        .try_run(async |sim: Sim| check(sim, |u| 0.5 + u).await);
    match planted {
        Ok(seeds) => println!("wide jitter: passed {seeds} seeds, so the bug went unseen"),
        Err(failure) => print!("the planted bug is caught:\n{failure}"),
    }
}
