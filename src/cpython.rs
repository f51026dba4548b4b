//! CPython's `random` module, for delays that match a Python program's bit for bit.

use rand_mt::Mt;

/// The generator behind CPython's `random` module: the Mersenne Twister (MT19937), seeded as
/// `random.seed(seed)` seeds it, drawing floats as `random.random()` does.
///
/// With it, every routine draws exactly the delays the seed's Python program draws after
/// `random.seed(seed)`: `wait_random` computes `max_delay * random()`, which is
/// `random.uniform(0, max_delay)`, and `wait_n`/`task_wait_n` draw in creation order, the order
/// `asyncio.gather` runs the coroutines or tasks in.
///
/// ```
/// use waitsim::CpythonRandom;
///
/// // Python: random.seed(42); random.random()
/// let mut rng = CpythonRandom::seed(42);
/// assert_eq!(rng.random(), 0.6394267984578837);
/// ```
#[derive(Clone, Debug)]
pub struct CpythonRandom(Mt);

impl CpythonRandom {
    /// The generator after Python's `random.seed(seed)`.
    ///
    /// CPython takes an integer seed's absolute value as 32-bit words, least significant first
    /// (at least one word, so `0` is the key `[0]`), and seeds MT19937 with `init_by_array`.
    #[must_use]
    pub fn seed(seed: u64) -> CpythonRandom {
        // Both halves are 32-bit words by construction; the casts only drop zero bits.
        let (low, high) = (seed as u32, (seed >> 32) as u32);
        let mt = if high == 0 {
            Mt::new_with_key([low])
        } else {
            Mt::new_with_key([low, high])
        };
        CpythonRandom(mt)
    }

    /// The next float in `[0, 1)`, as Python's `random.random()`: 53 bits from two 32-bit
    /// outputs, `(a >> 5) * 2^26 + (b >> 6)`, divided by `2^53`.
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.0.next_u32() >> 5);
        let b = f64::from(self.0.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by CPython 3.11: `random.seed(s); [random.random() for _ in range(3)]`.
    #[test]
    fn matches_cpython_for_small_and_wide_seeds() {
        let cases: [(u64, [f64; 3]); 3] = [
            (
                0,
                [0.8444218515250481, 0.7579544029403025, 0.420571580830845],
            ),
            (
                1,
                [0.13436424411240122, 0.8474337369372327, 0.763774618976614],
            ),
            (
                1 << 32,
                [0.11299430095636409, 0.41782886486292836, 0.0166763664992291],
            ),
        ];
        for (seed, expected) in cases {
            let mut rng = CpythonRandom::seed(seed);
            for value in expected {
                assert_eq!(rng.random().to_bits(), value.to_bits(), "seed {seed}");
            }
        }
    }
}
