//! Every law of the kit, shown to catch something: for each, a planted implementation that it,
//! and it first, catches, with the violation's input, index and message asserted. The
//! expected figures are computed here from the generator, not read from the kit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::RngExt;
use waitsim::laws::{self, Input, Law, Violation};
use waitsim::{Generator, GeneratorKind, MaxDelay, Routine};

const KIND: GeneratorKind = GeneratorKind::ChaCha;

/// Seed 1, three waits, the seed's default bound.
fn input() -> Input {
    Input {
        seed: 1,
        n: 3,
        max_delay: MaxDelay::DEFAULT,
    }
}

/// The first `n` delays of seed 1 at bound 10, in draw order.
fn draws(n: usize) -> Vec<f64> {
    let mut rng = KIND.generator(1);
    (0..n).map(|_| 10.0 * rng.random::<f64>()).collect()
}

fn draw_n(rng: &mut Generator, n: usize, max_delay: MaxDelay) -> Vec<f64> {
    (0..n)
        .map(|_| max_delay.as_secs_f64() * rng.random::<f64>())
        .collect()
}

/// Waits for all `delays` at once.
async fn wait_all(delays: &[f64]) {
    let waits: Vec<_> = delays
        .iter()
        .map(|&d| tokio::time::sleep(Duration::from_secs_f64(d)))
        .collect();
    for wait in waits {
        wait.await;
    }
}

fn sorted(mut delays: Vec<f64>) -> Vec<f64> {
    delays.sort_by(f64::total_cmp);
    delays
}

/// A correct `wait_n` with `change` applied to the sorted delays before they are returned.
async fn changed(
    rng: &mut Generator,
    n: usize,
    max_delay: MaxDelay,
    change: impl FnOnce(&mut Vec<f64>),
) -> Vec<f64> {
    let mut delays = sorted(draw_n(rng, n, max_delay));
    wait_all(&delays).await;
    change(&mut delays);
    delays
}

fn assert_shrunk(violation: &Violation, law: Law, n: usize) {
    assert_eq!(violation.law, law, "{violation}");
    assert_eq!(violation.input.n, n, "{violation}");
    assert_eq!(violation.input.seed, 1);
    assert_eq!(violation.found, input(), "{violation}");
    assert!(!violation.to_string().contains('\n'));
}

#[test]
fn completes_catches_a_panic() {
    let panics =
        async |_: &mut Generator, n: usize, _: MaxDelay| -> Vec<f64> { panic!("planted at n {n}") };
    let v = laws::wait_n(panics, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Completes, 0);
    assert_eq!(v.index, None);
    assert_eq!(v.got, "a panic: planted at n 0");
}

#[test]
fn completes_catches_a_wait_that_never_ends() {
    let hangs = async |_: &mut Generator, _: usize, _: MaxDelay| -> Vec<f64> {
        std::future::pending::<()>().await;
        Vec::new()
    };
    let v = laws::wait_n(hangs, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Completes, 0);
    assert_eq!(v.got, "no end within 30 virtual years");
}

#[test]
fn length_catches_one_delay_too_many() {
    let extra = async |rng: &mut Generator, n, max_delay| {
        changed(rng, n, max_delay, |d| d.insert(0, 0.0)).await
    };
    let v = laws::wait_n(extra, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Length, 0);
    assert_eq!(
        (v.expected.as_str(), v.got.as_str()),
        ("0 delays", "1 delays")
    );
}

#[test]
fn in_range_catches_a_finite_delay_past_the_bound() {
    // The last delay, one second past the bound: finite, so only the range can catch it.
    let past = async |rng: &mut Generator, n, max_delay: MaxDelay| {
        changed(rng, n, max_delay, |d| {
            if let Some(last) = d.last_mut() {
                *last = max_delay.as_secs_f64() + 1.0;
            }
        })
        .await
    };
    let v = laws::wait_n(past, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::InRange, 1);
    assert_eq!(v.index, Some(0));
    assert_eq!(
        v.to_string(),
        "law `in-range` broken by wait_n(1, 10) with the chacha generator at seed 1 (shrunk \
         from wait_n(3, 10)): every delay must be a finite float in [0, max_delay]; at index 0 \
         expected a float in [0, 10], got 11"
    );
}

#[test]
fn in_range_catches_a_delay_that_is_not_finite() {
    let nan = async |rng: &mut Generator, n, max_delay| {
        changed(rng, n, max_delay, |d| {
            if let Some(first) = d.first_mut() {
                *first = f64::NAN;
            }
        })
        .await
    };
    let v = laws::wait_n(nan, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::InRange, 1);
    assert_eq!((v.index, v.got.as_str()), (Some(0), "NaN"));
}

#[test]
fn ascending_catches_descending_delays_at_the_second_index() {
    let descending =
        async |rng: &mut Generator, n, max_delay| changed(rng, n, max_delay, |d| d.reverse()).await;
    let v = laws::wait_n(descending, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Ascending, 2);
    let two = sorted(draws(2));
    assert_eq!(v.index, Some(1));
    assert_eq!(
        v.expected,
        format!("at least {} (the delay before it)", two[1])
    );
    assert_eq!(v.got, two[0].to_string());
}

#[test]
fn concurrent_catches_waits_one_after_another() {
    let sequential = async |rng: &mut Generator, n, max_delay| {
        let delays = draw_n(rng, n, max_delay);
        for &d in &delays {
            tokio::time::sleep(Duration::from_secs_f64(d)).await;
        }
        sorted(delays)
    };
    let v = laws::wait_n(sequential, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Concurrent, 2);
    assert_eq!(v.index, None);
    let two = draws(2);
    let largest = two[0].max(two[1]);
    assert!(
        v.expected.starts_with(&format!(
            "{} s (the largest delay, {largest} s,",
            (largest * 1000.0).ceil() / 1000.0
        )),
        "{}",
        v.expected
    );
    assert!(
        v.got
            .ends_with(&format!("(the delays add up to {} s)", two[0] + two[1]))
    );
}

#[test]
fn deterministic_catches_a_call_that_depends_on_the_calls_before() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    // Every other call skips a draw first.
    let alternating = async |rng: &mut Generator, n, max_delay| {
        if CALLS.fetch_add(1, Ordering::Relaxed) % 2 == 1 {
            rng.random::<f64>();
        }
        let delays = sorted(draw_n(rng, n, max_delay));
        wait_all(&delays).await;
        delays
    };
    let v = laws::wait_n(alternating, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Deterministic, 1);
    assert_eq!(v.index, Some(0));
}

#[test]
fn prefix_catches_draws_scaled_by_n() {
    let scaled = async |rng: &mut Generator, n, max_delay: MaxDelay| {
        let scale = n as f64 / (n + 1) as f64;
        let delays: Vec<f64> = draw_n(rng, n, max_delay)
            .iter()
            .map(|d| d * scale)
            .collect();
        let delays = sorted(delays);
        wait_all(&delays).await;
        delays
    };
    let v = laws::wait_n(scaled, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Prefix, 1);
    assert_eq!(v.index, Some(0));
    assert_eq!(
        v.expected,
        format!("{} among the delays for n + 1", draws(1)[0] / 2.0)
    );
    assert_eq!(v.got, "it is missing");
}

#[test]
fn conforms_catches_whole_seconds() {
    let floors = async |rng: &mut Generator, n, max_delay| {
        let delays = sorted(
            draw_n(rng, n, max_delay)
                .iter()
                .map(|d| d.floor())
                .collect(),
        );
        wait_all(&delays).await;
        delays
    };
    let v = laws::wait_n(floors, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Conforms, 1);
    let first = draws(1)[0];
    assert_eq!(v.index, Some(0));
    assert_eq!(
        (v.expected.as_str(), v.got.as_str()),
        (
            first.to_string().as_str(),
            first.floor().to_string().as_str()
        )
    );
}

#[test]
fn consumes_catches_one_draw_too_many() {
    let greedy = async |rng: &mut Generator, n, max_delay| {
        let delays = sorted(draw_n(rng, n, max_delay));
        rng.random::<f64>();
        wait_all(&delays).await;
        delays
    };
    let v = laws::wait_n(greedy, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Consumes, 0);
    let mut rng = KIND.generator(1);
    let (next, after) = (rng.random::<f64>(), rng.random::<f64>());
    assert_eq!(
        v.expected,
        format!("the generator's next draw to be {next}")
    );
    assert!(v.got.starts_with(&format!("{after}: ")), "{}", v.got);
}

#[test]
fn measure_time_catches_twice_the_time() {
    let twice = |rng: &mut Generator, n, max_delay| {
        waitsim::measure_time(rng, n, max_delay, waitsim::Clock::Virtual).map(|t| 2.0 * t)
    };
    let v = laws::measure_time(twice, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::MeasureTime, 1);
    assert_eq!(v.routine, Routine::MeasureTime);
    let largest = draws(1)[0];
    assert_eq!(
        v.expected,
        format!("a value whose n-fold is within a tick above {largest} s (the largest delay)")
    );
}

#[test]
fn agrees_catches_a_task_version_that_skips_a_draw() {
    let skips = async |rng: &mut Generator, n, max_delay| {
        rng.random::<f64>();
        waitsim::task_wait_n(rng, n, max_delay).await
    };
    let v = laws::agree(skips, waitsim::wait_n, KIND, input()).unwrap_err();
    assert_shrunk(&v, Law::Agrees, 1);
    assert_eq!(v.routine, Routine::TaskWaitN);
    assert_eq!(v.index, Some(0));
    assert_eq!(v.expected, draws(1)[0].to_string());
    assert_eq!(v.got, draws(2)[1].to_string());
}

#[test]
fn wait_random_violations_show_the_call_with_its_bound() {
    let past = async |rng: &mut Generator, max_delay: MaxDelay| {
        let delay = waitsim::wait_random(rng, max_delay).await;
        delay + max_delay.as_secs_f64() + 1.0
    };
    let v = laws::wait_random(past, KIND, input()).unwrap_err();
    assert_eq!(
        (v.law, v.routine, v.index),
        (Law::InRange, Routine::WaitRandom, Some(0))
    );
    assert_eq!(v.input, Input { n: 1, ..input() });
    assert!(
        v.to_string().starts_with(
            "law `in-range` broken by wait_random(10) with the chacha generator at seed 1: "
        ),
        "{v}"
    );
}

#[test]
fn a_violation_at_an_unlisted_bound_moves_to_the_simplest_listed_one() {
    let reversed =
        async |rng: &mut Generator, n, max_delay| changed(rng, n, max_delay, |d| d.reverse()).await;
    let odd = Input {
        max_delay: MaxDelay::new(3.7).unwrap(),
        ..input()
    };
    let v = laws::wait_n(reversed, KIND, odd).unwrap_err();
    assert_eq!((v.law, v.input.n), (Law::Ascending, 2));
    // The simplest bound is the seed's default, as the laws' docs say.
    assert_eq!(v.input.max_delay, MaxDelay::DEFAULT);
    assert_eq!(v.found, odd);
}

#[tokio::test]
async fn the_laws_inside_a_runtime_refuse_at_once_with_one_message() {
    let outcome = std::panic::catch_unwind(|| laws::wait_n(waitsim::wait_n, KIND, input()));
    let panic = outcome.unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        "waitsim::laws::wait_n was called from inside a tokio runtime (a `#[tokio::test]`?): it \
         builds a fresh virtual-clock runtime for every run, so call it from a plain `#[test]`"
    );
}

/// `measure-time` takes the largest delay up to one tick above it, with the slack of one
/// division and one multiplication (`4 ε d + 1 ns`) on either side, and nothing beyond.
#[test]
fn measure_time_allows_one_tick_and_the_rounding_and_no_more() {
    let input = Input {
        seed: 1,
        n: 1,
        max_delay: MaxDelay::new(1e6).unwrap(),
    };
    let d = {
        let mut rng = KIND.generator(1);
        1e6 * rng.random::<f64>()
    };
    assert!(d > 1e5, "a delay whose rounding slack shows: {d}");
    let slack = 4.0 * f64::EPSILON * d + 1e-9;
    // One delay drawn as `wait_n` draws it, reported as `d + offset`.
    let off_by = |offset: f64| {
        move |rng: &mut Generator, n, max_delay| draw_n(rng, n, max_delay)[0] + offset
    };
    for (offset, passes) in [
        (0.0, true),
        // Below, within the slack's two parts: not within 1 ns alone.
        (-(1e-9 + 0.5 * slack - 0.5e-9), true),
        (-2.0 * slack, false),
        // Above, up to a tick and the slack.
        (1e-3, true),
        (1e-3 + 0.5e-9, true),
        (1e-3 + 2.0 * slack, false),
    ] {
        let outcome = laws::measure_time(off_by(offset), KIND, input);
        assert_eq!(outcome.is_ok(), passes, "offset {offset}: {outcome:?}");
        if let Err(v) = outcome {
            assert_eq!(v.law, Law::MeasureTime, "offset {offset}");
        }
    }
}
