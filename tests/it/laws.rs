//! The laws every run obeys, for any seed: waitsim's routines checked with its own laws kit,
//! `waitsim::laws`, the one home of each law.

use std::time::Duration;

use proptest::prelude::*;
use rand::RngExt;
use waitsim::analysis::measure;
use waitsim::laws::{self, Input};
use waitsim::strategies::{generator_kinds, max_delays, seeds, sizes};
use waitsim::{
    Clock, Generator, GeneratorKind, MaxDelay, measure_time, seeded, task_wait_n, task_wait_random,
    wait_n, wait_random,
};

/// A generator and its seed: the laws hold for every generator waitsim offers.
#[derive(Clone, Copy, Debug)]
struct Source {
    kind: GeneratorKind,
    seed: u64,
}

impl Source {
    fn rng(self) -> Generator {
        self.kind.generator(self.seed)
    }
}

/// Any seed of any generator.
fn sources() -> impl Strategy<Value = Source> {
    (generator_kinds(), seeds()).prop_map(|(kind, seed)| Source { kind, seed })
}

/// Any input of the laws, with sizes up to 100,000.
fn inputs() -> impl Strategy<Value = Input> {
    (seeds(), sizes(), max_delays()).prop_map(|(seed, n, max_delay)| Input { seed, n, max_delay })
}

fn bits(delays: &[f64]) -> Vec<u64> {
    delays.iter().map(|d| d.to_bits()).collect()
}

/// `measure_time` on the virtual clock, as an implementation for the laws.
fn measure_time_virtual(
    rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
) -> Result<f64, waitsim::Error> {
    measure_time(rng, n, max_delay, Clock::Virtual)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn wait_n_obeys_every_law(rng in generator_kinds(), input in inputs()) {
        laws::wait_n(wait_n, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }

    #[test]
    fn task_wait_n_obeys_every_law_and_agrees_with_wait_n(rng in generator_kinds(), input in inputs()) {
        laws::wait_n(task_wait_n, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
        laws::agree(task_wait_n, wait_n, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }

    #[test]
    fn wait_random_and_task_wait_random_obey_every_law(rng in generator_kinds(), input in inputs()) {
        laws::wait_random(wait_random, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
        let task = async |rng: &mut Generator, max_delay| task_wait_random(rng, max_delay).await;
        laws::wait_random(task, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }

    #[test]
    fn measure_time_obeys_every_law(rng in generator_kinds(), seed in seeds(), n in 1usize..=2000, max_delay in max_delays()) {
        let input = Input { seed, n, max_delay };
        laws::measure_time(measure_time_virtual, rng, input).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }
}

proptest! {
    // Each case runs on a real clock, so the delays are kept below a microsecond: each run
    // waits at most one timer tick.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_runtime_flavour_does_not_change_the_delays(
        source in sources(), n in 0usize..=500, max_micros in 1e-9..1e-6, workers in 1usize..=4,
    ) {
        let max_delay = MaxDelay::new(max_micros).unwrap();
        let current = Clock::Real.block_on(async {
            let joined = wait_n(&mut source.rng(), n, max_delay).await.unwrap();
            let tasks = task_wait_n(&mut source.rng(), n, max_delay).await.unwrap();
            (joined, tasks)
        }).unwrap();
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_time()
            .build()
            .unwrap()
            .block_on(async {
                let joined = wait_n(&mut source.rng(), n, max_delay).await.unwrap();
                let tasks = task_wait_n(&mut source.rng(), n, max_delay).await.unwrap();
                (joined, tasks)
            });
        prop_assert_eq!(bits(&multi.0), bits(&current.0));
        prop_assert_eq!(bits(&multi.1), bits(&current.0));
        prop_assert_eq!(bits(&current.1), bits(&current.0));
    }
}

#[test]
fn max_delay_accepts_its_boundaries_and_refuses_their_neighbours() {
    let next_up = |x: f64| f64::from_bits(x.to_bits() + 1);
    let max = MaxDelay::MAX.as_secs_f64();
    for ok in [0.0, -0.0, f64::from_bits(1), 1.0, 10.0, max] {
        let accepted = MaxDelay::new(ok).unwrap();
        // Taken as given, except that -0 is 0.
        assert_eq!(accepted.as_secs_f64().to_bits(), (ok + 0.0).to_bits());
    }
    // The least negative float, the float above the maximum, and the non-finite.
    for bad in [
        -f64::from_bits(1),
        next_up(max),
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let err = MaxDelay::new(bad).unwrap_err();
        assert!(err.is_invalid_input());
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
    assert_eq!(
        max, 946_080_000.0,
        "30 years of 365 days, tokio's longest sleep"
    );
}

#[test]
fn a_delay_below_half_a_nanosecond_is_no_wait_at_all() {
    // A `Duration` holds whole nanoseconds: the delay is drawn and returned, but the wait
    // rounds to nothing, so it takes no time, not a tick.
    let (delay, elapsed) = Clock::Virtual
        .run(async {
            let start = tokio::time::Instant::now();
            let delay = wait_random(&mut seeded(3), MaxDelay::new(1e-10)?).await;
            Ok::<_, waitsim::Error>((delay, start.elapsed()))
        })
        .unwrap();
    assert!(delay > 0.0 && delay <= 1e-10, "{delay}");
    assert_eq!(elapsed, Duration::ZERO);
    let input = Input {
        seed: 3,
        n: 7,
        max_delay: MaxDelay::new(1e-10).unwrap(),
    };
    laws::wait_random(wait_random, GeneratorKind::ChaCha, input).unwrap();
    laws::wait_n(wait_n, GeneratorKind::ChaCha, input).unwrap();
}

#[test]
fn wait_n_of_zero_is_empty_and_instant() {
    let elapsed = Clock::Virtual
        .run(async {
            let start = tokio::time::Instant::now();
            assert!(
                wait_n(&mut seeded(1), 0, MaxDelay::DEFAULT)
                    .await?
                    .is_empty()
            );
            Ok::<_, waitsim::Error>(start.elapsed())
        })
        .unwrap();
    assert_eq!(elapsed, Duration::ZERO);
}

#[test]
fn measure_time_of_zero_tasks_is_an_error() {
    let err = measure_time(&mut seeded(1), 0, MaxDelay::DEFAULT, Clock::Virtual).unwrap_err();
    assert!(err.is_invalid_input());
    assert!(err.to_string().contains("`0`"), "{err}");
    let err = Clock::Virtual
        .block_on(measure(&mut seeded(1), 0, MaxDelay::DEFAULT))
        .unwrap();
    assert!(err.unwrap_err().is_invalid_input());
}

#[test]
fn too_many_tasks_is_refused_before_anything_is_drawn() {
    for n in [waitsim::TaskCount::MAX + 1, usize::MAX] {
        let mut rng = seeded(5);
        let outcome = Clock::Virtual.block_on(async {
            let joined = wait_n(&mut rng, n, MaxDelay::DEFAULT).await;
            let tasks = task_wait_n(&mut rng, n, MaxDelay::DEFAULT).await;
            (joined.unwrap_err(), tasks.unwrap_err())
        });
        let (joined, tasks) = outcome.unwrap();
        for err in [joined, tasks] {
            assert!(err.is_invalid_input());
            assert!(err.to_string().contains(&format!("`{n}`")), "{err}");
        }
        // The generator was not touched.
        assert_eq!(
            rng.random::<f64>().to_bits(),
            seeded(5).random::<f64>().to_bits()
        );
    }
}

#[test]
fn a_million_waits_obey_the_laws() {
    let input = Input {
        seed: 2024,
        n: 1_000_000,
        max_delay: MaxDelay::DEFAULT,
    };
    laws::wait_n(wait_n, GeneratorKind::ChaCha, input).unwrap();
}

#[test]
fn the_largest_supported_delay_is_waited_in_full() {
    let input = Input {
        seed: 3,
        n: 50,
        max_delay: MaxDelay::MAX,
    };
    laws::wait_n(wait_n, GeneratorKind::ChaCha, input).unwrap();
    laws::measure_time(measure_time_virtual, GeneratorKind::Cpython, input).unwrap();
}

#[test]
fn dropping_task_wait_n_aborts_its_tasks() {
    Clock::Virtual
        .block_on(async {
            let mut rng = seeded(8);
            let cancelled = tokio::time::timeout(
                Duration::from_secs(1),
                task_wait_n(&mut rng, 100, MaxDelay::DEFAULT),
            );
            assert!(
                cancelled.await.is_err(),
                "the waits are longer than the timeout"
            );
            assert!(
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks()
                    > 0
            );
            // Aborted tasks end when the scheduler next polls them; the virtual clock stands still
            // meanwhile, so none of them can have finished its wait.
            for _ in 0..1000 {
                tokio::task::yield_now().await;
            }
            assert_eq!(
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks(),
                0
            );
        })
        .unwrap();
}
