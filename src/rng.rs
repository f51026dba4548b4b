//! Random generators: what the routines draw from, and the named, portable ones waitsim offers.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use rand::{SeedableRng, TryRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::cpython::CpythonRandom;
use crate::name::{Named, named};

/// The default generator: ChaCha with 8 rounds, from `rand_chacha`.
///
/// ChaCha's output is specified by its algorithm, not by a platform or a compiler, so the same
/// seed gives the same delays everywhere.
pub type DefaultRng = ChaCha8Rng;

/// The default generator seeded from a `u64`, with `rand`'s `SeedableRng::seed_from_u64`.
///
/// ```
/// use waitsim::{seeded, wait_n, MaxDelay};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), waitsim::Error> {
/// let first = wait_n(&mut seeded(7), 3, MaxDelay::DEFAULT).await?;
/// let again = wait_n(&mut seeded(7), 3, MaxDelay::DEFAULT).await?;
/// assert_eq!(first, again);
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn seeded(seed: u64) -> DefaultRng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The kind of a generator, chosen by name at run time (for example on the command line,
/// where the flag is `--rng`; JSON records call the field `rng`).
///
/// ```
/// use waitsim::GeneratorKind;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let kind: GeneratorKind = "chacha".parse()?;
/// assert_eq!(kind, GeneratorKind::ChaCha);
/// assert_eq!(kind.to_string(), "chacha");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum GeneratorKind {
    /// [`DefaultRng`] seeded with [`seeded`].
    #[default]
    ChaCha,
    /// [`CpythonRandom`]: the seed means what `random.seed(seed)` means in Python.
    Cpython,
}

impl GeneratorKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: &'static [GeneratorKind] = &[GeneratorKind::ChaCha, GeneratorKind::Cpython];

    /// A [`Generator`] of this kind, seeded from `seed`.
    ///
    /// ```
    /// use rand::RngExt;
    /// use waitsim::{seeded, GeneratorKind};
    ///
    /// // The ChaCha kind draws what `seeded` draws.
    /// let mut chosen = GeneratorKind::ChaCha.generator(3);
    /// assert_eq!(chosen.random::<f64>(), seeded(3).random::<f64>());
    /// ```
    #[must_use]
    pub fn generator(self, seed: u64) -> Generator {
        match self {
            GeneratorKind::ChaCha => Generator::new(Inner::ChaCha(Box::new(seeded(seed)))),
            GeneratorKind::Cpython => {
                Generator::new(Inner::Cpython(Box::new(CpythonRandom::seed(seed))))
            }
        }
    }
}

impl Named for GeneratorKind {
    const WHAT: &'static str = "generator";
    const ALL: &'static [GeneratorKind] = GeneratorKind::ALL;

    fn name(self) -> &'static str {
        match self {
            GeneratorKind::ChaCha => "chacha",
            GeneratorKind::Cpython => "cpython",
        }
    }
}

named!(GeneratorKind);

/// A seeded generator of any [`GeneratorKind`], chosen at run time: what the
/// [`harness`](crate::harness) and the [`laws`](crate::laws) hand to the code they test.
///
/// It is a [`rand::Rng`] (rand 0.10), so `&mut generator` goes wherever code takes
/// `&mut impl rand::Rng` or `&mut R` with `R: rand::Rng + ?Sized`; with the `rand09` feature it
/// is also a rand 0.9 `RngCore`, for code still written against rand 0.9's `Rng`.
///
/// # The bit contract
///
/// `rng.random::<f64>()` (rand's standard `f64`: the top 53 bits of `next_u64`, times
/// `2^-53`) is exactly the draw waitsim's routines make, for both kinds and under both rand
/// versions:
///
/// - [`GeneratorKind::ChaCha`]: every method is ChaCha8's own, so the stream is [`seeded`]'s.
/// - [`GeneratorKind::Cpython`]: the methods of [`CpythonRandom`]; `random::<f64>()` is Python's
///   `random.random()`, bit for bit.
///
/// ```
/// use rand::RngExt;
/// use waitsim::{CpythonRandom, GeneratorKind};
///
/// // Python: random.seed(42); random.random()
/// let mut rng = GeneratorKind::Cpython.generator(42);
/// assert_eq!(rng.random::<f64>(), 0.6394267984578837);
///
/// // Code written against rand takes it as it is.
/// fn jitter<R: rand::Rng + ?Sized>(rng: &mut R) -> f64 {
///     rng.random::<f64>() / 2.0
/// }
/// let mut python = CpythonRandom::seed(42);
/// python.random::<f64>();
/// assert_eq!(jitter(&mut rng), python.random::<f64>() / 2.0);
/// ```
///
/// # Draws
///
/// A generator counts the words it hands out ([`Generator::draws`]): one per `next_u32` or
/// `next_u64`, and one per started eight bytes of `fill_bytes`. The harness's determinism check
/// compares the count of two runs of a seed.
#[derive(Debug)]
pub struct Generator {
    inner: Inner,
    draws: u64,
    /// Where the count goes when the generator is dropped: the harness reads it after a body
    /// that took its generator by value.
    tally: Option<Arc<AtomicU64>>,
    /// The words handed out, for the harness's shrinking, and where they go when the
    /// generator is dropped.
    log: Option<Log>,
}

/// The words a generator handed out, up to [`Log::MAX`] of them.
#[derive(Debug)]
struct Log {
    words: Vec<u64>,
    /// Whether more words were drawn than the log keeps.
    overflowed: bool,
    to: Arc<Mutex<Option<Words>>>,
}

impl Log {
    /// The most words a log keeps: a body that draws more cannot have its draws shrunk.
    const MAX: usize = 1 << 20;

    fn push(&mut self, word: u64) {
        if self.words.len() < Log::MAX {
            self.words.push(word);
        } else {
            self.overflowed = true;
        }
    }
}

/// The words a logged generator handed out, in order, or `None` if there were more than it
/// keeps.
pub(crate) type Words = Option<Vec<u64>>;

#[derive(Clone, Debug)]
enum Inner {
    // Both states are large (ChaCha's 300 bytes, the Twister's 2.5 KB), so both are boxed.
    ChaCha(Box<ChaCha8Rng>),
    Cpython(Box<CpythonRandom>),
    /// Words given in advance, then ones: a shrunk case's draws.
    Replay(Box<Replay>),
}

/// The words a replaying generator hands out, and the kind it stands for.
#[derive(Clone, Debug)]
struct Replay {
    kind: GeneratorKind,
    words: Arc<[u64]>,
    at: usize,
}

impl Replay {
    fn next(&mut self) -> u64 {
        // One, not zero, once the words run out: rand makes the simplest values of it (`0.0`,
        // a range's low end), and its rejection sampling, which rejects a zero, never loops.
        let word = self.words.get(self.at).copied().unwrap_or(1);
        self.at = self.at.saturating_add(1);
        word
    }
}

impl Generator {
    fn new(inner: Inner) -> Generator {
        Generator {
            inner,
            draws: 0,
            tally: None,
            log: None,
        }
    }

    /// A generator that stands for one of `kind` and hands out `words`, then ones: one
    /// word per `next_u32` (its low half) or `next_u64`, and one per started eight bytes of
    /// `fill_bytes` (its little-endian bytes).
    pub(crate) fn replaying(kind: GeneratorKind, words: Arc<[u64]>) -> Generator {
        Generator::new(Inner::Replay(Box::new(Replay { kind, words, at: 0 })))
    }

    /// The kind of this generator.
    #[must_use]
    pub fn kind(&self) -> GeneratorKind {
        match &self.inner {
            Inner::ChaCha(_) => GeneratorKind::ChaCha,
            Inner::Cpython(_) => GeneratorKind::Cpython,
            Inner::Replay(replay) => replay.kind,
        }
    }

    /// How many words this generator has handed out since it was seeded (or cloned).
    ///
    /// ```
    /// use rand::RngExt;
    /// use waitsim::GeneratorKind;
    ///
    /// let mut rng = GeneratorKind::ChaCha.generator(1);
    /// let _: f64 = rng.random();
    /// let _: u32 = rng.random();
    /// assert_eq!(rng.draws(), 2);
    /// ```
    #[must_use]
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// Has the count written to `tally` when this generator is dropped.
    pub(crate) fn tallied(mut self, tally: Arc<AtomicU64>) -> Generator {
        self.tally = Some(tally);
        self
    }

    /// Has the words handed out, as a replaying generator would take them, written to `to`
    /// when this generator is dropped.
    pub(crate) fn logged(mut self, to: Arc<Mutex<Option<Words>>>) -> Generator {
        self.log = Some(Log {
            words: Vec::new(),
            overflowed: false,
            to,
        });
        self
    }

    fn note(&mut self, word: u64) {
        self.draws += 1;
        if let Some(log) = &mut self.log {
            log.push(word);
        }
    }
}

/// A clone draws what the original would draw next; its count starts at zero, and it tallies
/// nowhere.
impl Clone for Generator {
    fn clone(&self) -> Generator {
        Generator::new(self.inner.clone())
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        if let Some(tally) = &self.tally {
            tally.store(self.draws, Ordering::Relaxed);
        }
        if let Some(log) = self.log.take() {
            let words = (!log.overflowed).then_some(log.words);
            *log.to.lock().unwrap_or_else(PoisonError::into_inner) = Some(words);
        }
    }
}

/// Forwards one `TryRng` method to the generator of either kind.
macro_rules! forward {
    ($self:ident, $rng:ident => $call:expr, $replay:ident => $replayed:expr) => {
        match &mut $self.inner {
            Inner::ChaCha($rng) => $call,
            Inner::Cpython($rng) => $call,
            Inner::Replay($replay) => $replayed,
        }
    };
}

impl TryRng for Generator {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // The low half: a replayed word drawn as a `u32` is its value truncated.
        #[allow(clippy::cast_possible_truncation)]
        let word = forward!(self, rng => rng.try_next_u32()?, replay => replay.next() as u32);
        self.note(u64::from(word));
        Ok(word)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let word = forward!(self, rng => rng.try_next_u64()?, replay => replay.next());
        self.note(word);
        Ok(word)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        forward!(self, rng => rng.try_fill_bytes(dst)?, replay => {
            for chunk in dst.chunks_mut(8) {
                let len = chunk.len();
                chunk.copy_from_slice(&replay.next().to_le_bytes()[..len]);
            }
        });
        for chunk in dst.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.note(u64::from_le_bytes(word));
        }
        Ok(())
    }
}

/// rand 0.9's `RngCore`, with the `rand09` feature: code written against rand 0.9's `Rng` takes
/// a `Generator` too, and draws the same bits as under rand 0.10.
#[cfg(feature = "rand09")]
#[cfg_attr(docsrs, doc(cfg(feature = "rand09")))]
impl rand_core_09::RngCore for Generator {
    fn next_u32(&mut self) -> u32 {
        rand::Rng::next_u32(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand::Rng::next_u64(self)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand::Rng::fill_bytes(self, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_of_a_kind_draws_what_the_kind_draws() {
        use rand::{Rng, RngExt};

        let mut direct = seeded(99);
        let mut chosen = GeneratorKind::ChaCha.generator(99);
        assert_eq!(chosen.kind(), GeneratorKind::ChaCha);
        for _ in 0..100 {
            assert_eq!(
                direct.random::<f64>().to_bits(),
                chosen.random::<f64>().to_bits()
            );
            assert_eq!(direct.next_u32(), chosen.next_u32());
            let (mut a, mut b) = ([0; 13], [0; 13]);
            direct.fill_bytes(&mut a);
            chosen.fill_bytes(&mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_generator_counts_its_words_and_tallies_them_when_dropped() {
        use rand::{Rng, RngExt};

        let tally = Arc::new(AtomicU64::new(0));
        let mut rng = GeneratorKind::Cpython
            .generator(5)
            .tallied(Arc::clone(&tally));
        assert_eq!(rng.kind(), GeneratorKind::Cpython);
        let _: f64 = rng.random();
        rng.next_u32();
        rng.fill_bytes(&mut [0; 9]);
        rng.fill_bytes(&mut []);
        assert_eq!(rng.draws(), 4);
        let clone = rng.clone();
        assert_eq!(clone.draws(), 0);
        drop(clone);
        assert_eq!(tally.load(Ordering::Relaxed), 0, "a clone tallies nowhere");
        drop(rng);
        assert_eq!(tally.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let err = "mt".parse::<GeneratorKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown generator `mt`: expected one of `chacha`, `cpython`"
        );
    }
}
