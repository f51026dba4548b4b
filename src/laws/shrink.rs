//! Shrinking a violation: the smallest input, with the same seed, that breaks the same law.

use super::input::Input;
use super::violation::Violation;
use crate::delay::MaxDelay;

/// The bounds the kit tries when it shrinks a violation, simplest first (the seed's default
/// first): a violation at a bound moves to the first bound of this list, before its own, that
/// breaks the same law.
const SIMPLE_BOUNDS: [f64; 9] = [10.0, 1.0, 0.0, 2.0, 5.0, 0.5, 0.001, 60.0, 1e6];

/// The sizes below `n`, at least `min`, that shrinking tries, smallest first: every one up to
/// 16, then a quarter and a half of `n`.
pub(super) fn smaller_sizes(n: usize, min: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = (min..n.min(17)).collect();
    // Past 16, and so below `n` and apart from each other.
    sizes.extend([n / 4, n / 2].into_iter().filter(|&s| s > 16));
    sizes
}

/// What a routine's inputs can shrink in: `n` from `min` up, or only the bound.
#[derive(Clone, Copy)]
pub(super) enum Sizes {
    From(usize),
    Unused,
}

/// Shrinks `first`: the smallest input, with the same seed, whose `check` breaks the same law.
/// Sizes first, then the bounds of [`SIMPLE_BOUNDS`] before the violation's own (the first
/// that breaks the law wins), then sizes again.
pub(super) fn shrink(
    first: Violation,
    sizes: Sizes,
    check: impl Fn(Input) -> Result<(), Violation>,
) -> Violation {
    let law = first.law;
    let found = first.input;
    let breaks = |input: Input| check(input).err().filter(|v| v.law == law);
    let fewer = |best: Violation| match sizes {
        Sizes::From(min) => smaller_sizes(best.input.n, min)
            .into_iter()
            .find_map(|n| breaks(Input { n, ..best.input }))
            .unwrap_or(best),
        Sizes::Unused => best,
    };
    let mut best = fewer(first);
    let own = best.input.max_delay.as_secs_f64();
    let simpler = SIMPLE_BOUNDS
        .iter()
        .take_while(|&&bound| bound.to_bits() != own.to_bits())
        .filter_map(|&bound| MaxDelay::from_const(bound));
    for max_delay in simpler {
        if let Some(violation) = breaks(Input {
            max_delay,
            ..best.input
        }) {
            best = fewer(violation);
            break;
        }
    }
    Violation { found, ..best }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_tries_every_size_to_16_then_a_quarter_and_a_half() {
        assert_eq!(smaller_sizes(0, 0), Vec::<usize>::new());
        assert_eq!(smaller_sizes(5, 1), [1, 2, 3, 4]);
        assert_eq!(smaller_sizes(17, 0), (0..17).collect::<Vec<_>>());
        let upto_16: Vec<usize> = (1..17).collect();
        assert_eq!(smaller_sizes(40, 1), [&upto_16[..], &[20]].concat());
        assert_eq!(smaller_sizes(100, 1), [&upto_16[..], &[25, 50]].concat());
        assert_eq!(smaller_sizes(68, 1), [&upto_16[..], &[17, 34]].concat());
        assert_eq!(smaller_sizes(67, 1), [&upto_16[..], &[33]].concat());
    }
}
