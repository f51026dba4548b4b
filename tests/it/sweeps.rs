//! Timelines and sweeps: exact timelines for named fixtures, the statistics against the
//! theory, and sharded sweeps merged.

use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::time::Duration;

use serde::Deserialize;
use waitsim::analysis::{SeedResult, Stats, SweepOptions, sweep, timeline};
use waitsim::{Clock, GeneratorKind, MaxDelay, Partition, SeedRange, measure_time, seeded, wait_n};

use crate::snapshots::settings;

/// A named timeline: a seed, a generator, `n` and `max_delay`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineFixture {
    seed: u64,
    #[serde(default)]
    rng: GeneratorKind,
    n: usize,
    max_delay: MaxDelay,
}

#[test]
fn timeline_fixture() {
    settings().bind(|| {
        insta::glob!("../../fixtures/timelines", "*.json", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let f: TimelineFixture = serde_json::from_str(&text).unwrap();
            let t = Clock::Virtual
                .run(timeline(&mut f.rng.generator(f.seed), f.n, f.max_delay))
                .unwrap();
            insta::assert_json_snapshot!(t);
        });
    });
}

#[test]
fn a_timeline_is_wait_n_seen_task_by_task() {
    for seed in 0..50 {
        let max_delay = MaxDelay::new(f64::from(seed as u32 % 7) + 0.5).unwrap();
        let (t, delays) = Clock::Virtual
            .block_on(async {
                let t = timeline(&mut seeded(seed), 40, max_delay).await.unwrap();
                (t, wait_n(&mut seeded(seed), 40, max_delay).await.unwrap())
            })
            .unwrap();
        let mut by_rank = t.spans.clone();
        by_rank.sort_by_key(|span| span.rank);
        let ranked: Vec<f64> = by_rank.iter().map(|span| span.delay).collect();
        assert_eq!(ranked, delays);
        for span in &t.spans {
            // Each wait ends on the first millisecond tick at or after its delay.
            let ticks = (span.delay * 1000.0).ceil() as u64;
            assert_eq!(span.end, Duration::from_millis(ticks), "seed {seed}");
            assert_eq!(span.start, Duration::ZERO);
        }
        assert_eq!(t.elapsed, by_rank[39].end);
        assert!(t.spans.iter().enumerate().all(|(i, span)| span.index == i));
        assert_eq!(
            t.sum_of_delays,
            t.spans.iter().map(|s| s.delay).sum::<f64>()
        );
    }
}

/// Every result of a sweep, in the order it streamed them, and its statistics.
fn swept(
    seeds: impl Iterator<Item = u64> + Clone + Send,
    options: &SweepOptions,
) -> (Vec<SeedResult>, Stats) {
    let mut results = Vec::new();
    let stats = sweep(seeds, options, |result| {
        results.push(result);
        ControlFlow::Continue(())
    })
    .unwrap();
    (results, stats)
}

#[test]
fn sweep_results_are_measure_time_on_a_fresh_runtime() {
    // Bounds below, at and around one tick, the seed's integers, and the largest.
    for max_delay in [
        0.0,
        0.0004,
        0.001,
        0.0015,
        0.25,
        3.25,
        10.0,
        1e6,
        MaxDelay::MAX.as_secs_f64(),
    ] {
        let max_delay = MaxDelay::new(max_delay).unwrap();
        for (n, rng) in [
            (1, GeneratorKind::ChaCha),
            (25, GeneratorKind::Cpython),
            (300, GeneratorKind::ChaCha),
        ] {
            let two = NonZeroUsize::new(2).unwrap();
            let options = SweepOptions::new(n, max_delay).kind(rng).threads(two);
            let (results, stats) = swept(1000..1040, &options);
            assert_eq!(stats.len(), 40);
            let seeds: Vec<u64> = results.iter().map(|r| r.seed).collect();
            assert_eq!(seeds, (1000..1040).collect::<Vec<_>>(), "in seed order");
            for result in results {
                let fresh = measure_time(
                    &mut rng.generator(result.seed),
                    n,
                    max_delay,
                    Clock::Virtual,
                )
                .unwrap();
                assert_eq!(
                    result.measure_time.to_bits(),
                    fresh.to_bits(),
                    "{max_delay} {n} {rng:?}"
                );
            }
        }
    }
}

#[test]
fn sweep_statistics_agree_with_the_theory() {
    // Bounds of many ticks, below one tick, at one, just above, and below half a nanosecond.
    let shapes = [
        (1, 10.0),
        (10, 10.0),
        (100, 10.0),
        (50, 0.8),
        (1, 0.0004),
        (2, 0.001),
        (3, 0.0015),
        (1, 0.0011),
        (4, 1e-10),
    ];
    for (n, max_delay) in shapes {
        let max_delay = MaxDelay::new(max_delay).unwrap();
        let (_, stats) = swept(0..4000, &SweepOptions::new(n, max_delay));
        let s = stats.summary().unwrap();
        // The mean of 4000 runs is within four standard errors of the theory's, which is
        // exact for the tick.
        let standard_error = s.theory_std_dev / (s.seeds as f64).sqrt();
        assert!(
            (s.mean - s.theory_mean).abs() <= 4.0 * standard_error + 1e-15,
            "n {n}, {max_delay}: {s:?}"
        );
        if s.theory_std_dev > 0.01 * s.theory_mean {
            // The sample standard deviation within 15% of the theory's.
            assert!(
                (s.std_dev / s.theory_std_dev - 1.0).abs() < 0.15,
                "n {n}: {s:?}"
            );
        } else {
            // Almost every run lasts the same number of ticks.
            assert!(s.std_dev <= 10.0 * s.theory_std_dev + 1e-15, "n {n}: {s:?}");
        }
        assert!(s.min <= s.p50 && s.p50 <= s.p99 && s.p99 <= s.max);
        assert!(s.max <= (max_delay.as_secs_f64() + 0.001) / n as f64);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    #[test]
    fn shards_in_any_order_summarise_as_the_whole(
        start in 0u64..1_000_000,
        len in 1u64..120,
        of in 1u64..=6,
        rotate in 0usize..6,
        threads in 1usize..=3,
    ) {
        let (n, max_delay) = (7, MaxDelay::new(2.5).unwrap());
        let options = SweepOptions::new(n, max_delay).threads(NonZeroUsize::new(threads).unwrap());
        let range = SeedRange::new(start, start + len).unwrap();
        let (_, whole) = swept(range.range(), &options);
        let mut shards: Vec<Stats> = (1..=of)
            .map(|k| swept(Partition::new(k, of).unwrap().seeds(range), &options).1)
            .collect();
        let count = shards.len();
        shards.rotate_left(rotate % count);
        let mut merged = Stats::new(n, max_delay);
        for shard in &shards {
            merged.merge(shard).unwrap();
        }
        proptest::prop_assert_eq!(merged.summary(), whole.summary());
    }
}
