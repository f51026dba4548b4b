//! Seed sweeps: `measure_time` over many seeds, streamed in seed order and summarised next to
//! the theory.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::measure::measure_with;
use crate::clock::Clock;
use crate::delay::{MaxDelay, secs};
use crate::error::Error;
use crate::measure::{check_measured_count, per_task};
use crate::rng::GeneratorKind;
use crate::wait::Runtime;

/// The `measure_time` of one seed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The generator's seed.
    pub seed: u64,
    /// The elapsed time of `wait_n`, on the virtual clock (seconds in JSON).
    #[serde(with = "secs")]
    pub elapsed: Duration,
    /// The elapsed time in seconds divided by `n`.
    pub measure_time: f64,
}

/// What a sweep runs: `measure_time(n, max_delay)` with a generator of `kind`, on `threads`
/// threads.
///
/// ```
/// use waitsim::analysis::SweepOptions;
/// use waitsim::{MaxDelay, GeneratorKind};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let options = SweepOptions::new(100, MaxDelay::new(10.0)?).kind(GeneratorKind::Cpython);
/// assert_eq!((options.n, options.kind), (100, GeneratorKind::Cpython));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct SweepOptions {
    /// The number of waits per run.
    pub n: usize,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
    /// The kind of generator each seed seeds.
    pub kind: GeneratorKind,
    /// How many threads run seeds at once.
    pub threads: NonZeroUsize,
}

impl SweepOptions {
    /// A sweep of `measure_time(n, max_delay)` with ChaCha, on as many threads as the machine
    /// runs at once.
    #[must_use]
    pub fn new(n: usize, max_delay: MaxDelay) -> SweepOptions {
        SweepOptions {
            n,
            max_delay,
            kind: GeneratorKind::default(),
            threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
        }
    }

    /// The same sweep with generators of `kind`.
    #[must_use]
    pub fn kind(self, kind: GeneratorKind) -> SweepOptions {
        SweepOptions { kind, ..self }
    }

    /// The same sweep on `threads` threads.
    #[must_use]
    pub fn threads(self, threads: NonZeroUsize) -> SweepOptions {
        SweepOptions { threads, ..self }
    }
}

/// How many results a worker may run ahead of the one the caller is waiting for.
const AHEAD: usize = 256;

/// Runs [`measure`](crate::analysis::measure) for every seed, on the virtual clock, spread over the sweep's threads,
/// and hands each result to `each` in the order of `seeds`, as soon as it and every result
/// before it are ready. `each` can stop the sweep early with [`ControlFlow::Break`].
///
/// Returns the statistics of every result `each` took (returned [`ControlFlow::Continue`] for). Memory stays flat in the number
/// of seeds: each thread reuses one runtime and runs at most a few hundred seeds ahead, and
/// the statistics keep one count per distinct elapsed time. Every run starts on a whole
/// millisecond of its runtime, so each result equals [`measure_time`](crate::measure_time)
/// on a fresh runtime.
///
/// ```
/// use std::ops::ControlFlow;
/// use waitsim::analysis::{sweep, SweepOptions};
/// use waitsim::MaxDelay;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let mut seen = Vec::new();
/// let stats = sweep(0..200, &SweepOptions::new(20, MaxDelay::new(10.0)?), |result| {
///     seen.push(result.seed);
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!(seen, (0..200).collect::<Vec<_>>());
/// let summary = stats.summary().unwrap();
/// assert!((summary.mean - summary.theory_mean).abs() < 0.05);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// If `n` is `0` or above [`TaskCount::MAX`](crate::TaskCount::MAX) (before any seed runs), if a
/// runtime cannot be built or a run fails, or if a worker thread stops unexpectedly.
pub fn sweep<I>(
    seeds: I,
    options: &SweepOptions,
    mut each: impl FnMut(SeedResult) -> ControlFlow<()>,
) -> Result<Stats, Error>
where
    I: Iterator<Item = u64> + Clone + Send,
{
    let SweepOptions {
        n,
        max_delay,
        kind,
        threads,
    } = *options;
    check_measured_count(n)?;
    let mut stats = Stats::new(n, max_delay);
    let threads = threads.get();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..threads).map(|_| mpsc::sync_channel(AHEAD)).unzip();
        let workers: Vec<_> = senders
            .into_iter()
            .enumerate()
            .map(|(w, sender)| {
                let mine = seeds.clone().skip(w).step_by(threads);
                let stop = &stop;
                scope.spawn(move || -> Result<(), Error> {
                    let runtime = Clock::Virtual.runtime()?;
                    for seed in mine {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let m = runtime.block_on(measure_with(
                            &mut kind.generator(seed),
                            n,
                            max_delay,
                            &mut || {},
                            Runtime::OwnVirtual,
                        ))?;
                        let result = SeedResult {
                            seed,
                            elapsed: m.elapsed(),
                            measure_time: m.per_task(),
                        };
                        if sender.send(result).is_err() {
                            break;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        // Seed `i` of the sequence is the worker `i % threads`'s next result; a closed channel
        // means that worker has run out of seeds (or failed, which joining it tells).
        'results: for i in 0.. {
            let Ok(result) = receivers[i % threads].recv() else {
                break;
            };
            let elapsed = result.elapsed;
            if each(result).is_break() {
                break 'results;
            }
            stats.add(elapsed);
        }
        stop.store(true, Ordering::Relaxed);
        drop(receivers);
        for worker in workers {
            worker.join().map_err(|_| Error::worker())??;
        }
        Ok(stats)
    })
}

/// The statistics of `measure_time` over a sweep, built one result at a time and merged
/// across shards.
///
/// They keep a count for each distinct elapsed time (on the virtual clock, a whole number of
/// milliseconds up to `max_delay`), so they are exact, their memory does not grow with the
/// number of seeds beyond that, and the order results come in, or shards are merged in, makes
/// no difference to the [`Summary`].
///
/// ```
/// use std::time::Duration;
/// use waitsim::analysis::Stats;
/// use waitsim::MaxDelay;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let max_delay = MaxDelay::new(1.0)?;
/// let (mut a, mut b) = (Stats::new(2, max_delay), Stats::new(2, max_delay));
/// a.add(Duration::from_millis(800));
/// b.add(Duration::from_millis(600));
/// a.merge(&b)?;
/// let summary = a.summary().unwrap();
/// assert_eq!((summary.seeds, summary.min, summary.max), (2, 0.3, 0.4));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    n: usize,
    max_delay: MaxDelay,
    count: u64,
    /// How many results took each elapsed time, in nanoseconds.
    elapsed: BTreeMap<u64, u64>,
}

impl Stats {
    /// No results yet, for a sweep of `measure_time(n, max_delay)`.
    #[must_use]
    pub fn new(n: usize, max_delay: MaxDelay) -> Stats {
        Stats {
            n,
            max_delay,
            count: 0,
            elapsed: BTreeMap::new(),
        }
    }

    /// Counts one run that took `elapsed`.
    pub fn add(&mut self, elapsed: Duration) {
        // The longest supported wait is well within a u64 of nanoseconds.
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        *self.elapsed.entry(nanos).or_default() += 1;
        self.count += 1;
    }

    /// Adds the results of another shard of the same sweep.
    ///
    /// # Errors
    ///
    /// If `other` counts a sweep of another `n` or `max_delay`.
    pub fn merge(&mut self, other: &Stats) -> Result<(), Error> {
        if (other.n, other.max_delay) != (self.n, self.max_delay) {
            return Err(Error::mismatched_shards(
                format!("n {}, max_delay {}", self.n, self.max_delay),
                format!("n {}, max_delay {}", other.n, other.max_delay),
            ));
        }
        for (&nanos, &count) in &other.elapsed {
            *self.elapsed.entry(nanos).or_default() += count;
        }
        self.count += other.count;
        Ok(())
    }

    /// How many results have been counted.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether no result has been counted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Each distinct `measure_time`, ascending, with how many results gave it.
    pub fn histogram(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let n = self.n;
        self.elapsed
            .iter()
            .map(move |(&nanos, &count)| (per_task(Duration::from_nanos(nanos), n), count))
    }

    /// The summary next to the theory; `None` when nothing has been counted.
    ///
    /// The theory is exact for the timer's tick: a run lasts the largest of `n` uniform delays
    /// on `[0, M]`, made a `Duration` (to the nearest nanosecond, so a delay below half a
    /// nanosecond is no wait at all) and rounded up to a whole millisecond. Its expectation is
    /// summed tick by tick while `M` spans at most two million ticks; beyond, the continuous
    /// approximation `M n / (n + 1) + 1/2 tick` is off by at most `n / (6 T)` ticks, `T` being
    /// `M` in ticks.
    #[must_use]
    pub fn summary(&self) -> Option<Summary> {
        let count = self.count;
        if count == 0 {
            return None;
        }
        let (m, nf) = (self.max_delay.as_secs_f64(), self.n as f64);
        let total: u128 = self
            .elapsed
            .iter()
            .map(|(&nanos, &c)| u128::from(nanos) * u128::from(c))
            .sum();
        let mean = total as f64 / count as f64 / 1e9 / nf;
        let squares: f64 = self
            .histogram()
            .map(|(value, c)| c as f64 * (value - mean).powi(2))
            .sum();
        let variance = if count > 1 {
            squares / (count - 1) as f64
        } else {
            0.0
        };
        // The value of nearest rank `q` (from 0 to 1).
        let rank = |q: f64| {
            let wanted = ((q * count as f64).ceil() as u64).clamp(1, count);
            let mut seen = 0;
            self.histogram()
                .find(|&(_, c)| {
                    seen += c;
                    seen >= wanted
                })
                .map_or(0.0, |(value, _)| value)
        };
        let (min, max) = (rank(0.0), rank(1.0));
        let (theory_mean, theory_std_dev) = theory(m, self.n);
        Some(Summary {
            n: self.n,
            max_delay: self.max_delay,
            seeds: usize::try_from(count).unwrap_or(usize::MAX),
            mean,
            std_dev: variance.sqrt(),
            min,
            p50: rank(0.5),
            p99: rank(0.99),
            max,
            theory_mean,
            theory_std_dev,
        })
    }
}

/// The most ticks the theory sums over; beyond, it uses the continuous approximation.
const EXACT_TICKS: f64 = 2_000_000.0;

/// The theory's mean and standard deviation of `measure_time(n, m)` on the virtual clock.
///
/// The run lasts the largest of `n` uniform delays on `[0, m]`, made a `Duration` (rounded to
/// the nearest nanosecond) and rounded up to the timer's millisecond tick. It lasts more than
/// `k` ticks when the largest delay is at least `t_k = k ms + 0.5 ns`, which has probability
/// `1 - (t_k / m)^n`; so `E[ticks] = sum over k of P(ticks > k)` and `E[ticks^2] = sum of
/// (2k + 1) P(ticks > k)`, summed exactly while `m` spans at most two million ticks. Beyond
/// that the sums are the continuous `T n / (n + 1) + 1/2` and `T^2 n / ((n + 1)^2 (n + 2)) +
/// 1/12` for `T = m / 1 ms`, whose mean is off by at most `n / (6 T)` ticks (the
/// Euler-Maclaurin bound for the rounding of a density of variation `n / T`): below a
/// millionth of a tick per wait.
fn theory(m: f64, n: usize) -> (f64, f64) {
    let nf = n as f64;
    let tick = Clock::TICK.as_secs_f64();
    let ticks = m / tick;
    let (mean, square) = if ticks <= EXACT_TICKS {
        let (mut mean, mut square) = (0.0, 0.0);
        for k in 0.. {
            let threshold = k as f64 * tick + 0.5e-9;
            if threshold >= m {
                break;
            }
            let beyond = 1.0 - (threshold / m).powf(nf);
            mean += beyond;
            square += (2 * k + 1) as f64 * beyond;
        }
        (mean, square)
    } else {
        let mean = ticks * nf / (nf + 1.0) + 0.5;
        let variance = ticks * ticks * nf / ((nf + 1.0).powi(2) * (nf + 2.0)) + 1.0 / 12.0;
        (mean, variance + mean * mean)
    };
    let variance = (square - mean * mean).max(0.0);
    (mean * tick / nf, variance.sqrt() * tick / nf)
}

/// Statistics of `measure_time` over a sweep, next to the theory for uniform delays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The number of waits per run.
    pub n: usize,
    /// The upper bound of each delay.
    pub max_delay: MaxDelay,
    /// How many seeds were run.
    pub seeds: usize,
    /// The mean of `measure_time`.
    pub mean: f64,
    /// The sample standard deviation of `measure_time`.
    pub std_dev: f64,
    /// The smallest `measure_time`.
    pub min: f64,
    /// The median (nearest rank).
    pub p50: f64,
    /// The 99th percentile (nearest rank).
    pub p99: f64,
    /// The largest `measure_time`.
    pub max: f64,
    /// The theory's mean: the expected largest of `n` uniform draws on `[0, M]` (about
    /// `M n / (n + 1)`), rounded up to the timer's millisecond tick, over `n`; exact for the
    /// tick (see [`Stats::summary`]).
    pub theory_mean: f64,
    /// The theory's standard deviation, exact for the tick as the mean is (about
    /// `M sqrt(n / ((n + 1)^2 (n + 2))) / n` where `M` spans many ticks).
    pub theory_std_dev: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_refuses_a_bad_n_before_running() {
        for n in [0, crate::TaskCount::MAX + 1] {
            let mut ran = false;
            let options = SweepOptions::new(n, MaxDelay::DEFAULT);
            let err = sweep(1..3, &options, |_| {
                ran = true;
                ControlFlow::Continue(())
            })
            .unwrap_err();
            assert!(err.is_invalid_input(), "{err}");
            assert!(!ran);
        }
    }

    #[test]
    fn a_sweep_stops_when_asked() {
        let mut seen = 0;
        let stats = sweep(0..100_000, &SweepOptions::new(5, MaxDelay::DEFAULT), |_| {
            seen += 1;
            if seen == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        // The result `each` stopped at is not counted: it was not taken.
        assert_eq!((seen, stats.len()), (10, 9));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut stats = Stats::new(1, MaxDelay::DEFAULT);
        for i in (1..=100).rev() {
            stats.add(Duration::from_secs(i));
        }
        let summary = stats.summary().unwrap();
        assert_eq!(
            (summary.min, summary.p50, summary.p99, summary.max),
            (1.0, 50.0, 99.0, 100.0)
        );
        assert_eq!(summary.mean, 50.5);
        assert!(Stats::new(1, MaxDelay::DEFAULT).summary().is_none());
    }

    #[test]
    fn the_theory_is_exact_for_the_tick() {
        // One wait below a tick lasts one tick, unless it is below half a nanosecond (and so
        // no wait at all), which one draw in 800,000 is for a bound of 0.4 ms.
        let (mean, _) = theory(0.0004, 1);
        assert!(
            (mean - (1.0 - 0.5e-9 / 0.0004) * 0.001).abs() < 1e-15,
            "{mean}"
        );
        assert_eq!(theory(1e-10, 5), (0.0, 0.0));
        assert_eq!(theory(0.0, 3), (0.0, 0.0));
        // One wait of up to 1.5 ticks: one tick if under 1 ms (two thirds), else two.
        let (mean, _) = theory(0.0015, 1);
        assert!(
            (mean - (2.0 / 3.0 * 0.001 + 1.0 / 3.0 * 0.002)).abs() < 1e-9,
            "{mean}"
        );
        // Where the sum and the approximation meet, they agree.
        let exact = theory(1999.0, 10);
        let approx = theory(2001.0, 10);
        assert!((exact.0 / 1999.0 - approx.0 / 2001.0).abs() < 1e-9);
    }

    #[test]
    fn shards_of_another_sweep_do_not_merge() {
        let mut a = Stats::new(1, MaxDelay::DEFAULT);
        let err = a.merge(&Stats::new(2, MaxDelay::DEFAULT)).unwrap_err();
        assert!(err.is_invalid_input());
        assert!(err.to_string().contains("n 1, max_delay 10"), "{err}");
    }
}
