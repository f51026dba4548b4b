//! Code written against rand 0.9 takes the harness's generator, with the `rand09` feature, and
//! draws the same bits as code written against rand 0.10.

use std::time::Duration;

use waitsim::harness::{Harness, Sim};
use waitsim::{GeneratorKind, SeedRange};

/// Production code as written against rand 0.9: a jittered backoff.
async fn backoff<R: rand_09::Rng + ?Sized>(rng: &mut R, attempt: u32) -> Duration {
    let cap = Duration::from_millis(100).saturating_mul(2u32.saturating_pow(attempt));
    let wait = cap
        .min(Duration::from_secs(30))
        .mul_f64(rng.random::<f64>());
    tokio::time::sleep(wait).await;
    wait
}

/// The same, against rand 0.10.
async fn backoff_10<R: rand::Rng + ?Sized>(rng: &mut R, attempt: u32) -> Duration {
    let cap = Duration::from_millis(100).saturating_mul(2u32.saturating_pow(attempt));
    let wait = cap
        .min(Duration::from_secs(30))
        .mul_f64(rand::RngExt::random::<f64>(rng));
    tokio::time::sleep(wait).await;
    wait
}

#[test]
fn rand_0_9_code_takes_the_harness_generator_under_both_kinds() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let seeds = Harness::new()
            .without_regressions_file()
            .seeds(SeedRange::new(0, 64).unwrap())
            .kind(kind)
            .try_run(async |mut sim: Sim| {
                let mut twin = sim.kind.generator(sim.seed);
                let start = tokio::time::Instant::now();
                let wait = backoff(&mut sim.rng, 12).await;
                if start.elapsed() < wait || wait > Duration::from_secs(30) {
                    return Err(format!("waited {:?} for {wait:?}", start.elapsed()));
                }
                // The same bits as rand 0.10 code, from a generator in the same state.
                let wait_10 = backoff_10(&mut twin, 12).await;
                if wait != wait_10 {
                    return Err(format!("rand 0.9 gave {wait:?}, rand 0.10 {wait_10:?}"));
                }
                // Words and bytes too.
                let (mut a, mut b) = ([0u8; 11], [0u8; 11]);
                rand_09::RngCore::fill_bytes(&mut sim.rng, &mut a);
                rand::Rng::fill_bytes(&mut twin, &mut b);
                let words = (
                    rand_09::RngCore::next_u32(&mut sim.rng),
                    rand::Rng::next_u32(&mut twin),
                    rand_09::RngCore::next_u64(&mut sim.rng),
                    rand::Rng::next_u64(&mut twin),
                );
                if a != b || words.0 != words.1 || words.2 != words.3 {
                    return Err(format!("{a:?} {b:?} {words:?}"));
                }
                Ok(wait.as_nanos())
            });
        assert_eq!(seeds.unwrap(), 64);
    }
}
