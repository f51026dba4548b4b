//! Timelines and sweeps: exact timelines for named fixtures, the pictures, the statistics
//! against the theory, and sharded sweeps merged.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde::Deserialize;
use waitsim::{
    Clock, MaxDelay, Partition, RngKind, Summary, measure_time, seeded, sweep, timeline, wait_n,
};

use crate::snapshots::settings;

/// A named timeline: a seed, a generator, `n` and `max_delay`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineFixture {
    seed: u64,
    #[serde(default)]
    rng: RngKind,
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
                .block_on(timeline(&mut f.rng.seeded(f.seed), f.n, f.max_delay))
                .unwrap()
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
        let mut by_rank = t.tasks.clone();
        by_rank.sort_by_key(|span| span.rank);
        let ranked: Vec<f64> = by_rank.iter().map(|span| span.delay).collect();
        assert_eq!(ranked, delays);
        for span in &t.tasks {
            // Each wait ends on the first millisecond tick at or after its delay.
            assert_eq!(
                span.end,
                (span.delay * 1000.0).ceil() / 1000.0,
                "seed {seed}"
            );
            assert_eq!(span.start, 0.0);
        }
        assert_eq!(t.elapsed, by_rank[39].end);
        assert!(t.tasks.iter().enumerate().all(|(i, span)| span.index == i));
        assert_eq!(
            t.sum_of_delays,
            t.tasks.iter().map(|s| s.delay).sum::<f64>()
        );
    }
}

fn waitsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_waitsim"))
        .args(args)
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The `<rect>` elements of an SVG file drawn in the bars' colour.
fn bars(svg: &PathBuf) -> usize {
    let text = std::fs::read_to_string(svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|node| node.has_tag_name("rect") && node.attribute("fill") == Some("#1F77B4"))
        .count()
}

#[test]
fn the_timeline_svg_has_one_bar_per_task() {
    for n in [1, 20, 137] {
        let svg = temp(&format!("timeline-{n}.svg"));
        let n_text = n.to_string();
        stdout_of(&[
            "timeline",
            &n_text,
            "10",
            "--seed",
            "3",
            "--svg",
            svg.to_str().unwrap(),
        ]);
        assert_eq!(bars(&svg), n);
    }
}

#[test]
fn the_terminal_timeline_is_for_small_n() {
    let small = waitsim(&["timeline", "8", "10", "--seed", "1"]);
    settings()
        .bind(|| insta::assert_snapshot!("cli_timeline", String::from_utf8(small.stdout).unwrap()));
    let large = waitsim(&["timeline", "1000", "10", "--seed", "1"]);
    assert_eq!(large.status.code(), Some(2));
    let err = String::from_utf8(large.stderr).unwrap();
    assert!(
        err.contains("too tall for the terminal") && err.contains("--svg FILE"),
        "{err}"
    );
}

#[test]
fn an_empty_timeline_sums_to_zero() {
    let t = Clock::Virtual
        .block_on(timeline(&mut seeded(1), 0, MaxDelay::DEFAULT))
        .unwrap()
        .unwrap();
    assert!(t.tasks.is_empty());
    assert_eq!(t.sum_of_delays.to_bits(), 0.0f64.to_bits(), "not -0.0");
    let text = stdout_of(&["timeline", "0", "10", "--seed", "1"]);
    assert_eq!(
        text,
        "elapsed 0 s; sum of delays 0 s (0.0 times the elapsed time)\n"
    );
}

#[test]
fn the_terminal_sweep_is_a_summary_and_a_histogram() {
    let text = stdout_of(&["sweep", "10", "5", "--seeds", "0..200"]);
    settings().bind(|| insta::assert_snapshot!("cli_sweep", text));
    // Equal values make one bin, not twenty with the same label.
    let zero = stdout_of(&["sweep", "5", "0", "--seeds", "0..3"]);
    assert_eq!(
        zero.lines().filter(|line| line.contains('|')).count(),
        1,
        "{zero}"
    );
}

#[test]
fn the_sweep_svg_is_a_histogram() {
    let svg = temp("sweep.svg");
    stdout_of(&[
        "sweep",
        "20",
        "5",
        "--seeds",
        "0..500",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(bars(&svg), 40);
}

#[test]
fn sweep_results_are_measure_time_on_a_fresh_runtime() {
    let seeds: Vec<u64> = (1000..1040).collect();
    let max_delay = MaxDelay::new(3.25).unwrap();
    let two = NonZeroUsize::new(2).unwrap();
    let results = sweep(&seeds, 25, max_delay, RngKind::ChaCha, two, None).unwrap();
    for (result, &seed) in results.iter().zip(&seeds) {
        assert_eq!(result.seed, seed);
        let fresh = measure_time(&mut seeded(seed), 25, max_delay, Clock::Virtual).unwrap();
        assert_eq!(result.measure_time.to_bits(), fresh.to_bits());
    }
}

#[test]
fn sweep_statistics_agree_with_the_theory() {
    for (n, max_delay) in [(1, 10.0), (10, 10.0), (100, 10.0), (50, 0.8)] {
        let seeds: Vec<u64> = (0..4000).collect();
        let max_delay = MaxDelay::new(max_delay).unwrap();
        let threads = NonZeroUsize::new(2).unwrap();
        let results = sweep(&seeds, n, max_delay, RngKind::ChaCha, threads, None).unwrap();
        let s = Summary::of(&results, n, max_delay).unwrap();
        // The mean of 4000 draws is within four standard errors of the theory's, give or take
        // the tick rounding (at most a millisecond over n either way of its midpoint).
        let standard_error = s.theory_std_dev / (s.seeds as f64).sqrt();
        let tolerance = 4.0 * standard_error + 0.0005 / n as f64;
        assert!((s.mean - s.theory_mean).abs() < tolerance, "n {n}: {s:?}");
        // The sample standard deviation within 15% of the theory's.
        assert!(
            (s.std_dev / s.theory_std_dev - 1.0).abs() < 0.15,
            "n {n}: {s:?}"
        );
        assert!(s.min <= s.p50 && s.p50 <= s.p99 && s.p99 <= s.max);
        assert!(s.max <= (max_delay.as_secs_f64() + 0.001) / n as f64);
    }
}

fn stdout_of(args: &[&str]) -> String {
    let output = waitsim(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn merged_shards_equal_the_whole_sweep() {
    let whole = stdout_of(&["sweep", "30", "5", "--seeds", "0..300", "--json"]);
    let whole_summary = whole.lines().last().unwrap();
    assert_eq!(whole.lines().count(), 301);
    let mut files = Vec::new();
    for k in 1..=3 {
        let partition = format!("{k}/3");
        let shard = stdout_of(&[
            "sweep",
            "30",
            "5",
            "--seeds",
            "0..300",
            "--partition",
            &partition,
            "--json",
        ]);
        assert_eq!(shard.lines().count(), 101);
        let path = temp(&format!("shard-{k}.jsonl"));
        std::fs::write(&path, shard).unwrap();
        files.push(path.to_str().unwrap().to_owned());
    }
    // In any order of the files.
    files.reverse();
    let mut args = vec!["sweep-merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(stdout_of(&args).trim_end(), whole_summary);
    assert!(Partition::new(3, 3).is_ok());
}

#[test]
fn sweep_bad_input_gets_one_error_line_and_status_two() {
    let mismatched = temp("mismatched.jsonl");
    let a = stdout_of(&["sweep", "3", "5", "--seeds", "0..2", "--json"]);
    let b = stdout_of(&["sweep", "4", "5", "--seeds", "2..4", "--json"]);
    std::fs::write(&mismatched, a + &b).unwrap();
    let missing = temp("no-such-file.jsonl");
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "10", "5", "--seeds", "5..2"],
            "invalid seed range `5..2`",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--partition", "0/3"],
            "invalid partition `0/3`",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--seed", "4"],
            "takes no --seed",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--clock", "real"],
            "virtual clock only",
        ),
        (&["sweep", "0", "5", "--seeds", "0..10"], "invalid n `0`"),
        (
            &["sweep", "10", "5", "--seeds", "0..20000000"],
            "at most 10000000 seeds",
        ),
        (
            &["sweep", "10", "5"],
            "required arguments were not provided: --seeds",
        ),
        (&["sweep-merge", missing.to_str().unwrap()], "cannot read"),
        (
            &["sweep-merge", mismatched.to_str().unwrap()],
            "cannot merge",
        ),
        (&["sweep-merge"], "required arguments were not provided"),
    ];
    for &(args, expected) in cases {
        let output = waitsim(args);
        let err = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
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
    ) {
        let (n, max_delay) = (7, MaxDelay::new(2.5).unwrap());
        let one = NonZeroUsize::new(1).unwrap();
        let range = start..start + len;
        let all: Vec<u64> = range.clone().collect();
        let whole = sweep(&all, n, max_delay, RngKind::ChaCha, one, None).unwrap();
        let mut shards: Vec<Vec<waitsim::SeedResult>> = (1..=of)
            .map(|k| {
                let seeds: Vec<u64> = Partition::new(k, of).unwrap().seeds(range.clone()).collect();
                sweep(&seeds, n, max_delay, RngKind::ChaCha, one, None).unwrap()
            })
            .collect();
        let count = shards.len();
        shards.rotate_left(rotate % count);
        let merged: Vec<_> = shards.into_iter().flatten().collect();
        proptest::prop_assert_eq!(Summary::of(&merged, n, max_delay), Summary::of(&whole, n, max_delay));
    }
}
