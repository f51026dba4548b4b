//! Random generators: what the routines draw from, and the named, portable ones waitsim offers.

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::CpythonRandom;
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

mod sealed {
    pub trait Sealed {}
}

/// A source of uniform floats in `[0, 1)`: all the routines need from a generator.
///
/// It is implemented for every [`rand::Rng`] (the float is `rand`'s standard 53-bit `f64`), so
/// any generator from the `rand` ecosystem can be injected; for [`CpythonRandom`] (the float
/// is Python's `random.random()`); and for [`Generator`]. The trait is
/// sealed so that every implementation keeps its draws inside `[0, 1)`.
pub trait UnitRng: sealed::Sealed {
    /// The next float, uniform in `[0, 1)`.
    fn next_unit(&mut self) -> f64;
}

impl<R: rand::Rng + ?Sized> sealed::Sealed for R {}

impl<R: rand::Rng + ?Sized> UnitRng for R {
    fn next_unit(&mut self) -> f64 {
        self.random::<f64>()
    }
}

/// The name of a generator, as chosen at run time (for example on the command line).
///
/// ```
/// use waitsim::RngKind;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let kind: RngKind = "chacha".parse()?;
/// assert_eq!(kind, RngKind::ChaCha);
/// assert_eq!(kind.to_string(), "chacha");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RngKind {
    /// [`DefaultRng`] seeded with [`seeded`].
    #[default]
    ChaCha,
    /// [`CpythonRandom`]: the seed means what `random.seed(seed)` means in Python.
    Cpython,
}

impl RngKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: &'static [RngKind] = &[RngKind::ChaCha, RngKind::Cpython];

    /// The generator of this kind, seeded from `seed`.
    #[must_use]
    pub fn seeded(self, seed: u64) -> Generator {
        match self {
            RngKind::ChaCha => Generator(Inner::ChaCha(Box::new(seeded(seed)))),
            RngKind::Cpython => Generator(Inner::Cpython(Box::new(CpythonRandom::seed(seed)))),
        }
    }
}

impl Named for RngKind {
    const WHAT: &'static str = "generator";
    const ALL: &'static [RngKind] = RngKind::ALL;

    fn name(self) -> &'static str {
        match self {
            RngKind::ChaCha => "chacha",
            RngKind::Cpython => "cpython",
        }
    }
}

named!(RngKind);

/// A seeded generator of any [`RngKind`], chosen at run time.
///
/// ```
/// use waitsim::{RngKind, UnitRng};
///
/// let mut rng = RngKind::ChaCha.seeded(1);
/// let u = rng.next_unit();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Clone, Debug)]
pub struct Generator(Inner);

#[derive(Clone, Debug)]
enum Inner {
    // Both states are large (ChaCha's 300 bytes, the Twister's 2.5 KB), so both are boxed and
    // a `Generator` of either kind is two words.
    ChaCha(Box<ChaCha8Rng>),
    Cpython(Box<CpythonRandom>),
}

impl sealed::Sealed for Generator {}

impl sealed::Sealed for CpythonRandom {}

impl UnitRng for CpythonRandom {
    fn next_unit(&mut self) -> f64 {
        self.random()
    }
}

impl UnitRng for Generator {
    fn next_unit(&mut self) -> f64 {
        match &mut self.0 {
            Inner::ChaCha(rng) => rng.next_unit(),
            Inner::Cpython(rng) => rng.next_unit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_of_a_kind_draws_what_the_kind_draws() {
        let mut direct = seeded(99);
        let mut chosen = RngKind::ChaCha.seeded(99);
        for _ in 0..100 {
            assert_eq!(direct.next_unit().to_bits(), chosen.next_unit().to_bits());
        }
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let err = "mt".parse::<RngKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown generator `mt`: expected one of `chacha`, `cpython`"
        );
    }
}
