//! The README's example test file, as it stands there (a tidy test keeps the two equal).

#[path = "readme/my_crate.rs"]
pub(crate) mod my_crate;

use std::time::Duration;

use rand::RngExt;
use waitsim::harness::{self, Sim};

use my_crate::retry;

#[test]
fn retry_waits_at_most_the_cap() {
    // Once per seed (256 by default), each on a fresh runtime with tokio's paused clock: the
    // waits cost no real time, and `sim.rng`, a `rand::Rng`, is seeded with `sim.seed`.
    harness::run(async |mut sim: Sim| {
        let failures = sim.rng.random_range(0..8);
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
