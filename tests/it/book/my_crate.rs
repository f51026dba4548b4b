// The book's production code (`book/src/harness/your-tests.md`), `src/lib.rs` of a crate named
// `my_crate` (a tidy test keeps the two equal).

use std::time::Duration;

use rand::RngExt;

/// Retries `attempt` up to `tries` times, waiting an exponential backoff of `base * 2^k`,
/// capped at `cap`, times a jitter in [0.5, 1) between tries. Returns the waits.
pub async fn retry<R: rand::Rng + ?Sized>(
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
            .mul_f64(0.5 + rng.random::<f64>() / 2.0);
        tokio::time::sleep(wait).await;
        waits.push(wait);
    }
    waits
}
