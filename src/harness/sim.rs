//! What a test body gets for one seed, and what it may return.

use std::fmt;

use serde::Serialize;

use super::coverage::Reached;
use crate::rng::{Generator, GeneratorKind};

/// What a test body gets for one seed.
#[derive(Debug)]
#[non_exhaustive]
pub struct Sim {
    /// The seed.
    pub seed: u64,
    /// The generator's kind.
    pub kind: GeneratorKind,
    /// A generator of that kind, seeded with the seed.
    pub rng: Generator,
    /// The `sometimes` conditions this run reached.
    pub(super) reached: Reached,
}

impl Sim {
    /// Records that the condition `name` was evaluated on this seed, and whether it `held`;
    /// returns `held`. After the last seed, every condition must have held on at least one
    /// seed (or the share [`Harness::sometimes`](crate::harness::Harness::sometimes) asks for), or the test fails with the counts:
    /// see the module docs.
    ///
    /// ```
    /// use waitsim::harness::{self, Sim};
    /// use rand::RngExt;
    ///
    /// harness::run(async |mut sim: Sim| {
    ///     let tries = sim.rng.random_range(1..10);
    ///     if sim.sometimes("a single try", tries == 1) {
    ///         // the case the test was written for
    ///     }
    /// });
    /// ```
    pub fn sometimes(&self, name: &str, held: bool) -> bool {
        self.reached.note(name, held);
        held
    }
}

/// What a test body may return: nothing, or a result whose value the determinism check
/// compares.
pub trait Outcome {
    /// The value serialized as JSON, or the body's error as text.
    ///
    /// # Errors
    ///
    /// The body's error, as text.
    fn into_outcome(self) -> Result<Vec<u8>, String>;
}

impl Outcome for () {
    fn into_outcome(self) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

impl<T: Serialize, E: fmt::Display> Outcome for Result<T, E> {
    fn into_outcome(self) -> Result<Vec<u8>, String> {
        let value = self.map_err(|err| err.to_string())?;
        serde_json::to_vec(&value).map_err(|err| format!("the result cannot be serialized: {err}"))
    }
}
