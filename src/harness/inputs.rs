//! Inputs from a proptest strategy: generated from the seed alone, and shrunk with the
//! strategy's own shrinking when a seed fails.

use std::fmt::Debug;
use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::Shrunk;
use super::env::Budget;

/// The ChaCha stream the inputs are drawn from: not stream 0, which [`crate::seeded`] and so
/// `sim.rng` of the `chacha` kind draw from.
const INPUT_STREAM: u64 = 0x7761_6974_7369_6d31;

/// The value tree of `strategy` for `seed`: the same seed always gives the same input, whatever
/// the generator kind, shard or process. (A change of the strategy or of proptest's version
/// can change it.)
pub(super) fn tree<S: Strategy>(strategy: &S, seed: u64) -> Result<S::Tree, String> {
    let mut stream = ChaCha8Rng::seed_from_u64(seed);
    stream.set_stream(INPUT_STREAM);
    let mut bytes = [0; 32];
    stream.fill_bytes(&mut bytes);
    // The runner's settings that shape generation, as proptest's defaults, whatever the
    // `PROPTEST_*` variables (which `Config::default()` reads) say.
    let config = Config {
        max_local_rejects: 65_536,
        max_flat_map_regens: 1_000_000,
        cases: 256,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    strategy
        .new_tree(&mut runner)
        .map_err(|reason| format!("the strategy gave no input for this seed: {reason}"))
}

/// Shrinks a failing input: `tree` holds it, `first` is what the body said of it, and `fails`
/// runs the body on an input, giving its message if it fails. Every step simplifies the input
/// and keeps the simplification if the body still fails (in any way), or steps back toward the
/// last failing input if it passes, as proptest's own runner does, until the tree can go no
/// simpler or the budget is spent.
pub(super) fn shrink<T: ValueTree>(
    tree: &mut T,
    first: String,
    budget: Budget,
    mut fails: impl FnMut(T::Value) -> Option<String>,
) -> Shrunk
where
    T::Value: Debug,
{
    let found = format!("{:#?}", tree.current());
    let mut shrunk = Shrunk {
        input: found.clone(),
        found,
        steps: 0,
        runs: 0,
        message: first.clone(),
        found_message: first,
        out_of_budget: None,
    };
    let start = Instant::now();
    if !tree.simplify() {
        return shrunk;
    }
    loop {
        if shrunk.runs >= budget.runs {
            shrunk.out_of_budget = Some(format!("{} runs", budget.runs));
            break;
        }
        if start.elapsed() >= budget.time {
            shrunk.out_of_budget = Some(format!("{} s of real time", budget.time.as_secs()));
            break;
        }
        let input = tree.current();
        let shown = format!("{input:#?}");
        shrunk.runs += 1;
        let next = match fails(input) {
            Some(message) => {
                shrunk.steps += 1;
                shrunk.input = shown;
                shrunk.message = message;
                tree.simplify()
            }
            None => tree.complicate(),
        };
        if !next {
            break;
        }
    }
    shrunk
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_same_seed_gives_the_same_input_and_seeds_differ() {
        let strategy = (0u32..1000, proptest::collection::vec(any::<u8>(), 0..20));
        let one = tree(&strategy, 7).unwrap().current();
        assert_eq!(tree(&strategy, 7).unwrap().current(), one);
        let inputs: std::collections::BTreeSet<_> = (0..50)
            .map(|seed| tree(&strategy, seed).unwrap().current())
            .collect();
        assert!(inputs.len() > 45, "{}", inputs.len());
    }

    #[test]
    fn a_strategy_that_rejects_everything_is_a_message_not_a_panic() {
        let none = (0u8..10).prop_filter("never", |_| false);
        let err = tree(&none, 1).unwrap_err();
        assert!(
            err.starts_with("the strategy gave no input for this seed:"),
            "{err}"
        );
    }

    #[test]
    fn shrinking_finds_the_smallest_failing_input_and_counts_its_steps() {
        let mut found = tree(&(0u64..1_000_000), 3).unwrap();
        let first = found.current();
        assert!(first >= 1000, "{first}");
        let shrunk = shrink(&mut found, "big".into(), Budget::DEFAULT, |n| {
            (n >= 1000).then(|| format!("{n} is big"))
        });
        assert_eq!(shrunk.input, "1000");
        assert_eq!(shrunk.message, "1000 is big");
        assert_eq!(shrunk.found, first.to_string());
        assert_eq!(shrunk.found_message, "big");
        assert!(shrunk.steps > 0 && shrunk.runs >= shrunk.steps);
        assert_eq!(shrunk.out_of_budget, None);
    }

    #[test]
    fn shrinking_stops_at_its_budget_and_says_so() {
        let mut found = tree(&(0u64..1_000_000), 3).unwrap();
        let budget = Budget {
            runs: 2,
            time: Budget::DEFAULT.time,
        };
        let shrunk = shrink(&mut found, "big".into(), budget, |n| {
            (n >= 1000).then(String::new)
        });
        assert_eq!(shrunk.runs, 2);
        assert_eq!(shrunk.out_of_budget.as_deref(), Some("2 runs"));
        let timed = Budget {
            runs: u64::MAX,
            time: std::time::Duration::ZERO,
        };
        let mut again = tree(&(0u64..1_000_000), 3).unwrap();
        let shrunk = shrink(&mut again, "big".into(), timed, |n| {
            (n >= 1000).then(String::new)
        });
        assert_eq!(
            (shrunk.runs, shrunk.out_of_budget.as_deref()),
            (0, Some("0 s of real time"))
        );
    }

    #[test]
    fn an_input_that_cannot_shrink_is_reported_as_found() {
        let mut just = tree(&Just(5u8), 0).unwrap();
        let shrunk = shrink(&mut just, "five".into(), Budget::DEFAULT, |_| {
            Some("x".into())
        });
        assert_eq!(
            (shrunk.input.as_str(), shrunk.runs, shrunk.steps),
            ("5", 0, 0)
        );
    }
}
