//! Inputs from a proptest strategy: generated from the seed alone, and shrunk with the
//! strategy's own shrinking when a seed fails.

use std::fmt::Debug;
use std::sync::LazyLock;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::shrink::{Spent, TAIL};

/// The ChaCha stream the inputs are drawn from: not stream 0, which [`crate::seeded`] and so
/// `sim.rng` of the `chacha` kind draw from.
const INPUT_STREAM: u64 = 0x7761_6974_7369_6d31;

/// The runner's settings that shape generation, as proptest's defaults, whatever the
/// `PROPTEST_*` variables (which `Config::default()` reads) say.
fn config() -> Config {
    Config {
        max_local_rejects: 65_536,
        max_flat_map_regens: 1_000_000,
        cases: 256,
        ..Config::default()
    }
}

/// The value tree of `strategy` from `rng`, and the bytes the strategy drew from it (for a
/// recording generator).
fn tree_from<S: Strategy>(strategy: &S, rng: TestRng) -> Result<(S::Tree, TestRunner), String> {
    let mut runner = TestRunner::new_with_rng(config(), rng);
    let tree = strategy
        .new_tree(&mut runner)
        .map_err(|reason| format!("the strategy gave no input for this seed: {reason}"))?;
    Ok((tree, runner))
}

/// The value tree of `strategy` for `seed`, and the bytes the strategy drew to make it: the
/// same seed always gives the same input, whatever the generator kind, shard or process. (A
/// change of the strategy or of proptest's version can change it.)
pub(super) fn tree<S: Strategy>(strategy: &S, seed: u64) -> Result<(S::Tree, Vec<u8>), String> {
    let mut stream = ChaCha8Rng::seed_from_u64(seed);
    stream.set_stream(INPUT_STREAM);
    let mut bytes = [0; 32];
    stream.fill_bytes(&mut bytes);
    // The recorder draws what proptest's ChaCha draws from the same seed, and keeps the bytes.
    let (tree, mut runner) =
        tree_from(strategy, TestRng::from_seed(RngAlgorithm::Recorder, &bytes))?;
    let drawn = runner.rng().bytes_used();
    Ok((tree, drawn))
}

/// How many draws of [`TAIL`] follow a replayed input's bytes.
const TAIL_DRAWS: usize = 1 << 16;

/// The most local rejections (`prop_filter`) a replayed input may take: few enough that the
/// tail never runs out (proptest's pass-through generator gives zeros after it, on which
/// rand's rejection sampling would loop forever).
const REPLAY_REJECTS: u32 = 1024;

/// The value tree `strategy` makes from `bytes`, then draws of [`TAIL`]: the input a (shrunk)
/// sequence of draws gives.
pub(super) fn replayed<S: Strategy>(strategy: &S, bytes: &[u8]) -> Result<S::Tree, String> {
    // The tail's bytes, made once: a copy of them is all each candidate costs.
    static TAIL_BYTES: LazyLock<Vec<u8>> = LazyLock::new(|| {
        u32::try_from(TAIL)
            .unwrap_or(1)
            .to_le_bytes()
            .repeat(TAIL_DRAWS)
    });
    let mut padded = Vec::with_capacity(bytes.len() + 4 + TAIL_BYTES.len());
    padded.extend_from_slice(bytes);
    // Past a part that is not a whole number of draws, the tail starts at the next draw.
    padded.resize(bytes.len().next_multiple_of(4), 0);
    padded.extend_from_slice(&TAIL_BYTES);
    let config = Config {
        max_local_rejects: REPLAY_REJECTS,
        ..config()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::PassThrough, &padded),
    );
    strategy
        .new_tree(&mut runner)
        .map_err(|reason| format!("the draws gave no input: {reason}"))
}

/// A failing input shrunk by the strategy's own shrinking: as `{:#?}` shows it, what the
/// body said of it, and how many simplifications were kept.
#[derive(Debug)]
pub(super) struct TreeShrunk {
    pub(super) input: String,
    pub(super) message: String,
    pub(super) steps: u64,
}

/// Shrinks a failing input with the strategy's own shrinking, for an input that is not made
/// from its draws alone (a strategy that hands out generators of its own, as `prop_perturb`
/// does): `tree` holds it, `first` is what the body said of it, and `fails`
/// runs the body on an input, giving its message if it fails. Every step simplifies the input
/// and keeps the simplification if the body still fails, or steps back toward the last
/// failing input if it passes, as proptest's own runner does, until the tree can go no
/// simpler or the budget is spent.
pub(super) fn shrink<T: ValueTree>(
    tree: &mut T,
    first: String,
    spent: &mut Spent,
    mut fails: impl FnMut(T::Value) -> Option<String>,
) -> TreeShrunk
where
    T::Value: Debug,
{
    let mut shrunk = TreeShrunk {
        input: format!("{:#?}", tree.current()),
        message: first,
        steps: 0,
    };
    if !tree.simplify() {
        return shrunk;
    }
    while spent.take_run() {
        let input = tree.current();
        let shown = format!("{input:#?}");
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
    use crate::harness::env::Budget;
    use proptest::prelude::*;

    #[test]
    fn the_same_seed_gives_the_same_input_and_seeds_differ() {
        let strategy = (0u32..1000, proptest::collection::vec(any::<u8>(), 0..20));
        let one = tree(&strategy, 7).unwrap().0.current();
        assert_eq!(tree(&strategy, 7).unwrap().0.current(), one);
        let inputs: std::collections::BTreeSet<_> = (0..50)
            .map(|seed| tree(&strategy, seed).unwrap().0.current())
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
        let mut found = tree(&(0u64..1_000_000), 3).unwrap().0;
        let first = found.current();
        assert!(first >= 1000, "{first}");
        let mut spent = Spent::new(Budget::DEFAULT);
        let shrunk = shrink(&mut found, "big".into(), &mut spent, |n| {
            (n >= 1000).then(|| format!("{n} is big"))
        });
        assert_eq!(shrunk.input, "1000");
        assert_eq!(shrunk.message, "1000 is big");
        assert!(shrunk.steps > 0 && spent.runs >= shrunk.steps);
        assert_eq!(spent.out_of_budget, None);
    }

    #[test]
    fn shrinking_stops_at_its_budget_and_says_so() {
        let mut found = tree(&(0u64..1_000_000), 3).unwrap().0;
        let mut spent = Spent::new(Budget {
            runs: 2,
            time: Budget::DEFAULT.time,
        });
        shrink(&mut found, "big".into(), &mut spent, |n| {
            (n >= 1000).then(String::new)
        });
        assert_eq!(spent.runs, 2);
        assert_eq!(spent.out_of_budget.as_deref(), Some("2 runs"));
        let mut timed = Spent::new(Budget {
            runs: u64::MAX,
            time: std::time::Duration::ZERO,
        });
        let mut again = tree(&(0u64..1_000_000), 3).unwrap().0;
        shrink(&mut again, "big".into(), &mut timed, |n| {
            (n >= 1000).then(String::new)
        });
        assert_eq!(
            (timed.runs, timed.out_of_budget.as_deref()),
            (0, Some("0 s of real time"))
        );
    }

    #[test]
    fn an_input_that_cannot_shrink_is_reported_as_found() {
        let mut just = tree(&Just(5u8), 0).unwrap().0;
        let mut spent = Spent::new(Budget::DEFAULT);
        let shrunk = shrink(&mut just, "five".into(), &mut spent, |_| Some("x".into()));
        assert_eq!(
            (shrunk.input.as_str(), spent.runs, shrunk.steps),
            ("5", 0, 0)
        );
    }

    #[test]
    fn a_strategy_with_generators_of_its_own_is_not_remade_from_its_bytes() {
        use rand::RngExt as _;
        let perturbed =
            (0..10u32).prop_perturb(|n, mut rng| n * 1000 + rng.random_range(0..1000u32));
        let remade = (0..20).filter(|&seed| {
            let (made, bytes) = tree(&perturbed, seed).unwrap();
            replayed(&perturbed, &bytes).unwrap().current() == made.current()
        });
        assert!(remade.count() < 20);
    }

    #[test]
    fn the_drawn_bytes_make_the_same_input_again_and_the_tail_the_smallest() {
        let strategy = (
            1..5000u64,
            proptest::collection::vec(0u8..100, 0..20),
            0.5..9.0f64,
        );
        for seed in 0..20 {
            let (made, bytes) = tree(&strategy, seed).unwrap();
            assert_eq!(
                replayed(&strategy, &bytes).unwrap().current(),
                made.current()
            );
        }
        // The tail's draws give an integer range its low end and a collection its least
        // length (proptest's float ranges start from the bound farther from zero).
        let (low, empty, float) = replayed(&strategy, &[]).unwrap().current();
        assert_eq!((low, empty), (1, vec![]));
        assert!((0.5..9.0).contains(&float), "{float}");
    }
}
