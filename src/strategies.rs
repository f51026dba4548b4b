//! proptest strategies for the inputs of the seed's routines, to compose in your own
//! `proptest!` blocks (behind the `proptest` feature).
//!
//! ```
//! use proptest::prelude::*;
//! use waitsim::laws::{self, Input};
//! use waitsim::strategies;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(16))]
//!     // With `#[test]` above it in a test file.
//!     fn my_wait_n_obeys_the_laws(input in strategies::inputs(), rng in strategies::generator_kinds()) {
//!         prop_assert!(laws::wait_n(waitsim::wait_n, rng, input).is_ok());
//!     }
//! }
//! # fn main() { my_wait_n_obeys_the_laws(); }
//! ```

use proptest::prelude::*;

use crate::analysis::Scenario;
use crate::delay::MaxDelay;
use crate::laws::Input;
use crate::rng::GeneratorKind;
use crate::routine::Routine;

/// Any seed.
pub fn seeds() -> impl Strategy<Value = u64> {
    any::<u64>()
}

/// Every generator kind waitsim offers.
pub fn generator_kinds() -> impl Strategy<Value = GeneratorKind> {
    prop::sample::select(GeneratorKind::ALL)
}

/// Numbers of waits: mostly up to 2,000, sometimes many more.
pub fn sizes() -> impl Strategy<Value = usize> {
    prop_oneof![20 => 0usize..=2000, 1 => Just(20_000), 1 => Just(100_000)]
}

/// Bounds from zero through fractions and the seed's whole seconds to [`MaxDelay::MAX`].
pub fn max_delays() -> impl Strategy<Value = MaxDelay> {
    prop_oneof![
        Just(0.0),
        0.0..1.0,
        (0u32..=20).prop_map(f64::from),
        0.0..1e6,
        Just(1e6),
        Just(MaxDelay::MAX.as_secs_f64()),
    ]
    .prop_map(|secs| MaxDelay::new(secs).unwrap_or(MaxDelay::DEFAULT))
}

/// Inputs of the laws: any seed, a size up to 300 (the laws run each input several times),
/// any bound.
pub fn inputs() -> impl Strategy<Value = Input> {
    (seeds(), 0usize..=300, max_delays()).prop_map(|(seed, n, max_delay)| Input {
        seed,
        n,
        max_delay,
    })
}

/// Calls of any of the five routines, with sizes up to 2,000 (at least 1 for
/// `measure_time`).
pub fn scenarios() -> impl Strategy<Value = Scenario> {
    (0..Routine::ALL.len(), 0usize..=2000, max_delays()).prop_map(|(which, n, max_delay)| {
        let routine = Routine::ALL[which];
        let n = if routine == Routine::MeasureTime {
            n.max(1)
        } else {
            n
        };
        Scenario::new(routine, n, max_delay)
    })
}
