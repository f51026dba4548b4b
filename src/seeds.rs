//! Seeds: ranges of them, and shards of a range.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::digits::parse_digits;
use crate::error::Error;

/// A range of seeds `A..B`: from `A` up to, not including, `B`.
///
/// ```
/// use waitsim::SeedRange;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let range: SeedRange = "10..20".parse()?;
/// assert_eq!(range.len(), 10);
/// assert_eq!(range.to_string(), "10..20");
/// assert!("20..10".parse::<SeedRange>().is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeedRange {
    start: u64,
    end: u64,
}

impl SeedRange {
    /// The seeds from `start` up to, not including, `end`.
    ///
    /// # Errors
    ///
    /// If `end < start`.
    pub fn new(start: u64, end: u64) -> Result<SeedRange, Error> {
        if start <= end {
            Ok(SeedRange { start, end })
        } else {
            Err(Error::seed_range(format!("{start}..{end}")))
        }
    }

    /// The first seed.
    #[must_use]
    pub fn start(self) -> u64 {
        self.start
    }

    /// One past the last seed.
    #[must_use]
    pub fn end(self) -> u64 {
        self.end
    }

    /// How many seeds the range holds.
    #[must_use]
    pub fn len(self) -> u64 {
        self.end - self.start
    }

    /// Whether the range holds no seed.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The seeds, ascending.
    #[must_use]
    pub fn range(self) -> Range<u64> {
        self.start..self.end
    }
}

impl FromStr for SeedRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<SeedRange, Error> {
        let (a, b) = s.split_once("..").ok_or_else(|| Error::seed_range(s))?;
        match (parse_digits::<u64>(a), parse_digits::<u64>(b)) {
            (Some(a), Some(b)) => SeedRange::new(a, b).map_err(|_| Error::seed_range(s)),
            _ => Err(Error::seed_range(s)),
        }
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// One shard of a seed range: the `k`-th of `of` (counting from 1).
///
/// Shard `k` holds the seeds at offsets `k - 1`, `k - 1 + of`, ... from the start of the
/// range, so shards are the same size to within one seed and together hold every seed once.
/// The command line's `sweep --partition K/N` and the harness's `WAITSIM_SHARD=K/N` both
/// follow this rule.
///
/// ```
/// use waitsim::{Partition, SeedRange};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let shard: Partition = "2/3".parse()?;
/// assert_eq!(shard.seeds(SeedRange::new(10, 20)?).collect::<Vec<_>>(), [11, 14, 17]);
/// assert_eq!(shard.len(SeedRange::new(10, 20)?), 3);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    pub fn seeds(self, range: SeedRange) -> impl Iterator<Item = u64> + Clone + Send {
        let first = range.start.saturating_add(self.k - 1);
        let step = usize::try_from(self.of).unwrap_or(usize::MAX);
        (first..range.end.max(first)).step_by(step)
    }

    /// Whether `seed` is this shard's by the rule of `seeds` over a range starting at `start`:
    /// its distance from `start` is `k - 1` more than a multiple of the shard count. Every
    /// seed, in the range or not, is in exactly one shard.
    pub(crate) fn holds(self, start: u64, seed: u64) -> bool {
        seed % self.of == start.wrapping_add(self.k - 1) % self.of
    }

    /// How many seeds of `range` this shard holds.
    #[must_use]
    pub fn len(self, range: SeedRange) -> u64 {
        range.len().saturating_sub(self.k - 1).div_ceil(self.of)
    }
}

impl FromStr for Partition {
    type Err = Error;

    fn from_str(s: &str) -> Result<Partition, Error> {
        let (k, of) = s.split_once('/').ok_or_else(|| Error::partition(s))?;
        match (parse_digits::<u64>(k), parse_digits::<u64>(of)) {
            (Some(k), Some(of)) => Partition::new(k, of).map_err(|_| Error::partition(s)),
            _ => Err(Error::partition(s)),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_once() {
        let range = SeedRange::new(5, 23).unwrap();
        let mut all: Vec<u64> = (1..=4)
            .flat_map(|k| Partition::new(k, 4).unwrap().seeds(range))
            .collect();
        all.sort_unstable();
        assert_eq!(all, range.range().collect::<Vec<_>>());
        let tiny = SeedRange::new(0, 3).unwrap();
        assert_eq!(Partition::new(7, 9).unwrap().seeds(tiny).count(), 0);
    }

    #[test]
    fn a_shard_counts_its_seeds() {
        for (start, end) in [(0, 0), (0, 1), (5, 23), (0, 100), (u64::MAX - 5, u64::MAX)] {
            let range = SeedRange::new(start, end).unwrap();
            for of in 1..=7 {
                for k in 1..=of {
                    let shard = Partition::new(k, of).unwrap();
                    assert_eq!(
                        shard.len(range),
                        shard.seeds(range).count() as u64,
                        "{range} {shard}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_partitions_and_ranges_are_refused_as_invalid_input() {
        for bad in ["0/3", "4/3", "1/0", "a/b", "3", "-1/2", "+1/2", " 1/2"] {
            let err = bad.parse::<Partition>().unwrap_err();
            assert!(err.is_invalid_input(), "{bad}");
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
        for bad in [
            "5..2",
            "1-10",
            "..3",
            "a..b",
            "0..-1",
            "+0..3",
            "0..18446744073709551616",
        ] {
            let err = bad.parse::<SeedRange>().unwrap_err();
            assert!(err.is_invalid_input(), "{bad}");
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }
}
