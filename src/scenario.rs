//! Scenarios: one routine, its inputs and its generator, run to a serializable report.
//!
//! The command-line tool and the snapshot fixtures both describe runs this way, so a fixture
//! file, a `--json` report and a library call all mean the same thing.

use std::fmt;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::delay::{check_task_count, secs_f64};
use crate::measure::{check_measured_count, measure_observed};
use crate::task::task_wait_n_observed;
use crate::wait::wait_n_observed;
use crate::{Clock, Error, MaxDelay, Progress, RngKind, task_wait_random, wait_random};

/// One of the seed's five routines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routine {
    /// [`wait_random`](crate::wait_random).
    WaitRandom,
    /// [`wait_n`](crate::wait_n).
    WaitN,
    /// [`measure_time`](crate::measure_time).
    MeasureTime,
    /// [`task_wait_random`](crate::task_wait_random).
    TaskWaitRandom,
    /// [`task_wait_n`](crate::task_wait_n).
    TaskWaitN,
}

impl Routine {
    /// Whether the routine runs `n` waits (and so takes an `n`).
    #[must_use]
    pub fn takes_n(self) -> bool {
        matches!(
            self,
            Routine::WaitN | Routine::MeasureTime | Routine::TaskWaitN
        )
    }

    /// The routine's name in the seed, such as `wait_n`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Routine::WaitRandom => "wait_random",
            Routine::WaitN => "wait_n",
            Routine::MeasureTime => "measure_time",
            Routine::TaskWaitRandom => "task_wait_random",
            Routine::TaskWaitN => "task_wait_n",
        }
    }
}

impl fmt::Display for Routine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A run to perform: which routine, with which inputs, generator, seed and clock.
///
/// ```
/// use waitsim::{Routine, Scenario};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let scenario: Scenario = serde_json::from_str(
///     r#"{ "routine": "wait_n", "seed": 42, "n": 3, "max_delay": 5 }"#,
/// )?;
/// let report = scenario.run()?;
/// assert_eq!(report.routine, Routine::WaitN);
/// assert_eq!(report.delays.len(), 3);
/// assert!(report.delays.is_sorted());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The routine to run.
    pub routine: Routine,
    /// The generator's seed.
    pub seed: u64,
    /// The generator; ChaCha unless said otherwise.
    #[serde(default)]
    pub rng: RngKind,
    /// The clock; virtual unless said otherwise.
    #[serde(default)]
    pub clock: Clock,
    /// The number of waits: required by the routines that take one, refused by the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// The upper bound of each delay; the seed's default of 10 seconds unless said otherwise.
    #[serde(default)]
    pub max_delay: MaxDelay,
}

/// What a [`Scenario`] gave: its inputs, every delay, and the time it took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The routine that ran.
    pub routine: Routine,
    /// The generator's seed.
    pub seed: u64,
    /// The generator.
    pub rng: RngKind,
    /// The clock the waits ran on.
    pub clock: Clock,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
    /// The number of waits, for the routines that take one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Every delay drawn, in seconds; ascending for the routines that run `n` waits.
    pub delays: Vec<f64>,
    /// The time the routine took on its clock, in seconds.
    pub elapsed: f64,
    /// For `measure_time`: the elapsed time divided by `n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_time: Option<f64>,
}

impl Scenario {
    /// A scenario of `routine` with the seed's defaults: ChaCha, the virtual clock, no `n`,
    /// `max_delay = 10`.
    #[must_use]
    pub fn new(routine: Routine, seed: u64) -> Scenario {
        Scenario {
            routine,
            seed,
            rng: RngKind::default(),
            clock: Clock::default(),
            n: None,
            max_delay: MaxDelay::DEFAULT,
        }
    }

    /// Runs the scenario on a new runtime of its clock.
    ///
    /// # Errors
    ///
    /// If `n` is missing for a routine that takes one or given to one that does not; and as
    /// the routine itself and [`Clock::block_on`].
    pub fn run(&self) -> Result<Report, Error> {
        self.run_observed(None)
    }

    /// Runs the scenario like [`Scenario::run`], counting finished waits in `progress`.
    ///
    /// # Errors
    ///
    /// As [`Scenario::run`].
    pub fn run_with_progress(&self, progress: &Progress) -> Result<Report, Error> {
        self.run_observed(Some(progress))
    }

    /// Checks the scenario's inputs without running it: what [`Scenario::run`] would refuse
    /// before drawing anything.
    ///
    /// # Errors
    ///
    /// If `n` is missing for a routine that takes one or given to one that does not, or is `0`
    /// for `measure_time`, or above [`MAX_TASKS`](crate::MAX_TASKS).
    pub fn check(&self) -> Result<(), Error> {
        match (self.routine.takes_n(), self.n) {
            (true, None) => Err(Error::scenario(self.routine, "needs `n`")),
            (false, Some(_)) => Err(Error::scenario(self.routine, "takes no `n`")),
            (_, Some(n)) if self.routine == Routine::MeasureTime => check_measured_count(n),
            (_, Some(n)) => check_task_count(n),
            (false, None) => Ok(()),
        }
    }

    fn run_observed(&self, progress: Option<&Progress>) -> Result<Report, Error> {
        self.check()?;
        let n = self.n.unwrap_or(1);
        let mut rng = self.rng.seeded(self.seed);
        let max_delay = self.max_delay;
        let (delays, elapsed, measure_time) = self.clock.block_on(async {
            let start = Instant::now();
            let delays = match self.routine {
                Routine::WaitRandom => vec![wait_random(&mut rng, max_delay).await],
                Routine::WaitN => wait_n_observed(&mut rng, n, max_delay, progress).await?,
                Routine::TaskWaitRandom => {
                    vec![
                        task_wait_random(&mut rng, max_delay)
                            .await
                            .map_err(Error::task)?,
                    ]
                }
                Routine::TaskWaitN => {
                    task_wait_n_observed(&mut rng, n, max_delay, progress).await?
                }
                Routine::MeasureTime => {
                    let m = measure_observed(&mut rng, n, max_delay, progress).await?;
                    let (elapsed, per_task) = (m.elapsed_secs(), m.per_task());
                    return Ok((m.into_delays(), elapsed, Some(per_task)));
                }
            };
            if !self.routine.takes_n() {
                // The single waits have no counting path of their own.
                if let Some(progress) = progress {
                    progress.finish_one();
                }
            }
            Ok::<_, Error>((delays, secs_f64(start.elapsed()), None))
        })??;
        Ok(Report {
            routine: self.routine,
            seed: self.seed,
            rng: self.rng,
            clock: self.clock,
            max_delay,
            n: self.n,
            delays,
            elapsed,
            measure_time,
        })
    }
}
