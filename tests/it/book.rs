//! The book's example test file (`book/src/harness/your-tests.md`), as it stands there (a tidy
//! test keeps the two equal).

#[path = "book/my_crate.rs"]
pub(crate) mod my_crate;

use std::time::Duration;

use proptest::prelude::*;
use waitsim::harness::{self, Sim};

use my_crate::retry;

/// One retry's settings: drawn by proptest from each seed, and shrunk when one fails.
#[derive(Debug)]
struct Retry {
    cap: Duration,
    base: Duration,
    tries: u32,
    failures: u32,
}

fn retries() -> impl Strategy<Value = Retry> {
    (1..5000u64, 1..2000u64, 1..12u32, 0..12u32).prop_map(|(cap, base, tries, failures)| Retry {
        cap: Duration::from_millis(cap),
        base: Duration::from_millis(base),
        tries,
        failures,
    })
}

#[test]
fn retry_waits_at_most_the_cap() {
    // Once per seed (256 by default), each on a fresh runtime with tokio's paused clock: the
    // waits cost no real time, the input comes from the seed, and `sim.rng`, a `rand::Rng`,
    // is seeded with it.
    harness::check(retries(), async |mut sim: Sim, input: Retry| {
        let mut calls = 0;
        let waits = retry(&mut sim.rng, input.tries, input.base, input.cap, || {
            calls += 1;
            calls > input.failures
        })
        .await;
        // The test fails unless some seeds reach a retry that gives up.
        sim.sometimes("the retry gave up", calls <= input.failures);
        match waits.iter().find(|&&wait| wait > input.cap) {
            Some(long) => Err(format!(
                "a wait of {long:?} is longer than the cap of {:?}",
                input.cap
            )),
            // Returned values are what the determinism check compares.
            None => Ok(waits),
        }
    });
}
