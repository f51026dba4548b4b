//! The seed loop for your own tests: run a test body once per seed, each on a fresh
//! virtual-clock runtime with a seeded generator; draw inputs from a proptest strategy and
//! shrink a failing one; replay one seed from the environment; keep failing seeds in a
//! regressions file; check that a body is deterministic; and check that the seeds reached the
//! cases the test is about.
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
//! # Three ways to test
//!
//! - [`run`]: the body gets a seed and a generator, and draws what it needs from `sim.rng`.
//!   A failure names the seed, and its draws are shrunk: what the body drew there is for it
//!   to say.
//! - [`check`] (with the `proptest` feature): the body also gets an input from a proptest
//!   strategy, generated from the seed. A failure is shrunk, input and `sim.rng`'s draws, to
//!   a case no simpler one of which fails (see below), each step on a fresh runtime.
//! - plain `proptest!`: for synchronous code. It has no paused clock and cannot run an async
//!   body.
//!
//! ```
//! # #[cfg(feature = "proptest")] {
//! use std::time::Duration;
//! use waitsim::harness::{self, Sim};
//!
//! harness::check((1u32..10, 0u64..5000), async |sim: Sim, (tries, base_ms)| {
//!     let waited = Duration::from_millis(base_ms) * tries;
//!     tokio::time::sleep(waited).await;
//!     sim.sometimes("it waited longer than ten seconds", waited > Duration::from_secs(10));
//!     if waited <= Duration::from_secs(45) { Ok(waited) } else { Err("too long") }
//! });
//! # }
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
//! | `WAITSIM_SEEDS=random:N` | run `N` seeds from a start drawn from the operating system (printed) | |
//! | `WAITSIM_CASES=N` | run seeds `0..N` | 256 |
//! | `WAITSIM_RNG=chacha\|cpython` | the generator | `chacha` |
//! | `WAITSIM_SHARD=K/N` | run only the K-th of N shards of the seeds (the rule of `sweep --partition`) | `1/1` |
//! | `WAITSIM_CHECK_DETERMINISM=1` | run each seed twice and compare the results | off |
//! | `WAITSIM_SHRINK_RUNS=N` | the most runs of the body shrinking may take (`0`: no shrinking) | 4096 |
//! | `WAITSIM_SHRINK_SECS=S` | the most real time shrinking may take | 60 |
//! | `WAITSIM_SHOW_COVERAGE=1` | print the `sometimes` counts of a passing test (seen with `--nocapture`) | off |
//!
//! # Failures, replays and the regressions file
//!
//! The loop stops at the first seed whose body panics, returns an `Err` or waits forever, and
//! fails the test with a report naming the test, the seed, the generator and the shard (and,
//! for [`check`], the shrunk input), and the commands that replay it:
//! `WAITSIM_SEED=… cargo test -p <package> --test <target> <name> -- --exact`, to be run with
//! the cargo flags of the run that failed, and the test binary's own
//! `WAITSIM_SEED=… target/debug/deps/<target>-<hash> <name> --exact`, which needs none; both
//! carry the `WAITSIM_*` settings that change the result (the generator, the determinism
//! check, the shrinking budgets). The body's panics are not printed while it runs: the report
//! gives the last one's message and location (and its backtrace, once, under
//! `RUST_BACKTRACE`), and the report itself points at the test's call of the harness. The seed
//! is also appended to `waitsim-regressions.txt` at the root of the crate under test (the
//! folder cargo runs the tests in), with the shard that ran it and whether the determinism
//! check failed, and every later run of that test tries the recorded seeds first: those of its
//! shard, and those of the determinism check only with the check on. Commit the file, as you
//! would `proptest-regressions/`. Any number of test processes may record into
//! it at once (cargo-nextest runs every test in a process of its own): the header is written
//! once and every seed is one whole line.
//!
//! # Inputs and shrinking
//!
//! [`check`] generates each seed's input from the seed alone (on a ChaCha stream of its own,
//! apart from `sim.rng`'s), so `WAITSIM_SEED=s` regenerates the same input under any
//! generator kind and shard, whatever the runner's `PROPTEST_*` variables say. A change of the
//! strategy, or of proptest's version in `Cargo.lock`, can change it; so can
//! `PROPTEST_MAX_DEFAULT_SIZE_RANGE`, which proptest reads when a collection strategy without
//! a size (`any::<Vec<_>>()`) is built: give collections their sizes.
//!
//! When a seed fails, its draws are shrunk, as Hypothesis shrinks its "choice sequence": the
//! bytes the strategy read (recorded by proptest's `Recorder` generator) and the words
//! `sim.rng` handed out. Passes delete chunks of draws, zero them, lower each by binary
//! search, sort neighbours and move value between neighbours, to a fixed point; each candidate
//! regenerates the input from its draws (proptest's `PassThrough` generator; a sequence that
//! runs out gives the word 1, which rand makes the simplest value of and never rejects) and
//! runs the body on a fresh runtime, and is kept if the body fails in the same way (an error,
//! a panic, or no end within the virtual-time limit) with draws no longer and smaller.
//! proptest's own shrinking then runs from the result, where it finds simpler still. An
//! input its bytes do not make again (a strategy that hands out a generator of its own, as
//! `prop_perturb` does) is shrunk by proptest's shrinking alone, and `sim.rng`'s draws by
//! the passes. proptest draws a
//! float range's values from the bound farther from zero, so a float field shrinks toward
//! that bound: map an integer strategy to a float where the low end matters. Shrinking is
//! deterministic, so the replay reproduces the shrunk input and its message as printed, unless
//! the real-time budget ran out (the report says so). [`Harness::check_one`] runs one input
//! at one seed, and `PROPTEST_CASES` is proptest's: the harness says so once when it is set.
//!
//! # Coverage: `sometimes`
//!
//! A test over 256 seeds passes just as well when none of them reaches the case it was
//! written for. [`Sim::sometimes`] names a condition and says whether it held; after the last
//! seed, every named condition must have held on at least one seed, and those given a share
//! with [`Harness::sometimes`] on at least that share of the seeds, or the test fails with
//! each condition's count. A replay (`WAITSIM_SEED`) runs one seed, which cannot be expected
//! to reach everything: its counts are printed, not judged. Under `WAITSIM_SHARD` each shard
//! is judged on its own seeds, so a condition rarer than one seed in a shard's share fails
//! there: give such a test more seeds, or a share it can meet.
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
//! compares three things: the results, serialized as JSON, byte for byte; the virtual time
//! the body took; and the number of draws it made from `sim.rng`. The report says which
//! differed, where first, and for [`check`] the input. It catches only what differs between
//! the two runs: an unbiased `select!` at a seed where two branches are ready at once and the
//! two picks differ, which varies from run to run.
//!
//! # cargo-nextest
//!
//! The harness runs under `cargo nextest run` as under `cargo test`: every test is its own
//! process there, each reads the environment on its own, and they share the regressions file
//! safely. `cargo nextest run --partition count:K/N` splits the tests over machines;
//! `WAITSIM_SHARD=K/N` splits one test's seeds. The replay is the same command, or
//! `WAITSIM_SEED=… cargo nextest run <name>`.

mod coverage;
mod drive;
mod env;
#[cfg(feature = "proptest")]
mod inputs;
mod regressions;
mod replay;
pub(crate) mod runner;
mod shrink;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use coverage::Reached;
pub use coverage::{Condition, Coverage};
#[cfg(feature = "proptest")]
use drive::Failed;
use drive::{Source, run_body};
use env::Budget;
use shrink::Spent;

use crate::{Generator, Partition, RngKind, SeedRange};

/// How many seeds a test runs when the environment does not say.
pub const DEFAULT_CASES: u64 = 256;

/// The file, at the root of the crate under test, that keeps the seeds that failed.
pub const REGRESSIONS_FILE: &str = "waitsim-regressions.txt";

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
    /// The `sometimes` conditions this run reached.
    reached: Reached,
}

impl Sim {
    /// Records that the condition `name` was evaluated on this seed, and whether it `held`;
    /// returns `held`. After the last seed, every condition must have held on at least one
    /// seed (or the share [`Harness::sometimes`] asks for), or the test fails with the counts:
    /// see the module docs.
    ///
    /// ```
    /// use waitsim::harness::{self, Sim};
    /// use rand::RngExt;
    ///
    /// harness::run(async |mut sim: Sim| {
    ///     let tries = sim.rng.random_range(1..10);
    ///     if sim.sometimes("a single try", tries == 1) {
    ///         // the case the test was written for
    ///     }
    /// });
    /// ```
    pub fn sometimes(&self, name: &str, held: bool) -> bool {
        self.reached.note(name, held);
        held
    }
}

/// A failing case, shrunk: its input (for [`check`]) and its draws from `sim.rng` (for
/// [`check`] and [`run`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shrunk {
    /// The simplest input found that still fails, as `{:#?}` writes it; empty for a `run`
    /// body, whose input is its draws.
    pub input: String,
    /// What the body said of it.
    pub message: String,
    /// The input the seed generated, which failed first.
    pub found: String,
    /// What the body said of that.
    pub found_message: String,
    /// How many simplifications still failed, and so were kept.
    pub steps: u64,
    /// How many runs of the body shrinking took.
    pub runs: u64,
    /// The budget that ran out before shrinking was done, if one did.
    pub out_of_budget: Option<String>,
    /// How many words the body drew from `sim.rng` in the case first found, and in the
    /// shrunk case, where those draws were shrunk (a body that draws more than a million
    /// words keeps the seed's).
    pub draws: Option<(u64, u64)>,
}

impl Shrunk {
    /// Whether shrinking was turned off (a budget of no runs, or no time).
    fn turned_off(&self) -> bool {
        self.runs == 0 && self.out_of_budget.is_some()
    }
}

/// A failed run of a harness: the test, the seed, the generator and the shard, what went
/// wrong, and how to replay it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The test's name, as `cargo test` knows it.
    pub test: String,
    /// The seed that failed, if one did (a malformed environment fails before any runs, and
    /// a `sometimes` condition after all have).
    pub seed: Option<u64>,
    /// The generator's kind.
    pub kind: RngKind,
    /// The shard that ran.
    pub shard: Partition,
    /// What went wrong: for a shrunk input, what the body said of the shrunk one.
    pub message: String,
    /// Where the seed was recorded, if it was.
    pub recorded: Option<PathBuf>,
    /// Whether the determinism check was on by the environment (`WAITSIM_CHECK_DETERMINISM`),
    /// so that the replay turns it on too.
    pub determinism_from_env: bool,
    /// The input and its shrinking, for a test with inputs ([`check`]).
    pub shrunk: Option<Box<Shrunk>>,
    /// The `sometimes` counts, when a condition did not hold as often as asked.
    pub coverage: Option<Box<Coverage>>,
    /// The body's backtrace at the (shrunk) failure, when `RUST_BACKTRACE` asks for one.
    pub backtrace: Option<String>,
    /// Where the replay runs: the test binary, its cargo target and package, and the
    /// `WAITSIM_*` settings of the environment that change the result.
    pub replay_with: Box<Replay>,
}

impl Failure {
    /// A failure before (or after) any seed failed.
    fn cannot_run(test: String, kind: RngKind, message: String) -> Failure {
        Failure {
            test,
            seed: None,
            kind,
            shard: Partition::WHOLE,
            message,
            recorded: None,
            determinism_from_env: false,
            shrunk: None,
            coverage: None,
            backtrace: None,
            replay_with: Box::default(),
        }
    }

    /// The variables the replay sets: the seed, a generator other than the default, and the
    /// settings of the environment that change the result.
    fn replay_vars(&self, seed: u64) -> String {
        let mut vars = format!("WAITSIM_SEED={seed} ");
        if self.kind != RngKind::default() {
            vars += &format!("WAITSIM_RNG={} ", self.kind);
        }
        if self.determinism_from_env {
            vars += "WAITSIM_CHECK_DETERMINISM=1 ";
        }
        for (name, value) in &self.replay_with.vars {
            vars += &format!("{name}={value} ");
        }
        vars
    }

    /// The shell command that runs the failing seed again, alone: `cargo test`, with the
    /// test's target and package where they are known. Repeat the run's own cargo flags
    /// (`--features`, `--release`, `--profile`) with it.
    #[must_use]
    pub fn replay(&self) -> Option<String> {
        let seed = self.seed?;
        if let Some(example) = self.example() {
            let package = self
                .replay_with
                .package
                .as_ref()
                .map_or_else(String::new, |package| format!("-p {package} "));
            return Some(format!(
                "{}cargo run {package}--example {example}",
                self.replay_vars(seed)
            ));
        }
        let mut selection = String::new();
        if let Some(package) = &self.replay_with.package {
            selection += &format!("-p {package} ");
        }
        if let Some(target) = &self.replay_with.target {
            selection += &format!("{target} ");
        }
        Some(format!(
            "{}cargo test {selection}{} -- --exact",
            self.replay_vars(seed),
            shell_word(&self.test)
        ))
    }

    /// The command that runs the failing seed again with the test binary itself, which needs
    /// no cargo flags: where the binary is known.
    #[must_use]
    pub fn replay_binary(&self) -> Option<String> {
        let seed = self.seed?;
        let binary = self.replay_with.binary.as_ref()?;
        if self.example().is_some() {
            let binary = shell_word(&binary.display().to_string());
            return Some(format!("{}{binary}", self.replay_vars(seed)));
        }
        Some(format!(
            "{}{} {} --exact",
            self.replay_vars(seed),
            shell_word(&binary.display().to_string()),
            shell_word(&self.test)
        ))
    }
}

impl Failure {
    /// The example the failure ran in, where it ran in one (`cargo run --example`).
    fn example(&self) -> Option<&str> {
        self.replay_with
            .target
            .as_deref()?
            .strip_prefix("--example ")
    }
}

/// Where a failure's replay runs, as the test process finds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replay {
    /// The test binary.
    pub binary: Option<PathBuf>,
    /// The cargo target it was built from: `--lib`, `--test NAME`, `--bin NAME`,
    /// `--example NAME` or `--doc`.
    pub target: Option<String>,
    /// The package it belongs to.
    pub package: Option<String>,
    /// The `WAITSIM_*` settings of the environment, beside the seed, the generator and the
    /// determinism check, that change the result: the shrinking budgets.
    pub vars: Vec<(String, String)>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seed, &self.coverage) {
            (Some(seed), _) => writeln!(
                f,
                "waitsim: test `{}` failed at seed {seed} (generator {}, shard {})",
                self.test, self.kind, self.shard
            )?,
            (None, Some(_)) => writeln!(
                f,
                "waitsim: test `{}` failed (generator {}, shard {})",
                self.test, self.kind, self.shard
            )?,
            (None, None) => writeln!(f, "waitsim: test `{}` could not run", self.test)?,
        }
        if let Some(shrunk) = &self.shrunk {
            let steps = plural(shrunk.steps, "step");
            let runs = plural(shrunk.runs, "run");
            if shrunk.input.is_empty() {
                // A `run` body: its input is what it drew.
                if let Some((found, draws)) = shrunk.draws {
                    if shrunk.turned_off() {
                        writeln!(
                            f,
                            "the body's {} from sim.rng (not shrunk: a budget of {}):",
                            plural(found, "draw"),
                            runs_or(shrunk)
                        )?;
                    } else {
                        writeln!(
                            f,
                            "the body's draws from sim.rng, shrunk in {steps} ({runs} of the body) \
                             from {} to {}:",
                            plural(found, "draw"),
                            plural(draws, "draw")
                        )?;
                    }
                }
            } else if shrunk.turned_off() {
                writeln!(
                    f,
                    "input (not shrunk: a budget of {}):\n{}",
                    runs_or(shrunk),
                    shrunk.input
                )?;
            } else if shrunk.found == shrunk.input && shrunk.out_of_budget.is_none() {
                writeln!(f, "input (it does not shrink):\n{}", shrunk.input)?;
            } else {
                writeln!(
                    f,
                    "input, shrunk in {steps} ({runs} of the body):\n{}",
                    shrunk.input
                )?;
            }
        }
        writeln!(f, "{}", self.message)?;
        if let Some(trace) = &self.backtrace {
            writeln!(f, "the body's backtrace:\n{trace}")?;
        }
        if let Some(shrunk) = &self.shrunk {
            if shrunk.found != shrunk.input {
                writeln!(
                    f,
                    "the input first found at this seed:\n{}\nwhich failed with: {}",
                    shrunk.found, shrunk.found_message
                )?;
            }
            if let Some(budget) = &shrunk.out_of_budget
                && !shrunk.turned_off()
            {
                writeln!(
                    f,
                    "shrinking stopped after {budget} (WAITSIM_SHRINK_RUNS, WAITSIM_SHRINK_SECS): \
                     a simpler failing input may exist"
                )?;
            }
        }
        if let Some(replay) = self.replay() {
            writeln!(f, "replay it with: {replay}")?;
            if self.replay_with.target.is_some() {
                writeln!(
                    f,
                    "  (with this run's cargo flags too: --features, --release, --profile)"
                )?;
            }
        }
        if let Some(binary) = self.replay_binary() {
            let what = if self.example().is_some() {
                "the example's binary"
            } else {
                "the test binary"
            };
            writeln!(f, "or with {what}: {binary}")?;
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

/// Says once per process, when `PROPTEST_CASES` is set and no `WAITSIM_*` variable chooses
/// the seeds, that the harness does not read it: the number of seeds is `WAITSIM_CASES`.
#[cfg(feature = "proptest")]
fn note_proptest_cases() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let chosen = ["WAITSIM_SEED", "WAITSIM_SEEDS", "WAITSIM_CASES"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if let Some(cases) = std::env::var_os("PROPTEST_CASES")
        && !chosen
    {
        ONCE.call_once(|| {
            eprintln!(
                "waitsim: PROPTEST_CASES={} is proptest's; harness::check runs the seeds \
                 WAITSIM_CASES says ({DEFAULT_CASES} when it is not set)",
                cases.to_string_lossy()
            );
        });
    }
}

/// `word` as one word of a shell command: as it is when it needs no quoting, else in single
/// quotes (a doctest's name has spaces and parentheses).
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-:./=+,@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `count` and `what`, with an `s` unless `count` is one.
pub(crate) fn plural(count: u64, what: &str) -> String {
    format!("{count} {what}{}", if count == 1 { "" } else { "s" })
}

/// The budget that turned shrinking off, in words.
fn runs_or(shrunk: &Shrunk) -> &str {
    shrunk.out_of_budget.as_deref().unwrap_or("0 runs")
}

/// Fails the test with `failure`'s report, located at the test's call of the harness. Where
/// the report carries the body's backtrace, the harness's own is not printed beside it.
#[track_caller]
fn fail(failure: &Failure) -> ! {
    if failure.backtrace.is_some() {
        let thread = std::thread::current();
        eprintln!(
            "thread '{}' panicked at {}:\n{failure}",
            thread.name().unwrap_or("<unnamed>"),
            std::panic::Location::caller()
        );
        std::panic::resume_unwind(Box::new(failure.to_string()));
    }
    panic!("{failure}");
}

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
///     .sometimes("a wait over five seconds", 0.3)
///     .run(async |mut sim: Sim| {
///         let delay = wait_random(&mut sim.rng, MaxDelay::DEFAULT).await;
///         sim.sometimes("a wait over five seconds", delay > 5.0);
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
    /// The `sometimes` conditions asked for, with their shares.
    sometimes: Vec<(String, f64)>,
    /// Shrinking's budget, if the test sets it: it wins over the environment.
    shrink: Option<Budget>,
    /// Whether the body runs one given input, at one seed ([`Harness::check_one`]).
    one_input: bool,
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

    /// Runs each seed twice and fails unless both runs return the same bytes, take the same
    /// virtual time and make the same draws (`true`), or never does (`false`), whatever
    /// `WAITSIM_CHECK_DETERMINISM` says.
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

    /// Asks that the [`Sim::sometimes`] condition `name` hold on at least `min_share` of the
    /// seeds (a share in `(0, 1]`), not only on one; a condition asked for here must be
    /// evaluated too. A share outside `(0, 1]` fails the test before any seed runs.
    pub fn sometimes(mut self, name: &str, min_share: f64) -> Harness {
        self.sometimes.retain(|(asked, _)| asked != name);
        self.sometimes.push((name.to_string(), min_share));
        self
    }

    /// Lets shrinking take at most `runs` runs of the body and `time` of real time, whatever
    /// `WAITSIM_SHRINK_RUNS` and `WAITSIM_SHRINK_SECS` say. `runs = 0` turns shrinking off.
    pub fn shrink_budget(self, runs: u64, time: Duration) -> Harness {
        Harness {
            shrink: Some(Budget { runs, time }),
            ..self
        }
    }

    /// Runs `body` once per seed, each on a fresh virtual-clock runtime, and panics with the
    /// [`Failure`] report at the first seed that fails: the way to use it in a `#[test]`.
    ///
    /// # Panics
    ///
    /// When a seed fails, a `sometimes` condition is not met, or the environment is
    /// malformed.
    #[track_caller]
    pub fn run<B, R>(self, body: B)
    where
        B: AsyncFn(Sim) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_run(body) {
            fail(&failure);
        }
    }

    /// Runs `body` once per seed like [`Harness::run`], and returns the failure instead of
    /// panicking; otherwise how many seeds ran.
    ///
    /// # Errors
    ///
    /// The first seed that fails, a `sometimes` condition not met, or a malformed
    /// environment.
    pub fn try_run<B, R>(self, body: B) -> Result<u64, Failure>
    where
        B: AsyncFn(Sim) -> R,
        R: Outcome,
    {
        self.drive(|context| {
            let (seed, kind) = (context.seed, context.kind);
            let first = match run_body(seed, kind, &Source::Seeded, |sim| body(sim)).failure() {
                Ok(trace) => return Ok(trace),
                Err(first) => first,
            };
            let mut spent = Spent::new(context.shrink);
            Err(
                drive::shrink_failure(String::new(), first, None, &mut spent, 0, |_, source| {
                    Some((String::new(), run_body(seed, kind, source, |sim| body(sim))))
                })
                .failed,
            )
        })
    }

    /// Runs `body` once per seed with an input generated from the seed by `strategy`, each on
    /// a fresh virtual-clock runtime, and panics at the first seed that fails with the
    /// [`Failure`] report: the input shrunk to the simplest that still fails, the input first
    /// found, and the replay. See the module docs on inputs and shrinking.
    ///
    /// ```
    /// use proptest::prelude::*;
    /// use waitsim::harness::{Harness, Sim};
    /// use waitsim::{wait_n, MaxDelay};
    ///
    /// Harness::new().check(
    ///     (0usize..50, 0.0..100.0f64),
    ///     async |mut sim: Sim, (n, bound)| {
    ///         let delays = wait_n(&mut sim.rng, n, MaxDelay::new(bound)?).await?;
    ///         assert_eq!(delays.len(), n);
    ///         Ok::<_, waitsim::Error>(delays)
    ///     },
    /// );
    /// ```
    ///
    /// # Panics
    ///
    /// When a seed fails, a `sometimes` condition is not met, or the environment is
    /// malformed.
    #[cfg(feature = "proptest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    #[track_caller]
    pub fn check<S, B, R>(self, strategy: S, body: B)
    where
        S: proptest::strategy::Strategy,
        S::Value: fmt::Debug,
        B: AsyncFn(Sim, S::Value) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_check(strategy, body) {
            fail(&failure);
        }
    }

    /// [`Harness::check`], returning the failure instead of panicking; otherwise how many
    /// seeds ran.
    ///
    /// # Errors
    ///
    /// The first seed that fails (its input shrunk), a `sometimes` condition not met, or a
    /// malformed environment.
    #[cfg(feature = "proptest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn try_check<S, B, R>(self, strategy: S, body: B) -> Result<u64, Failure>
    where
        S: proptest::strategy::Strategy,
        S::Value: fmt::Debug,
        B: AsyncFn(Sim, S::Value) -> R,
        R: Outcome,
    {
        use proptest::strategy::ValueTree as _;

        if !self.one_input {
            note_proptest_cases();
        }
        self.drive(|context| {
            let (seed, kind) = (context.seed, context.kind);
            let (mut tree, bytes) = inputs::tree(&strategy, seed)?;
            let found = format!("{:#?}", tree.current());
            let ran = run_body(seed, kind, &Source::Seeded, |sim| body(sim, tree.current()));
            let first = match ran.failure() {
                Ok(trace) => {
                    return Ok(drive::Trace {
                        input: Some(found),
                        ..trace
                    });
                }
                Err(first) => first,
            };
            let mut spent = Spent::new(context.shrink);
            // The input is shrunk through its draws where they make it again; otherwise (a
            // strategy that hands out generators of its own) with the strategy's shrinking.
            let remade = inputs::replayed(&strategy, &bytes)
                .is_ok_and(|tree| format!("{:#?}", tree.current()) == found);
            if remade {
                let shrinking = drive::shrink_failure(
                    found,
                    first,
                    Some(bytes),
                    &mut spent,
                    0,
                    |bytes, source| {
                        let tree = inputs::replayed(&strategy, bytes).ok()?;
                        let shown = format!("{:#?}", tree.current());
                        Some((
                            shown,
                            run_body(seed, kind, source, |sim| body(sim, tree.current())),
                        ))
                    },
                );
                let mut failed = shrinking.failed;
                // Then the strategy's own shrinking, from the shrunk input, where it finds a
                // simpler one still (a float range's draws lead to its far bound, proptest's
                // shrinking to its near one).
                if let Ok(mut tree) = inputs::replayed(&strategy, &shrinking.input) {
                    let (source, how) = (shrinking.source, shrinking.how);
                    let by_tree =
                        inputs::shrink(&mut tree, failed.message.clone(), &mut spent, |input| {
                            run_body(seed, kind, &source, |sim| body(sim, input))
                                .outcome
                                .err()
                                .filter(|failed| failed.how == how)
                                .map(|failed| failed.message)
                        });
                    if let Some(shrunk) = failed.shrunk.as_deref_mut() {
                        if by_tree.steps > 0 {
                            shrunk.input = by_tree.input;
                            shrunk.message.clone_from(&by_tree.message);
                            failed.message = by_tree.message;
                            shrunk.steps += by_tree.steps;
                        }
                        shrunk.runs = spent.runs;
                        shrunk.out_of_budget.clone_from(&spent.out_of_budget);
                    }
                }
                return Err(failed);
            }
            let (first_message, how) = (first.failed.message.clone(), first.failed.how);
            let by_tree = inputs::shrink(&mut tree, first_message.clone(), &mut spent, |input| {
                run_body(seed, kind, &Source::Seeded, |sim| body(sim, input))
                    .outcome
                    .err()
                    .filter(|failed| failed.how == how)
                    .map(|failed| failed.message)
            });
            // The shrunk input, run again for its draws, which are shrunk next.
            let ran = run_body(seed, kind, &Source::Seeded, |sim| body(sim, tree.current()));
            let Err(again) = ran.failure() else {
                return Err(Failed::from(format!(
                    "{}\n(the shrunk input passed when run again: is the body deterministic?)",
                    by_tree.message
                )));
            };
            let mut failed = drive::shrink_failure(
                by_tree.input,
                again,
                None,
                &mut spent,
                by_tree.steps,
                |_, source| {
                    let shown = format!("{:#?}", tree.current());
                    Some((
                        shown,
                        run_body(seed, kind, source, |sim| body(sim, tree.current())),
                    ))
                },
            )
            .failed;
            if let Some(shrunk) = &mut failed.shrunk {
                shrunk.found = found;
                shrunk.found_message = first_message;
            }
            Err(failed)
        })
    }

    /// Runs `body` on the one `input`, at one seed (`WAITSIM_SEED`, or 0), like a replay:
    /// nothing is recorded, and `sometimes` counts are shown, not judged. For a case worth
    /// keeping as a test of its own (a shrunk failure, once fixed). `sim.rng`'s draws are
    /// still shrunk when it fails.
    ///
    /// ```
    /// use std::time::Duration;
    /// use waitsim::harness::{Harness, Sim};
    ///
    /// Harness::new().check_one((3u32, 250u64), async |_sim: Sim, (tries, base_ms)| {
    ///     let waited = Duration::from_millis(base_ms) * tries;
    ///     tokio::time::sleep(waited).await;
    ///     assert_eq!(waited, Duration::from_millis(750));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// When the body fails on the input, or the environment is malformed.
    #[cfg(feature = "proptest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    #[track_caller]
    pub fn check_one<T, B, R>(self, input: T, body: B)
    where
        T: Clone + fmt::Debug,
        B: AsyncFn(Sim, T) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_check_one(input, body) {
            fail(&failure);
        }
    }

    /// [`Harness::check_one`], returning the failure instead of panicking.
    ///
    /// # Errors
    ///
    /// The body's failure on the input, or a malformed environment.
    #[cfg(feature = "proptest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn try_check_one<T, B, R>(self, input: T, body: B) -> Result<u64, Failure>
    where
        T: Clone + fmt::Debug,
        B: AsyncFn(Sim, T) -> R,
        R: Outcome,
    {
        Harness {
            one_input: true,
            ..self
        }
        .try_check(proptest::strategy::Just(input), body)
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
    #[track_caller]
    pub fn each_seed<B, R>(self, body: B)
    where
        B: Fn(u64, RngKind) -> R,
        R: Outcome,
    {
        if let Err(failure) = self.try_each_seed(body) {
            fail(&failure);
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
        self.drive(|context| {
            Ok(drive::Trace {
                value: body(context.seed, context.kind).into_outcome()?,
                ..drive::Trace::default()
            })
        })
    }
}

/// Runs `body` over the seeds the environment gives, with a new [`Harness`]: see the module
/// docs.
///
/// # Panics
///
/// When a seed fails, a `sometimes` condition is not met, or the environment is malformed.
#[track_caller]
pub fn run<B, R>(body: B)
where
    B: AsyncFn(Sim) -> R,
    R: Outcome,
{
    Harness::new().run(body);
}

/// Runs `body` over the seeds the environment gives, with an input from `strategy` for each,
/// with a new [`Harness`]: see [`Harness::check`].
///
/// # Panics
///
/// When a seed fails, a `sometimes` condition is not met, or the environment is malformed.
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
#[track_caller]
pub fn check<S, B, R>(strategy: S, body: B)
where
    S: proptest::strategy::Strategy,
    S::Value: fmt::Debug,
    B: AsyncFn(Sim, S::Value) -> R,
    R: Outcome,
{
    Harness::new().check(strategy, body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_command_names_the_seed_and_a_generator_other_than_the_default() {
        let failure = Failure {
            seed: Some(42),
            ..Failure::cannot_run("retry::backs_off".into(), RngKind::Cpython, "boom".into())
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
    fn the_replay_names_the_package_the_target_the_binary_and_the_budgets() {
        let failure = Failure {
            seed: Some(7),
            replay_with: Box::new(Replay {
                binary: Some(PathBuf::from("/w/target/debug/deps/it-0a1b")),
                target: Some("--test it".into()),
                package: Some("my-crate".into()),
                vars: vec![("WAITSIM_SHRINK_RUNS".into(), "100".into())],
            }),
            ..Failure::cannot_run("check::caps".into(), RngKind::Cpython, "boom".into())
        };
        assert_eq!(
            failure.replay().unwrap(),
            "WAITSIM_SEED=7 WAITSIM_RNG=cpython WAITSIM_SHRINK_RUNS=100 cargo test -p my-crate \
             --test it check::caps -- --exact"
        );
        assert_eq!(
            failure.replay_binary().unwrap(),
            "WAITSIM_SEED=7 WAITSIM_RNG=cpython WAITSIM_SHRINK_RUNS=100 \
             /w/target/debug/deps/it-0a1b check::caps --exact"
        );
        let report = failure.to_string();
        assert!(
            report.contains("\n  (with this run's cargo flags too: --features, --release, --profile)\nor with the test binary: WAITSIM_SEED=7 "),
            "{report}"
        );
        let example = Failure {
            replay_with: Box::new(Replay {
                binary: Some(PathBuf::from("/w/target/debug/examples/retry")),
                target: Some("--example retry".into()),
                package: Some("my-crate".into()),
                vars: Vec::new(),
            }),
            ..Failure::cannot_run("retry_jitter".into(), RngKind::ChaCha, "boom".into())
        };
        let example = Failure {
            seed: Some(4),
            ..example
        };
        assert_eq!(
            example.replay().unwrap(),
            "WAITSIM_SEED=4 cargo run -p my-crate --example retry"
        );
        assert_eq!(
            example.replay_binary().unwrap(),
            "WAITSIM_SEED=4 /w/target/debug/examples/retry"
        );
        let unseeded = Failure {
            seed: None,
            ..failure
        };
        assert_eq!((unseeded.replay(), unseeded.replay_binary()), (None, None));
    }

    #[test]
    fn a_test_name_that_is_not_one_shell_word_is_quoted() {
        assert_eq!(shell_word("check::retry_caps"), "check::retry_caps");
        assert_eq!(
            shell_word("src/lib.rs - harness (line 7)"),
            "'src/lib.rs - harness (line 7)'"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn a_shrunk_failure_shows_both_inputs_the_steps_and_a_spent_budget() {
        let shrunk = Shrunk {
            input: "3".into(),
            message: "3 fails".into(),
            found: "977".into(),
            found_message: "977 fails".into(),
            steps: 9,
            runs: 14,
            out_of_budget: Some("14 runs".into()),
            draws: None,
        };
        let failure = Failure {
            seed: Some(5),
            shrunk: Some(Box::new(shrunk.clone())),
            ..Failure::cannot_run("t".into(), RngKind::ChaCha, "3 fails".into())
        };
        assert_eq!(
            failure.to_string(),
            "waitsim: test `t` failed at seed 5 (generator chacha, shard 1/1)\n\
             input, shrunk in 9 steps (14 runs of the body):\n3\n\
             3 fails\n\
             the input first found at this seed:\n977\nwhich failed with: 977 fails\n\
             shrinking stopped after 14 runs (WAITSIM_SHRINK_RUNS, WAITSIM_SHRINK_SECS): a \
             simpler failing input may exist\n\
             replay it with: WAITSIM_SEED=5 cargo test t -- --exact\n"
        );
        let whole = Failure {
            seed: Some(5),
            shrunk: Some(Box::new(Shrunk {
                found: "3".into(),
                found_message: "3 fails".into(),
                out_of_budget: None,
                ..shrunk
            })),
            ..Failure::cannot_run("t".into(), RngKind::ChaCha, "3 fails".into())
        };
        assert!(
            whole
                .to_string()
                .contains("input (it does not shrink):\n3\n3 fails\nreplay")
        );
    }
}
