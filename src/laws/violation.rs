//! What the laws are, and what a broken one says: [`Law`], [`Violation`], and the judge that
//! runs an implementation once and builds the violations of one input.

use std::fmt;
use std::time::Duration;

use rand::RngExt as _;

use super::compare::first_difference;
use super::input::Input;
use crate::clock::{Clock, virtual_limit_words};
use crate::name::{Named, named};
use crate::rng::{Generator, GeneratorKind};
use crate::routine::Routine;
use crate::runner::{self, Stopped};

/// Declares [`Law`] from one list: each law's variant, its name, and what it says, which is
/// also the variant's documentation.
macro_rules! laws {
    ($($variant:ident = $name:literal: $says:literal,)*) => {
        /// A law of the seed's routines. Each variant's documentation is what a
        /// [`Violation`] of it says.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Law {
            $(
                #[doc = concat!("`", $name, "`: ", $says, ".")]
                $variant,
            )*
        }

        impl Law {
            /// Every law, in the order the kit checks them. Each reads back from its name:
            ///
            /// ```
            /// use waitsim::laws::Law;
            ///
            /// for &law in Law::ALL {
            ///     assert_eq!(law.to_string().parse::<Law>().unwrap(), law);
            /// }
            /// assert!("fast".parse::<Law>().is_err());
            /// ```
            pub const ALL: &'static [Law] = &[$(Law::$variant,)*];

            /// The law's name, such as `ascending`.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $(Law::$variant => $name,)*
                }
            }

            /// What the law says, as a sentence to complete with what happened.
            pub(crate) fn says(self) -> &'static str {
                match self {
                    $(Law::$variant => $says,)*
                }
            }
        }
    };
}

laws! {
    Completes = "completes": "the call must return, without a panic or an error",
    Length = "length": "it must return exactly n delays",
    InRange = "in-range": "every delay must be a finite float in [0, max_delay]",
    Ascending = "ascending": "the delays must be in ascending order",
    Concurrent = "concurrent":
        "the waits must run concurrently: the call takes the largest delay rounded up to the \
         timer's millisecond tick, not the sum of the delays",
    MeasureTime = "measure-time":
        "measure_time * n must be the largest delay within one millisecond tick",
    Deterministic = "deterministic": "the same seed must give the same bits every time",
    Prefix = "prefix": "the delays drawn for n must be among those drawn for n + 1",
    Conforms = "conforms":
        "the delays must be waitsim's, bit for bit, for the same generator state (max_delay * u \
         for each of n draws u in [0, 1), sorted)",
    Consumes = "consumes":
        "the call must draw from the generator it is given, once per wait, leaving it where the \
         reference leaves it",
    Agrees = "agrees": "both implementations must give the same delays",
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
    pub kind: GeneratorKind,
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
        self.routine.call(input.n, input.max_delay)
    }
}

impl std::error::Error for Violation {}

/// One run of an implementation: what it returned, the virtual time it took, and the
/// generator's next draw after it.
pub(super) struct Run<T> {
    pub(super) value: T,
    pub(super) elapsed: Duration,
    pub(super) next_draw: f64,
}

/// Builds the violations of one routine, input and generator.
pub(super) struct Judge {
    pub(super) routine: Routine,
    pub(super) kind: GeneratorKind,
    pub(super) input: Input,
}

impl Judge {
    /// The call gave no result: `what` it gave instead.
    fn no_result(&self, what: String) -> Violation {
        self.broken(Law::Completes, None, "a result", what)
    }

    pub(super) fn broken(
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

    /// What a run that did not return gave instead.
    fn stopped(&self, stopped: Stopped) -> Violation {
        match stopped {
            Stopped::Panicked(message) => self.no_result(format!("a panic: {message}")),
            Stopped::Hung => self.no_result(format!("no end within {}", virtual_limit_words())),
            Stopped::NoRuntime(err) => self.broken(Law::Completes, None, "a runtime", err),
        }
    }

    /// Runs `call` on a fresh virtual-clock runtime with a fresh generator of the input's
    /// seed, catching panics, errors and calls that never end.
    pub(super) fn run<T, O>(
        &self,
        call: impl AsyncFnOnce(&mut Generator) -> O,
        lift: impl FnOnce(O) -> Result<T, String>,
    ) -> Result<Run<T>, Violation> {
        let mut rng = self.kind.generator(self.input.seed);
        let ran =
            runner::on_virtual_clock(call(&mut rng)).map_err(|stopped| self.stopped(stopped))?;
        let value = lift(ran.value).map_err(|err| self.no_result(format!("the error `{err}`")))?;
        Ok(Run {
            value,
            elapsed: ran.elapsed,
            next_draw: rng.random::<f64>(),
        })
    }

    /// Runs a blocking call (one that builds its own runtime, as `measure_time` does) with a
    /// fresh generator, catching panics and errors.
    pub(super) fn run_blocking<T>(
        &self,
        call: impl FnOnce(&mut Generator) -> Result<T, String>,
    ) -> Result<Run<T>, Violation> {
        let mut rng = self.kind.generator(self.input.seed);
        let value = runner::blocking(|| call(&mut rng))
            .map_err(|stopped| self.stopped(stopped))?
            .map_err(|err| self.no_result(format!("the error `{err}`")))?;
        Ok(Run {
            value,
            elapsed: Duration::ZERO,
            next_draw: rng.random::<f64>(),
        })
    }

    /// Length, range and order of a list of delays.
    pub(super) fn shape(&self, delays: &[f64], n: usize) -> Result<(), Violation> {
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
    pub(super) fn concurrent(&self, delays: &[f64], elapsed: Duration) -> Result<(), Violation> {
        let largest = delays.iter().copied().fold(0.0, f64::max);
        let expected = Clock::wait_duration(largest);
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

    pub(super) fn same_bits(
        &self,
        law: Law,
        expected: &[f64],
        got: &[f64],
    ) -> Result<(), Violation> {
        if let Some(index) = first_difference(expected, got) {
            let show = |v: &[f64]| {
                v.get(index)
                    .map_or_else(|| "nothing".to_string(), ToString::to_string)
            };
            return Err(self.broken(law, Some(index), show(expected), show(got)));
        }
        Ok(())
    }

    pub(super) fn consumes(&self, expected_next: f64, got_next: f64) -> Result<(), Violation> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delay::MaxDelay;

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
    fn a_violation_explains_itself_in_one_paragraph() {
        let violation = Violation {
            law: Law::Ascending,
            routine: Routine::WaitN,
            kind: GeneratorKind::ChaCha,
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
