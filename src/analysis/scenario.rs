//! Scenarios: one routine and its inputs; cases: a scenario with its seed, generator and
//! clock, run to a serializable report.
//!
//! The command-line tool, the demo and the snapshot fixtures all describe runs this way, so a
//! fixture file, a `--json` report and a library call all mean the same thing.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::measure::measure_with;
use crate::clock::Clock;
use crate::delay::{MaxDelay, secs, secs_f64};
use crate::error::Error;
use crate::rng::GeneratorKind;
use crate::routine::Routine;
use crate::task::{task_wait_n_with, task_wait_random};
use crate::wait::{Runtime, wait_n_with, wait_random};

/// A call of one of the seed's routines, with its inputs: the routines that run `n` waits
/// hold an `n`, the others do not.
///
/// In JSON the routine's name is the `routine` field and the inputs sit beside it; a missing
/// `max_delay` is the seed's default of 10 seconds.
///
/// ```
/// use waitsim::analysis::Scenario;
/// use waitsim::MaxDelay;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let call: Scenario = serde_json::from_str(r#"{ "routine": "wait_n", "n": 3, "max_delay": 5 }"#)?;
/// assert_eq!(call, Scenario::WaitN { n: 3, max_delay: MaxDelay::new(5.0)? });
/// assert_eq!(call.to_string(), "wait_n(3, 5)");
/// assert!(serde_json::from_str::<Scenario>(r#"{ "routine": "wait_random", "n": 3 }"#).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "routine", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Scenario {
    /// [`wait_random`](crate::wait_random)`(max_delay)`.
    WaitRandom {
        /// The upper bound of the delay.
        #[serde(default)]
        max_delay: MaxDelay,
    },
    /// [`wait_n`](crate::wait_n)`(n, max_delay)`.
    WaitN {
        /// The number of waits.
        n: usize,
        /// The upper bound of each delay.
        #[serde(default)]
        max_delay: MaxDelay,
    },
    /// [`measure_time`](crate::measure_time)`(n, max_delay)`.
    MeasureTime {
        /// The number of waits, at least 1.
        n: usize,
        /// The upper bound of each delay.
        #[serde(default)]
        max_delay: MaxDelay,
    },
    /// [`task_wait_random`](crate::task_wait_random)`(max_delay)`.
    TaskWaitRandom {
        /// The upper bound of the delay.
        #[serde(default)]
        max_delay: MaxDelay,
    },
    /// [`task_wait_n`](crate::task_wait_n)`(n, max_delay)`.
    TaskWaitN {
        /// The number of waits.
        n: usize,
        /// The upper bound of each delay.
        #[serde(default)]
        max_delay: MaxDelay,
    },
}

impl Scenario {
    /// The call of `routine` with `n` waits (for the routines that take an `n`; the others
    /// ignore it) and the bound `max_delay`.
    ///
    /// ```
    /// use waitsim::analysis::Scenario;
    /// use waitsim::{MaxDelay, Routine};
    ///
    /// let bound = MaxDelay::DEFAULT;
    /// assert_eq!(Scenario::new(Routine::WaitN, 3, bound), Scenario::WaitN { n: 3, max_delay: bound });
    /// assert_eq!(Scenario::new(Routine::WaitRandom, 3, bound), Scenario::WaitRandom { max_delay: bound });
    /// for &routine in Routine::ALL {
    ///     let scenario = Scenario::new(routine, 3, bound);
    ///     assert_eq!((scenario.routine(), scenario.n()), (routine, routine.takes_n().then_some(3)));
    /// }
    /// ```
    #[must_use]
    pub fn new(routine: Routine, n: usize, max_delay: MaxDelay) -> Scenario {
        match routine {
            Routine::WaitRandom => Scenario::WaitRandom { max_delay },
            Routine::WaitN => Scenario::WaitN { n, max_delay },
            Routine::MeasureTime => Scenario::MeasureTime { n, max_delay },
            Routine::TaskWaitRandom => Scenario::TaskWaitRandom { max_delay },
            Routine::TaskWaitN => Scenario::TaskWaitN { n, max_delay },
        }
    }

    /// The routine this scenario calls.
    #[must_use]
    pub fn routine(self) -> Routine {
        match self {
            Scenario::WaitRandom { .. } => Routine::WaitRandom,
            Scenario::WaitN { .. } => Routine::WaitN,
            Scenario::MeasureTime { .. } => Routine::MeasureTime,
            Scenario::TaskWaitRandom { .. } => Routine::TaskWaitRandom,
            Scenario::TaskWaitN { .. } => Routine::TaskWaitN,
        }
    }

    /// The number of waits, for the routines that take one.
    #[must_use]
    pub fn n(self) -> Option<usize> {
        match self {
            Scenario::WaitN { n, .. }
            | Scenario::MeasureTime { n, .. }
            | Scenario::TaskWaitN { n, .. } => Some(n),
            Scenario::WaitRandom { .. } | Scenario::TaskWaitRandom { .. } => None,
        }
    }

    /// The upper bound of each delay.
    #[must_use]
    pub fn max_delay(self) -> MaxDelay {
        match self {
            Scenario::WaitRandom { max_delay }
            | Scenario::TaskWaitRandom { max_delay }
            | Scenario::WaitN { max_delay, .. }
            | Scenario::MeasureTime { max_delay, .. }
            | Scenario::TaskWaitN { max_delay, .. } => max_delay,
        }
    }
}

/// The call as the seed writes it: `wait_n(5, 5)`; `wait_random()` for the default bound.
impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (routine, max_delay) = (self.routine(), self.max_delay());
        // Only `wait_random` has a default for its bound, as in the seed.
        if routine == Routine::WaitRandom && max_delay == MaxDelay::DEFAULT {
            return write!(f, "{routine}()");
        }
        f.write_str(&routine.call(self.n().unwrap_or(0), max_delay))
    }
}

/// A scenario with everything its run needs: the seed, the generator and the clock. This is
/// what a fixture file in `fixtures/scenarios/` holds.
///
/// ```
/// use waitsim::analysis::Case;
/// use waitsim::Routine;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let case: Case = serde_json::from_str(
///     r#"{ "routine": "wait_n", "seed": 42, "n": 3, "max_delay": 5 }"#,
/// )?;
/// let report = case.run()?;
/// assert_eq!(report.routine, Routine::WaitN);
/// assert_eq!(report.delays.len(), 3);
/// assert!(report.delays.is_sorted());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The routine and its inputs.
    #[serde(flatten)]
    pub scenario: Scenario,
    /// The generator's seed.
    pub seed: u64,
    /// The generator's kind; ChaCha unless said otherwise (`rng` in JSON).
    #[serde(default, rename = "rng")]
    pub kind: GeneratorKind,
    /// The clock; virtual unless said otherwise.
    #[serde(default)]
    pub clock: Clock,
}

/// What a [`Case`] gave: its inputs, every delay, and the time it took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The routine that ran.
    pub routine: Routine,
    /// The generator's seed.
    pub seed: u64,
    /// The generator's kind (`rng` in JSON).
    #[serde(rename = "rng")]
    pub kind: GeneratorKind,
    /// The clock the waits ran on.
    pub clock: Clock,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
    /// The number of waits, for the routines that take one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Every delay drawn, in seconds; ascending for the routines that run `n` waits.
    pub delays: Vec<f64>,
    /// The time the routine took on its clock (seconds in JSON).
    #[serde(with = "secs")]
    pub elapsed: Duration,
    /// For `measure_time`: the elapsed time in seconds divided by `n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_time: Option<f64>,
}

impl Report {
    /// The elapsed time in seconds, as the JSON report gives it: the `f64` nearest to
    /// [`Report::elapsed`](Report#structfield.elapsed).
    ///
    /// ```
    /// use waitsim::analysis::{Case, Scenario};
    /// use waitsim::MaxDelay;
    ///
    /// # fn main() -> Result<(), waitsim::Error> {
    /// let report = Case::new(Scenario::WaitN { n: 3, max_delay: MaxDelay::new(2.0)? }, 7).run()?;
    /// assert_eq!(report.elapsed_secs(), waitsim::analysis::secs_f64(report.elapsed));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn elapsed_secs(&self) -> f64 {
        secs_f64(self.elapsed)
    }
}

impl Case {
    /// A case of `scenario` with the default generator (ChaCha) and clock (virtual).
    #[must_use]
    pub fn new(scenario: Scenario, seed: u64) -> Case {
        Case {
            scenario,
            seed,
            kind: GeneratorKind::default(),
            clock: Clock::default(),
        }
    }

    /// Runs the case on a new runtime of its clock.
    ///
    /// # Errors
    ///
    /// As the routine itself (an `n` above [`TaskCount::MAX`](crate::TaskCount::MAX), `n = 0` for
    /// `measure_time`, ...), refused before anything is drawn; and as [`Clock::block_on`].
    pub fn run(&self) -> Result<Report, Error> {
        self.run_with(&mut || {})
    }

    /// Runs the case like [`Case::run`], calling `finished` each time one of its waits ends:
    /// for a progress display on the real clock, for example.
    ///
    /// ```
    /// use waitsim::analysis::{Case, Scenario};
    /// use waitsim::MaxDelay;
    ///
    /// # fn main() -> Result<(), waitsim::Error> {
    /// let mut finished = 0;
    /// let case = Case::new(Scenario::TaskWaitN { n: 50, max_delay: MaxDelay::DEFAULT }, 1);
    /// case.run_with(&mut || finished += 1)?;
    /// assert_eq!(finished, 50);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Case::run`].
    pub fn run_with(&self, finished: &mut dyn FnMut()) -> Result<Report, Error> {
        let mut rng = self.kind.generator(self.seed);
        let scenario = self.scenario;
        let max_delay = scenario.max_delay();
        // The runtime is the case's own, so on the virtual clock a join may move the clock.
        let runtime = Runtime::own(self.clock);
        let (delays, elapsed, measure_time) = self.clock.run(async {
            let start = Instant::now();
            let delays = match scenario {
                Scenario::WaitRandom { .. } => vec![wait_random(&mut rng, max_delay).await],
                Scenario::TaskWaitRandom { .. } => {
                    vec![
                        task_wait_random(&mut rng, max_delay)
                            .await
                            .map_err(Error::task)?,
                    ]
                }
                Scenario::WaitN { n, .. } => {
                    wait_n_with(&mut rng, n, max_delay, finished, runtime).await?
                }
                Scenario::TaskWaitN { n, .. } => {
                    task_wait_n_with(&mut rng, n, max_delay, finished).await?
                }
                Scenario::MeasureTime { n, .. } => {
                    let m = measure_with(&mut rng, n, max_delay, finished, runtime).await?;
                    let (elapsed, per_task) = (m.elapsed(), m.per_task());
                    return Ok((m.into_delays(), elapsed, Some(per_task)));
                }
            };
            if scenario.n().is_none() {
                // The single waits have no counting path of their own.
                finished();
            }
            Ok::<_, Error>((delays, start.elapsed(), None))
        })?;
        Ok(Report {
            routine: scenario.routine(),
            seed: self.seed,
            kind: self.kind,
            clock: self.clock,
            max_delay,
            n: scenario.n(),
            delays,
            elapsed,
            measure_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_refuses_unknown_fields_and_misplaced_inputs() {
        let ok = r#"{ "routine": "wait_n", "seed": 1, "n": 2, "max_delay": 3 }"#;
        assert!(serde_json::from_str::<Case>(ok).is_ok());
        for bad in [
            r#"{ "routine": "wait_n", "seed": 1, "n": 2, "max_dleay": 3 }"#,
            r#"{ "routine": "wait_random", "seed": 1, "n": 2 }"#,
            r#"{ "routine": "wait_n", "seed": 1 }"#,
            r#"{ "routine": "wait_forever", "seed": 1 }"#,
            r#"{ "routine": "wait_n", "n": 2 }"#,
        ] {
            assert!(serde_json::from_str::<Case>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn calls_print_as_the_seed_writes_them() {
        let five = MaxDelay::new(5.0).unwrap();
        assert_eq!(
            Scenario::WaitRandom {
                max_delay: MaxDelay::DEFAULT
            }
            .to_string(),
            "wait_random()"
        );
        assert_eq!(
            Scenario::TaskWaitRandom { max_delay: five }.to_string(),
            "task_wait_random(5)"
        );
        assert_eq!(
            Scenario::MeasureTime {
                n: 5,
                max_delay: five
            }
            .to_string(),
            "measure_time(5, 5)"
        );
    }
}
