//! The laws every run obeys, for any seed.

use std::time::Duration;

use proptest::prelude::*;
use tokio::time::Instant;
use waitsim::{
    Clock, Generator, MAX_TASKS, MaxDelay, RngKind, UnitRng, measure, measure_time, seeded,
    task_wait_n, task_wait_random, wait_n, wait_random,
};

/// Upper bounds from zero through fractions and the seed's integers to [`MaxDelay::MAX`].
fn max_delays() -> impl Strategy<Value = MaxDelay> {
    prop_oneof![
        Just(0.0),
        0.0..1.0,
        (0u32..=20).prop_map(f64::from),
        0.0..1e6,
        Just(1e6),
        Just(MaxDelay::MAX.as_secs_f64()),
    ]
    .prop_map(|secs| MaxDelay::new(secs).expect("the strategy stays in range"))
}

/// Mostly up to 2000 waits, sometimes many more.
fn sizes() -> impl Strategy<Value = usize> {
    prop_oneof![20 => 0usize..=2000, 1 => Just(20_000), 1 => Just(100_000)]
}

/// A generator and its seed: the laws hold for every generator waitsim offers.
#[derive(Clone, Copy, Debug)]
struct Source {
    kind: RngKind,
    seed: u64,
}

impl Source {
    fn rng(self) -> Generator {
        self.kind.seeded(self.seed)
    }
}

impl From<u64> for Source {
    fn from(seed: u64) -> Source {
        Source {
            kind: RngKind::ChaCha,
            seed,
        }
    }
}

/// Any seed of any generator.
fn sources() -> impl Strategy<Value = Source> {
    (prop::sample::select(RngKind::ALL), any::<u64>())
        .prop_map(|(kind, seed)| Source { kind, seed })
}

/// Runs `wait_n` on a fresh virtual-clock runtime and returns its delays and elapsed time.
fn timed_wait_n(source: impl Into<Source>, n: usize, max_delay: MaxDelay) -> (Vec<f64>, Duration) {
    let source = source.into();
    Clock::Virtual
        .block_on(async {
            let start = Instant::now();
            let delays = wait_n(&mut source.rng(), n, max_delay).await?;
            Ok::<_, waitsim::Error>((delays, start.elapsed()))
        })
        .unwrap()
        .unwrap()
}

/// What tokio's timer makes of a wait of `secs`: the duration rounded up to a whole millisecond.
fn tick_ceil(secs: f64) -> Duration {
    let nanos = Duration::from_secs_f64(secs).as_nanos();
    Duration::from_millis(u64::try_from(nanos.div_ceil(1_000_000)).unwrap())
}

/// Seconds as waitsim reports them: the float nearest to the exact duration.
fn secs(duration: Duration) -> f64 {
    format!("{}.{:09}", duration.as_secs(), duration.subsec_nanos())
        .parse()
        .unwrap()
}

fn bits(delays: &[f64]) -> Vec<u64> {
    delays.iter().map(|d| d.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn wait_n_gives_n_ascending_delays_within_bounds(
        source in sources(), n in sizes(), max_delay in max_delays(),
    ) {
        let (delays, _) = timed_wait_n(source, n, max_delay);
        prop_assert_eq!(delays.len(), n);
        prop_assert!(delays.is_sorted());
        let max = max_delay.as_secs_f64();
        prop_assert!(delays.iter().all(|d| (0.0..=max).contains(d) && d.is_sign_positive()));
    }

    #[test]
    fn virtual_elapsed_is_the_largest_delay_rounded_up_to_a_millisecond(
        source in sources(), n in sizes(), max_delay in max_delays(),
    ) {
        let (delays, elapsed) = timed_wait_n(source, n, max_delay);
        let largest = delays.last().copied().unwrap_or(0.0);
        prop_assert_eq!(elapsed, tick_ceil(largest));
        // The stated bound: largest - 1 ns < elapsed < largest + 1 ms.
        let secs = elapsed.as_secs_f64();
        prop_assert!(secs > largest - 1e-9 && secs < largest + 1e-3, "{} vs {}", secs, largest);
    }

    #[test]
    fn waits_are_concurrent_not_sequential(
        source in sources(), n in 2usize..=50, max_delay in max_delays(),
    ) {
        let (delays, concurrent) = timed_wait_n(source, n, max_delay);
        let sequential = Clock::Virtual.block_on(async {
            let mut rng = source.rng();
            let start = Instant::now();
            for _ in 0..n {
                wait_random(&mut rng, max_delay).await;
            }
            start.elapsed()
        }).unwrap();
        let sum: Duration = delays.iter().map(|&d| tick_ceil(d)).sum();
        // Waiting one after another costs the sum of the ticks; concurrently, only the longest.
        prop_assert_eq!(sequential, sum);
        prop_assert_eq!(concurrent, tick_ceil(delays[n - 1]));
    }

    #[test]
    fn measure_time_times_n_is_the_largest_delay_within_a_tick(
        source in sources(), n in 1usize..=2000, max_delay in max_delays(),
    ) {
        let per_task = measure_time(&mut source.rng(), n, max_delay, Clock::Virtual).unwrap();
        let (delays, _) = timed_wait_n(source, n, max_delay);
        let largest = delays[n - 1];
        prop_assert_eq!(per_task, secs(tick_ceil(largest)) / n as f64);
        let total = per_task * n as f64;
        // Within a millisecond, plus the rounding of one division and one multiplication.
        let slack = 4.0 * f64::EPSILON * largest;
        prop_assert!(total >= largest - 1e-9 - slack && total < largest + 1e-3 + slack);
    }

    #[test]
    fn the_same_seed_gives_the_same_bits(
        source in sources(), n in sizes(), max_delay in max_delays(),
    ) {
        let (first, first_elapsed) = timed_wait_n(source, n, max_delay);
        let (again, again_elapsed) = timed_wait_n(source, n, max_delay);
        prop_assert_eq!(bits(&first), bits(&again));
        prop_assert_eq!(first_elapsed, again_elapsed);
    }

    #[test]
    fn task_wait_n_equals_wait_n(source in sources(), n in sizes(), max_delay in max_delays()) {
        let (joined, joined_elapsed) = timed_wait_n(source, n, max_delay);
        let (tasks, tasks_elapsed) = Clock::Virtual.block_on(async {
            let start = Instant::now();
            let delays = task_wait_n(&mut source.rng(), n, max_delay).await.unwrap();
            (delays, start.elapsed())
        }).unwrap();
        prop_assert_eq!(bits(&tasks), bits(&joined));
        prop_assert_eq!(tasks_elapsed, joined_elapsed);
    }

    #[test]
    fn draws_for_n_are_a_prefix_of_draws_for_n_plus_one(
        source in sources(), n in 0usize..=300, max_delay in max_delays(),
    ) {
        // `n` successive wait_random calls give the draws in index order.
        let (one_by_one, next) = Clock::Virtual.block_on(async {
            let mut rng = source.rng();
            let mut draws = Vec::new();
            for _ in 0..n {
                draws.push(wait_random(&mut rng, max_delay).await);
            }
            let next = wait_random(&mut rng, max_delay).await;
            (draws, next)
        }).unwrap();
        let mut sorted = one_by_one.clone();
        sorted.sort_by(f64::total_cmp);
        prop_assert_eq!(bits(&timed_wait_n(source, n, max_delay).0), bits(&sorted));
        sorted.push(next);
        sorted.sort_by(f64::total_cmp);
        prop_assert_eq!(bits(&timed_wait_n(source, n + 1, max_delay).0), bits(&sorted));
    }

    #[test]
    fn task_wait_random_draws_what_wait_random_draws(source in sources(), max_delay in max_delays()) {
        let (from_task, from_future) = Clock::Virtual.block_on(async {
            let task = task_wait_random(&mut source.rng(), max_delay).await.unwrap();
            (task, wait_random(&mut source.rng(), max_delay).await)
        }).unwrap();
        prop_assert_eq!(from_task.to_bits(), from_future.to_bits());
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
fn wait_n_of_zero_is_empty_and_instant() {
    let (delays, elapsed) = timed_wait_n(1, 0, MaxDelay::DEFAULT);
    assert!(delays.is_empty());
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
    for n in [MAX_TASKS + 1, usize::MAX] {
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
        assert_eq!(rng.next_unit().to_bits(), seeded(5).next_unit().to_bits());
    }
}

#[test]
fn a_million_waits_run_on_the_virtual_clock() {
    let (delays, elapsed) = timed_wait_n(2024, 1_000_000, MaxDelay::DEFAULT);
    assert_eq!(delays.len(), 1_000_000);
    assert!(delays.is_sorted());
    assert_eq!(elapsed, tick_ceil(delays[999_999]));
}

#[test]
fn the_largest_supported_delay_is_waited_in_full() {
    let (delays, elapsed) = timed_wait_n(3, 50, MaxDelay::MAX);
    let largest = delays[49];
    assert!(largest > 0.9 * MaxDelay::MAX.as_secs_f64());
    assert_eq!(elapsed, tick_ceil(largest));
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
