//! Seed sweeps: `measure_time` over many seeds, summarised next to the theory.

use std::fmt;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::measure::check_measured_count;
use crate::{Clock, Error, MaxDelay, Progress, RngKind, measure};

/// The `measure_time` of one seed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The generator's seed.
    pub seed: u64,
    /// The elapsed time of `wait_n`, in seconds, on the virtual clock.
    pub elapsed: f64,
    /// The elapsed time divided by `n`.
    pub measure_time: f64,
}

/// One shard of a seed range: the `k`-th of `of` (counting from 1).
///
/// Shard `k` holds the seeds at offsets `k - 1`, `k - 1 + of`, ... from the start of the
/// range, so shards are the same size to within one seed and together hold every seed once.
///
/// ```
/// use waitsim::Partition;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let shard: Partition = "2/3".parse()?;
/// assert_eq!(shard.seeds(10..20).collect::<Vec<_>>(), [11, 14, 17]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    k: u64,
    of: u64,
}

impl Partition {
    /// The whole range as one shard.
    pub const WHOLE: Partition = Partition { k: 1, of: 1 };

    /// The `k`-th of `of` shards.
    ///
    /// # Errors
    ///
    /// Unless `1 <= k <= of`.
    pub fn new(k: u64, of: u64) -> Result<Partition, Error> {
        if (1..=of).contains(&k) {
            Ok(Partition { k, of })
        } else {
            Err(Error::partition(format!("{k}/{of}")))
        }
    }

    /// The seeds of `range` in this shard, ascending.
    pub fn seeds(self, range: Range<u64>) -> impl Iterator<Item = u64> {
        let first = range.start.saturating_add(self.k - 1);
        let step = usize::try_from(self.of).unwrap_or(usize::MAX);
        (first..range.end.max(first)).step_by(step)
    }
}

impl FromStr for Partition {
    type Err = Error;

    fn from_str(s: &str) -> Result<Partition, Error> {
        let (k, of) = s.split_once('/').ok_or_else(|| Error::partition(s))?;
        match (k.parse(), of.parse()) {
            (Ok(k), Ok(of)) => Partition::new(k, of).map_err(|_| Error::partition(s)),
            _ => Err(Error::partition(s)),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.of)
    }
}

/// Parses a seed range `A..B` (from `A` up to, not including, `B`).
///
/// # Errors
///
/// If the text is not two integers around `..`, or `B < A`.
///
/// ```
/// assert_eq!(waitsim::parse_seed_range("0..10000")?, 0..10000);
/// # Ok::<(), waitsim::Error>(())
/// ```
pub fn parse_seed_range(s: &str) -> Result<Range<u64>, Error> {
    let (a, b) = s.split_once("..").ok_or_else(|| Error::seed_range(s))?;
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) if a <= b => Ok(a..b),
        _ => Err(Error::seed_range(s)),
    }
}

/// Runs [`measure`] for every seed, on the virtual clock, spread over `threads` threads, and
/// returns the results in the order of `seeds`.
///
/// Each thread reuses one virtual-clock runtime; every run starts on a whole millisecond of
/// it, so each result equals [`measure_time`](crate::measure_time) on a fresh runtime.
///
/// # Errors
///
/// If `n` is `0` or above [`MAX_TASKS`](crate::MAX_TASKS), or a runtime cannot be built.
pub fn sweep(
    seeds: &[u64],
    n: usize,
    max_delay: MaxDelay,
    rng: RngKind,
    threads: NonZeroUsize,
    progress: Option<&Progress>,
) -> Result<Vec<SeedResult>, Error> {
    check_measured_count(n)?;
    let threads = threads.get().min(seeds.len()).max(1);
    let chunk = seeds.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = seeds
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || -> Result<Vec<SeedResult>, Error> {
                    let runtime = Clock::Virtual.runtime()?;
                    let mut results = Vec::with_capacity(chunk.len());
                    for &seed in chunk {
                        let m = runtime.block_on(measure(&mut rng.seeded(seed), n, max_delay))?;
                        results.push(SeedResult {
                            seed,
                            elapsed: m.elapsed_secs(),
                            measure_time: m.per_task(),
                        });
                        if let Some(progress) = progress {
                            progress.finish_one();
                        }
                    }
                    Ok(results)
                })
            })
            .collect();
        let mut results = Vec::with_capacity(seeds.len());
        for worker in workers {
            results.extend(worker.join().map_err(|_| Error::worker())??);
        }
        Ok(results)
    })
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
    /// The theory's mean: `max_delay / (n + 1)` (the largest of `n` uniform draws on
    /// `[0, M]` has mean `M n / (n + 1)`), plus half a timer tick over `n` for the rounding
    /// up to a whole millisecond.
    pub theory_mean: f64,
    /// The theory's standard deviation: `M sqrt(n / ((n + 1)^2 (n + 2))) / n`.
    pub theory_std_dev: f64,
}

impl Summary {
    /// Summarises the results of a sweep. The order of `results` does not matter: shards
    /// merged in any order give the same summary as one run over the whole range.
    ///
    /// Returns `None` when there are no results.
    #[must_use]
    pub fn of(results: &[SeedResult], n: usize, max_delay: MaxDelay) -> Option<Summary> {
        let mut values: Vec<(u64, f64)> =
            results.iter().map(|r| (r.seed, r.measure_time)).collect();
        values.sort_by_key(|&(seed, _)| seed);
        let values: Vec<f64> = values.into_iter().map(|(_, value)| value).collect();
        let count = values.len();
        if count == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / count as f64;
        let variance = if count > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1) as f64
        } else {
            0.0
        };
        let mut sorted = values;
        sorted.sort_by(f64::total_cmp);
        let rank = |q: f64| sorted[((q * count as f64).ceil() as usize).clamp(1, count) - 1];
        let (m, nf) = (max_delay.as_secs_f64(), n as f64);
        let rounding = if m > 0.0 { 0.0005 / nf } else { 0.0 };
        Some(Summary {
            n,
            max_delay,
            seeds: count,
            mean,
            std_dev: variance.sqrt(),
            min: sorted[0],
            p50: rank(0.5),
            p99: rank(0.99),
            max: sorted[count - 1],
            theory_mean: m / (nf + 1.0) + rounding,
            theory_std_dev: m * (nf / ((nf + 1.0).powi(2) * (nf + 2.0))).sqrt() / nf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_once() {
        let range = 5..23;
        let mut all: Vec<u64> = (1..=4)
            .flat_map(|k| Partition::new(k, 4).unwrap().seeds(range.clone()))
            .collect();
        all.sort_unstable();
        assert_eq!(all, range.collect::<Vec<_>>());
        assert_eq!(Partition::new(7, 9).unwrap().seeds(0..3).count(), 0);
    }

    #[test]
    fn bad_partitions_and_ranges_are_refused() {
        for bad in ["0/3", "4/3", "1/0", "a/b", "3", "-1/2"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        for bad in ["5..2", "1-10", "..3", "a..b", "0..-1"] {
            assert!(parse_seed_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sweep_refuses_a_bad_n_before_running() {
        let one = NonZeroUsize::MIN;
        for n in [0, crate::MAX_TASKS + 1] {
            let err = sweep(&[1, 2], n, MaxDelay::DEFAULT, RngKind::ChaCha, one, None).unwrap_err();
            assert!(err.is_invalid_input(), "{err}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let results: Vec<SeedResult> = (1..=100)
            .map(|i| SeedResult {
                seed: i,
                elapsed: i as f64,
                measure_time: i as f64,
            })
            .collect();
        let summary = Summary::of(&results, 1, MaxDelay::DEFAULT).unwrap();
        assert_eq!(
            (summary.min, summary.p50, summary.p99, summary.max),
            (1.0, 50.0, 99.0, 100.0)
        );
        assert_eq!(summary.mean, 50.5);
        assert!(Summary::of(&[], 1, MaxDelay::DEFAULT).is_none());
    }
}
