//! The seed loop for your own tests: run a test body once per seed, each on a fresh
//! virtual-clock runtime with a seeded generator; replay one seed from the environment; keep
//! failing seeds in a regressions file; check that a body is deterministic.
//!
//! ```
//! use waitsim::harness::{self, Sim};
//! use waitsim::{wait_n, MaxDelay};
//!
//! // In a `#[test]`:
//! harness::run(async |mut sim: Sim| {
//!     let delays = wait_n(&mut sim.rng, 5, MaxDelay::new(2.0)?).await?;
//!     assert!(delays.is_sorted());
//!     Ok::<_, waitsim::Error>(delays)
//! });
//! ```
//!
//! # The environment
//!
//! Read once per test process; a malformed value fails the test with a message naming the
//! variable, never a silent default.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WAITSIM_SEED=S` | run exactly seed `S` (the replay) | |
//! | `WAITSIM_SEEDS=A..B` | run seeds `A` up to, not including, `B` | `0..256` |
//! | `WAITSIM_CASES=N` | run seeds `0..N` | 256 |
//! | `WAITSIM_RNG=chacha\|cpython` | the generator | `chacha` |
//! | `WAITSIM_SHARD=K/N` | run only the K-th of N shards of the seeds (the rule of `sweep --partition`) | `1/1` |
//! | `WAITSIM_CHECK_DETERMINISM=1` | run each seed twice and compare the results | off |
//!
//! # Failures, replays and the regressions file
//!
//! The loop stops at the first seed whose body panics or returns an `Err`, and fails the test
//! with a report naming the test, the seed, the generator and the shard, and the command that
//! replays it: `WAITSIM_SEED=… cargo test <name> -- --exact`. The seed is also appended to
//! `waitsim-regressions.txt` at the root of the crate under test (the folder cargo runs the
//! tests in), and every later run of that test tries the recorded seeds first. Commit the
//! file, as you would `proptest-regressions/`.
//!
//! # What stays deterministic
//!
//! Each seed runs on a new current-thread runtime with tokio's paused clock. On it, time moves
//! only when every task is waiting, straight to the next timer; spawned tasks run in the order
//! they were woken; and the generator is the only source of randomness the harness hands out.
//! So a body that draws only from `sim.rng` and waits only with `tokio::time` gives the same
//! result every run. What does not stay deterministic: `tokio::select!` picks among ready
//! branches at random (unless written `biased;`), `std::time` and `thread_rng` read the world,
//! threads and `spawn_blocking` run when the operating system says. The determinism check
//! (`WAITSIM_CHECK_DETERMINISM=1`, or [`Harness::check_determinism`]) runs each seed twice and
//! fails on the first byte where the two results, serialized as JSON, differ.

use std::fmt;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;

use crate::panic::{inside_runtime, message as panic_message};
use crate::seeds::parse_u64;
use crate::{Clock, Error, Generator, Partition, RngKind, SeedRange};

/// How many seeds a test runs when the environment does not say.
pub const DEFAULT_CASES: u64 = 256;

/// The file, at the root of the crate under test, that keeps the seeds that failed.
pub const REGRESSIONS_FILE: &str = "waitsim-regressions.txt";

/// The longest virtual time one body may take before it counts as hung.
const VIRTUAL_LIMIT: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// What a test body gets for one seed.
#[derive(Debug)]
#[non_exhaustive]
pub struct Sim {
    /// The seed.
    pub seed: u64,
    /// The generator's kind.
    pub kind: RngKind,
    /// A generator of that kind, seeded with the seed.
    pub rng: Generator,
}

/// The seeds a harness runs: one to replay, or a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seeds {
    One(u64),
    Range(SeedRange),
}

/// The harness's settings from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settings {
    seeds: Seeds,
    kind: RngKind,
    shard: Partition,
    check_determinism: bool,
}

impl Settings {
    /// Reads the settings from `var`, which looks a variable up.
    fn read(var: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let seed = var("WAITSIM_SEED")
            .map(|v| {
                parse_u64(&v).ok_or_else(|| {
                    Error::env(
                        "WAITSIM_SEED",
                        &v,
                        format_args!("a seed in [0, {}]", u64::MAX),
                    )
                })
            })
            .transpose()?;
        let range = var("WAITSIM_SEEDS")
            .map(|v| {
                v.parse::<SeedRange>().map_err(|_| {
                    Error::env("WAITSIM_SEEDS", &v, "a range of seeds A..B with A <= B")
                })
            })
            .transpose()?;
        let cases = var("WAITSIM_CASES")
            .map(|v| match parse_u64(&v) {
                Some(cases) if cases > 0 => Ok(cases),
                _ => Err(Error::env(
                    "WAITSIM_CASES",
                    &v,
                    "a whole number of seeds, at least 1",
                )),
            })
            .transpose()?;
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
        let rng = var("WAITSIM_RNG")
            .map(|v| {
                v.parse::<RngKind>()
                    .map_err(|_| Error::env("WAITSIM_RNG", &v, "`chacha` or `cpython`"))
            })
            .transpose()?
            .unwrap_or_default();
        let shard = var("WAITSIM_SHARD")
            .map(|v| {
                v.parse::<Partition>().map_err(|_| {
                    Error::env("WAITSIM_SHARD", &v, "K/N with whole numbers 1 <= K <= N")
                })
            })
            .transpose()?
            .unwrap_or(Partition::WHOLE);
        let check_determinism = match var("WAITSIM_CHECK_DETERMINISM").as_deref() {
            None | Some("" | "0") => false,
            Some("1") => true,
            Some(other) => {
                return Err(Error::env(
                    "WAITSIM_CHECK_DETERMINISM",
                    other,
                    "`1` (on) or `0` (off)",
                ));
            }
        };
        Ok(Settings {
            seeds,
            kind: rng,
            shard,
            check_determinism,
        })
    }

    /// The settings of this process, read once.
    fn from_env() -> Result<Settings, String> {
        static SETTINGS: OnceLock<Result<Settings, String>> = OnceLock::new();
        SETTINGS
            .get_or_init(|| {
                Settings::read(|name| std::env::var(name).ok()).map_err(|err| err.to_string())
            })
            .clone()
    }
}

/// A failed run of a harness: the test, the seed, the generator and the shard, what went
/// wrong, and how to replay it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The test's name, as `cargo test` knows it.
    pub test: String,
    /// The seed that failed, if a seed ran at all (a malformed environment fails before).
    pub seed: Option<u64>,
    /// The generator's kind.
    pub kind: RngKind,
    /// The shard that ran.
    pub shard: Partition,
    /// What went wrong.
    pub message: String,
    /// Where the seed was recorded, if it was.
    pub recorded: Option<PathBuf>,
    /// Whether the determinism check was on by the environment (`WAITSIM_CHECK_DETERMINISM`),
    /// so that the replay turns it on too.
    pub determinism_from_env: bool,
}

impl Failure {
    /// The shell command that runs the failing seed again, alone.
    #[must_use]
    pub fn replay(&self) -> Option<String> {
        let seed = self.seed?;
        let kind = if self.kind == RngKind::default() {
            String::new()
        } else {
            format!("WAITSIM_RNG={} ", self.kind)
        };
        let determinism = if self.determinism_from_env {
            "WAITSIM_CHECK_DETERMINISM=1 "
        } else {
            ""
        };
        Some(format!(
            "WAITSIM_SEED={seed} {kind}{determinism}cargo test {} -- --exact",
            self.test
        ))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seed {
            Some(seed) => writeln!(
                f,
                "waitsim: test `{}` failed at seed {seed} (generator {}, shard {})",
                self.test, self.kind, self.shard
            )?,
            None => writeln!(f, "waitsim: test `{}` could not run", self.test)?,
        }
        writeln!(f, "{}", self.message)?;
        if let Some(replay) = self.replay() {
            writeln!(f, "replay it with: {replay}")?;
        }
        if let Some(path) = &self.recorded {
            writeln!(
                f,
                "recorded in {} (commit it: later runs try this seed first)",
                path.display()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// What a test body may return: nothing, or a result whose value the determinism check
/// compares.
pub trait Outcome {
    /// The value serialized as JSON, or the body's error as text.
    ///
    /// # Errors
    ///
    /// The body's error, as text.
    fn into_outcome(self) -> Result<Vec<u8>, String>;
}

impl Outcome for () {
    fn into_outcome(self) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

impl<T: Serialize, E: fmt::Display> Outcome for Result<T, E> {
    fn into_outcome(self) -> Result<Vec<u8>, String> {
        let value = self.map_err(|err| err.to_string())?;
        serde_json::to_vec(&value).map_err(|err| format!("the result cannot be serialized: {err}"))
    }
}

/// A seed loop, set up from the environment, with the options a test may add.
///
/// ```
/// use waitsim::harness::{Harness, Sim};
/// use waitsim::{wait_random, MaxDelay};
///
/// Harness::new()
///     .name("waits_are_in_range")
///     .check_determinism(true)
///     .run(async |mut sim: Sim| {
///         let delay = wait_random(&mut sim.rng, MaxDelay::DEFAULT).await;
///         if (0.0..=10.0).contains(&delay) { Ok(delay) } else { Err(format!("{delay}")) }
///     });
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Harness {
    name: Option<String>,
    /// The determinism check, if the test sets it: it wins over the environment.
    check_determinism: Option<bool>,
    /// Where failing seeds are kept: the crate's regressions file unless said otherwise.
    regressions: Option<Option<PathBuf>>,
    /// The seeds, if the test sets them: they win over the environment.
    seeds: Option<SeedRange>,
    /// The generator's kind, if the test sets it: it wins over the environment.
    kind: Option<RngKind>,
}

impl Harness {
    /// A harness named after the running test (the name `cargo test` gives its thread).
    pub fn new() -> Harness {
        Harness::default()
    }

    /// Names the test in reports, replay commands and the regressions file, where the
    /// thread's name is not the test's (a test that runs the harness on a thread of its own).
    pub fn name(self, name: &str) -> Harness {
        Harness {
            name: Some(name.to_string()),
            ..self
        }
    }

    /// Keeps failing seeds in the file at `path` instead of the crate's
    /// [`REGRESSIONS_FILE`], and tries the seeds recorded there first.
    pub fn regressions_file(self, path: impl Into<PathBuf>) -> Harness {
        Harness {
            regressions: Some(Some(path.into())),
            ..self
        }
    }

    /// Neither reads nor writes a regressions file: for a test that expects its body to fail.
    pub fn without_regressions_file(self) -> Harness {
        Harness {
            regressions: Some(None),
            ..self
        }
    }

    /// Runs each seed twice and fails unless both runs return the same bytes (`true`), or
    /// never does (`false`), whatever `WAITSIM_CHECK_DETERMINISM` says.
    pub fn check_determinism(self, on: bool) -> Harness {
        Harness {
            check_determinism: Some(on),
            ..self
        }
    }

    /// Runs exactly `seeds`, whatever `WAITSIM_SEED`, `WAITSIM_SEEDS`, `WAITSIM_CASES` and
    /// `WAITSIM_SHARD` say: for a test whose assertions depend on which seeds run.
    pub fn seeds(self, seeds: SeedRange) -> Harness {
        Harness {
            seeds: Some(seeds),
            ..self
        }
    }

    /// Uses generators of `kind`, whatever `WAITSIM_RNG` says.
    pub fn kind(self, kind: RngKind) -> Harness {
        Harness {
            kind: Some(kind),
            ..self
        }
    }

    /// Runs `body` once per seed, each on a fresh virtual-clock runtime, and panics with the
    /// [`Failure`] report at the first seed that fails: the way to use it in a `#[test]`.
    ///
    /// # Panics
    ///
    /// When a seed fails, or the environment is malformed.
    pub fn run<B, R>(self, body: B)
    where
        B: AsyncFn(Sim) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_run(body) {
            panic!("{failure}");
        }
    }

    /// Runs `body` once per seed like [`Harness::run`], and returns the failure instead of
    /// panicking.
    ///
    /// # Errors
    ///
    /// The first seed that fails, or a malformed environment.
    pub fn try_run<B, R>(self, body: B) -> Result<u64, Failure>
    where
        B: AsyncFn(Sim) -> R,
        R: Outcome,
    {
        self.drive(|seed, kind| {
            let runtime = Clock::Virtual.runtime().map_err(|err| err.to_string())?;
            let sim = Sim {
                seed,
                kind,
                rng: kind.generator(seed),
            };
            runtime
                .block_on(async { tokio::time::timeout(VIRTUAL_LIMIT, body(sim)).await })
                .map_err(|_| "the body did not finish within 30 virtual years: it waits on something that never comes".to_string())?
                .into_outcome()
        })
    }

    /// Runs a blocking `body` once per seed, with the seed and the generator's kind: for
    /// checks that build their own runtimes, such as the [`laws`](crate::laws). Panics with
    /// the [`Failure`] report at the first seed that fails.
    ///
    /// ```
    /// use waitsim::harness::Harness;
    /// use waitsim::laws::{self, Input};
    ///
    /// Harness::new().each_seed(|seed, kind| laws::wait_n(waitsim::wait_n, kind, Input::from_seed(seed)));
    /// ```
    ///
    /// # Panics
    ///
    /// When a seed fails, or the environment is malformed.
    pub fn each_seed<B, R>(self, body: B)
    where
        B: Fn(u64, RngKind) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_each_seed(body) {
            panic!("{failure}");
        }
    }

    /// [`Harness::each_seed`], returning the failure instead of panicking.
    ///
    /// # Errors
    ///
    /// The first seed that fails, or a malformed environment.
    pub fn try_each_seed<B, R>(self, body: B) -> Result<u64, Failure>
    where
        B: Fn(u64, RngKind) -> R,
        R: Outcome,
    {
        self.drive(|seed, kind| body(seed, kind).into_outcome())
    }

    /// The loop: the recorded seeds first, then this shard's; each seed once, or twice for the
    /// determinism check; stop at the first failure, record it and report it. Returns how many
    /// seeds ran.
    fn drive(self, once: impl Fn(u64, RngKind) -> Result<Vec<u8>, String>) -> Result<u64, Failure> {
        let test = self.name.clone().unwrap_or_else(test_name);
        let cannot_run = |message| Failure {
            test: test.clone(),
            seed: None,
            kind: self.kind.unwrap_or_default(),
            shard: Partition::WHOLE,
            message,
            recorded: None,
            determinism_from_env: false,
        };
        if let Some(message) = inside_runtime("the waitsim harness") {
            return Err(cannot_run(message));
        }
        let mut settings = Settings::from_env().map_err(cannot_run)?;
        let determinism_from_env = self.check_determinism.is_none() && settings.check_determinism;
        if let Some(range) = self.seeds {
            settings.seeds = Seeds::Range(range);
            settings.shard = Partition::WHOLE;
        }
        settings.kind = self.kind.unwrap_or(settings.kind);
        let check_determinism = self.check_determinism.unwrap_or(settings.check_determinism);
        let regressions = self.regressions.clone().unwrap_or_else(regressions_path);
        // A replay runs its one seed; a loop runs the recorded seeds first, then its shard's.
        let recorded = match (settings.seeds, &regressions) {
            (Seeds::Range(_), Some(path)) => recorded_seeds(path, &test, settings.kind),
            _ => Vec::new(),
        };
        let fresh: Box<dyn Iterator<Item = u64>> = match settings.seeds {
            Seeds::One(seed) => Box::new(std::iter::once(seed)),
            Seeds::Range(range) => {
                let recorded = recorded.clone();
                Box::new(
                    settings
                        .shard
                        .seeds(range)
                        .filter(move |s| !recorded.contains(s)),
                )
            }
        };
        let mut ran = 0;
        for seed in recorded.iter().copied().chain(fresh) {
            let outcome = run_seed(&once, seed, settings.kind, check_determinism);
            ran += 1;
            if let Err(message) = outcome {
                let recorded_in = match (&regressions, settings.seeds, recorded.contains(&seed)) {
                    (Some(path), Seeds::Range(_), false) => {
                        record(path, &test, settings.kind, seed, &message).then(|| path.clone())
                    }
                    (Some(path), _, true) => Some(path.clone()),
                    _ => None,
                };
                return Err(Failure {
                    test,
                    seed: Some(seed),
                    kind: settings.kind,
                    shard: settings.shard,
                    message,
                    recorded: recorded_in,
                    determinism_from_env,
                });
            }
        }
        Ok(ran)
    }
}

/// Runs one seed (twice, comparing, for the determinism check), turning a panic into a
/// message.
fn run_seed(
    once: &impl Fn(u64, RngKind) -> Result<Vec<u8>, String>,
    seed: u64,
    kind: RngKind,
    twice: bool,
) -> Result<(), String> {
    let attempt = || {
        catch_unwind(AssertUnwindSafe(|| once(seed, kind)))
            .unwrap_or_else(|panic| Err(format!("the body panicked: {}", panic_message(&*panic))))
    };
    let first = attempt()?;
    if twice {
        let second = attempt()?;
        if let Some(at) = first
            .iter()
            .zip(&second)
            .position(|(a, b)| a != b)
            .or_else(|| (first.len() != second.len()).then(|| first.len().min(second.len())))
        {
            return Err(format!(
                "not deterministic: two runs of the same seed returned different results, first \
                 differing at byte {at}: `{}` against `{}`",
                excerpt(&first, at),
                excerpt(&second, at)
            ));
        }
    }
    Ok(())
}

/// Up to 40 bytes of JSON around `at`, as text.
fn excerpt(json: &[u8], at: usize) -> String {
    let start = at.saturating_sub(20);
    let end = (at + 20).min(json.len());
    String::from_utf8_lossy(json.get(start..end).unwrap_or_default()).into_owned()
}

/// The running test's name: libtest names each test's thread after it.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("this_test")
        .to_string()
}

/// The regressions file of the crate under test, if cargo says where that is.
fn regressions_path() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(|dir| PathBuf::from(dir).join(REGRESSIONS_FILE))
}

/// The seeds recorded for `test` with generators of `kind`, in the order they were recorded.
fn recorded_seeds(path: &std::path::Path, test: &str, kind: RngKind) -> Vec<u64> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut seeds = Vec::new();
    // A comment's first word starts with `#`, which no test's name does, and a blank line has
    // no words: neither names a test.
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(recorded), Some(seed)) = (words.next(), words.next(), words.next())
            && name == test
            && recorded == kind.to_string()
            && let Some(seed) = parse_u64(seed)
            && !seeds.contains(&seed)
        {
            seeds.push(seed);
        }
    }
    seeds
}

/// Appends a failing seed to the regressions file; whether it was written.
fn record(path: &std::path::Path, test: &str, kind: RngKind, seed: u64, message: &str) -> bool {
    let new = !path.exists();
    let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return false;
    };
    let mut text = String::new();
    if new {
        text.push_str(
            "# Seeds that failed a waitsim harness test, tried first by every later run of it.\n\
             # Commit this file. Each line: test name, generator, seed, and what failed.\n",
        );
    }
    let first_line = message.lines().next().unwrap_or_default();
    text.push_str(&format!("{test} {kind} {seed} # {first_line}\n"));
    // One write, so that tests appending at once do not interleave their lines.
    file.write_all(text.as_bytes()).is_ok()
}

/// Runs `body` over the seeds the environment gives, with a new [`Harness`]: see the module
/// docs.
///
/// # Panics
///
/// When a seed fails, or the environment is malformed.
pub fn run<B, R>(body: B)
where
    B: AsyncFn(Sim) -> R,
    R: Outcome,
{
    Harness::new().run(body);
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
            (RngKind::ChaCha, Partition::WHOLE, false)
        );
    }

    #[test]
    fn each_variable_is_read() {
        let settings = read(&[
            ("WAITSIM_SEEDS", "10..20"),
            ("WAITSIM_RNG", "cpython"),
            ("WAITSIM_SHARD", "2/3"),
            ("WAITSIM_CHECK_DETERMINISM", "1"),
        ])
        .unwrap();
        assert_eq!(
            settings.seeds,
            Seeds::Range(SeedRange::new(10, 20).unwrap())
        );
        assert_eq!(
            (settings.kind, settings.shard, settings.check_determinism),
            (RngKind::Cpython, Partition::new(2, 3).unwrap(), true)
        );
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
        ] {
            let err = read(&[(name, value)]).unwrap_err();
            assert!(err.is_invalid_input());
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid {name} `{value}`: expected")),
                "{err}"
            );
        }
        let both = read(&[("WAITSIM_SEEDS", "0..5"), ("WAITSIM_CASES", "5")]).unwrap_err();
        assert!(both.to_string().contains("WAITSIM_CASES"), "{both}");
    }

    #[test]
    fn the_replay_command_names_the_seed_and_a_generator_other_than_the_default() {
        let failure = Failure {
            test: "retry::backs_off".into(),
            seed: Some(42),
            kind: RngKind::Cpython,
            shard: Partition::WHOLE,
            message: "boom".into(),
            recorded: None,
            determinism_from_env: false,
        };
        assert_eq!(
            failure.replay().unwrap(),
            "WAITSIM_SEED=42 WAITSIM_RNG=cpython cargo test retry::backs_off -- --exact"
        );
        let checked = Failure {
            determinism_from_env: true,
            ..failure
        };
        assert_eq!(
            checked.replay().unwrap(),
            "WAITSIM_SEED=42 WAITSIM_RNG=cpython WAITSIM_CHECK_DETERMINISM=1 cargo test \
             retry::backs_off -- --exact"
        );
    }

    #[test]
    fn recorded_seeds_are_this_tests_of_this_kind_once_each_in_file_order() {
        let path = std::env::temp_dir().join(format!("waitsim-recorded-{}", std::process::id()));
        for (test, kind, seed) in [
            ("t", RngKind::ChaCha, 7),
            ("t", RngKind::Cpython, 8),
            ("other", RngKind::ChaCha, 9),
            ("t", RngKind::ChaCha, 3),
            ("t", RngKind::ChaCha, 7),
        ] {
            assert!(record(&path, test, kind, seed, "failed\nsecond line"));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Seeds that failed"), "{text}");
        assert!(text.contains("\nt chacha 7 # failed\n"), "{text}");
        std::fs::write(&path, text + "\n  \nt chacha x # malformed\n#t chacha 5\n").unwrap();
        assert_eq!(recorded_seeds(&path, "t", RngKind::ChaCha), [7, 3]);
        assert_eq!(recorded_seeds(&path, "t", RngKind::Cpython), [8]);
        assert_eq!(
            recorded_seeds(&path, "#", RngKind::ChaCha),
            Vec::<u64>::new()
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            recorded_seeds(&path, "t", RngKind::ChaCha),
            Vec::<u64>::new()
        );
    }
}
