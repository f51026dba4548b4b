//! The README's example, with the bug the README plants in it, fails as the README shows.

use std::time::Duration;

use rand::RngExt;
use waitsim::harness::{Harness, Sim};
use waitsim::{GeneratorKind, SeedRange};

/// The README's code under test, with its jitter widened to [0.5, 1.5) as the README says.
async fn widened_jittered_wait<R: rand::Rng + ?Sized>(rng: &mut R, base: Duration) -> Duration {
    let wait = base.mul_f64(0.5 + rng.random::<f64>());
    tokio::time::sleep(wait).await;
    wait
}

#[test]
fn the_planted_bug_fails_as_the_readme_shows() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (_, shown) = readme
        .split_once("still fails:\n\n```text\n")
        .expect("the README shows the failure");
    let (shown, _) = shown.split_once("```").unwrap();
    // The README's test, run with the seeds and the generator it runs by default.
    let failure = Harness::new()
        .name("a_jittered_wait_is_at_most_its_base")
        .without_regressions_file()
        .seeds(SeedRange::new(0, 256).unwrap())
        .kind(GeneratorKind::ChaCha)
        .try_run(async |mut sim: Sim| {
            let base = Duration::from_secs(10);
            let wait = widened_jittered_wait(&mut sim.rng, base).await;
            if wait <= base {
                Ok(wait)
            } else {
                Err(format!("waited {wait:?}, longer than {base:?}"))
            }
        })
        .unwrap_err()
        .to_string();
    assert!(
        failure.starts_with(shown),
        "the README shows:\n{shown}\nthe failure is:\n{failure}"
    );
}
