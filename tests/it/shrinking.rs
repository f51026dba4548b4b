//! Shrinking, as a user meets it: two planted bugs in code written as a user would (a batching
//! sender whose batch can reach `max_batch + 1`, a circuit breaker that closes a tick early)
//! shrink to inputs no one-step neighbour of which fails (proptest's own shrinking stops at
//! a local minimum on the breaker); a `run` body's own draws shrink; a body's `assert!`
//! prints one message, located in this file; both printed replays, run as printed,
//! reproduce the failure; and the shrunk case, kept beside its seed, is run as it was
//! recorded.

use std::time::Duration;

use futures::StreamExt as _;
use futures::channel::mpsc;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::RngExt;
use tokio::time::Instant;
use waitsim::harness::{self, Failure, Harness, RecordedCase, Sim};
use waitsim::{Clock, GeneratorKind, SeedRange};

use crate::harness::{fresh_dir, text, victim};

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

/// The loads one step simpler than `load`: each number one lower, a gap removed.
fn simpler_loads(load: &Load) -> Vec<Load> {
    let ms = Duration::from_millis(1);
    let mut simpler = Vec::new();
    if load.max_batch > 1 {
        simpler.push(Load {
            max_batch: load.max_batch - 1,
            ..load.clone()
        });
    }
    if load.linger > ms {
        simpler.push(Load {
            linger: load.linger - ms,
            ..load.clone()
        });
    }
    for i in 0..load.gaps.len() {
        if load.gaps.len() > 1 {
            let mut gaps = load.gaps.clone();
            gaps.remove(i);
            simpler.push(Load {
                gaps,
                ..load.clone()
            });
        }
        if load.gaps[i] >= ms {
            let mut gaps = load.gaps.clone();
            gaps[i] -= ms;
            simpler.push(Load {
                gaps,
                ..load.clone()
            });
        }
    }
    simpler
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

/// The calls one step simpler than `input`: each number one lower, a call removed, a call
/// that succeeds made one that fails.
fn simpler_calls(input: &Calls) -> Vec<Calls> {
    let ms = Duration::from_millis(1);
    let mut simpler = Vec::new();
    if input.threshold > 1 {
        simpler.push(Calls {
            threshold: input.threshold - 1,
            ..input.clone()
        });
    }
    if input.cool_down > ms {
        simpler.push(Calls {
            cool_down: input.cool_down - ms,
            ..input.clone()
        });
    }
    for i in 0..input.calls.len() {
        let mut changed = Vec::new();
        if input.calls.len() > 1 {
            let mut calls = input.calls.clone();
            calls.remove(i);
            changed.push(calls);
        }
        if input.calls[i].0 >= ms {
            let mut calls = input.calls.clone();
            calls[i].0 -= ms;
            changed.push(calls);
        }
        if input.calls[i].1 {
            let mut calls = input.calls.clone();
            calls[i].1 = false;
            changed.push(calls);
        }
        simpler.extend(changed.into_iter().map(|calls| Calls {
            calls,
            ..input.clone()
        }));
    }
    simpler
}

/// Whether `test` fails on `input`, run on its own virtual clock.
fn fails<I, T>(test: impl AsyncFnOnce(I) -> Result<T, String>, input: I) -> bool {
    Clock::Virtual.block_on(test(input)).unwrap().is_err()
}

/// The failure of `test` over the first 64 seeds of `kind`, with the input it was shrunk to.
fn shrunk<S, T>(
    strategy: S,
    kind: GeneratorKind,
    test: impl AsyncFn(S::Value) -> Result<T, String>,
) -> (Failure, S::Value)
where
    S: Strategy,
    S::Value: Clone + std::fmt::Debug,
    T: serde::Serialize,
{
    let last = std::sync::Mutex::new(None);
    let failure = Harness::new()
        .kind(kind)
        .seeds(SeedRange::new(0, 64).unwrap())
        .without_regressions_file()
        .try_check(strategy, async |_sim: Sim, input: S::Value| {
            let outcome = test(input.clone()).await;
            if outcome.is_err() {
                *last.lock().unwrap() = Some(input);
            }
            outcome
        })
        .unwrap_err();
    let input = last.into_inner().unwrap().unwrap();
    let shown = failure.shrunk.as_deref().unwrap();
    assert_eq!(shown.input, format!("{input:#?}"));
    assert_eq!(shown.out_of_budget, None, "{failure}");
    (failure, input)
}

/// proptest's own shrinking of the same test, from its own first failing input.
fn proptest_shrunk<S>(strategy: &S, test: impl AsyncFn(S::Value) -> Result<u64, String>) -> S::Value
where
    S: Strategy,
    S::Value: Clone + std::fmt::Debug,
{
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    match runner.run(strategy, |input| {
        let outcome = Clock::Virtual.block_on(test(input)).unwrap();
        prop_assert!(outcome.is_ok(), "{:?}", outcome);
        Ok(())
    }) {
        Err(TestError::Fail(_, input)) => input,
        other => panic!("proptest did not find the bug: {other:?}"),
    }
}

#[test]
fn the_batchers_planted_bug_shrinks_to_a_load_no_simpler_one_of_which_fails() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let (failure, load) = shrunk(loads(), kind, batches_at_most_max);
        assert!(failure.message.contains("over the most of"), "{failure}");
        assert!(fails(batches_at_most_max, load.clone()));
        for simpler in simpler_loads(&load) {
            assert!(
                !fails(batches_at_most_max, simpler.clone()),
                "{simpler:?} fails too, simpler than the shrunk {load:?}"
            );
        }
        // Every field at its strategy's least.
        assert_eq!(
            (load.max_batch, load.linger),
            (1, Duration::from_millis(1)),
            "{failure}"
        );
    }
}

#[test]
fn the_breakers_planted_bug_shrinks_to_two_failing_calls_at_the_least_settings() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let (failure, input) = shrunk(calls(), kind, no_call_within_the_cool_down);
        assert!(fails(no_call_within_the_cool_down, input.clone()));
        for simpler in simpler_calls(&input) {
            assert!(
                !fails(no_call_within_the_cool_down, simpler.clone()),
                "{simpler:?} fails too, simpler than the shrunk {input:?}"
            );
        }
        assert_eq!(
            input,
            Calls {
                threshold: 1,
                cool_down: Duration::from_millis(1),
                calls: vec![(Duration::ZERO, false); 2],
            },
            "{failure}"
        );
    }
}

#[test]
fn proptests_own_shrinking_stops_at_a_local_minimum_of_the_breaker() {
    // proptest shrinks each element once, in order: the cool-down first, while the gap that
    // meets it is still large; then the gap, down to what the cool-down still needs. No one
    // step from there fails (it takes the cool-down and the gap lowered together), yet the
    // least failing input is simpler still.
    let input = proptest_shrunk(&calls(), async |input| {
        no_call_within_the_cool_down(input).await.map(u64::from)
    });
    assert!(input.cool_down > Duration::from_millis(1), "{input:?}");
    assert!(
        !simpler_calls(&input)
            .into_iter()
            .any(|simpler| fails(no_call_within_the_cool_down, simpler)),
        "{input:?}"
    );
    assert!(fails(
        no_call_within_the_cool_down,
        Calls {
            threshold: 1,
            cool_down: Duration::from_millis(1),
            calls: vec![(Duration::ZERO, false); 2],
        }
    ));
    // (On the batcher, proptest's shrinking from its own first failure reaches the least
    // load, as waitsim's does.)
    let load = proptest_shrunk(&loads(), async |load| {
        batches_at_most_max(load).await.map(|n| n as u64)
    });
    assert!(fails(batches_at_most_max, load));
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

#[test]
fn a_run_bodys_own_draws_shrink_to_the_smallest_that_fails() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let failure = Harness::new()
            .kind(kind)
            .seeds(SeedRange::new(0, 64).unwrap())
            .without_regressions_file()
            .try_run(draws_at_most_ten)
            .unwrap_err();
        assert_eq!(failure.message, "n = 11", "{failure}");
        let shrunk = failure.shrunk.as_deref().unwrap();
        assert_eq!(shrunk.draws, Some((1, 1)), "{failure}");
        assert!(
            failure
                .to_string()
                .contains("the body's draws from sim.rng, shrunk in "),
            "{failure}"
        );
        // The same seed shrinks the same way.
        let again = Harness::new()
            .kind(kind)
            .seeds(SeedRange::new(failure.seed.unwrap(), failure.seed.unwrap() + 1).unwrap())
            .without_regressions_file()
            .try_run(draws_at_most_ten)
            .unwrap_err();
        assert_eq!(again.to_string(), failure.to_string());
    }
}

/// A `run` body that fails for a draw over `limit`, on seed `seed` alone, with `file` as
/// its regressions file and a budget of `runs`.
fn draws_at_most(limit: u32, seed: u64, file: &std::path::Path, runs: u64) -> Result<u64, Failure> {
    Harness::new()
        .name("draws_at_most")
        .seeds(SeedRange::new(seed, seed + 1).unwrap())
        .regressions_file(file)
        .shrink_budget(runs, Duration::from_secs(600))
        .try_run(async |mut sim: Sim| {
            let n = sim.rng.random_range(0..1000u32);
            if n > limit {
                Err(format!("n = {n}"))
            } else {
                Ok(n)
            }
        })
}

#[test]
fn the_shrunk_case_is_kept_beside_its_seed_and_run_as_recorded() {
    let dir = fresh_dir("shrinking-kept");
    let file = dir.join(harness::REGRESSIONS_FILE);
    let lines = || -> Vec<String> {
        let text = std::fs::read_to_string(&file).unwrap();
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    // A seed whose own draw fails; not shrunk, it is not recorded with a case, for the seed
    // makes it again.
    let seed = (0..64)
        .find(|&seed| draws_at_most(10, seed, &file, 0).is_err())
        .unwrap();
    let found = draws_at_most(10, seed, &file, 0).unwrap_err();
    assert_eq!(lines().len(), 1);
    assert!(!lines()[0].contains("draws="), "{:?}", lines());
    let _ = std::fs::remove_file(&file);

    // Shrunk with a budget too small to reach the least, it is recorded with its case.
    let cut_short = draws_at_most(10, seed, &file, 3).unwrap_err();
    assert_ne!(cut_short.message, "n = 11", "{cut_short}");
    assert_ne!(cut_short.message, found.message, "{cut_short}");
    assert_eq!(cut_short.recorded_case, None);
    assert_eq!(lines().len(), 1);
    assert!(lines()[0].contains(" draws=/"), "{:?}", lines());

    // With no budget at all, the seed's own case would fail as first found: the recorded
    // case is what runs, and fails as it was recorded; nothing new is recorded.
    let again = draws_at_most(10, seed, &file, 0).unwrap_err();
    assert_eq!(again.recorded_case, Some(RecordedCase::Failed), "{again}");
    assert_eq!(again.message, cut_short.message);
    assert_eq!(again.recorded.as_deref(), Some(file.as_path()));
    assert!(
        again
            .to_string()
            .contains(", on the shrunk case recorded for it\nthe body's 1 draw from sim.rng, as recorded (not shrunk further: a budget of 0 runs):"),
        "{again}"
    );
    assert_eq!(lines().len(), 1);

    // With a budget, it shrinks on from the recorded case to the least, which is recorded too
    // and is the case run from then on.
    let on = draws_at_most(10, seed, &file, 1000).unwrap_err();
    assert_eq!(on.message, "n = 11", "{on}");
    assert!(
        on.to_string()
            .contains("the body's draws from sim.rng, as recorded, then shrunk further in "),
        "{on}"
    );
    assert_eq!(lines().len(), 2);
    let least = draws_at_most(10, seed, &file, 0).unwrap_err();
    assert_eq!(least.message, "n = 11", "{least}");
    assert_eq!(least.recorded_case, Some(RecordedCase::Failed));

    // Fixed so that the recorded case passes, the seed's own case still runs: where it still
    // fails, the report says the recorded case passed, and its new shrunk case is recorded.
    let half = draws_at_most(500, seed, &file, 1000);
    let drawn: u32 = found.message["n = ".len()..].parse().unwrap();
    if drawn > 500 {
        let half = half.unwrap_err();
        assert_eq!(half.recorded_case, Some(RecordedCase::Passed), "{half}");
        assert_eq!(half.message, "n = 501", "{half}");
        assert!(
            half.to_string()
                .contains(", on its own case: the shrunk case recorded for it passed\n"),
            "{half}"
        );
        assert_eq!(lines().len(), 3);
    } else {
        assert_eq!(half.unwrap(), 1);
        assert_eq!(lines().len(), 2);
    }
    // Fixed, every case passes.
    assert_eq!(draws_at_most(999, seed, &file, 1000).unwrap(), 1);
}

#[test]
fn a_budget_of_no_runs_says_once_that_it_did_not_shrink() {
    let failure = Harness::new()
        .seeds(SeedRange::new(0, 64).unwrap())
        .without_regressions_file()
        .shrink_budget(0, Duration::from_secs(60))
        .try_run(draws_at_most_ten)
        .unwrap_err();
    let report = failure.to_string();
    assert!(
        report.contains("the body's 1 draw from sim.rng (not shrunk: a budget of 0 runs):"),
        "{report}"
    );
    assert!(!report.contains("shrinking stopped"), "{report}");
    assert!(!report.contains("n = 11"), "{report}");
}

/// A body that fails with `assert!`: driven by the environment, it fails the test; otherwise
/// it is run in-process and its failure checked.
#[test]
fn victim_asserts_on_a_large_draw() {
    let body = async |mut sim: Sim| {
        let n = sim.rng.random_range(0..1000u32);
        assert!(n <= 10, "n = {n}");
    };
    if std::env::var_os("WAITSIM_TEST_VICTIM").is_some() {
        harness::run(body);
        return;
    }
    let failure = Harness::new()
        .without_regressions_file()
        .try_run(body)
        .unwrap_err();
    assert!(
        failure
            .message
            .starts_with("the body panicked at tests/it/shrinking.rs:"),
        "{failure}"
    );
    assert!(failure.message.ends_with(": n = 11"), "{failure}");
    assert!(
        failure
            .to_string()
            .contains("the body's draws from sim.rng, shrunk in "),
        "{failure}"
    );
}

#[test]
fn a_body_that_asserts_prints_one_panic_located_in_the_test() {
    let dir = fresh_dir("shrinking-quiet");
    let name = "shrinking::victim_asserts_on_a_large_draw";
    let report = text(&victim(name, &dir, &[]));
    let panics: Vec<&str> = report
        .lines()
        .filter(|line| line.contains("panicked at"))
        .collect();
    assert_eq!(panics.len(), 2, "{report}");
    assert!(panics[0].contains(&format!("thread '{name}'")), "{report}");
    assert!(
        panics[0].contains(" panicked at tests/it/shrinking.rs:"),
        "{report}"
    );
    assert!(
        panics[1].starts_with("the body panicked at tests/it/shrinking.rs:"),
        "{report}"
    );
    assert_eq!(report.matches("n = ").count(), 1, "{report}");
    // With RUST_BACKTRACE, the body's backtrace, once.
    let traced = text(&victim(name, &dir, &[("RUST_BACKTRACE", "1")]));
    assert_eq!(
        traced.matches("the body's backtrace:\n").count(),
        1,
        "{traced}"
    );
    assert!(!traced.contains("stack backtrace:"), "{traced}");
    assert!(traced.contains("tests/it/shrinking.rs"), "{traced}");
}

/// The words of a printed command: its variables, then the rest.
pub(crate) fn command_words(report: &str, prefix: &str) -> (Vec<(String, String)>, Vec<String>) {
    let line = report
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .expect(report);
    let mut vars = Vec::new();
    let mut rest = Vec::new();
    for word in line.split_whitespace() {
        match word.split_once('=') {
            Some((name, value)) if rest.is_empty() => vars.push((name.into(), value.into())),
            _ => rest.push(word.to_string()),
        }
    }
    (vars, rest)
}

/// The lines of a report from its input (or draws) to its message.
fn shrunk_part(report: &str) -> &str {
    let start = report.find("waitsim: test").expect(report);
    let end = report.find("replay it with").expect(report);
    &report[start..end]
}

#[test]
fn the_printed_replays_run_as_printed_reproduce_the_shrunk_failure() {
    let dir = fresh_dir("shrinking-replays");
    let name = "shrinking::victim_asserts_on_a_large_draw";
    let first = text(&victim(name, &dir, &[("WAITSIM_SHRINK_RUNS", "1000")]));
    assert!(first.contains("n = 11"), "{first}");

    // The test binary, as printed.
    let (vars, words) = command_words(&first, "or with the test binary: ");
    assert!(
        vars.contains(&("WAITSIM_SHRINK_RUNS".into(), "1000".into())),
        "{first}"
    );
    assert_eq!(words[1..], [name, "--exact"], "{first}");
    let replayed = std::process::Command::new(&words[0])
        .args(&words[1..])
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("WAITSIM_TEST_VICTIM", "1")
        .env("CARGO_MANIFEST_DIR", fresh_dir("shrinking-replayed-binary"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!replayed.status.success());
    assert_eq!(shrunk_part(&text(&replayed)), shrunk_part(&first));

    // cargo, with the flags it names: this build's are the defaults.
    let (vars, words) = command_words(&first, "replay it with: ");
    assert_eq!(
        words[..6],
        ["cargo", "test", "-p", "waitsim", "--test", "it"]
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let replayed = std::process::Command::new(cargo)
        .args(&words[1..])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("WAITSIM_TEST_VICTIM", "1")
        .env("CARGO_MANIFEST_DIR", fresh_dir("shrinking-replayed-cargo"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!replayed.status.success());
    assert_eq!(shrunk_part(&text(&replayed)), shrunk_part(&first));
}

#[test]
fn one_input_is_checked_at_one_seed_without_recording_it() {
    let dir = fresh_dir("shrinking-one");
    let file = dir.join(harness::REGRESSIONS_FILE);
    let least = Calls {
        threshold: 1,
        cool_down: Duration::from_millis(1),
        calls: vec![(Duration::ZERO, false); 2],
    };
    let failure = Harness::new()
        .regressions_file(&file)
        .try_check_one(least.clone(), async |_sim: Sim, input: Calls| {
            no_call_within_the_cool_down(input).await
        })
        .unwrap_err();
    assert_eq!(failure.seed, Some(0));
    assert!(
        failure.message.contains("within its cool-down of 1ms"),
        "{failure}"
    );
    assert!(
        failure
            .to_string()
            .contains("input (it does not shrink):\nCalls {"),
        "{failure}"
    );
    assert!(!file.exists());
    let passing = Calls {
        calls: vec![(Duration::ZERO, false), (Duration::from_millis(1), false)],
        ..least
    };
    let ran = Harness::new()
        .regressions_file(&file)
        .try_check_one(passing, async |_sim: Sim, input: Calls| {
            no_call_within_the_cool_down(input).await
        })
        .unwrap();
    assert_eq!(ran, 1);
}

#[test]
fn proptest_cases_is_named_once_as_not_the_harnesss() {
    let dir = fresh_dir("shrinking-proptest-cases");
    let report = text(&victim(
        "check::victim_retry_past_the_cap",
        &dir,
        &[("PROPTEST_CASES", "5")],
    ));
    assert_eq!(
        report
            .matches("waitsim: PROPTEST_CASES=5 is proptest's")
            .count(),
        1,
        "{report}"
    );
    assert!(report.contains("WAITSIM_CASES"), "{report}");
}

#[test]
fn an_input_not_remade_from_its_draws_is_shrunk_by_proptests_shrinking() {
    // `prop_perturb` hands the closure a generator of its own, whose draws are not recorded.
    let perturbed = (0..10u32).prop_perturb(|n, mut rng| n * 1000 + rng.random_range(0..1000u32));
    let failure = Harness::new()
        .seeds(SeedRange::new(0, 64).unwrap())
        .without_regressions_file()
        .try_check(perturbed, async |mut sim: Sim, n: u32| {
            let jitter = sim.rng.random_range(0..100u32);
            if n >= 5000 {
                Err(format!("{n} with a jitter of {jitter}"))
            } else {
                Ok(n)
            }
        })
        .unwrap_err();
    let shrunk = failure.shrunk.as_deref().unwrap();
    let input: u32 = shrunk.input.parse().unwrap();
    let found: u32 = shrunk.found.parse().unwrap();
    assert!((5000..=found).contains(&input), "{failure}");
    assert!(shrunk.steps > 0, "{failure}");
    // `sim.rng`'s draw still shrinks.
    assert!(failure.message.ends_with("with a jitter of 0"), "{failure}");
}

#[test]
fn a_float_mapped_from_an_integer_shrinks_to_the_least_that_fails() {
    // A float range's least draws give its far bound (see the book's page on shrinking); an
    // integer mapped to a float shrinks toward the low end.
    let failure = Harness::new()
        .seeds(SeedRange::new(0, 64).unwrap())
        .without_regressions_file()
        .try_check(
            (500..9000u32).prop_map(|ms| f64::from(ms) / 1000.0),
            async |_sim: Sim, secs: f64| {
                if secs > 1.0 {
                    Err(format!("{secs} s"))
                } else {
                    Ok(secs)
                }
            },
        )
        .unwrap_err();
    assert_eq!(failure.message, "1.001 s", "{failure}");
}
