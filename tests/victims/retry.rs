//! A retry with a planted bug, and the test body that catches it: shared by the `it` tests of
//! `harness::check` and the victim that fails with it.

use std::time::Duration;

use proptest::prelude::*;
use rand::RngExt;
use waitsim::harness::Sim;

use crate::my_crate::retry;

/// One retry's settings, as the test draws them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Retry {
    pub(crate) tries: u32,
    pub(crate) base: Duration,
    pub(crate) cap: Duration,
    /// How many attempts fail before one succeeds.
    pub(crate) failures: u32,
}

/// The settings, drawn so that proptest's shrinking (which goes through a tuple's elements once,
/// in order) reaches an input no simpler one also fails: the bounds first, then the counts that
/// depend on them.
pub(crate) fn retries() -> impl Strategy<Value = Retry> {
    (1..5000u64, 1..2000u64, 1..12u32, 0..12u32).prop_map(|(cap, base, tries, failures)| Retry {
        tries,
        base: Duration::from_millis(base),
        cap: Duration::from_millis(cap),
        failures,
    })
}

/// `my_crate::retry` with a planted bug: the jitter, in [0.5, 1.5), is applied after the cap,
/// so a capped wait can exceed it.
pub(crate) async fn retry_past_the_cap<R: rand::Rng + ?Sized>(
    rng: &mut R,
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
            .mul_f64(0.5 + rng.random::<f64>());
        tokio::time::sleep(wait).await;
        waits.push(wait);
    }
    waits
}

/// The test's body on one input, with the retry under test: the waits, or what is wrong.
pub(crate) async fn waits_at_most_the_cap(
    sim: &mut Sim,
    input: Retry,
    planted: bool,
) -> Result<Vec<Duration>, String> {
    let mut calls = 0;
    let attempt = || {
        calls += 1;
        calls > input.failures
    };
    let waits = if planted {
        retry_past_the_cap(&mut sim.rng, input.tries, input.base, input.cap, attempt).await
    } else {
        retry(&mut sim.rng, input.tries, input.base, input.cap, attempt).await
    };
    sim.sometimes("the retry gave up", calls <= input.failures);
    match waits.iter().find(|&&wait| wait > input.cap) {
        Some(long) => Err(format!(
            "a wait of {long:?} is longer than the cap of {:?}",
            input.cap
        )),
        None => Ok(waits),
    }
}
