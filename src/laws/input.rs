//! The input of a law: a seed, a number of waits and a bound.

use crate::delay::MaxDelay;

/// One input of a routine: the seed of its generator, the number of waits and the bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Input {
    /// The generator's seed.
    pub seed: u64,
    /// The number of waits (unused by `wait_random`).
    pub n: usize,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
}

impl Input {
    /// An input drawn from the seed alone, spread over the shapes that find bugs: no waits,
    /// one, a few, some dozens; bounds of zero, below one tick, around one tick, the seed's
    /// whole seconds and far beyond. The same seed always gives the same input.
    ///
    /// ```
    /// use waitsim::laws::Input;
    ///
    /// let input = Input::from_seed(12);
    /// assert_eq!(input, Input::from_seed(12));
    /// assert_eq!(input.seed, 12);
    /// ```
    #[must_use]
    pub fn from_seed(seed: u64) -> Input {
        const BOUNDS: [f64; 10] = [10.0, 5.0, 0.25, 7.5, 0.001, 1e6, 0.0004, 2.0, 0.0, 60.0];
        const SIZES: [usize; 8] = [10, 3, 40, 1, 64, 2, 25, 0];
        // A small mix of the seed's bits, so that consecutive seeds vary both.
        let mixed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        let bound = BOUNDS[(mixed % BOUNDS.len() as u64) as usize];
        let n = SIZES[((mixed >> 8) % SIZES.len() as u64) as usize];
        Input {
            seed,
            n,
            max_delay: MaxDelay::from_const(bound).unwrap_or(MaxDelay::DEFAULT),
        }
    }

    /// This input with at least one wait: for `measure_time`, which divides by `n`.
    #[must_use]
    pub fn measured(self) -> Input {
        Input {
            n: self.n.max(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_from_seeds_cover_the_shapes() {
        let inputs: Vec<Input> = (0..256).map(Input::from_seed).collect();
        for n in [0, 1, 64] {
            assert!(inputs.iter().any(|i| i.n == n), "n = {n}");
        }
        for bound in [0.0, 0.0004, 0.001, 1e6] {
            assert!(
                inputs.iter().any(|i| i.max_delay.as_secs_f64() == bound),
                "{bound}"
            );
        }
    }
}
