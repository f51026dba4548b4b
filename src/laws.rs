//! The laws of the seed's routines, as a kit to check any implementation of them.
//!
//! Each function here takes an implementation (a function or an async closure with the
//! routine's signature), a generator kind and an [`Input`], runs the implementation on fresh
//! virtual-clock runtimes, and checks every law of the routine, returning the first
//! [`Violation`]. waitsim's own tests check its routines with this kit.
//!
//! The laws are the variants of [`Law`], each documented with what it says, in the order the
//! kit checks them: `completes` (within the virtual-time limit of 30 years), `length`,
//! `in-range`, `ascending`, `concurrent`, `measure-time`, `deterministic`, `prefix`,
//! `conforms`, `consumes` and `agrees`.
//!
//! ```
//! use waitsim::laws::{self, Input};
//! use waitsim::{MaxDelay, GeneratorKind};
//!
//! // waitsim's own routine obeys every law of `wait_n`...
//! let input = Input { seed: 7, n: 20, max_delay: MaxDelay::new(5.0).unwrap() };
//! laws::wait_n(waitsim::wait_n, GeneratorKind::ChaCha, input).unwrap();
//!
//! // ...and one that forgets to sort is caught.
//! let unsorted = async |rng: &mut waitsim::Generator, n, max_delay: MaxDelay| {
//!     (0..n).map(|_| max_delay.as_secs_f64() * rand::RngExt::random::<f64>(rng)).collect::<Vec<_>>()
//! };
//! let violation = laws::wait_n(unsorted, GeneratorKind::ChaCha, input).unwrap_err();
//! assert_eq!(violation.law, laws::Law::Ascending);
//! // The kit shrinks what it found to the smallest input that breaks the same law: with this
//! // seed the first four draws happen to ascend, so five waits, at the simplest bound.
//! assert_eq!((violation.input.n, violation.found.n), (5, 20));
//! assert!(violation.to_string().starts_with("law `ascending` broken by wait_n(5, 10) "));
//! ```
//!
//! # Implementations written against `rand`
//!
//! The kit hands each implementation a `&mut` [`Generator`], which is a [`rand::Rng`]: code
//! written generically over rand's `Rng` is passed as it is, with no adapter.
//!
//! ```
//! use rand::RngExt;
//! use waitsim::laws::{self, Input};
//! use waitsim::{Generator, MaxDelay, GeneratorKind};
//!
//! /// A port of `wait_n`, as production code writes it.
//! async fn my_wait_n<R: rand::Rng + ?Sized>(rng: &mut R, n: usize, max_delay: f64) -> Vec<f64> {
//!     let mut delays: Vec<f64> = (0..n).map(|_| max_delay * rng.random::<f64>()).collect();
//!     let waits = delays.iter().map(|&d| tokio::time::sleep(std::time::Duration::from_secs_f64(d)));
//!     futures_join_all(waits).await;
//!     delays.sort_by(f64::total_cmp);
//!     delays
//! }
//! # async fn futures_join_all(waits: impl Iterator<Item = tokio::time::Sleep>) {
//! #     let waits: Vec<_> = waits.collect();
//! #     for wait in waits { wait.await; }
//! # }
//!
//! for kind in GeneratorKind::ALL.iter().copied() {
//!     for seed in 0..20 {
//!         let mine = async |rng: &mut Generator, n, max_delay: MaxDelay| {
//!             my_wait_n(rng, n, max_delay.as_secs_f64()).await
//!         };
//!         laws::wait_n(mine, kind, Input::from_seed(seed)).unwrap();
//!     }
//! }
//! ```
//!
//! # Shrinking
//!
//! When a law breaks, the kit searches down for the smallest input that still breaks the same
//! law, with the same seed: first smaller `n` (from 0 up), then bounds from a fixed list of
//! simpler ones (the seed's default of 10 first, with `n` searched again). [`Violation::input`] is the
//! smallest input found, the one the message names; [`Violation::found`] is the one first
//! found. The search is deterministic, so the same call gives the same violation every time.
//!
//! The laws use waitsim's clock: a fresh current-thread runtime on tokio's paused clock for
//! every run. Call them from a plain `#[test]`, a `proptest!` block or
//! [`Harness::each_seed`](crate::harness::Harness::each_seed), not from inside a runtime (a
//! `#[tokio::test]`): there they panic at once, with a message that says so.

mod compare;
mod input;
mod shrink;
mod violation;

use std::fmt;

use crate::clock::Clock;
use crate::delay::MaxDelay;
use crate::panic::outside_runtime;
use crate::rng::{Generator, GeneratorKind};
use crate::routine::Routine;
use crate::wait::{wait_n as wait_n_reference, wait_random as wait_random_reference};

pub use compare::first_difference;
use compare::not_among;
pub use input::Input;
use shrink::{Sizes, shrink};
use violation::Judge;
pub use violation::{Law, Violation};

/// What an implementation of `wait_n` may return: the delays, or a result of them.
pub trait Delays {
    /// The delays, or the error the implementation gave.
    ///
    /// # Errors
    ///
    /// The implementation's own error, as text.
    fn into_delays(self) -> Result<Vec<f64>, String>;
}

impl Delays for Vec<f64> {
    fn into_delays(self) -> Result<Vec<f64>, String> {
        Ok(self)
    }
}

impl<E: fmt::Display> Delays for Result<Vec<f64>, E> {
    fn into_delays(self) -> Result<Vec<f64>, String> {
        self.map_err(|err| err.to_string())
    }
}

/// What an implementation of `wait_random` or `measure_time` may return: seconds, or a
/// result of them.
pub trait Seconds {
    /// The seconds, or the error the implementation gave.
    ///
    /// # Errors
    ///
    /// The implementation's own error, as text.
    fn into_seconds(self) -> Result<f64, String>;
}

impl Seconds for f64 {
    fn into_seconds(self) -> Result<f64, String> {
        Ok(self)
    }
}

impl<E: fmt::Display> Seconds for Result<f64, E> {
    fn into_seconds(self) -> Result<f64, String> {
        self.map_err(|err| err.to_string())
    }
}

/// Checks every law of `wait_n` (and of `task_wait_n`, whose laws are the same) for one input:
/// completes, length, in-range, ascending, concurrent, deterministic, prefix, conforms and
/// consumes.
///
/// `implementation` is called as `implementation(&mut rng, n, max_delay)` with a fresh
/// [`Generator`] of `kind` seeded with `input.seed`, on a fresh virtual-clock runtime.
///
/// ```
/// use waitsim::laws::{self, Input};
/// use waitsim::GeneratorKind;
///
/// for seed in 0..20 {
///     laws::wait_n(waitsim::task_wait_n, GeneratorKind::Cpython, Input::from_seed(seed)).unwrap();
/// }
/// ```
///
/// # Errors
///
/// The first law the implementation breaks, in the order above, shrunk to the smallest input
/// that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn wait_n<F, R>(implementation: F, kind: GeneratorKind, input: Input) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, usize, MaxDelay) -> R,
    R: Delays,
{
    outside_runtime("waitsim::laws::wait_n");
    let check = |input| wait_n_laws(&implementation, kind, input);
    check(input).map_err(|first| shrink(first, Sizes::From(0), check))
}

fn wait_n_laws<F, R>(implementation: &F, kind: GeneratorKind, input: Input) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, usize, MaxDelay) -> R,
    R: Delays,
{
    let judge = Judge {
        routine: Routine::WaitN,
        kind,
        input,
    };
    let Input { n, max_delay, .. } = input;
    let run = |n: usize| {
        judge.run(
            async |rng: &mut Generator| implementation(rng, n, max_delay).await,
            Delays::into_delays,
        )
    };
    let first = run(n)?;
    judge.shape(&first.value, n)?;
    judge.concurrent(&first.value, first.elapsed)?;
    let again = run(n)?;
    judge.same_bits(Law::Deterministic, &first.value, &again.value)?;
    if again.elapsed != first.elapsed {
        return Err(judge.broken(
            Law::Deterministic,
            None,
            format!("{:?} of virtual time", first.elapsed),
            format!("{:?}", again.elapsed),
        ));
    }
    let longer = run(n + 1)?;
    if let Some((index, missing)) = not_among(&first.value, &longer.value) {
        return Err(judge.broken(
            Law::Prefix,
            Some(index),
            format!("{missing} among the delays for n + 1"),
            "it is missing",
        ));
    }
    let reference = judge.run(
        async |rng: &mut Generator| wait_n_reference(rng, n, max_delay).await,
        Delays::into_delays,
    )?;
    judge.same_bits(Law::Conforms, &reference.value, &first.value)?;
    judge.consumes(reference.next_draw, first.next_draw)
}

/// Checks every law of `wait_random` (and of `task_wait_random` awaited) for one input:
/// completes, in-range, concurrent (the call takes its delay rounded up to the tick),
/// deterministic, conforms and consumes. `input.n` is not used.
///
/// ```
/// use waitsim::laws::{self, Input};
/// use waitsim::GeneratorKind;
///
/// laws::wait_random(waitsim::wait_random, GeneratorKind::ChaCha, Input::from_seed(3)).unwrap();
/// ```
///
/// # Errors
///
/// The first law the implementation breaks, shrunk to the simplest bound that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn wait_random<F, R>(
    implementation: F,
    kind: GeneratorKind,
    input: Input,
) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, MaxDelay) -> R,
    R: Seconds,
{
    outside_runtime("waitsim::laws::wait_random");
    let check = |input| wait_random_laws(&implementation, kind, input);
    let input = Input { n: 1, ..input };
    check(input).map_err(|first| shrink(first, Sizes::Unused, check))
}

fn wait_random_laws<F, R>(
    implementation: &F,
    kind: GeneratorKind,
    input: Input,
) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, MaxDelay) -> R,
    R: Seconds,
{
    let judge = Judge {
        routine: Routine::WaitRandom,
        kind,
        input,
    };
    let max_delay = input.max_delay;
    let run = || {
        judge.run(
            async |rng: &mut Generator| implementation(rng, max_delay).await,
            Seconds::into_seconds,
        )
    };
    let first = run()?;
    judge.shape(&[first.value], 1)?;
    judge.concurrent(&[first.value], first.elapsed)?;
    let again = run()?;
    judge.same_bits(Law::Deterministic, &[first.value], &[again.value])?;
    let reference = judge.run(
        async |rng: &mut Generator| wait_random_reference(rng, max_delay).await,
        Seconds::into_seconds,
    )?;
    judge.same_bits(Law::Conforms, &[reference.value], &[first.value])?;
    judge.consumes(reference.next_draw, first.next_draw)
}

/// Checks every law of `measure_time` for one input (with `n` at least 1): completes,
/// measure-time (`measure_time * n` is the largest of waitsim's delays for the same generator
/// state, within one tick), deterministic and consumes.
///
/// `implementation` is called as `implementation(&mut rng, n, max_delay)` outside any runtime,
/// as the seed's `measure_time` is: it runs its own, on the virtual clock.
///
/// ```
/// use waitsim::laws::{self, Input};
/// use waitsim::{measure_time, Clock, GeneratorKind};
///
/// let mine = |rng: &mut waitsim::Generator, n, max_delay| measure_time(rng, n, max_delay, Clock::Virtual);
/// laws::measure_time(mine, GeneratorKind::ChaCha, Input::from_seed(5)).unwrap();
/// ```
///
/// # Errors
///
/// The first law the implementation breaks, shrunk to the smallest input that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn measure_time<F, R>(
    implementation: F,
    kind: GeneratorKind,
    input: Input,
) -> Result<(), Violation>
where
    F: Fn(&mut Generator, usize, MaxDelay) -> R,
    R: Seconds,
{
    outside_runtime("waitsim::laws::measure_time");
    let check = |input| measure_time_laws(&implementation, kind, input);
    check(input.measured()).map_err(|first| shrink(first, Sizes::From(1), check))
}

fn measure_time_laws<F, R>(
    implementation: &F,
    kind: GeneratorKind,
    input: Input,
) -> Result<(), Violation>
where
    F: Fn(&mut Generator, usize, MaxDelay) -> R,
    R: Seconds,
{
    let judge = Judge {
        routine: Routine::MeasureTime,
        kind,
        input,
    };
    let Input { n, max_delay, .. } = input;
    let run = || judge.run_blocking(|rng| implementation(rng, n, max_delay).into_seconds());
    let first = run()?;
    let reference = judge.run(
        async |rng: &mut Generator| wait_n_reference(rng, n, max_delay).await,
        Delays::into_delays,
    )?;
    let largest = reference.value.last().copied().unwrap_or(0.0);
    let total = first.value * n as f64;
    // Within one tick, plus the rounding of one division and one multiplication.
    let slack = 4.0 * f64::EPSILON * largest + 1e-9;
    if !(first.value.is_finite()
        && total >= largest - slack
        && total <= largest + Clock::TICK.as_secs_f64() + slack)
    {
        return Err(judge.broken(
            Law::MeasureTime,
            None,
            format!("a value whose n-fold is within a tick above {largest} s (the largest delay)"),
            format!("{} (times {n}: {total} s)", first.value),
        ));
    }
    let again = run()?;
    judge.same_bits(Law::Deterministic, &[first.value], &[again.value])?;
    judge.consumes(reference.next_draw, first.next_draw)
}

/// Checks that two implementations of `wait_n` agree, bit for bit, for one input: for
/// example an implementation of `task_wait_n` (`a`) against one of `wait_n` (`b`).
///
/// ```
/// use waitsim::laws::{self, Input};
/// use waitsim::GeneratorKind;
///
/// laws::agree(waitsim::task_wait_n, waitsim::wait_n, GeneratorKind::ChaCha, Input::from_seed(9)).unwrap();
/// ```
///
/// # Errors
///
/// [`Law::Completes`] if either fails to return, [`Law::Agrees`] where they differ, shrunk to
/// the smallest input that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn agree<A, B, RA, RB>(a: A, b: B, kind: GeneratorKind, input: Input) -> Result<(), Violation>
where
    A: AsyncFn(&mut Generator, usize, MaxDelay) -> RA,
    B: AsyncFn(&mut Generator, usize, MaxDelay) -> RB,
    RA: Delays,
    RB: Delays,
{
    outside_runtime("waitsim::laws::agree");
    let check = |input| {
        let judge = Judge {
            routine: Routine::TaskWaitN,
            kind,
            input,
        };
        let Input { n, max_delay, .. } = input;
        let a = judge.run(
            async |rng: &mut Generator| a(rng, n, max_delay).await,
            Delays::into_delays,
        )?;
        let b = judge.run(
            async |rng: &mut Generator| b(rng, n, max_delay).await,
            Delays::into_delays,
        )?;
        judge.same_bits(Law::Agrees, &b.value, &a.value)
    };
    check(input).map_err(|first| shrink(first, Sizes::From(0), check))
}
