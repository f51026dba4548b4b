//! CPython's `random` module, for delays that match a Python program's bit for bit.

use std::convert::Infallible;

use rand::TryRng;
use rand_mt::Mt;

/// The generator behind CPython's `random` module: the Mersenne Twister (MT19937), seeded as
/// `random.seed(seed)` seeds it.
///
/// With it, every routine draws exactly the delays the seed's Python program draws after
/// `random.seed(seed)`: `wait_random` computes `max_delay * random()`, which is
/// `random.uniform(0, max_delay)`, and `wait_n`/`task_wait_n` draw in creation order, the order
/// `asyncio.gather` runs the coroutines or tasks in.
///
/// It is a [`rand::Rng`] (and, with the `rand09` feature, a rand 0.9 `RngCore`). Its words
/// are chosen so that what Python has, Rust code gets through rand, bit for bit:
///
/// | rand | gives | Python |
/// |---|---|---|
/// | `next_u32()` | one raw MT19937 output | `random.getrandbits(32)` |
/// | `next_u64()` | two outputs `a`, `b` packed as `((a >> 5) << 26 \| b >> 6) << 11` | the 53 bits of `random.random()`, in the top of the word |
/// | `random::<f64>()` | `(next_u64() >> 11) * 2^-53` | `random.random()` |
/// | `fill_bytes(buf)` | raw outputs as little-endian bytes; a last partial word's top bits | `random.randbytes(len(buf))` |
///
/// What rand builds on those words is rand's, not Python's: `random_range(a..b)` and
/// `random_bool` use rand's algorithms, so they do not give `random.randrange`, `randint` or
/// `uniform(a, b)` (`uniform(0, m)` is `m * random::<f64>()`).
///
/// ```
/// use rand::{Rng, RngExt};
/// use waitsim::CpythonRandom;
///
/// // Python: random.seed(42); random.random()
/// let mut rng = CpythonRandom::seed(42);
/// assert_eq!(rng.random::<f64>(), 0.6394267984578837);
/// // Python: random.seed(42); random.getrandbits(32)
/// assert_eq!(CpythonRandom::seed(42).next_u32(), 2746317213);
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

    /// The 53 bits of Python's `random.random()`, in the top of a word: two outputs `a`, `b`,
    /// `(a >> 5) * 2^26 + (b >> 6)`, shifted left by 11.
    fn next_53_bits(&mut self) -> u64 {
        let a = u64::from(self.0.next_u32() >> 5);
        let b = u64::from(self.0.next_u32() >> 6);
        ((a << 26) | b) << 11
    }

    /// Python's `random.randbytes(dst.len())`: whole outputs as little-endian bytes, then, for
    /// a last part of `k < 4` bytes, the top `8k` bits of one more output.
    fn randbytes(&mut self, dst: &mut [u8]) {
        let mut chunks = dst.chunks_exact_mut(4);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&self.0.next_u32().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let word = self.0.next_u32() >> (32 - 8 * rest.len());
            rest.copy_from_slice(&word.to_le_bytes()[..rest.len()]);
        }
    }
}

impl TryRng for CpythonRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_53_bits())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.randbytes(dst);
        Ok(())
    }
}

#[cfg(feature = "rand09")]
#[cfg_attr(docsrs, doc(cfg(feature = "rand09")))]
impl rand_core_09::RngCore for CpythonRandom {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.next_53_bits()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.randbytes(dst);
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngExt};

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
                assert_eq!(
                    rng.random::<f64>().to_bits(),
                    value.to_bits(),
                    "seed {seed}"
                );
            }
        }
    }

    /// CPython 3.11: `random.seed(5); [random.getrandbits(32) for _ in range(2)]`, then
    /// `random.seed(5); random.randbytes(7).hex()`.
    #[test]
    fn words_and_bytes_match_cpython() {
        let mut rng = CpythonRandom::seed(5);
        assert_eq!([rng.next_u32(), rng.next_u32()], [2675342405, 1097127993]);
        let mut bytes = [0; 7];
        CpythonRandom::seed(5).fill_bytes(&mut bytes);
        assert_eq!(bytes, [69, 124, 118, 159, 216, 100, 65]);
    }
}
