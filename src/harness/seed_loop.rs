//! [`Harness`]: a seed loop's settings, its entry points, and the loop itself: the recorded
//! seeds first, then this shard's; each seed once, or twice for the determinism check; stop
//! at the first failure, record it and report it; count the `sometimes` conditions and judge
//! them after the last seed.

#[cfg(feature = "proptest")]
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(feature = "proptest")]
use super::body::FirstFailure;
use super::body::{Context, Failed, Source, Trace, run_body, run_seed, shrink_failure};
use super::coverage::{Coverage, plural};
#[cfg(feature = "proptest")]
use super::env::DEFAULT_CASES;
use super::env::{Budget, Seeds, Settings};
use super::failure::{Failure, RecordedCase, Replay, fail};
#[cfg(feature = "proptest")]
use super::inputs;
use super::regressions::{self, Entry, Regressions};
use super::replay;
use super::shrink::Spent;
use super::sim::{Outcome, Sim};
use crate::panic::inside_runtime;
use crate::rng::GeneratorKind;
use crate::seeds::{Partition, SeedRange};

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
    regressions: Regressions,
    /// The seeds, if the test sets them: they win over the environment.
    seeds: Option<SeedRange>,
    /// The generator's kind, if the test sets it: it wins over the environment.
    kind: Option<GeneratorKind>,
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
    /// [`REGRESSIONS_FILE`](crate::harness::REGRESSIONS_FILE), and tries the seeds recorded there first.
    pub fn regressions_file(self, path: impl Into<PathBuf>) -> Harness {
        Harness {
            regressions: Regressions::File(path.into()),
            ..self
        }
    }

    /// Neither reads nor writes a regressions file: for a test that expects its body to fail.
    pub fn without_regressions_file(self) -> Harness {
        Harness {
            regressions: Regressions::Off,
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
    pub fn kind(self, kind: GeneratorKind) -> Harness {
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
            let mut spent = Spent::new(context.shrink);
            let mut shrink = |first| {
                shrink_failure(
                    String::new(),
                    first,
                    Some(Vec::new()),
                    &mut spent,
                    0,
                    |_, source| {
                        Some((String::new(), run_body(seed, kind, source, |sim| body(sim))))
                    },
                )
                .failed
            };
            let recorded_case = match &context.stored {
                Some(case) => {
                    match run_body(seed, kind, &Source::stored(case), |sim| body(sim)).failure() {
                        Err(first) => {
                            return Err(Failed {
                                recorded_case: Some(RecordedCase::Failed),
                                ..shrink(first)
                            });
                        }
                        Ok(_) => Some(RecordedCase::Passed),
                    }
                }
                None => None,
            };
            match run_body(seed, kind, &Source::Seeded, |sim| body(sim)).failure() {
                Ok(trace) => Ok(trace),
                Err(first) => Err(Failed {
                    recorded_case,
                    ..shrink(first)
                }),
            }
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
        if !self.one_input {
            note_proptest_cases();
        }
        self.drive(|context| check_seed(&strategy, &body, context))
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
        B: Fn(u64, GeneratorKind) -> R,
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
        B: Fn(u64, GeneratorKind) -> R,
        R: Outcome,
    {
        self.drive(|context| {
            Ok(Trace {
                value: body(context.seed, context.kind).into_outcome()?,
                ..Trace::default()
            })
        })
    }
}

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

/// Says once per process, when a test binary runs without cargo's `CARGO_MANIFEST_DIR`,
/// that the crate's regressions file is neither read nor written.
fn note_no_crate_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        eprintln!(
            "waitsim: CARGO_MANIFEST_DIR is not set (cargo sets it): {} is neither read nor \
             written; set it to the crate's folder to use the file",
            regressions::REGRESSIONS_FILE
        );
    });
}

/// The settings one run of a harness goes by: the environment's, with the test's own over
/// them.
struct Plan {
    settings: Settings,
    check_determinism: bool,
    /// Whether the determinism check is on by the environment, so that the replay turns it
    /// on too.
    determinism_from_env: bool,
    /// Whether the body runs one given input ([`Harness::check_one`]): no recorded case
    /// applies to it.
    one_input: bool,
    /// Where a replay runs: this test binary, its target and package.
    replay_with: Replay,
    /// The test binary's target, as the regressions file marks it.
    target: Option<String>,
}

impl Harness {
    /// The loop. Returns how many seeds ran.
    fn drive(self, once: impl Fn(&Context) -> Result<Trace, Failed>) -> Result<u64, Failure> {
        let test = self.name.clone().unwrap_or_else(test_name);
        let plan = self.plan(&test)?;
        let regressions = self.regressions.path();
        let recorded = plan.recorded(regressions.as_deref(), &test);
        if let (true, Seeds::Range(range)) = (plan.settings.random, plan.settings.seeds) {
            // Shown with `--nocapture`, and with the report of a failure.
            eprintln!(
                "waitsim: test `{test}`: WAITSIM_SEEDS=random runs seeds {}..{}",
                range.start(),
                range.end()
            );
        }
        let replayed = plan.replayed(regressions.as_deref(), &test);
        if self.regressions == Regressions::CrateFile && regressions.is_none() {
            note_no_crate_file();
        }
        if let Some(path) = &regressions {
            for entry in recorded.iter().chain(&replayed).filter(|e| e.malformed) {
                eprintln!(
                    "waitsim: test `{test}`: the draws= recorded for seed {} in {} are \
                     malformed: the seed runs without them",
                    entry.seed,
                    path.display()
                );
            }
            if let Some(entry) = replayed.as_ref().filter(|entry| entry.case.is_some()) {
                eprintln!(
                    "waitsim: test `{test}`: seed {} replays first the shrunk case recorded for \
                     it in {} (then, if that passes, the seed's own case)",
                    entry.seed,
                    path.display()
                );
            }
        }
        let recorded_seeds: Vec<u64> = recorded.iter().map(|entry| entry.seed).collect();
        let fresh = plan.fresh(&recorded_seeds).map(|seed| {
            match replayed.as_ref().filter(|entry| entry.seed == seed) {
                Some(entry) => entry.clone(),
                None => Entry::fresh(seed),
            }
        });
        let mut coverage = Coverage::new(&self.sometimes);
        for entry in recorded.iter().cloned().chain(fresh) {
            let seed = entry.seed;
            let context = Context {
                test: test.clone(),
                seed,
                kind: plan.settings.kind,
                shrink: plan.settings.shrink,
                stored: entry.case.clone(),
                stored_note: entry.note.clone(),
            };
            match run_seed(&once, &context, plan.check_determinism) {
                Ok(reached) => coverage.add(&reached),
                Err(failed) => {
                    // A seed is recorded once, and again where it failed with a shrunk case
                    // other than the one recorded (its recorded case passes now, or shrank on):
                    // by a run of a range, or by a replay of a seed the file already holds
                    // (a replay of another seed records nothing).
                    let known = recorded_seeds.contains(&seed)
                        || replayed.as_ref().is_some_and(|entry| entry.seed == seed);
                    let new_case = failed.case.is_some() && failed.case != entry.case;
                    let ranged = matches!(plan.settings.seeds, Seeds::Range(_));
                    let recorded_in = if known && !new_case {
                        regressions.clone()
                    } else if known || ranged {
                        plan.record(regressions.as_deref(), &test, seed, &failed)
                            // Where the new case cannot be written, the seed is still there.
                            .or_else(|| regressions.clone().filter(|_| known))
                    } else {
                        None
                    };
                    return Err(Failure {
                        test,
                        seed: Some(seed),
                        kind: plan.settings.kind,
                        shard: plan.settings.shard,
                        message: failed.message,
                        recorded: recorded_in,
                        recorded_case: failed.recorded_case,
                        determinism_from_env: plan.determinism_from_env,
                        shrunk: failed.shrunk,
                        coverage: None,
                        backtrace: failed.backtrace,
                        replay_with: Box::new(plan.replay_with.clone()),
                    });
                }
            }
        }
        plan.judge(test, coverage)
    }

    /// The plan of a run of `test`: the environment's settings with the test's over them; a
    /// failure if the harness cannot run (inside a runtime, a share out of range, a malformed
    /// environment).
    fn plan(&self, test: &str) -> Result<Plan, Failure> {
        let cannot_run =
            |message| Failure::cannot_run(test.to_string(), self.kind.unwrap_or_default(), message);
        if let Some(message) = inside_runtime("the waitsim harness") {
            return Err(cannot_run(message));
        }
        if let Some((name, share)) = self
            .sometimes
            .iter()
            .find(|(_, share)| !(*share > 0.0 && *share <= 1.0))
        {
            return Err(cannot_run(format!(
                "the share asked of `sometimes` condition `{name}` is {share}: a share is in (0, 1]"
            )));
        }
        let mut settings = Settings::from_env().map_err(cannot_run)?;
        let replay_with = replay::find(self.shrink.is_none());
        let determinism_from_env = self.check_determinism.is_none() && settings.check_determinism;
        if let Some(range) = self.seeds {
            settings.seeds = Seeds::Range(range);
            settings.shard = Partition::WHOLE;
            settings.random = false;
        }
        if self.one_input {
            let seed = match settings.seeds {
                Seeds::One(seed) => seed,
                Seeds::Range(_) => 0,
            };
            settings.seeds = Seeds::One(seed);
            settings.random = false;
        }
        // One seed is no shard's: a replay runs it whatever `WAITSIM_SHARD` says.
        if matches!(settings.seeds, Seeds::One(_)) {
            settings.shard = Partition::WHOLE;
        }
        settings.kind = self.kind.unwrap_or(settings.kind);
        settings.shrink = self.shrink.unwrap_or(settings.shrink);
        Ok(Plan {
            check_determinism: self.check_determinism.unwrap_or(settings.check_determinism),
            settings,
            determinism_from_env,
            one_input: self.one_input,
            target: replay_with.target.as_deref().map(regressions::target_mark),
            replay_with,
        })
    }
}

impl Plan {
    /// The seeds of this shard recorded in the regressions file for `test`, tried first: none
    /// for a replay, which runs its one seed.
    fn recorded(&self, regressions: Option<&Path>, test: &str) -> Vec<Entry> {
        let settings = &self.settings;
        match (settings.seeds, regressions) {
            (Seeds::Range(range), Some(path)) => {
                regressions::recorded_for(path, test, settings.kind, self.target.as_deref())
                    .into_iter()
                    .filter(|entry| {
                        entry.runs_in(settings.shard, range.start(), self.check_determinism)
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The entry of a replay's seed (`WAITSIM_SEED`), where the regressions file holds it: a
    /// shrunk case cannot be made again from the seed, so it is run as it was recorded.
    fn replayed(&self, regressions: Option<&Path>, test: &str) -> Option<Entry> {
        let (Seeds::One(seed), Some(path), false) =
            (self.settings.seeds, regressions, self.one_input)
        else {
            return None;
        };
        regressions::recorded_for(path, test, self.settings.kind, self.target.as_deref())
            .into_iter()
            .find(|entry| entry.seed == seed)
    }

    /// The seeds to run after the `recorded` ones: the replay's one seed, or the shard's
    /// others.
    fn fresh(&self, recorded: &[u64]) -> Box<dyn Iterator<Item = u64>> {
        match self.settings.seeds {
            Seeds::One(seed) => Box::new(std::iter::once(seed)),
            Seeds::Range(range) => {
                let recorded = recorded.to_vec();
                Box::new(
                    self.settings
                        .shard
                        .seeds(range)
                        .filter(move |s| !recorded.contains(s)),
                )
            }
        }
    }

    /// Records the failing `seed` of `test` in the regressions file, if there is one; returns
    /// the file where it was recorded.
    fn record(
        &self,
        regressions: Option<&Path>,
        test: &str,
        seed: u64,
        failed: &Failed,
    ) -> Option<PathBuf> {
        let path = regressions?;
        let note = match &failed.shrunk {
            Some(shrunk) if !shrunk.input.is_empty() => {
                format!("input {}: {}", shrunk.input, failed.message)
            }
            _ => failed.message.clone(),
        };
        let entry = Entry {
            target: self.target.clone(),
            shard: Some(self.settings.shard),
            determinism: failed.from_determinism,
            case: failed.case.clone(),
            note,
            ..Entry::fresh(seed)
        };
        match regressions::record(path, test, self.settings.kind, &entry) {
            Ok(()) => Some(path.to_owned()),
            Err(error) => {
                // Said beside the failure's report, which then names no file.
                eprintln!(
                    "waitsim: test `{test}`: seed {seed} could not be recorded in {}: {error}",
                    path.display()
                );
                None
            }
        }
    }

    /// Judges the `sometimes` conditions after the last seed: how many seeds ran, or the
    /// failure of a condition not met. One seed (a replay) cannot be expected to reach every
    /// condition: its counts are shown, not judged.
    fn judge(&self, test: String, coverage: Coverage) -> Result<u64, Failure> {
        if coverage.conditions.is_empty() {
            return Ok(coverage.seeds);
        }
        let judged = matches!(self.settings.seeds, Seeds::Range(_));
        if judged && !coverage.met() {
            return Err(Failure {
                message: format!(
                    "not every `sometimes` condition held as often as asked, over the {} \
                     that ran: the test may not be checking what it means to\n{coverage}\
                     widen the inputs so that the seeds reach these cases, or run more seeds \
                     (WAITSIM_CASES)",
                    plural(coverage.seeds, "seed")
                ),
                shard: self.settings.shard,
                coverage: Some(Box::new(coverage)),
                ..Failure::cannot_run(test, self.settings.kind, String::new())
            });
        }
        if self.settings.show_coverage || !judged {
            // Shown with `--nocapture` (cargo test) or `--no-capture` (nextest).
            eprintln!(
                "waitsim: test `{test}`: `sometimes` conditions over {}\n{coverage}",
                plural(coverage.seeds, "seed")
            );
        }
        Ok(coverage.seeds)
    }
}

/// The running test's name: libtest names each test's thread after it, under `cargo test`
/// and under cargo-nextest alike.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("this_test")
        .to_string()
}

/// One seed of [`Harness::check`]: the shrunk case recorded for it, where there is one, then
/// the input the seed generates, run; when one fails, shrunk through its draws where they
/// make it again, otherwise (a strategy that hands out generators of its own) with the
/// strategy's shrinking.
#[cfg(feature = "proptest")]
fn check_seed<S, B, R>(strategy: &S, body: &B, context: &Context) -> Result<Trace, Failed>
where
    S: proptest::strategy::Strategy,
    S::Value: fmt::Debug,
    B: AsyncFn(Sim, S::Value) -> R,
    R: Outcome,
{
    use proptest::strategy::ValueTree as _;

    let (seed, kind) = (context.seed, context.kind);
    let mut spent = Spent::new(context.shrink);
    // The recorded case, made again from its draws (a strategy changed since may make no
    // input of them, or another one: then it is what it makes, and that is said).
    let mut recorded_case = None;
    if let Some(case) = &context.stored {
        match inputs::replayed(strategy, &case.input) {
            Ok(tree) => {
                let found = format!("{:#?}", tree.current());
                note_stale(context, Some(&found));
                let source = Source::stored(case);
                let ran = run_body(seed, kind, &source, |sim| body(sim, tree.current()));
                if let Err(first) = ran.failure() {
                    let found = (found, first, case.input.clone());
                    return Err(Failed {
                        recorded_case: Some(RecordedCase::Failed),
                        ..shrink_by_draws(strategy, body, context, found, &mut spent)
                    });
                }
                recorded_case = Some(RecordedCase::Passed);
            }
            Err(_) => note_stale(context, None),
        }
    }
    let (tree, bytes) = inputs::tree(strategy, seed)?;
    let found = format!("{:#?}", tree.current());
    let ran = run_body(seed, kind, &Source::Seeded, |sim| body(sim, tree.current()));
    let first = match ran.failure() {
        Ok(trace) => {
            return Ok(Trace {
                input: Some(found),
                ..trace
            });
        }
        Err(first) => first,
    };
    let remade = inputs::replayed(strategy, &bytes)
        .is_ok_and(|tree| format!("{:#?}", tree.current()) == found);
    let shrunk = if remade {
        shrink_by_draws(strategy, body, context, (found, first, bytes), &mut spent)
    } else {
        shrink_by_tree(body, context, tree, (found, first), &mut spent)
    };
    Err(Failed {
        recorded_case,
        ..shrunk
    })
}

/// Says, on stderr, when the draws recorded for a seed make another input now than the one
/// its line names (`found`), or none: the strategy has changed since, and the recorded case
/// no longer tests what it did.
#[cfg(feature = "proptest")]
fn note_stale(context: &Context, found: Option<&str>) {
    let Some(recorded) = context.stored_note.strip_prefix("input ") else {
        return;
    };
    let (test, seed) = (&context.test, context.seed);
    match found {
        Some(found) if recorded.starts_with(&format!("{}: ", regressions::one_line(found))) => {}
        Some(found) => eprintln!(
            "waitsim: test `{test}`: the draws recorded for seed {seed} make another input now \
             than the one recorded (has the strategy changed?): {}",
            regressions::one_line(found)
        ),
        None => eprintln!(
            "waitsim: test `{test}`: the draws recorded for seed {seed} make no input now (has \
             the strategy changed?): only the seed's own case runs"
        ),
    }
}

/// A failing input of [`Harness::check`] (as shown, its first failure and its draws) shrunk
/// through its draws, then with the strategy's own shrinking from there, where that finds a
/// simpler one still (a float range's draws lead to its far bound, proptest's shrinking to
/// its near one).
#[cfg(feature = "proptest")]
fn shrink_by_draws<S, B, R>(
    strategy: &S,
    body: &B,
    context: &Context,
    (found, first, bytes): (String, FirstFailure, Vec<u8>),
    spent: &mut Spent,
) -> Failed
where
    S: proptest::strategy::Strategy,
    S::Value: fmt::Debug,
    B: AsyncFn(Sim, S::Value) -> R,
    R: Outcome,
{
    use proptest::strategy::ValueTree as _;

    let (seed, kind) = (context.seed, context.kind);
    let shrinking = shrink_failure(found, first, Some(bytes), spent, 0, |bytes, source| {
        let tree = inputs::replayed(strategy, bytes).ok()?;
        let shown = format!("{:#?}", tree.current());
        Some((
            shown,
            run_body(seed, kind, source, |sim| body(sim, tree.current())),
        ))
    });
    let mut failed = shrinking.failed;
    let Ok(mut tree) = inputs::replayed(strategy, &shrinking.input) else {
        return failed;
    };
    let (source, how) = (shrinking.source, shrinking.how);
    let by_tree = inputs::shrink(&mut tree, failed.message.clone(), spent, |input| {
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
    failed
}

/// A failing input of [`Harness::check`] that its draws do not make again (as shown, and its
/// first failure) shrunk with the strategy's shrinking, then run again for `sim.rng`'s draws,
/// which are shrunk next.
#[cfg(feature = "proptest")]
fn shrink_by_tree<T, B, R>(
    body: &B,
    context: &Context,
    mut tree: T,
    (found, first): (String, FirstFailure),
    spent: &mut Spent,
) -> Failed
where
    T: proptest::strategy::ValueTree,
    T::Value: fmt::Debug,
    B: AsyncFn(Sim, T::Value) -> R,
    R: Outcome,
{
    let (seed, kind) = (context.seed, context.kind);
    let (first_message, how) = (first.failed.message.clone(), first.failed.how);
    let by_tree = inputs::shrink(&mut tree, first_message.clone(), spent, |input| {
        run_body(seed, kind, &Source::Seeded, |sim| body(sim, input))
            .outcome
            .err()
            .filter(|failed| failed.how == how)
            .map(|failed| failed.message)
    });
    let ran = run_body(seed, kind, &Source::Seeded, |sim| body(sim, tree.current()));
    let Err(again) = ran.failure() else {
        return Failed::from(format!(
            "{}\n(the shrunk input passed when run again: is the body deterministic?)",
            by_tree.message
        ));
    };
    let mut failed = shrink_failure(
        by_tree.input,
        again,
        None,
        spent,
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
    failed
}
