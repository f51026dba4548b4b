//! The README's example test file, as it stands there (a tidy test keeps the two equal).

use std::time::Duration;

use waitsim::UnitRng;
use waitsim::harness::{self, Sim};

/// The code under test: retries `attempt` up to `tries` times, waiting an exponential backoff
/// of `base * 2^k`, capped at `cap`, times a jitter in [0.5, 1) between tries.
async fn retry(
    rng: &mut impl UnitRng,
    tries: u32,
    base: Duration,
    cap: Duration,
    mut attempt: impl FnMut() -> bool,
) -> Vec<Duration> {
    let mut waits = Vec::new();
    for k in 0..tries {
        if attempt() {
            break;
        }
        let wait = base
            .saturating_mul(2u32.saturating_pow(k))
            .min(cap)
            .mul_f64(0.5 + rng.next_unit() / 2.0);
        tokio::time::sleep(wait).await;
        waits.push(wait);
    }
    waits
}

#[test]
fn retry_waits_at_most_the_cap() {
    // Once per seed (256 by default), each on a fresh runtime with tokio's paused clock: the
    // waits cost no real time, and `sim.rng` is seeded with `sim.seed`.
    harness::run(async |mut sim: Sim| {
        let failures = (sim.rng.next_unit() * 8.0) as u32;
        let mut calls = 0;
        let cap = Duration::from_secs(2);
        let waits = retry(&mut sim.rng, 10, Duration::from_millis(100), cap, || {
            calls += 1;
            calls > failures
        })
        .await;
        match waits.iter().find(|&&wait| wait > cap) {
            Some(long) => Err(format!("a wait of {long:?} is longer than the cap")),
            // Returned values are what the determinism check compares.
            None => Ok(waits),
        }
    });
}
