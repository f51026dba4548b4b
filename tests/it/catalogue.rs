//! Proof that the laws kit catches real bugs: deliberately wrong implementations of `wait_n`,
//! `task_wait_n` and `measure_time`, each run through the harness's default seed loop, each
//! caught with the law it breaks and a seed to replay; the correct routines pass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;
use waitsim::harness::{DEFAULT_CASES, Failure, Harness};
use waitsim::laws::{self, Input, Law, Violation};
use waitsim::{Clock, Generator, MaxDelay, RngKind, UnitRng, measure, seeded, wait_random};

/// One draw, as the seed's `uniform(0, max_delay)`.
fn draw(rng: &mut impl UnitRng, max_delay: MaxDelay) -> f64 {
    max_delay.as_secs_f64() * rng.next_unit()
}

fn sleep_secs(secs: f64) -> tokio::time::Sleep {
    sleep(Duration::from_secs_f64(secs))
}

/// Returns the delays in the order the waits complete: unsorted when two end on one tick.
async fn completion_order(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let delay = draw(rng, max_delay);
        tasks.spawn(async move {
            sleep_secs(delay).await;
            delay
        });
    }
    let mut delays = Vec::new();
    while let Some(delay) = tasks.join_next().await {
        delays.push(delay.unwrap());
    }
    delays
}

/// Waits one after another.
async fn sequential(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let mut delays = Vec::new();
    for _ in 0..n {
        delays.push(wait_random(rng, max_delay).await);
    }
    delays.sort_by(f64::total_cmp);
    delays
}

/// Draws whole seconds, as `random.randint(0, max_delay)` would.
async fn integers(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let max = max_delay.as_secs_f64();
    let mut delays: Vec<f64> = (0..n)
        .map(|_| (rng.next_unit() * (max.floor() + 1.0)).floor())
        .collect();
    delays.sort_by(f64::total_cmp);
    let waits: Vec<_> = delays.iter().map(|&d| sleep_secs(d)).collect();
    for wait in waits {
        wait.await;
    }
    delays
}

/// Draws inside the spawned tasks, when each is first polled, from a copy of the generator
/// they share: the draws follow the poll order, and the caller's generator never moves.
async fn draws_after_spawning(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let shared = Arc::new(Mutex::new(rng.clone()));
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let shared = Arc::clone(&shared);
        tasks.spawn(async move {
            let delay = draw(&mut *shared.lock().unwrap(), max_delay);
            sleep_secs(delay).await;
            delay
        });
    }
    let mut delays: Vec<f64> = tasks.join_all().await;
    delays.sort_by(f64::total_cmp);
    delays
}

/// Returns how long each wait took by the wall clock, not the delay it drew.
async fn wall_clock(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let delay = draw(rng, max_delay);
        tasks.spawn(async move {
            let start = std::time::Instant::now();
            sleep_secs(delay).await;
            start.elapsed().as_secs_f64()
        });
    }
    let mut delays: Vec<f64> = tasks.join_all().await;
    delays.sort_by(f64::total_cmp);
    delays
}

/// Waits concurrently, and forgets to sort.
async fn unsorted(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    let delays: Vec<f64> = (0..n).map(|_| draw(rng, max_delay)).collect();
    let mut tasks = JoinSet::new();
    for &delay in &delays {
        tasks.spawn(sleep_secs(delay));
    }
    tasks.join_all().await;
    delays
}

/// Runs one wait too few.
async fn one_short(
    rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, waitsim::Error> {
    waitsim::wait_n(rng, n.saturating_sub(1), max_delay).await
}

/// Draws from a generator of its own, seeded by the operating system.
async fn unseeded(
    _rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, waitsim::Error> {
    let mut own = seeded(waitsim::seed_or_report(None, |_| {})?);
    waitsim::wait_n(&mut own, n, max_delay).await
}

/// `measure_time` that divides by `n + 1`.
fn divides_by_n_plus_one(
    rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
) -> Result<f64, waitsim::Error> {
    let m = Clock::Virtual.run(measure(rng, n, max_delay))?;
    Ok(m.elapsed_secs() / (n + 1) as f64)
}

/// `measure_time` that forgets to divide.
fn forgets_to_divide(
    rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
) -> Result<f64, waitsim::Error> {
    Ok(Clock::Virtual
        .run(measure(rng, n, max_delay))?
        .elapsed_secs())
}

fn measure_time(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Result<f64, waitsim::Error> {
    waitsim::measure_time(rng, n, max_delay, Clock::Virtual)
}

/// Runs the laws of a routine over the harness's default seeds, keeping no regressions.
fn over_seeds(
    name: &str,
    check: impl Fn(Input, RngKind) -> Result<(), Violation>,
) -> Result<u64, Failure> {
    Harness::new()
        .name(name)
        .regressions(None)
        .try_each_seed(|seed, rng| check(Input::from_seed(seed), rng))
}

/// The catalogue: each bug, and the law that must catch it.
fn catalogue() -> Vec<(&'static str, Law, Result<u64, Failure>)> {
    vec![
        (
            "returns delays in completion order",
            Law::Ascending,
            over_seeds("completion_order", |i, r| {
                laws::wait_n(completion_order, r, i)
            }),
        ),
        (
            "waits one after another",
            Law::Concurrent,
            over_seeds("sequential", |i, r| laws::wait_n(sequential, r, i)),
        ),
        (
            "draws integers (`randint`)",
            Law::Conforms,
            over_seeds("integers", |i, r| laws::wait_n(integers, r, i)),
        ),
        (
            "draws after spawning, in poll order",
            Law::Consumes,
            over_seeds("draws_after_spawning", |i, r| {
                laws::wait_n(draws_after_spawning, r, i)
            }),
        ),
        (
            "reads the wall clock",
            Law::Concurrent,
            over_seeds("wall_clock", |i, r| laws::wait_n(wall_clock, r, i)),
        ),
        (
            "forgets to sort",
            Law::Ascending,
            over_seeds("unsorted", |i, r| laws::wait_n(unsorted, r, i)),
        ),
        (
            "returns `n - 1` delays",
            Law::Length,
            over_seeds("one_short", |i, r| laws::wait_n(one_short, r, i)),
        ),
        (
            "draws from an unseeded generator",
            Law::Deterministic,
            over_seeds("unseeded", |i, r| laws::wait_n(unseeded, r, i)),
        ),
        (
            "`measure_time` divides by `n + 1`",
            Law::MeasureTime,
            over_seeds("divides_by_n_plus_one", |i, r| {
                laws::measure_time(divides_by_n_plus_one, r, i)
            }),
        ),
        (
            "`measure_time` forgets to divide",
            Law::MeasureTime,
            over_seeds("forgets_to_divide", |i, r| {
                laws::measure_time(forgets_to_divide, r, i)
            }),
        ),
    ]
}

#[test]
fn every_bug_of_the_catalogue_is_caught_with_its_law_and_a_replayable_seed() {
    let mut table = String::from("| bug | caught by the law | seeds it took |\n|---|---|---|\n");
    for (bug, law, outcome) in catalogue() {
        let failure = match outcome {
            Ok(ran) => panic!("`{bug}` passed {ran} seeds"),
            Err(failure) => failure,
        };
        let seed = failure.seed.expect("a seed ran");
        assert!(seed < DEFAULT_CASES);
        assert!(
            failure
                .message
                .starts_with(&format!("law `{law}` broken by ")),
            "`{bug}`: {}",
            failure.message
        );
        let replay = failure.replay().unwrap();
        assert!(
            replay.starts_with(&format!("WAITSIM_SEED={seed} cargo test ")),
            "{replay}"
        );
        table.push_str(&format!("| {bug} | `{law}` | {} |\n", seed + 1));
    }
    // The README shows the same table.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "the README's catalogue should read:\n{table}"
    );
}

#[test]
fn the_correct_routines_pass_every_seed() {
    let correct = [
        over_seeds("wait_n", |i, r| laws::wait_n(waitsim::wait_n, r, i)),
        over_seeds("task_wait_n", |i, r| {
            laws::wait_n(waitsim::task_wait_n, r, i)
        }),
        over_seeds("agree", |i, r| {
            laws::agree(waitsim::task_wait_n, waitsim::wait_n, r, i)
        }),
        over_seeds("measure_time", |i, r| {
            laws::measure_time(measure_time, r, i)
        }),
    ];
    for outcome in correct {
        assert_eq!(outcome.unwrap(), DEFAULT_CASES);
    }
}
