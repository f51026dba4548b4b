//! The harness's settings from the environment, read once per test process.

use std::sync::OnceLock;
use std::time::Duration;

use crate::digits::parse_digits;
use crate::error::Error;
use crate::rng::GeneratorKind;
use crate::seeds::{Partition, SeedRange};

/// How many seeds a test runs when the environment does not say.
pub const DEFAULT_CASES: u64 = 256;

/// The seeds a harness runs: one to replay, or a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Seeds {
    One(u64),
    Range(SeedRange),
}

/// How much shrinking may cost: runs of the body, and real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Budget {
    pub(super) runs: u64,
    pub(super) time: Duration,
}

impl Budget {
    /// The default: 4096 runs, or 60 seconds.
    pub(super) const DEFAULT: Budget = Budget {
        runs: 4096,
        time: Duration::from_secs(60),
    };
}

/// The harness's settings from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Settings {
    pub(super) seeds: Seeds,
    /// Whether the range's start was drawn at random (`WAITSIM_SEEDS=random:N`).
    pub(super) random: bool,
    pub(super) kind: GeneratorKind,
    pub(super) shard: Partition,
    pub(super) check_determinism: bool,
    pub(super) shrink: Budget,
    pub(super) show_coverage: bool,
}

/// Reads one variable with `parse`, naming it and what it expects when the value is malformed.
fn read_var<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    expected: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, Error> {
    var(name)
        .map(|v| parse(&v).ok_or_else(|| Error::env(name, &v, expected)))
        .transpose()
}

/// A start for `WAITSIM_SEEDS=random:N`, from the operating system's randomness (which the
/// standard library's `RandomState` is seeded with).
fn random_start() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// `n` seeds from `start`, moved down where they would pass `u64::MAX`.
fn random_range(n: u64, start: u64) -> Option<SeedRange> {
    let start = start.min(u64::MAX - n);
    SeedRange::new(start, start + n).ok()
}

/// An on/off switch: `1` or `0` (or empty, off).
fn switch(v: &str) -> Option<bool> {
    match v {
        "" | "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// The seeds the variables ask for (`WAITSIM_SEED`, `WAITSIM_SEEDS`, `WAITSIM_CASES`), and
/// whether the range's start was drawn at random.
fn read_seeds(var: &impl Fn(&str) -> Option<String>) -> Result<(Seeds, bool), Error> {
    let seed = read_var(
        var,
        "WAITSIM_SEED",
        &format!("a seed in [0, {}]", u64::MAX),
        parse_digits::<u64>,
    )?;
    let range = read_var(
        var,
        "WAITSIM_SEEDS",
        "a range of seeds A..B with A <= B, or `random:N` for N seeds from a random start",
        |v| match v.strip_prefix("random:") {
            Some(n) => parse_digits::<u64>(n)
                .filter(|&n| n > 0)
                .and_then(|n| random_range(n, random_start())),
            None => v.parse::<SeedRange>().ok(),
        },
    )?;
    let random = var("WAITSIM_SEEDS").is_some_and(|v| v.starts_with("random:"));
    let cases = read_var(
        var,
        "WAITSIM_CASES",
        "a whole number of seeds, at least 1",
        |v| parse_digits::<u64>(v).filter(|&cases| cases > 0),
    )?;
    let seeds = match (seed, range, cases) {
        (Some(seed), _, _) => Seeds::One(seed),
        (None, Some(_), Some(cases)) => {
            return Err(Error::env(
                "WAITSIM_CASES",
                &cases.to_string(),
                "no WAITSIM_CASES beside WAITSIM_SEEDS, which already says which seeds",
            ));
        }
        (None, Some(range), None) => Seeds::Range(range),
        (None, None, cases) => Seeds::Range(SeedRange::new(0, cases.unwrap_or(DEFAULT_CASES))?),
    };
    Ok((seeds, random && matches!(seeds, Seeds::Range(_))))
}

/// Shrinking's budget as the variables set it (`WAITSIM_SHRINK_RUNS`, `WAITSIM_SHRINK_SECS`).
fn read_budget(var: &impl Fn(&str) -> Option<String>) -> Result<Budget, Error> {
    let runs = read_var(
        var,
        "WAITSIM_SHRINK_RUNS",
        "a whole number of runs (0: no shrinking)",
        parse_digits::<u64>,
    )?
    .unwrap_or(Budget::DEFAULT.runs);
    let time = read_var(
        var,
        "WAITSIM_SHRINK_SECS",
        "a whole number of seconds of real time",
        parse_digits::<u64>,
    )?
    .map_or(Budget::DEFAULT.time, Duration::from_secs);
    Ok(Budget { runs, time })
}

impl Settings {
    /// Reads the settings from `var`, which looks a variable up.
    pub(super) fn read(var: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let (seeds, random) = read_seeds(&var)?;
        let kind = read_var(&var, "WAITSIM_RNG", "`chacha` or `cpython`", |v| {
            v.parse::<GeneratorKind>().ok()
        })?
        .unwrap_or_default();
        let shard = read_var(
            &var,
            "WAITSIM_SHARD",
            "K/N with whole numbers 1 <= K <= N",
            |v| v.parse::<Partition>().ok(),
        )?
        .unwrap_or(Partition::WHOLE);
        let check_determinism = read_var(
            &var,
            "WAITSIM_CHECK_DETERMINISM",
            "`1` (on) or `0` (off)",
            switch,
        )?
        .unwrap_or(false);
        let shrink = read_budget(&var)?;
        let show_coverage = read_var(
            &var,
            "WAITSIM_SHOW_COVERAGE",
            "`1` (on) or `0` (off)",
            switch,
        )?
        .unwrap_or(false);
        Ok(Settings {
            seeds,
            random,
            kind,
            shard,
            check_determinism,
            shrink,
            show_coverage,
        })
    }

    /// The settings of this process, read once.
    pub(super) fn from_env() -> Result<Settings, String> {
        static SETTINGS: OnceLock<Result<Settings, String>> = OnceLock::new();
        SETTINGS
            .get_or_init(|| {
                Settings::read(|name| std::env::var(name).ok()).map_err(|err| err.to_string())
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Settings, Error> {
        Settings::read(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    #[test]
    fn the_defaults_are_the_first_256_seeds_of_chacha() {
        let settings = read(&[]).unwrap();
        assert_eq!(
            settings.seeds,
            Seeds::Range(SeedRange::new(0, 256).unwrap())
        );
        assert_eq!(
            (settings.kind, settings.shard, settings.check_determinism),
            (GeneratorKind::ChaCha, Partition::WHOLE, false)
        );
        assert_eq!(settings.shrink, Budget::DEFAULT);
        assert!(!settings.show_coverage);
    }

    #[test]
    fn each_variable_is_read() {
        let settings = read(&[
            ("WAITSIM_SEEDS", "10..20"),
            ("WAITSIM_RNG", "cpython"),
            ("WAITSIM_SHARD", "2/3"),
            ("WAITSIM_CHECK_DETERMINISM", "1"),
            ("WAITSIM_SHRINK_RUNS", "0"),
            ("WAITSIM_SHRINK_SECS", "5"),
            ("WAITSIM_SHOW_COVERAGE", "1"),
        ])
        .unwrap();
        assert_eq!(
            settings.seeds,
            Seeds::Range(SeedRange::new(10, 20).unwrap())
        );
        assert_eq!(
            (settings.kind, settings.shard, settings.check_determinism),
            (GeneratorKind::Cpython, Partition::new(2, 3).unwrap(), true)
        );
        assert_eq!(
            settings.shrink,
            Budget {
                runs: 0,
                time: Duration::from_secs(5)
            }
        );
        assert!(settings.show_coverage);
        assert_eq!(
            read(&[("WAITSIM_CASES", "5")]).unwrap().seeds,
            Seeds::Range(SeedRange::new(0, 5).unwrap())
        );
        assert_eq!(
            read(&[("WAITSIM_SEED", "77"), ("WAITSIM_CASES", "5")])
                .unwrap()
                .seeds,
            Seeds::One(77)
        );
        assert!(
            !read(&[("WAITSIM_CHECK_DETERMINISM", "")])
                .unwrap()
                .check_determinism
        );
    }

    #[test]
    fn random_seeds_are_n_seeds_from_a_start_that_varies() {
        let one = read(&[("WAITSIM_SEEDS", "random:50")]).unwrap();
        let Seeds::Range(range) = one.seeds else {
            panic!("{one:?}")
        };
        assert_eq!(range.len(), 50);
        assert!(one.random);
        let starts: std::collections::BTreeSet<_> = (0..8)
            .map(
                |_| match read(&[("WAITSIM_SEEDS", "random:50")]).unwrap().seeds {
                    Seeds::Range(range) => range.start(),
                    Seeds::One(seed) => seed,
                },
            )
            .collect();
        assert!(starts.len() > 1, "{starts:?}");
        assert_eq!(random_range(10, u64::MAX).unwrap().end(), u64::MAX);
        assert!(!read(&[]).unwrap().random);
        // A replay is one seed, not random.
        let replay = read(&[("WAITSIM_SEEDS", "random:50"), ("WAITSIM_SEED", "3")]).unwrap();
        assert_eq!((replay.seeds, replay.random), (Seeds::One(3), false));
    }

    #[test]
    fn a_malformed_variable_is_an_error_naming_it() {
        for (name, value) in [
            ("WAITSIM_SEED", "-1"),
            ("WAITSIM_SEED", "seven"),
            ("WAITSIM_SEEDS", "20..10"),
            ("WAITSIM_CASES", "0"),
            ("WAITSIM_CASES", "many"),
            ("WAITSIM_RNG", "mt"),
            ("WAITSIM_SHARD", "4/3"),
            ("WAITSIM_CHECK_DETERMINISM", "yes"),
            ("WAITSIM_SHRINK_RUNS", "-3"),
            ("WAITSIM_SHRINK_SECS", "1.5"),
            ("WAITSIM_SHOW_COVERAGE", "on"),
        ] {
            let err = read(&[(name, value)]).unwrap_err();
            assert!(err.is_invalid_input());
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid {name} `{value}`: expected")),
                "{err}"
            );
        }
        for value in ["random:0", "random:", "random:x"] {
            assert!(read(&[("WAITSIM_SEEDS", value)]).is_err(), "{value}");
        }
        let both = read(&[("WAITSIM_SEEDS", "0..5"), ("WAITSIM_CASES", "5")]).unwrap_err();
        assert!(both.to_string().contains("WAITSIM_CASES"), "{both}");
    }
}
