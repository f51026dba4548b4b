//! The figures of BENCHMARKS.md's section on shrinking: each planted bug of the shrinking
//! tests, shrunk by proptest's own runner and by waitsim's harness, with the runs and the
//! real time each shrink took. One Markdown row per bug and shrinker.
//!
//!     cargo run --example shrinking -- [--label NAME] [--reps R] [--no-proptest]
//!
//! The bugs and their tests are those of `tests/victims/retry.rs`, as `tests/it/check.rs` runs
//! them (the README's `retry` with its jitter in [0.5, 1.5) applied after the cap), and of
//! `tests/it/shrinking.rs` (a batching sender whose batch can reach `max_batch + 1`, a breaker
//! that closes a tick early, a `run` body that fails for a draw over 10), copied here item for
//! item (a tidy test keeps the copies equal), so that the same file builds against an older
//! waitsim as well:
//! `benches/shrinking/compare.sh` builds it at the commit before the shrinking of the draws
//! and prints both builds' rows.
//!
//! waitsim's rows: the first failing seed of `0..64` (the first of the default `0..256`),
//! then that seed alone again, timed (the median of `--reps` runs): one run of the input the
//! seed found, and the shrinking. proptest's rows: its `TestRunner` with a deterministic
//! ChaCha generator and 256 cases, on the same strategies; the body's `sim.rng` becomes a
//! generator seeded with a `u64` that proptest draws after the input and shrinks with it (the
//! way to give a proptest body randomness of its own); the runs and the time are counted from
//! the first failing case to the end.

use std::cell::Cell;
use std::time::Duration;

use futures::StreamExt as _;
use futures::channel::mpsc;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::RngExt;
use tokio::time::Instant;
use waitsim::harness::{Failure, Harness, Sim};
use waitsim::{Clock, GeneratorKind, SeedRange};

/// One retry's settings, as the test draws them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Retry {
    tries: u32,
    base: Duration,
    cap: Duration,
    /// How many attempts fail before one succeeds.
    failures: u32,
}

/// The settings, drawn so that proptest's shrinking (which goes through a tuple's elements once,
/// in order) reaches an input no simpler one also fails: the bounds first, then the counts that
/// depend on them.
fn retries() -> impl Strategy<Value = Retry> {
    (1..5000u64, 1..2000u64, 1..12u32, 0..12u32).prop_map(|(cap, base, tries, failures)| Retry {
        tries,
        base: Duration::from_millis(base),
        cap: Duration::from_millis(cap),
        failures,
    })
}

/// `my_crate::retry` with a planted bug: the jitter, in [0.5, 1.5), is applied after the cap,
/// so a capped wait can exceed it.
async fn retry_past_the_cap<R: rand::Rng + ?Sized>(
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

/// The retry's test, as `tests/victims/retry.rs` has it (without its `sometimes` condition,
/// which only a passing test judges): the waits, or the one past the cap.
async fn waits_at_most_the_cap<R: rand::Rng + ?Sized>(
    rng: &mut R,
    input: Retry,
) -> Result<Vec<Duration>, String> {
    let mut calls = 0;
    let waits = retry_past_the_cap(rng, input.tries, input.base, input.cap, || {
        calls += 1;
        calls > input.failures
    })
    .await;
    match waits.iter().find(|&&wait| wait > input.cap) {
        Some(long) => Err(format!(
            "a wait of {long:?} is longer than the cap of {:?}",
            input.cap
        )),
        None => Ok(waits),
    }
}

/// A batching sender's settings and its load: the gaps between items.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Load {
    max_batch: usize,
    linger: Duration,
    gaps: Vec<Duration>,
}

fn loads() -> impl Strategy<Value = Load> {
    (
        1..16usize,
        1..1000u64,
        proptest::collection::vec(0..200u64, 1..50),
    )
        .prop_map(|(max_batch, linger, gaps)| Load {
            max_batch,
            linger: Duration::from_millis(linger),
            gaps: gaps.into_iter().map(Duration::from_millis).collect(),
        })
}

/// Sends items in batches of at most `max_batch`: a batch goes when it is full, or `linger`
/// after its first item. Planted: what is already waiting goes with the batch, full or not.
async fn send_batches(
    mut items: mpsc::UnboundedReceiver<usize>,
    max_batch: usize,
    linger: Duration,
) -> Vec<Vec<usize>> {
    let mut sent = Vec::new();
    while let Some(first) = items.next().await {
        let mut batch = vec![first];
        let deadline = Instant::now() + linger;
        while batch.len() < max_batch {
            match tokio::time::timeout_at(deadline, items.next()).await {
                Ok(Some(item)) => batch.push(item),
                _ => break,
            }
        }
        if let Ok(item) = items.try_recv() {
            batch.push(item);
        }
        sent.push(batch);
    }
    sent
}

/// The batcher's test: items arrive at the load's gaps; no batch may hold more than
/// `max_batch`.
async fn batches_at_most_max(load: Load) -> Result<usize, String> {
    let (sender, items) = mpsc::unbounded();
    let gaps = load.gaps.clone();
    let producer = tokio::spawn(async move {
        for (item, gap) in gaps.into_iter().enumerate() {
            tokio::time::sleep(gap).await;
            let _ = sender.unbounded_send(item);
        }
    });
    let batches = send_batches(items, load.max_batch, load.linger).await;
    producer.await.map_err(|err| err.to_string())?;
    match batches.iter().find(|batch| batch.len() > load.max_batch) {
        Some(batch) => Err(format!(
            "a batch of {} items, over the most of {}",
            batch.len(),
            load.max_batch
        )),
        None => Ok(batches.len()),
    }
}

/// A circuit breaker's settings and the calls made through it: each after a gap, and
/// whether it succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Calls {
    threshold: u32,
    cool_down: Duration,
    calls: Vec<(Duration, bool)>,
}

fn calls() -> impl Strategy<Value = Calls> {
    (
        1..5u32,
        1..100u64,
        proptest::collection::vec((0..20u64, any::<bool>()), 1..40),
    )
        .prop_map(|(threshold, cool_down, calls)| Calls {
            threshold,
            cool_down: Duration::from_millis(cool_down),
            calls: calls
                .into_iter()
                .map(|(gap, ok)| (Duration::from_millis(gap), ok))
                .collect(),
        })
}

/// Opens after `threshold` failures in a row, and lets no call through for `cool_down`.
/// Planted: it lets calls through again one tick (a millisecond) early.
struct Breaker {
    threshold: u32,
    cool_down: Duration,
    failures: u32,
    opened: Option<Instant>,
}

impl Breaker {
    fn allow(&mut self) -> bool {
        match self.opened {
            Some(at) if at.elapsed() + Duration::from_millis(1) < self.cool_down => false,
            Some(_) => {
                self.opened = None;
                self.failures = 0;
                true
            }
            None => true,
        }
    }

    fn record(&mut self, ok: bool) {
        if ok {
            self.failures = 0;
        } else {
            self.failures += 1;
            if self.failures >= self.threshold {
                self.opened = Some(Instant::now());
            }
        }
    }
}

/// The breaker's test: no call goes through within the cool-down after it opened.
async fn no_call_within_the_cool_down(input: Calls) -> Result<u32, String> {
    let mut breaker = Breaker {
        threshold: input.threshold,
        cool_down: input.cool_down,
        failures: 0,
        opened: None,
    };
    let (mut failures, mut opened, mut through) = (0, None::<Instant>, 0);
    for (gap, ok) in input.calls {
        tokio::time::sleep(gap).await;
        if opened.is_some_and(|at| at.elapsed() >= input.cool_down) {
            (opened, failures) = (None, 0);
        }
        if !breaker.allow() {
            continue;
        }
        if let Some(at) = opened {
            return Err(format!(
                "a call went through {:?} after the breaker opened, within its cool-down of {:?}",
                at.elapsed(),
                input.cool_down
            ));
        }
        through += 1;
        breaker.record(ok);
        failures = if ok { 0 } else { failures + 1 };
        if failures >= input.threshold {
            opened = Some(Instant::now());
        }
    }
    Ok(through)
}

/// A `run` body that fails for a draw over 10.
async fn draws_at_most_ten(mut sim: Sim) -> Result<u32, String> {
    let n = sim.rng.random_range(0..1000u32);
    if n > 10 {
        Err(format!("n = {n}"))
    } else {
        Ok(n)
    }
}

/// The seeds waitsim's rows search for the first failure.
const SEEDS: u64 = 64;

/// What a shrinker reached: the seed (waitsim's), the input shown, and the runs and
/// milliseconds the shrink took.
struct Row {
    seed: Option<u64>,
    shown: String,
    runs: u64,
    ms: f64,
}

/// Up to six of `items`, written by `show`, and how many there are when there are more.
fn some<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut shown: Vec<String> = items.iter().take(6).map(show).collect();
    if items.len() > 6 {
        shown.push(format!("… {} in all", items.len()));
    }
    format!("[{}]", shown.join(", "))
}

fn ms(d: Duration) -> String {
    format!("{}", d.as_millis())
}

fn show_retry(input: &Retry, message: &str) -> String {
    let wait = message
        .strip_prefix("a wait of ")
        .and_then(|rest| rest.split_once(' '))
        .map_or("?", |(wait, _)| wait);
    format!(
        "tries {}, base {} ms, cap {} ms, failures {}; the wait {wait}",
        input.tries,
        ms(input.base),
        ms(input.cap),
        input.failures
    )
}

fn show_load(load: &Load, _: &str) -> String {
    format!(
        "max_batch {}, linger {} ms, gaps (ms) {}",
        load.max_batch,
        ms(load.linger),
        some(&load.gaps, |&gap| ms(gap))
    )
}

fn show_calls(input: &Calls, _: &str) -> String {
    format!(
        "threshold {}, cool_down {} ms, calls (gap ms, ok) {}",
        input.threshold,
        ms(input.cool_down),
        some(&input.calls, |&(gap, ok)| format!("({}, {ok})", ms(gap)))
    )
}

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A harness over `seeds`, of `kind`, recording nothing.
fn harness(kind: GeneratorKind, seeds: SeedRange) -> Harness {
    Harness::new()
        .kind(kind)
        .seeds(seeds)
        .without_regressions_file()
        .shrink_budget(4096, Duration::from_secs(60))
}

/// waitsim's shrinking of a failure `fail` finds in seeds `0..SEEDS`: the first failing seed,
/// then that seed alone, `reps` times, timed. `fail` runs the harness over the seeds it is
/// given and returns the failure and the last failing input with its message, shown.
fn waitsim_row(reps: usize, fail: impl Fn(SeedRange) -> (Failure, String)) -> Row {
    let (failure, _) = fail(SeedRange::new(0, SEEDS).unwrap());
    let seed = failure.seed.expect("a failing seed");
    let one = SeedRange::new(seed, seed + 1).unwrap();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let start = std::time::Instant::now();
        let (again, shown) = fail(one);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        let runs = again.shrunk.as_deref().map_or(0, |shrunk| shrunk.runs);
        if let Some(shrunk) = again.shrunk.as_deref() {
            assert!(shrunk.out_of_budget.is_none(), "{again}");
        }
        last = Some((shown, runs));
    }
    let (shown, runs) = last.unwrap();
    Row {
        seed: Some(seed),
        shown,
        runs,
        ms: median(times),
    }
}

/// waitsim's row for a `check` test: `test` runs on the input and `sim.rng`.
fn waitsim_check<S, T>(
    reps: usize,
    kind: GeneratorKind,
    strategy: impl Fn() -> S,
    show: fn(&S::Value, &str) -> String,
    test: impl AsyncFn(&mut Sim, S::Value) -> Result<T, String>,
) -> Row
where
    S: Strategy,
    S::Value: Clone + std::fmt::Debug,
    T: serde::Serialize,
{
    waitsim_row(reps, |seeds| {
        let last = std::sync::Mutex::new(None);
        let failure = harness(kind, seeds)
            .try_check(strategy(), async |mut sim: Sim, input: S::Value| {
                let outcome = test(&mut sim, input.clone()).await;
                if let Err(message) = &outcome {
                    *last.lock().unwrap() = Some((input, message.clone()));
                }
                outcome
            })
            .unwrap_err();
        let (input, message) = last.into_inner().unwrap().expect("a failing input");
        let shrunk = failure.shrunk.as_deref().expect("a shrunk input");
        // The last failing run is the shrunk input's.
        assert_eq!(shrunk.input, format!("{input:#?}"), "{failure}");
        (failure, show(&input, &message))
    })
}

/// proptest's shrinking of `test` on its runner, with a generator seeded by a `u64` drawn
/// after the input where the test draws from one (`seeded`; otherwise its seed is 0, and the
/// draws are the strategy's alone).
fn proptest_row<S>(
    kind: GeneratorKind,
    strategy: S,
    seeded: bool,
    show: fn(&S::Value, &str) -> String,
    test: impl AsyncFn(&mut waitsim::Generator, S::Value) -> Result<(), String>,
) -> Row
where
    S: Strategy + 'static,
    S::Value: Clone + std::fmt::Debug,
{
    let strategy = if seeded {
        (strategy, any::<u64>()).boxed()
    } else {
        strategy.prop_map(|input| (input, 0)).boxed()
    };
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (calls, first) = (Cell::new(0u64), Cell::new(None));
    let outcome = runner.run(&strategy, |(input, seed)| {
        calls.set(calls.get() + 1);
        let mut rng = kind.generator(seed);
        let outcome = Clock::Virtual.block_on(test(&mut rng, input)).unwrap();
        if outcome.is_err() && first.get().is_none() {
            first.set(Some((calls.get(), std::time::Instant::now())));
        }
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
        Ok(())
    });
    let end = std::time::Instant::now();
    let (first_call, start) = first.get().expect("proptest found the bug");
    let Err(TestError::Fail(message, (input, seed))) = outcome else {
        panic!("proptest did not fail: {outcome:?}");
    };
    // `prop_assert!` adds where it failed.
    let message = message.message();
    let message = message
        .rsplit_once(" at ")
        .map_or(message, |(message, _)| message);
    let shown = show(&input, message);
    Row {
        seed: None,
        shown: if seeded {
            format!("{shown}; rng seed {seed}")
        } else {
            shown
        },
        runs: calls.get() - first_call,
        ms: (end - start).as_secs_f64() * 1000.0,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut label, mut reps, mut with_proptest) = ("waitsim".to_string(), 3, true);
    while let Some(arg) = args.next() {
        let known = match arg.as_str() {
            "--no-proptest" => {
                with_proptest = false;
                true
            }
            "--label" => args.next().map(|value| label = value).is_some(),
            "--reps" => match args.next().map(|value| value.parse()) {
                Some(Ok(value @ 1..)) => {
                    reps = value;
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if !known {
            eprintln!("usage: shrinking [--label NAME] [--reps R] [--no-proptest]");
            std::process::exit(2);
        }
    }
    let row = |bug: &str, shrinker: &str, row: Row| {
        let seed = row.seed.map_or_else(|| "–".to_string(), |s| s.to_string());
        println!(
            "| {bug} | {shrinker} | {seed} | {} | {} | {:.1} |",
            row.shown, row.runs, row.ms
        );
    };
    println!("| bug | shrinker | seed | shrunk to | runs | ms |");
    println!("|---|---|---|---|---|---|");
    for kind in GeneratorKind::ALL.iter().copied() {
        let bug = format!("retry, {kind}");
        if with_proptest {
            let shrunk = proptest_row(kind, retries(), true, show_retry, async |rng, input| {
                waits_at_most_the_cap(rng, input).await.map(drop)
            });
            row(&bug, "proptest", shrunk);
        }
        let shrunk = waitsim_check(reps, kind, retries, show_retry, async |sim, input| {
            waits_at_most_the_cap(&mut sim.rng, input).await
        });
        row(&bug, &label, shrunk);
    }
    let kind = GeneratorKind::ChaCha;
    if with_proptest {
        let shrunk = proptest_row(kind, loads(), false, show_load, async |_, load| {
            batches_at_most_max(load).await.map(drop)
        });
        row("batcher", "proptest", shrunk);
    }
    let shrunk = waitsim_check(reps, kind, loads, show_load, async |_, load| {
        batches_at_most_max(load).await
    });
    row("batcher", &label, shrunk);
    if with_proptest {
        let shrunk = proptest_row(kind, calls(), false, show_calls, async |_, input| {
            no_call_within_the_cool_down(input).await.map(drop)
        });
        row("breaker", "proptest", shrunk);
    }
    let shrunk = waitsim_check(reps, kind, calls, show_calls, async |_, input| {
        no_call_within_the_cool_down(input).await
    });
    row("breaker", &label, shrunk);
    if with_proptest {
        let shrunk = proptest_row(kind, Just(()), true, |_, message| message.to_string(), {
            async |rng, ()| {
                let n = rng.random_range(0..1000u32);
                if n > 10 {
                    Err(format!("n = {n}"))
                } else {
                    Ok(())
                }
            }
        });
        row("run, n > 10", "proptest", shrunk);
    }
    let shrunk = waitsim_row(reps, |seeds| {
        let failure = harness(kind, seeds).try_run(draws_at_most_ten).unwrap_err();
        let message = failure.message.clone();
        (failure, message)
    });
    row("run, n > 10", &label, shrunk);
}
