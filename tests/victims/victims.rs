//! The victims: test bodies that fail on purpose, which the integration tests in `tests/it`
//! run as a user's failing test runs, to check what the harness reports, records and replays.
//!
//! They are an example, not tests: `cargo test` builds the examples and runs none of them, so
//! a victim cannot pass as a test that checks nothing. A victim runs when
//! `WAITSIM_TEST_VICTIM` names it; without that variable, or with a name of no victim, the
//! binary fails.

#[path = "../it/book/my_crate.rs"]
mod my_crate;
mod retry;

use std::process::ExitCode;

use proptest::prelude::*;
use rand::RngExt;
use waitsim::harness::{Harness, Sim};
use waitsim::{MaxDelay, SeedRange, wait_n};

use retry::{Retry, retries, waits_at_most_the_cap};

/// A victim: its body, given the name it reports and records under.
type Victim = fn(&str);

/// Each victim, by the name it reports and records under.
const VICTIMS: [(&str, Victim); 7] = [
    ("harness::victim_fails_on_some_seeds", fails_on_some_seeds),
    ("harness::victim_selects_at_random", selects_at_random),
    ("check::victim_retry_past_the_cap", retry_past_the_cap),
    ("check::victim_rare_condition", rare_condition),
    ("check::victim_recorder", recorder),
    ("check::victim_shows_its_input", shows_its_input),
    ("check::victim_changes_its_strategy", changes_its_strategy),
];

fn main() -> ExitCode {
    let names = || VICTIMS.map(|(name, _)| name).join(", ");
    let Ok(asked) = std::env::var("WAITSIM_TEST_VICTIM") else {
        eprintln!(
            "error: WAITSIM_TEST_VICTIM is not set: it names the victim to run, one of {}",
            names()
        );
        return ExitCode::FAILURE;
    };
    match VICTIMS.iter().find(|(name, _)| *name == asked) {
        Some((name, victim)) => {
            // A failing victim panics with the harness's report, as a failing test does.
            victim(name);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no victim `{asked}`: expected one of {}", names());
            ExitCode::FAILURE
        }
    }
}

/// Fails at every seed whose first draw is below 0.1: about one in ten.
fn fails_on_some_seeds(name: &str) {
    Harness::new().name(name).run(async |mut sim: Sim| {
        let u = sim.rng.random::<f64>();
        let delays = wait_n(&mut sim.rng, 3, MaxDelay::DEFAULT)
            .await
            .map_err(|err| err.to_string())?;
        if u < 0.1 {
            return Err(format!("planted failure: first draw {u}"));
        }
        Ok::<_, String>(delays)
    });
}

/// Returns which of two ready branches `tokio::select!` took: chosen at random by tokio.
fn selects_at_random(name: &str) {
    Harness::new().name(name).run(async |_sim: Sim| {
        let mut picks = Vec::new();
        for _ in 0..32 {
            let pick = tokio::select! {
                () = std::future::ready(()) => 'a',
                () = std::future::ready(()) => 'b',
            };
            picks.push(pick);
        }
        Ok::<_, String>(picks)
    });
}

/// The retry with its planted bug, checked: fails, and is shrunk.
fn retry_past_the_cap(name: &str) {
    Harness::new()
        .name(name)
        .check(retries(), async |mut sim: Sim, input: Retry| {
            waits_at_most_the_cap(&mut sim, input, true).await
        });
}

/// Evaluates a condition that holds on one seed in about ten.
fn rare_condition(name: &str) {
    Harness::new().name(name).run(async |mut sim: Sim| {
        let u: f64 = sim.rng.random();
        sim.sometimes("a draw below a tenth", u < 0.1);
    });
}

/// Records seeds 100 * K .. 100 * K + 25 of its own into the file the parent names
/// (`WAITSIM_TEST_RECORD_INTO`, `WAITSIM_TEST_RECORDER=K`), under names of their own.
fn recorder(_name: &str) {
    let file = std::env::var_os("WAITSIM_TEST_RECORD_INTO")
        .expect("WAITSIM_TEST_RECORD_INTO names the regressions file to record in");
    let k: u64 = std::env::var("WAITSIM_TEST_RECORDER")
        .expect("WAITSIM_TEST_RECORDER says which recorder this is")
        .parse()
        .unwrap();
    // All start together, when the parent says go, so that they race for the new file.
    let go = std::path::Path::new(&file).with_extension("go");
    while !go.exists() {
        std::thread::yield_now();
    }
    for seed in 100 * k..100 * k + 25 {
        let failure = Harness::new()
            .name(&format!("recorder_{k}_{seed}"))
            .seeds(SeedRange::new(seed, seed + 1).unwrap())
            .regressions_file(&file)
            .try_run(async |sim: Sim| Err::<(), _>(format!("planted at {}", sim.seed)))
            .unwrap_err();
        assert!(failure.recorded.is_some(), "{failure}");
    }
}

/// Fails at every seed whose list holds four numbers or more, and shrinks it.
fn shows_its_input(name: &str) {
    // Filtered, and shrunk through a `flat_map`: both use the runner's settings.
    let odd = (0u32..1000).prop_filter("odd", |x| x % 2 == 1);
    let lists = (3usize..9).prop_flat_map(move |n| proptest::collection::vec(odd.clone(), n));
    Harness::new()
        .name(name)
        .check(lists, async |_sim: Sim, input: Vec<u32>| {
            if input.len() < 4 {
                return Ok(());
            }
            Err(format!("given {} numbers", input.len()))
        });
}

/// Fails where the first of its two numbers is over 50; with `WAITSIM_TEST_SWAPPED` set, its
/// strategy gives the two numbers the other way round, as a strategy edited since a seed was
/// recorded does.
fn changes_its_strategy(name: &str) {
    let swapped = std::env::var_os("WAITSIM_TEST_SWAPPED").is_some();
    let pairs =
        (0u32..100, 0u32..100).prop_map(move |(a, b)| if swapped { (b, a) } else { (a, b) });
    Harness::new()
        .name(name)
        .check(pairs, async |_sim: Sim, (first, _): (u32, u32)| {
            if first > 50 {
                return Err(format!("first {first}"));
            }
            Ok(())
        });
}
