//! Proof that the laws kit catches real bugs, in code written as people write it: ports of
//! the routines generic over `rand::Rng`, passed to the kit with no adapter. Each deliberately
//! wrong one is caught under both generators with the law it breaks, a seed to replay and the
//! smallest input that shows it; the correct ones, written five ways, pass every law.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use rand::RngExt;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};
use waitsim::harness::{Failure, Harness};
use waitsim::laws::{self, Input, Law, Violation};
use waitsim::{Generator, GeneratorKind, MaxDelay, SeedRange};

/// How many seeds the catalogue runs, whatever the environment says.
const SEEDS: u64 = 256;

fn sleep_secs(secs: f64) -> tokio::time::Sleep {
    sleep(Duration::from_secs_f64(secs))
}

/// One wait, as a port draws it: `max_delay * random()`, Python's `uniform(0, max_delay)`.
async fn my_wait_random<R: rand::Rng + ?Sized>(rng: &mut R, max_delay: f64) -> f64 {
    let delay = max_delay * rng.random::<f64>();
    sleep_secs(delay).await;
    delay
}

/// The delays for `n` waits, drawn first, in order.
fn draws<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    (0..n).map(|_| max_delay * rng.random::<f64>()).collect()
}

async fn wait_and_return(delay: f64) -> f64 {
    sleep_secs(delay).await;
    delay
}

fn sorted(mut delays: Vec<f64>) -> Vec<f64> {
    delays.sort_by(f64::total_cmp);
    delays
}

// The correct ports.

/// `asyncio.gather` then `sorted`: `join_all`, then sort.
async fn joined<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let waits = draws(rng, n, max_delay).into_iter().map(wait_and_return);
    sorted(futures::future::join_all(waits).await)
}

/// `asyncio.as_completed`: collect as they finish, then sort (two can end on one tick).
async fn unordered<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let waits: FuturesUnordered<_> = draws(rng, n, max_delay)
        .into_iter()
        .map(wait_and_return)
        .collect();
    sorted(waits.collect().await)
}

/// One spawned task per wait, awaited in turn.
async fn spawned<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let handles: Vec<_> = draws(rng, n, max_delay)
        .into_iter()
        .map(|delay| tokio::spawn(wait_and_return(delay)))
        .collect();
    let mut delays = Vec::with_capacity(n);
    for handle in handles {
        delays.push(handle.await.expect("a wait never panics"));
    }
    sorted(delays)
}

/// Each delay inserted in place as its wait ends: the list is always sorted.
async fn insert_in_place<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let mut waits: FuturesUnordered<_> = draws(rng, n, max_delay)
        .into_iter()
        .map(wait_and_return)
        .collect();
    let mut delays = Vec::with_capacity(n);
    while let Some(delay) = waits.next().await {
        let at = delays.partition_point(|&d| d <= delay);
        delays.insert(at, delay);
    }
    delays
}

/// Draws with `random_range(0.0..=max_delay)`: a correct wait, but not the seed's draw.
async fn ranged<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let delays: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..=max_delay)).collect();
    sorted(futures::future::join_all(delays.into_iter().map(wait_and_return)).await)
}

/// `measure_time` as a port writes it: its own paused runtime around its `wait_n`.
fn my_measure_time<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let start = Instant::now();
        joined(rng, n, max_delay).await;
        start.elapsed().as_secs_f64() / n as f64
    })
}

// The bugs.

/// Returns the delays in the order the waits complete: unsorted when two end on one tick.
async fn completion_order<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: f64,
) -> Vec<f64> {
    let waits: FuturesUnordered<_> = draws(rng, n, max_delay)
        .into_iter()
        .map(wait_and_return)
        .collect();
    waits.collect().await
}

/// Waits one after another.
async fn sequential<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let mut delays = Vec::new();
    for _ in 0..n {
        delays.push(my_wait_random(rng, max_delay).await);
    }
    sorted(delays)
}

/// Draws whole seconds, as `random.randint(0, max_delay)` would.
async fn integers<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let top = max_delay.floor() as u64;
    let delays: Vec<f64> = (0..n).map(|_| rng.random_range(0..=top) as f64).collect();
    sorted(futures::future::join_all(delays.into_iter().map(wait_and_return)).await)
}

/// Draws from `uniform(0, 2 * max_delay)`: past the bound half the time.
async fn past_the_bound<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    joined(rng, n, 2.0 * max_delay).await
}

/// Draws inside the spawned tasks, when each is first polled, from a copy of the generator
/// they share: the draws follow the poll order, and the caller's generator never moves.
async fn draws_after_spawning<R: rand::Rng + Clone + Send + 'static>(
    rng: &mut R,
    n: usize,
    max_delay: f64,
) -> Vec<f64> {
    let shared = Arc::new(Mutex::new(rng.clone()));
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let shared = Arc::clone(&shared);
        tasks.spawn(async move {
            let delay = max_delay * shared.lock().unwrap().random::<f64>();
            wait_and_return(delay).await
        });
    }
    sorted(tasks.join_all().await)
}

/// Returns how long each wait took by the wall clock, not the delay it drew.
async fn wall_clock<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let mut tasks = JoinSet::new();
    for delay in draws(rng, n, max_delay) {
        tasks.spawn(async move {
            let start = std::time::Instant::now();
            sleep_secs(delay).await;
            start.elapsed().as_secs_f64()
        });
    }
    sorted(tasks.join_all().await)
}

/// Waits concurrently, and forgets to sort.
async fn unsorted<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    futures::future::join_all(draws(rng, n, max_delay).into_iter().map(wait_and_return)).await
}

/// Loses the last delay.
async fn loses_the_last<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let mut delays = joined(rng, n, max_delay).await;
    delays.pop();
    delays
}

/// Draws from a generator of its own, seeded by the operating system.
async fn unseeded<R: rand::Rng + ?Sized>(_rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
    let mut own: rand_chacha::ChaCha8Rng = rand::make_rng();
    joined(&mut own, n, max_delay).await
}

/// `measure_time` that divides by `n + 1`.
fn divides_by_n_plus_one<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> f64 {
    my_measure_time(rng, n, max_delay) * n as f64 / (n + 1) as f64
}

/// `measure_time` that forgets to divide.
fn forgets_to_divide<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> f64 {
    my_measure_time(rng, n, max_delay) * n as f64
}

/// The laws of `wait_n` on a port, through the kit's own `&mut Generator`.
macro_rules! wait_n_port {
    ($port:ident) => {
        |kind: GeneratorKind, input: Input| {
            laws::wait_n(
                async |rng: &mut Generator, n, max_delay: MaxDelay| {
                    $port(rng, n, max_delay.as_secs_f64()).await
                },
                kind,
                input,
            )
        }
    };
}

/// The laws of `measure_time` on a port.
macro_rules! measure_time_port {
    ($port:ident) => {
        |kind: GeneratorKind, input: Input| {
            laws::measure_time(
                |rng: &mut Generator, n, max_delay: MaxDelay| {
                    $port(rng, n, max_delay.as_secs_f64())
                },
                kind,
                input,
            )
        }
    };
}

/// Runs `check` over the catalogue's seeds with generators of `kind`, keeping no
/// regressions: the same seeds whatever the environment says.
fn over_seeds(
    name: &str,
    kind: GeneratorKind,
    check: impl Fn(GeneratorKind, Input) -> Result<(), Violation>,
) -> Result<u64, Failure> {
    Harness::new()
        .name(name)
        .without_regressions_file()
        .seeds(SeedRange::new(0, SEEDS).unwrap())
        .kind(kind)
        .check_determinism(false)
        .try_each_seed(|seed, kind| check(kind, Input::from_seed(seed)))
}

/// The laws of one routine on one port, for a generator kind and an input.
type Check = fn(GeneratorKind, Input) -> Result<(), Violation>;

/// A bug of the catalogue: what it does, the law that must catch it, and its check.
struct Bug {
    what: &'static str,
    law: Law,
    check: Box<dyn Fn(GeneratorKind, Input) -> Result<(), Violation>>,
}

fn bug(
    what: &'static str,
    law: Law,
    check: impl Fn(GeneratorKind, Input) -> Result<(), Violation> + 'static,
) -> Bug {
    Bug {
        what,
        law,
        check: Box::new(check),
    }
}

fn catalogue() -> Vec<Bug> {
    vec![
        bug(
            "returns delays in completion order",
            Law::Ascending,
            wait_n_port!(completion_order),
        ),
        bug(
            "waits one after another",
            Law::Concurrent,
            wait_n_port!(sequential),
        ),
        bug(
            "draws integers (`randint`)",
            Law::Conforms,
            wait_n_port!(integers),
        ),
        bug(
            "draws past the bound (`uniform(0, 2 * max_delay)`)",
            Law::InRange,
            wait_n_port!(past_the_bound),
        ),
        bug(
            "draws after spawning, in poll order",
            Law::Consumes,
            wait_n_port!(draws_after_spawning),
        ),
        bug(
            "reads the wall clock",
            Law::Concurrent,
            wait_n_port!(wall_clock),
        ),
        bug("forgets to sort", Law::Ascending, wait_n_port!(unsorted)),
        bug(
            "loses the last delay",
            Law::Length,
            wait_n_port!(loses_the_last),
        ),
        bug(
            "draws from an unseeded generator",
            Law::Deterministic,
            wait_n_port!(unseeded),
        ),
        bug(
            "`measure_time` divides by `n + 1`",
            Law::MeasureTime,
            measure_time_port!(divides_by_n_plus_one),
        ),
        bug(
            "`measure_time` forgets to divide",
            Law::MeasureTime,
            measure_time_port!(forgets_to_divide),
        ),
    ]
}

/// The call a failure's message names, as the seed writes it (`wait_n(2, 10)`).
fn shrunk_call(message: &str) -> &str {
    let call = message
        .split_once(" broken by ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    &call[..call.find(" with the ").unwrap_or(call.len())]
}

#[test]
fn every_bug_of_the_catalogue_is_caught_under_both_generators_and_shrunk() {
    let mut table = String::from(
        "| bug | caught by the law | seeds it took (chacha, cpython) | shrunk to |\n|---|---|---|---|\n",
    );
    for Bug { what, law, check } in catalogue() {
        let mut took = Vec::new();
        let mut calls = Vec::new();
        for kind in GeneratorKind::ALL.iter().copied() {
            let failure = match over_seeds(what, kind, &check) {
                Ok(ran) => panic!("`{what}` passed {ran} seeds of {kind}"),
                Err(failure) => failure,
            };
            let seed = failure.seed.expect("a seed ran");
            assert!(
                failure
                    .message
                    .starts_with(&format!("law `{law}` broken by ")),
                "`{what}` under {kind}: {}",
                failure.message
            );
            // The report names the smallest input, and the replay reproduces it.
            let replay = failure.replay().unwrap();
            let rng = if kind == GeneratorKind::default() {
                String::new()
            } else {
                format!("WAITSIM_RNG={kind} ")
            };
            assert!(
                replay.starts_with(&format!("WAITSIM_SEED={seed} {rng}cargo test ")),
                "{replay}"
            );
            took.push((seed + 1).to_string());
            calls.push(shrunk_call(&failure.message).to_string());
        }
        calls.dedup();
        table.push_str(&format!(
            "| {what} | `{law}` | {} | `{}` |\n",
            took.join(", "),
            calls.join("` / `")
        ));
    }
    // The book shows the same table.
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/book/src/harness/laws.md"
    ))
    .unwrap();
    assert!(
        page.contains(&table),
        "the book's catalogue should read:\n{table}"
    );
}

#[test]
fn an_unsorted_wait_n_shrinks_to_two_waits_and_a_lost_delay_to_one() {
    let find = |check: &dyn Fn(GeneratorKind, Input) -> Result<(), Violation>| {
        (0..SEEDS)
            .find_map(|seed| check(GeneratorKind::ChaCha, Input::from_seed(seed)).err())
            .expect("caught")
    };
    let unsorted = find(&wait_n_port!(unsorted));
    assert_eq!((unsorted.law, unsorted.input.n), (Law::Ascending, 2));
    assert_eq!(unsorted.index, Some(1));
    assert!(unsorted.found.n > 2, "{:?}", unsorted.found);
    assert_eq!(unsorted.input.seed, unsorted.found.seed);
    assert!(
        unsorted.to_string().contains(&format!(
            "(shrunk from wait_n({}, {}))",
            unsorted.found.n, unsorted.found.max_delay
        )),
        "{unsorted}"
    );
    let short = find(&wait_n_port!(loses_the_last));
    assert_eq!((short.law, short.input.n), (Law::Length, 1));
    assert_eq!(short.expected, "1 delays");
    assert_eq!(short.got, "0 delays");
}

#[test]
fn ports_written_against_rand_pass_every_law_under_both_generators() {
    let ports: [(&str, Check); 4] = [
        ("joined", wait_n_port!(joined)),
        ("unordered", wait_n_port!(unordered)),
        ("spawned", wait_n_port!(spawned)),
        ("insert_in_place", wait_n_port!(insert_in_place)),
    ];
    for kind in GeneratorKind::ALL.iter().copied() {
        for (name, check) in ports {
            assert_eq!(over_seeds(name, kind, check).unwrap(), SEEDS);
        }
        let random = |kind, input| {
            laws::wait_random(
                async |rng: &mut Generator, max_delay: MaxDelay| {
                    my_wait_random(rng, max_delay.as_secs_f64()).await
                },
                kind,
                input,
            )
        };
        assert_eq!(over_seeds("wait_random", kind, random).unwrap(), SEEDS);
        let measured = measure_time_port!(my_measure_time);
        assert_eq!(over_seeds("measure_time", kind, measured).unwrap(), SEEDS);
        let agree = |kind, input| {
            laws::agree(
                async |rng: &mut Generator, n, max_delay: MaxDelay| {
                    spawned(rng, n, max_delay.as_secs_f64()).await
                },
                async |rng: &mut Generator, n, max_delay: MaxDelay| {
                    joined(rng, n, max_delay.as_secs_f64()).await
                },
                kind,
                input,
            )
        };
        assert_eq!(over_seeds("agree", kind, agree).unwrap(), SEEDS);
    }
}

#[test]
fn a_port_drawing_with_random_range_breaks_only_the_bit_laws() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let mut caught = 0;
        for seed in 0..SEEDS {
            if let Err(violation) = wait_n_port!(ranged)(kind, Input::from_seed(seed)) {
                // Every law before `conforms` held: length, range, order, concurrency,
                // determinism and the prefix.
                assert!(
                    matches!(violation.law, Law::Conforms | Law::Consumes),
                    "{violation}"
                );
                caught += 1;
            }
        }
        assert!(caught > SEEDS / 2, "{kind}: {caught}");
    }
}

#[test]
fn the_correct_routines_pass_every_seed() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let correct = [
            over_seeds("wait_n", kind, |k, i| laws::wait_n(waitsim::wait_n, k, i)),
            over_seeds("task_wait_n", kind, |k, i| {
                laws::wait_n(waitsim::task_wait_n, k, i)
            }),
            over_seeds("agree", kind, |k, i| {
                laws::agree(waitsim::task_wait_n, waitsim::wait_n, k, i)
            }),
        ];
        for outcome in correct {
            assert_eq!(outcome.unwrap(), SEEDS);
        }
    }
}
