//! The laws of the seed's routines, as a kit to check any implementation of them.
//!
//! Each function here takes an implementation (a function or an async closure with the
//! routine's signature), a generator kind and an [`Input`], runs the implementation on fresh
//! virtual-clock runtimes, and checks every law of the routine, returning the first
//! [`Violation`]. waitsim's own tests check its routines with this kit.
//!
//! | law | what it says |
//! |---|---|
//! | [`Law::Completes`] | the call returns, without a panic or an error, within 30 virtual years |
//! | [`Law::Length`] | `n` delays |
//! | [`Law::InRange`] | every delay a finite float in `[0, max_delay]` |
//! | [`Law::Ascending`] | the delays in ascending order |
//! | [`Law::Concurrent`] | the virtual time taken is the largest delay rounded up to the timer's tick, not the sum (a delay below half a nanosecond is no wait at all: a `Duration` holds whole nanoseconds) |
//! | [`Law::MeasureTime`] | `measure_time * n` within one tick of the largest delay |
//! | [`Law::Deterministic`] | the same seed twice gives the same bits |
//! | [`Law::Prefix`] | the delays for `n` are among those for `n + 1` |
//! | [`Law::Conforms`] | the same delays, bit for bit, as waitsim's routine for the same generator state |
//! | [`Law::Consumes`] | the generator is left where the routine's `n` draws leave it |
//! | [`Law::Agrees`] | two implementations give the same delays (`task_wait_n == wait_n`) |
//!
//! ```
//! use waitsim::laws::{self, Input};
//! use waitsim::{MaxDelay, RngKind};
//!
//! // waitsim's own routine obeys every law of `wait_n`...
//! let input = Input { seed: 7, n: 20, max_delay: MaxDelay::new(5.0).unwrap() };
//! laws::wait_n(waitsim::wait_n, RngKind::ChaCha, input).unwrap();
//!
//! // ...and one that forgets to sort is caught.
//! let unsorted = async |rng: &mut waitsim::Generator, n, max_delay: MaxDelay| {
//!     (0..n).map(|_| max_delay.as_secs_f64() * rand::RngExt::random::<f64>(rng)).collect::<Vec<_>>()
//! };
//! let violation = laws::wait_n(unsorted, RngKind::ChaCha, input).unwrap_err();
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
//! use waitsim::{Generator, MaxDelay, RngKind};
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
//! for kind in RngKind::ALL.iter().copied() {
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
//! simpler ones ([`SIMPLE_BOUNDS`], with `n` searched again). [`Violation::input`] is the
//! smallest input found, the one the message names; [`Violation::found`] is the one first
//! found. The search is deterministic, so the same call gives the same violation every time.
//!
//! The laws use waitsim's clock: a fresh current-thread runtime on tokio's paused clock for
//! every run. Call them from a plain `#[test]`, a `proptest!` block or
//! [`Harness::each_seed`](crate::harness::Harness::each_seed), not from inside a runtime (a
//! `#[tokio::test]`): there they panic at once, with a message that says so.

use std::fmt;

use crate::name::{Named, named};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use rand::RngExt as _;
use tokio::time::Instant;

use crate::panic::{message as panic_message, outside_runtime};
use crate::{Clock, Generator, MaxDelay, RngKind, Routine};

/// The longest virtual time a call may take before it counts as not completing.
const VIRTUAL_LIMIT: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// The timer's tick: every wait ends on a whole millisecond.
const TICK: Duration = Duration::from_millis(1);

/// The bounds the kit tries when it shrinks a violation, simplest first: a violation at a
/// bound moves to the first bound of this list, before its own, that breaks the same law.
pub const SIMPLE_BOUNDS: [f64; 9] = [10.0, 1.0, 0.0, 2.0, 5.0, 0.5, 0.001, 60.0, 1e6];

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

/// A law of the seed's routines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Law {
    /// The call returns, without a panic or an error, within 30 virtual years.
    Completes,
    /// `n` delays.
    Length,
    /// Every delay a finite float in `[0, max_delay]`.
    InRange,
    /// The delays in ascending order.
    Ascending,
    /// The virtual time taken is the largest delay rounded up to the timer's tick.
    Concurrent,
    /// `measure_time * n` within one tick of the largest delay.
    MeasureTime,
    /// The same seed twice gives the same bits.
    Deterministic,
    /// The delays for `n` are among those for `n + 1`.
    Prefix,
    /// The same delays, bit for bit, as waitsim's routine for the same generator state.
    Conforms,
    /// The generator is left where the routine's draws leave it.
    Consumes,
    /// Two implementations give the same delays.
    Agrees,
}

impl Law {
    /// The law's name, such as `ascending`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Law::Completes => "completes",
            Law::Length => "length",
            Law::InRange => "in-range",
            Law::Ascending => "ascending",
            Law::Concurrent => "concurrent",
            Law::MeasureTime => "measure-time",
            Law::Deterministic => "deterministic",
            Law::Prefix => "prefix",
            Law::Conforms => "conforms",
            Law::Consumes => "consumes",
            Law::Agrees => "agrees",
        }
    }

    /// What the law says, as a sentence to complete with what happened.
    fn says(self) -> &'static str {
        match self {
            Law::Completes => "the call must return, without a panic or an error",
            Law::Length => "it must return exactly n delays",
            Law::InRange => "every delay must be a finite float in [0, max_delay]",
            Law::Ascending => "the delays must be in ascending order",
            Law::Concurrent => {
                "the waits must run concurrently: the call takes the largest delay rounded up \
                 to the timer's millisecond tick, not the sum of the delays"
            }
            Law::MeasureTime => {
                "measure_time * n must be the largest delay within one millisecond tick"
            }
            Law::Deterministic => "the same seed must give the same bits every time",
            Law::Prefix => "the delays drawn for n must be among those drawn for n + 1",
            Law::Conforms => {
                "the delays must be waitsim's, bit for bit, for the same generator state \
                 (max_delay * u for each of n draws u in [0, 1), sorted)"
            }
            Law::Consumes => {
                "the call must draw from the generator it is given, once per wait, leaving it \
                 where the reference leaves it"
            }
            Law::Agrees => "both implementations must give the same delays",
        }
    }
}

impl Law {
    /// Every law, in the order the module lists them. Each reads back from its name:
    ///
    /// ```
    /// use waitsim::laws::Law;
    ///
    /// for &law in Law::ALL {
    ///     assert_eq!(law.to_string().parse::<Law>().unwrap(), law);
    /// }
    /// assert!("fast".parse::<Law>().is_err());
    /// ```
    pub const ALL: &'static [Law] = &[
        Law::Completes,
        Law::Length,
        Law::InRange,
        Law::Ascending,
        Law::Concurrent,
        Law::MeasureTime,
        Law::Deterministic,
        Law::Prefix,
        Law::Conforms,
        Law::Consumes,
        Law::Agrees,
    ];
}

impl Named for Law {
    const WHAT: &'static str = "law";
    const ALL: &'static [Law] = Law::ALL;

    fn name(self) -> &'static str {
        Law::name(self)
    }
}

named!(Law);

/// A broken law: which, for which routine and input, and what was seen.
///
/// Its `Display` is one paragraph that explains the failure, with the seed to replay it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Violation {
    /// The law that was broken.
    pub law: Law,
    /// The routine.
    pub routine: Routine,
    /// The generator's kind.
    pub kind: RngKind,
    /// The smallest input found that breaks the law: the one the message names.
    pub input: Input,
    /// The input the law was first found broken at, before shrinking.
    pub found: Input,
    /// The first offending index, where there is one.
    pub index: Option<usize>,
    /// What the law expected there.
    pub expected: String,
    /// What was seen.
    pub got: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "law `{}` broken by {} with the {} generator at seed {}",
            self.law,
            self.call(self.input),
            self.kind,
            self.input.seed,
        )?;
        if self.found != self.input {
            write!(f, " (shrunk from {})", self.call(self.found))?;
        }
        write!(f, ": {}", self.law.says())?;
        match self.index {
            Some(index) => write!(
                f,
                "; at index {index} expected {}, got {}",
                self.expected, self.got
            ),
            None => write!(f, "; expected {}, got {}", self.expected, self.got),
        }
    }
}

impl Violation {
    /// The call of the routine on `input`, as the seed writes it: `wait_n(3, 10)`.
    fn call(&self, input: Input) -> String {
        match self.routine {
            Routine::WaitRandom | Routine::TaskWaitRandom => {
                format!("{}({})", self.routine, input.max_delay)
            }
            _ => format!("{}({}, {})", self.routine, input.n, input.max_delay),
        }
    }
}

impl std::error::Error for Violation {}

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

/// One run of an implementation: what it returned, the virtual time it took, and the
/// generator's next draw after it.
struct Run<T> {
    value: T,
    elapsed: Duration,
    next_draw: f64,
}

/// Builds the violations of one routine, input and generator.
struct Judge {
    routine: Routine,
    kind: RngKind,
    input: Input,
}

impl Judge {
    /// The call gave no result: `what` it gave instead.
    fn no_result(&self, what: String) -> Violation {
        self.broken(Law::Completes, None, "a result", what)
    }

    fn broken(
        &self,
        law: Law,
        index: Option<usize>,
        expected: impl fmt::Display,
        got: impl fmt::Display,
    ) -> Violation {
        Violation {
            law,
            routine: self.routine,
            kind: self.kind,
            input: self.input,
            found: self.input,
            index,
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }

    /// Runs `call` on a fresh virtual-clock runtime with a fresh generator of the input's
    /// seed, catching panics, errors and calls that never end.
    fn run<T, O>(
        &self,
        call: impl AsyncFnOnce(&mut Generator) -> O,
        lift: impl FnOnce(O) -> Result<T, String>,
    ) -> Result<Run<T>, Violation> {
        let mut rng = self.kind.generator(self.input.seed);
        let runtime = Clock::Virtual
            .runtime()
            .map_err(|err| self.broken(Law::Completes, None, "a runtime", err))?;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(async {
                let start = Instant::now();
                let value = tokio::time::timeout(VIRTUAL_LIMIT, call(&mut rng)).await;
                (value, start.elapsed())
            })
        }));
        let (value, elapsed) = match outcome {
            Ok((Ok(value), elapsed)) => (value, elapsed),
            Ok((Err(_), _)) => return Err(self.no_result("no end within 30 virtual years".into())),
            Err(panic) => {
                return Err(self.no_result(format!("a panic: {}", panic_message(&*panic))));
            }
        };
        let value = lift(value).map_err(|err| self.no_result(format!("the error `{err}`")))?;
        Ok(Run {
            value,
            elapsed,
            next_draw: rng.random::<f64>(),
        })
    }

    /// Runs a blocking call (one that builds its own runtime, as `measure_time` does) with a
    /// fresh generator, catching panics and errors.
    fn run_blocking<T>(
        &self,
        call: impl FnOnce(&mut Generator) -> Result<T, String>,
    ) -> Result<Run<T>, Violation> {
        let mut rng = self.kind.generator(self.input.seed);
        let value = catch_unwind(AssertUnwindSafe(|| call(&mut rng)))
            .map_err(|panic| self.no_result(format!("a panic: {}", panic_message(&*panic))))?
            .map_err(|err| self.no_result(format!("the error `{err}`")))?;
        Ok(Run {
            value,
            elapsed: Duration::ZERO,
            next_draw: rng.random::<f64>(),
        })
    }

    /// Length, range and order of a list of delays.
    fn shape(&self, delays: &[f64], n: usize) -> Result<(), Violation> {
        if delays.len() != n {
            return Err(self.broken(
                Law::Length,
                None,
                format!("{n} delays"),
                format!("{} delays", delays.len()),
            ));
        }
        let max = self.input.max_delay.as_secs_f64();
        if let Some(index) = delays
            .iter()
            .position(|&d| !(d.is_finite() && (0.0..=max).contains(&d)))
        {
            return Err(self.broken(
                Law::InRange,
                Some(index),
                format!("a float in [0, {max}]"),
                delays[index],
            ));
        }
        if let Some(index) = delays.windows(2).position(|pair| pair[0] > pair[1]) {
            return Err(self.broken(
                Law::Ascending,
                Some(index + 1),
                format!("at least {} (the delay before it)", delays[index]),
                delays[index + 1],
            ));
        }
        Ok(())
    }

    /// The virtual time a set of concurrent waits takes: the largest rounded up to the tick.
    fn concurrent(&self, delays: &[f64], elapsed: Duration) -> Result<(), Violation> {
        let largest = delays.iter().copied().fold(0.0, f64::max);
        let expected = tick_ceil(largest);
        if elapsed != expected {
            let sum: f64 = delays.iter().sum();
            return Err(self.broken(
                Law::Concurrent,
                None,
                format!(
                    "{} s (the largest delay, {largest} s, rounded up to the tick)",
                    crate::delay::secs_f64(expected)
                ),
                format!(
                    "{} s (the delays add up to {sum} s)",
                    crate::delay::secs_f64(elapsed)
                ),
            ));
        }
        Ok(())
    }

    fn same_bits(&self, law: Law, expected: &[f64], got: &[f64]) -> Result<(), Violation> {
        if let Some(index) = first_difference(expected, got) {
            let show = |v: &[f64]| {
                v.get(index)
                    .map_or_else(|| "nothing".to_string(), ToString::to_string)
            };
            return Err(self.broken(law, Some(index), show(expected), show(got)));
        }
        Ok(())
    }

    fn consumes(&self, expected_next: f64, got_next: f64) -> Result<(), Violation> {
        if expected_next.to_bits() != got_next.to_bits() {
            return Err(self.broken(
                Law::Consumes,
                None,
                format!("the generator's next draw to be {expected_next}"),
                format!("{got_next}: the routine drew from it a different number of times, or from another generator"),
            ));
        }
        Ok(())
    }
}

/// The first index where two lists of delays differ, bit for bit, or where the shorter one
/// ends: how the laws compare delays, and how a grader of other implementations can.
///
/// ```
/// use waitsim::laws::first_difference;
///
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0, 2.0]), None);
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0, 2.5]), Some(1));
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0]), Some(1));
/// // Bits, not numbers: -0.0 is not 0.0, and NaN is itself.
/// assert_eq!(first_difference(&[0.0], &[-0.0]), Some(0));
/// assert_eq!(first_difference(&[f64::NAN], &[f64::NAN]), None);
/// ```
#[must_use]
pub fn first_difference(a: &[f64], b: &[f64]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// The first delay of `few` (with its index) that `many` does not hold as often, bit for bit.
fn not_among(few: &[f64], many: &[f64]) -> Option<(usize, f64)> {
    let sorted = |list: &[f64]| {
        let mut bits: Vec<u64> = list.iter().map(|d| d.to_bits()).collect();
        bits.sort_unstable();
        bits
    };
    let (needed, held) = (sorted(few), sorted(many));
    let mut held = held.iter().peekable();
    for bits in needed {
        while held.next_if(|&&h| h < bits).is_some() {}
        if held.next_if(|&&h| h == bits).is_none() {
            let missing = f64::from_bits(bits);
            let index = few.iter().position(|d| d.to_bits() == bits).unwrap_or(0);
            return Some((index, missing));
        }
    }
    None
}

/// What tokio's timer makes of a wait of `secs`: the `Duration` of it (whole nanoseconds, so a
/// delay below a nanosecond is no wait at all) rounded up to a whole millisecond.
fn tick_ceil(secs: f64) -> Duration {
    let exact = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
    let ticks = exact.as_nanos().div_ceil(TICK.as_nanos());
    Duration::from_millis(u64::try_from(ticks).unwrap_or(u64::MAX))
}

/// The sizes below `n`, at least `min`, that shrinking tries, smallest first: every one up to
/// 16, then a quarter and a half of `n`.
fn smaller_sizes(n: usize, min: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = (min..n.min(17)).collect();
    // Past 16, and so below `n` and apart from each other.
    sizes.extend([n / 4, n / 2].into_iter().filter(|&s| s > 16));
    sizes
}

/// What a routine's inputs can shrink in: `n` from `min` up, or only the bound.
#[derive(Clone, Copy)]
enum Sizes {
    From(usize),
    Unused,
}

/// Shrinks `first`: the smallest input, with the same seed, whose `check` breaks the same law.
/// Sizes first, then the bounds of [`SIMPLE_BOUNDS`] before the violation's own (the first
/// that breaks the law wins), then sizes again.
fn shrink(
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

/// Checks every law of `wait_n` (and of `task_wait_n`, whose laws are the same) for one input:
/// completes, length, in-range, ascending, concurrent, deterministic, prefix, conforms and
/// consumes.
///
/// `implementation` is called as `implementation(&mut rng, n, max_delay)` with a fresh
/// [`Generator`] of `kind` seeded with `input.seed`, on a fresh virtual-clock runtime.
///
/// ```
/// use waitsim::laws::{self, Input};
/// use waitsim::RngKind;
///
/// for seed in 0..20 {
///     laws::wait_n(waitsim::task_wait_n, RngKind::Cpython, Input::from_seed(seed)).unwrap();
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
pub fn wait_n<F, R>(implementation: F, kind: RngKind, input: Input) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, usize, MaxDelay) -> R,
    R: Delays,
{
    outside_runtime("waitsim::laws::wait_n");
    let check = |input| wait_n_laws(&implementation, kind, input);
    check(input).map_err(|first| shrink(first, Sizes::From(0), check))
}

fn wait_n_laws<F, R>(implementation: &F, kind: RngKind, input: Input) -> Result<(), Violation>
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
        async |rng: &mut Generator| crate::wait_n(rng, n, max_delay).await,
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
/// use waitsim::RngKind;
///
/// laws::wait_random(waitsim::wait_random, RngKind::ChaCha, Input::from_seed(3)).unwrap();
/// ```
///
/// # Errors
///
/// The first law the implementation breaks, shrunk to the simplest bound that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn wait_random<F, R>(implementation: F, kind: RngKind, input: Input) -> Result<(), Violation>
where
    F: AsyncFn(&mut Generator, MaxDelay) -> R,
    R: Seconds,
{
    outside_runtime("waitsim::laws::wait_random");
    let check = |input| wait_random_laws(&implementation, kind, input);
    let input = Input { n: 1, ..input };
    check(input).map_err(|first| shrink(first, Sizes::Unused, check))
}

fn wait_random_laws<F, R>(implementation: &F, kind: RngKind, input: Input) -> Result<(), Violation>
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
        async |rng: &mut Generator| crate::wait_random(rng, max_delay).await,
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
/// use waitsim::{measure_time, Clock, RngKind};
///
/// let mine = |rng: &mut waitsim::Generator, n, max_delay| measure_time(rng, n, max_delay, Clock::Virtual);
/// laws::measure_time(mine, RngKind::ChaCha, Input::from_seed(5)).unwrap();
/// ```
///
/// # Errors
///
/// The first law the implementation breaks, shrunk to the smallest input that breaks it.
///
/// # Panics
///
/// When called inside a tokio runtime: call it from a plain `#[test]`.
pub fn measure_time<F, R>(implementation: F, kind: RngKind, input: Input) -> Result<(), Violation>
where
    F: Fn(&mut Generator, usize, MaxDelay) -> R,
    R: Seconds,
{
    outside_runtime("waitsim::laws::measure_time");
    let check = |input| measure_time_laws(&implementation, kind, input);
    check(input.measured()).map_err(|first| shrink(first, Sizes::From(1), check))
}

fn measure_time_laws<F, R>(implementation: &F, kind: RngKind, input: Input) -> Result<(), Violation>
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
        async |rng: &mut Generator| crate::wait_n(rng, n, max_delay).await,
        Delays::into_delays,
    )?;
    let largest = reference.value.last().copied().unwrap_or(0.0);
    let total = first.value * n as f64;
    // Within one tick, plus the rounding of one division and one multiplication.
    let slack = 4.0 * f64::EPSILON * largest + 1e-9;
    if !(first.value.is_finite() && total >= largest - slack && total <= largest + 1e-3 + slack) {
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
/// use waitsim::RngKind;
///
/// laws::agree(waitsim::task_wait_n, waitsim::wait_n, RngKind::ChaCha, Input::from_seed(9)).unwrap();
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
pub fn agree<A, B, RA, RB>(a: A, b: B, kind: RngKind, input: Input) -> Result<(), Violation>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_law_is_written_and_read_by_its_name() {
        for &law in Law::ALL {
            assert_eq!(law.to_string(), law.name());
            assert_eq!(law.name().parse::<Law>().unwrap(), law);
        }
        let err = "fast".parse::<Law>().unwrap_err();
        assert!(err.to_string().starts_with("unknown law `fast`"), "{err}");
    }

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

    #[test]
    fn a_multiset_is_among_another_only_with_every_repeat() {
        assert_eq!(not_among(&[1.0, 2.0, 2.0], &[2.0, 3.0, 1.0, 2.0]), None);
        assert_eq!(
            not_among(&[1.0, 2.0, 2.0], &[2.0, 3.0, 1.0]),
            Some((1, 2.0))
        );
        assert_eq!(not_among(&[], &[]), None);
        assert_eq!(not_among(&[0.5], &[]), Some((0, 0.5)));
    }

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

    #[test]
    fn ticks_round_up_to_the_millisecond() {
        assert_eq!(tick_ceil(0.0), Duration::ZERO);
        // Below a nanosecond a delay is no wait at all: a `Duration` holds whole nanoseconds.
        assert_eq!(tick_ceil(1e-10), Duration::ZERO);
        assert_eq!(tick_ceil(1e-9), TICK);
        assert_eq!(tick_ceil(0.001), TICK);
        assert_eq!(tick_ceil(2.0000004), Duration::from_millis(2001));
    }

    #[test]
    fn a_violation_explains_itself_in_one_paragraph() {
        let violation = Violation {
            law: Law::Ascending,
            routine: Routine::WaitN,
            kind: RngKind::ChaCha,
            input: Input {
                seed: 7,
                n: 3,
                max_delay: MaxDelay::DEFAULT,
            },
            found: Input {
                seed: 7,
                n: 3,
                max_delay: MaxDelay::DEFAULT,
            },
            index: Some(2),
            expected: "at least 5".into(),
            got: "4".into(),
        };
        assert_eq!(
            violation.to_string(),
            "law `ascending` broken by wait_n(3, 10) with the chacha generator at seed 7: the \
             delays must be in ascending order; at index 2 expected at least 5, got 4"
        );
        assert!(!violation.to_string().contains('\n'));
    }
}
