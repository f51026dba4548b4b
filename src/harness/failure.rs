//! A failed run of a harness: what failed, its report, and how to replay it.

use std::fmt;
use std::path::PathBuf;

use super::coverage::{Coverage, plural};
use crate::rng::GeneratorKind;
use crate::seeds::Partition;

/// A failing case, shrunk: its input (for [`check`](crate::harness::check)) and its draws
/// from `sim.rng` (for [`check`](crate::harness::check) and [`run`](crate::harness::run)).
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
    pub kind: GeneratorKind,
    /// The shard that ran.
    pub shard: Partition,
    /// What went wrong: for a shrunk input, what the body said of the shrunk one.
    pub message: String,
    /// Where the seed was recorded, if it was.
    pub recorded: Option<PathBuf>,
    /// The shrunk case the regressions file ([`recorded`](Failure::recorded)) keeps for the
    /// seed, where one ran: whether it failed (then it is the failure reported) or passed
    /// (then the seed's own case failed).
    pub recorded_case: Option<RecordedCase>,
    /// Whether the determinism check was on by the environment (`WAITSIM_CHECK_DETERMINISM`),
    /// so that the replay turns it on too.
    pub determinism_from_env: bool,
    /// The input and its shrinking, for a test with inputs
    /// ([`check`](crate::harness::check)).
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
    pub(super) fn cannot_run(test: String, kind: GeneratorKind, message: String) -> Failure {
        Failure {
            test,
            seed: None,
            kind,
            shard: Partition::WHOLE,
            message,
            recorded: None,
            recorded_case: None,
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
        if self.kind != GeneratorKind::default() {
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
    /// no cargo flags: where the binary is known. It sets `CARGO_MANIFEST_DIR` as cargo did
    /// (where cargo set it), so that the binary reads the same regressions file.
    #[must_use]
    pub fn replay_binary(&self) -> Option<String> {
        let seed = self.seed?;
        let binary = self.replay_with.binary.as_ref()?;
        let mut vars = self.replay_vars(seed);
        if let Some(dir) = &self.replay_with.manifest_dir {
            vars += &format!(
                "CARGO_MANIFEST_DIR={} ",
                shell_word(&dir.display().to_string())
            );
        }
        let binary = shell_word(&binary.display().to_string());
        if self.example().is_some() {
            return Some(format!("{vars}{binary}"));
        }
        Some(format!("{vars}{binary} {} --exact", shell_word(&self.test)))
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

/// How the shrunk case a regressions file keeps for a failing seed went, run as recorded
/// before the seed's own case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordedCase {
    /// It failed, and is the failure reported.
    Failed,
    /// It passed, and the seed's own case failed.
    Passed,
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
    /// The package's folder (`CARGO_MANIFEST_DIR`, as cargo sets it for a test), where the
    /// regressions file is.
    pub manifest_dir: Option<PathBuf>,
    /// The `WAITSIM_*` settings of the environment, beside the seed, the generator and the
    /// determinism check, that change the result: the shrinking budgets.
    pub vars: Vec<(String, String)>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seed, &self.coverage) {
            (Some(seed), _) => {
                write!(
                    f,
                    "waitsim: test `{}` failed at seed {seed} (generator {}, shard {})",
                    self.test, self.kind, self.shard
                )?;
                match self.recorded_case {
                    Some(RecordedCase::Failed) => {
                        writeln!(f, ", on the shrunk case recorded for it")?;
                    }
                    Some(RecordedCase::Passed) => writeln!(
                        f,
                        ", on its own case: the shrunk case recorded for it passed"
                    )?,
                    None => writeln!(f)?,
                }
            }
            (None, Some(_)) => writeln!(
                f,
                "waitsim: test `{}` failed (generator {}, shard {})",
                self.test, self.kind, self.shard
            )?,
            (None, None) => writeln!(f, "waitsim: test `{}` could not run", self.test)?,
        }
        let replayed = self.recorded_case == Some(RecordedCase::Failed);
        if let Some(shrunk) = &self.shrunk {
            Failure::write_input(f, shrunk, replayed)?;
        }
        writeln!(f, "{}", self.message)?;
        if let Some(trace) = &self.backtrace {
            writeln!(f, "the body's backtrace:\n{trace}")?;
        }
        if let Some(shrunk) = &self.shrunk {
            Failure::write_shrinking(f, shrunk, replayed)?;
        }
        self.write_replay(f)
    }
}

impl Failure {
    /// The report's lines on the failing input, before the message: the input shrunk (or
    /// not, and why), or for a `run` body, its draws from `sim.rng`; `replayed` where the
    /// case first found was the one recorded for the seed.
    fn write_input(f: &mut fmt::Formatter<'_>, shrunk: &Shrunk, replayed: bool) -> fmt::Result {
        let steps = plural(shrunk.steps, "step");
        let runs = plural(shrunk.runs, "run");
        if shrunk.input.is_empty() {
            // A `run` body: its input is what it drew.
            if let Some((found, draws)) = shrunk.draws {
                if replayed && shrunk.steps == 0 {
                    writeln!(
                        f,
                        "the body's {} from sim.rng, as recorded{}:",
                        plural(draws, "draw"),
                        Failure::no_simpler(shrunk, "case")
                    )?;
                } else if replayed {
                    writeln!(
                        f,
                        "the body's draws from sim.rng, as recorded, then shrunk further in \
                         {steps} ({runs} of the body) from {} to {}:",
                        plural(found, "draw"),
                        plural(draws, "draw")
                    )?;
                } else if shrunk.turned_off() {
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
        } else if replayed && shrunk.found == shrunk.input {
            writeln!(
                f,
                "input, as recorded{}:\n{}",
                Failure::no_simpler(shrunk, "input"),
                shrunk.input
            )?;
        } else if replayed {
            writeln!(
                f,
                "input, as recorded, then shrunk further in {steps} ({runs} of the body):\n{}",
                shrunk.input
            )?;
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
        Ok(())
    }

    /// What a recorded case that did not shrink further is said to be: the simplest there is,
    /// or as far as the budget let shrinking look.
    fn no_simpler(shrunk: &Shrunk, what: &str) -> String {
        if shrunk.turned_off() {
            format!(" (not shrunk further: a budget of {})", runs_or(shrunk))
        } else if shrunk.out_of_budget.is_some() {
            String::new()
        } else {
            format!(" (no simpler {what} fails)")
        }
    }

    /// The report's lines on shrinking, after the message: the input first found, and a
    /// budget that ran out.
    fn write_shrinking(f: &mut fmt::Formatter<'_>, shrunk: &Shrunk, replayed: bool) -> fmt::Result {
        if shrunk.found != shrunk.input {
            let first = if replayed {
                "the input recorded for this seed"
            } else {
                "the input first found at this seed"
            };
            writeln!(
                f,
                "{first}:\n{}\nwhich failed with: {}",
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
        Ok(())
    }

    /// The report's last lines: the replay commands, and where the seed was recorded.
    fn write_replay(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        } else if self.seed.is_some()
            && self.replay_with.binary.is_some()
            && self.replay_with.manifest_dir.is_none()
        {
            // A test binary run without cargo: said here too, for the note on stderr may have
            // gone with another test's captured output.
            writeln!(
                f,
                "not recorded: CARGO_MANIFEST_DIR is not set (cargo sets it), and it locates {}",
                super::REGRESSIONS_FILE
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

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

/// The budget that turned shrinking off, in words.
fn runs_or(shrunk: &Shrunk) -> &str {
    shrunk.out_of_budget.as_deref().unwrap_or("0 runs")
}

/// Fails the test with `failure`'s report, located at the test's call of the harness. Where
/// the report carries the body's backtrace, the harness's own is not printed beside it.
#[track_caller]
pub(super) fn fail(failure: &Failure) -> ! {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_command_names_the_seed_and_a_generator_other_than_the_default() {
        let failure = Failure {
            seed: Some(42),
            ..Failure::cannot_run(
                "retry::backs_off".into(),
                GeneratorKind::Cpython,
                "boom".into(),
            )
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
                manifest_dir: Some(PathBuf::from("/w/my crate")),
                vars: vec![("WAITSIM_SHRINK_RUNS".into(), "100".into())],
            }),
            ..Failure::cannot_run("check::caps".into(), GeneratorKind::Cpython, "boom".into())
        };
        assert_eq!(
            failure.replay().unwrap(),
            "WAITSIM_SEED=7 WAITSIM_RNG=cpython WAITSIM_SHRINK_RUNS=100 cargo test -p my-crate \
             --test it check::caps -- --exact"
        );
        assert_eq!(
            failure.replay_binary().unwrap(),
            "WAITSIM_SEED=7 WAITSIM_RNG=cpython WAITSIM_SHRINK_RUNS=100 \
             CARGO_MANIFEST_DIR='/w/my crate' /w/target/debug/deps/it-0a1b check::caps --exact"
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
                manifest_dir: None,
                vars: Vec::new(),
            }),
            ..Failure::cannot_run("retry_jitter".into(), GeneratorKind::ChaCha, "boom".into())
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
            ..Failure::cannot_run("t".into(), GeneratorKind::ChaCha, "3 fails".into())
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
            ..Failure::cannot_run("t".into(), GeneratorKind::ChaCha, "3 fails".into())
        };
        assert!(
            whole
                .to_string()
                .contains("input (it does not shrink):\n3\n3 fails\nreplay")
        );
    }

    #[test]
    fn a_recorded_case_says_whether_it_failed_or_passed_and_how_far_it_shrank_on() {
        let at = |recorded_case, shrunk: Shrunk| {
            Failure {
                seed: Some(5),
                recorded: Some(PathBuf::from("/c/waitsim-regressions.txt")),
                recorded_case: Some(recorded_case),
                shrunk: Some(Box::new(shrunk)),
                ..Failure::cannot_run("t".into(), GeneratorKind::ChaCha, "3 fails".into())
            }
            .to_string()
        };
        let as_recorded = Shrunk {
            input: "3".into(),
            message: "3 fails".into(),
            found: "3".into(),
            found_message: "3 fails".into(),
            steps: 0,
            runs: 12,
            out_of_budget: None,
            draws: None,
        };
        let failed = RecordedCase::Failed;
        assert_eq!(
            at(failed, as_recorded.clone()),
            "waitsim: test `t` failed at seed 5 (generator chacha, shard 1/1), on the shrunk \
             case recorded for it\n\
             input, as recorded (no simpler input fails):\n3\n3 fails\n\
             replay it with: WAITSIM_SEED=5 cargo test t -- --exact\n\
             recorded in /c/waitsim-regressions.txt (commit it: later runs try this seed first)\n"
        );
        let off = Shrunk {
            runs: 0,
            out_of_budget: Some("0 runs".into()),
            ..as_recorded.clone()
        };
        assert!(at(failed, off).contains(
            "\ninput, as recorded (not shrunk further: a budget of 0 runs):\n3\n3 fails\nreplay"
        ));
        let cut = Shrunk {
            runs: 5,
            out_of_budget: Some("5 runs".into()),
            ..as_recorded.clone()
        };
        let report = at(failed, cut);
        assert!(
            report.contains("\ninput, as recorded:\n3\n3 fails\nshrinking stopped after 5 runs"),
            "{report}"
        );
        let further = Shrunk {
            found: "977".into(),
            found_message: "977 fails".into(),
            steps: 2,
            ..as_recorded.clone()
        };
        let report = at(failed, further);
        assert!(
            report.contains(
                "\ninput, as recorded, then shrunk further in 2 steps (12 runs of the body):\n3\n\
                 3 fails\nthe input recorded for this seed:\n977\nwhich failed with: 977 fails\n"
            ),
            "{report}"
        );
        let drew = Shrunk {
            input: String::new(),
            found: String::new(),
            draws: Some((4, 1)),
            ..as_recorded.clone()
        };
        assert!(at(failed, drew.clone()).contains(
            "\nthe body's 1 draw from sim.rng, as recorded (no simpler case fails):\n3 fails\n"
        ));
        let passed = at(RecordedCase::Passed, drew);
        assert!(
            passed.starts_with(
                "waitsim: test `t` failed at seed 5 (generator chacha, shard 1/1), on its own \
                 case: the shrunk case recorded for it passed\n\
                 the body's draws from sim.rng, shrunk in 0 steps"
            ),
            "{passed}"
        );
    }
}
