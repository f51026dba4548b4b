//! One body's runs: a run on one seed through the runner, with its value, virtual time,
//! draws and conditions; a seed run twice for the determinism check; and a failing seed
//! shrunk.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::backtrace::Backtrace;
use std::sync::{Mutex, PoisonError};

use super::coverage::Reached;
use super::env::Budget;
use super::failure::{RecordedCase, Shrunk};
use super::regressions::StoredCase;
use super::shrink::{self, Case, Draws, INPUT, Spent, WORDS};
use super::sim::{Outcome, Sim};
use crate::delay::secs_f64;
use crate::rng::{Generator, GeneratorKind};
use crate::runner::{self, Stopped};

/// What one run of a seed gave: its value as JSON, and the evidence the determinism check
/// compares beside it.
#[derive(Debug, Default)]
pub(super) struct Trace {
    pub(super) value: Vec<u8>,
    /// The virtual time the body took, where the harness ran it.
    pub(super) elapsed: Option<Duration>,
    /// The words the body drew from `sim.rng`, where the harness made it.
    pub(super) draws: Option<u64>,
    /// The `sometimes` conditions it reached.
    pub(super) reached: BTreeMap<String, bool>,
    /// The input, as `{:#?}` shows it, for a body with one.
    pub(super) input: Option<String>,
}

/// A seed that failed: what went wrong, and its shrinking where there was a case to shrink.
#[derive(Debug)]
pub(super) struct Failed {
    pub(super) message: String,
    pub(super) shrunk: Option<Box<Shrunk>>,
    /// Whether the determinism check failed (each run alone passed).
    pub(super) from_determinism: bool,
    /// The body's backtrace at the (shrunk) failure, when `RUST_BACKTRACE` asks for one.
    pub(super) backtrace: Option<String>,
    /// The shrunk case's draws, to keep beside the seed, where they make it again and
    /// shrinking simplified them.
    pub(super) case: Option<StoredCase>,
    /// Whether a shrunk case recorded for the seed ran, and whether it was what failed.
    pub(super) recorded_case: Option<RecordedCase>,
}

impl From<String> for Failed {
    fn from(message: String) -> Failed {
        Failed {
            message,
            shrunk: None,
            from_determinism: false,
            backtrace: None,
            case: None,
            recorded_case: None,
        }
    }
}

/// What a loop knows of a seed before running it.
#[derive(Clone, Debug)]
pub(super) struct Context {
    /// The test's name, for what is said on the way.
    // Only `check` (the `proptest` feature) says anything of a recorded case's input.
    #[cfg_attr(not(feature = "proptest"), allow(dead_code))]
    pub(super) test: String,
    pub(super) seed: u64,
    pub(super) kind: GeneratorKind,
    /// Shrinking's budget.
    pub(super) shrink: Budget,
    /// The shrunk case recorded for the seed, run before the seed's own case.
    pub(super) stored: Option<StoredCase>,
    /// What the regressions file says failed on that case.
    #[cfg_attr(not(feature = "proptest"), allow(dead_code))]
    pub(super) stored_note: String,
}

/// How a body failed: a shrunk case must fail the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum How {
    /// It returned an error.
    Error,
    /// It panicked.
    Panic,
    /// It did not end within the virtual-time limit.
    Hang,
    /// No runtime could be built for it.
    NoRuntime,
}

/// A run of a body that failed.
#[derive(Debug)]
pub(super) struct BodyFailed {
    pub(super) how: How,
    pub(super) message: String,
    pub(super) backtrace: Option<Backtrace>,
}

impl From<BodyFailed> for Failed {
    fn from(failed: BodyFailed) -> Failed {
        Failed {
            backtrace: failed.backtrace.map(|trace| trace.to_string()),
            ..Failed::from(failed.message)
        }
    }
}

/// Where `sim.rng`'s words come from.
#[derive(Clone, Debug)]
pub(super) enum Source {
    /// The generator of the seed's kind, seeded with it.
    Seeded,
    /// These words, then zeros: a shrunk case's.
    Replay(Arc<[u64]>),
}

impl Source {
    /// The source of a candidate's words: the seeded generator where the words are fixed
    /// (not shrunk), else these words.
    fn of(fixed: bool, words: &[u64]) -> Source {
        if fixed {
            Source::Seeded
        } else {
            Source::Replay(words.into())
        }
    }

    /// The source of a recorded case's words.
    pub(super) fn stored(case: &StoredCase) -> Source {
        case.words
            .as_deref()
            .map_or(Source::Seeded, |words| Source::of(false, words))
    }
}

/// One run of a body: how it went, and the words it drew from `sim.rng`, if it drew no
/// more than are kept.
#[derive(Debug)]
pub(super) struct BodyRun {
    pub(super) outcome: Result<Trace, BodyFailed>,
    pub(super) words: Option<Vec<u64>>,
}

impl BodyRun {
    /// The run's trace, or its failure with the words it drew.
    pub(super) fn failure(self) -> Result<Trace, FirstFailure> {
        match self.outcome {
            Ok(trace) => Ok(trace),
            Err(failed) => Err(FirstFailure {
                failed,
                words: self.words,
            }),
        }
    }
}

/// A run of a body that failed, with the words it drew from `sim.rng` (if it drew no more
/// than are kept): where shrinking starts.
#[derive(Debug)]
pub(super) struct FirstFailure {
    pub(super) failed: BodyFailed,
    pub(super) words: Option<Vec<u64>>,
}

/// Runs `body` with a [`Sim`] for one seed through the runner, its panics kept quiet: the
/// value, the virtual time, the draws and the conditions reached, or how it failed.
pub(super) fn run_body<F, R>(
    seed: u64,
    kind: GeneratorKind,
    source: &Source,
    body: impl FnOnce(Sim) -> F,
) -> BodyRun
where
    F: Future<Output = R>,
    R: Outcome,
{
    let tally = Arc::new(AtomicU64::new(0));
    let log = Arc::new(Mutex::new(None));
    let reached = Reached::default();
    let rng = match source {
        Source::Seeded => kind.generator(seed),
        Source::Replay(words) => Generator::replaying(kind, Arc::clone(words)),
    };
    let sim = Sim {
        seed,
        kind,
        rng: rng.tallied(Arc::clone(&tally)).logged(Arc::clone(&log)),
        reached: reached.clone(),
    };
    // The runtime, and the generator with it, is gone when the runner returns.
    let (ran, caught) = runner::quietly(|| runner::on_virtual_clock(body(sim)));
    let words = log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .flatten();
    let outcome = match ran {
        Ok(ran) => match ran.value.into_outcome() {
            Ok(value) => Ok(Trace {
                value,
                elapsed: Some(ran.elapsed),
                draws: Some(tally.load(Ordering::Relaxed)),
                reached: reached.take(),
                input: None,
            }),
            Err(message) => Err(BodyFailed {
                how: How::Error,
                message,
                backtrace: None,
            }),
        },
        Err(stopped) => Err(stopped_body(&stopped, caught)),
    };
    BodyRun { outcome, words }
}

/// What the report says of a body that did not return, with where it panicked.
pub(super) fn stopped_body(stopped: &Stopped, caught: Option<runner::Caught>) -> BodyFailed {
    let (location, backtrace) = caught.map_or((None, None), |c| (c.location, c.backtrace));
    let (how, message) = match (stopped, location) {
        (Stopped::Panicked(message), Some(at)) => {
            (How::Panic, format!("the body panicked at {at}: {message}"))
        }
        (Stopped::Panicked(_), None) => (How::Panic, stopped.of_body()),
        (Stopped::Hung, _) => (How::Hang, stopped.of_body()),
        (Stopped::NoRuntime(_), _) => (How::NoRuntime, stopped.of_body()),
    };
    BodyFailed {
        how,
        message,
        backtrace,
    }
}

/// A failing seed, shrunk: `first` is the first run's failure (with `found`, the input as
/// shown, and the words it drew), and `run` regenerates the input from its draws and runs
/// the body on it with `sim.rng`'s words from the source, giving the input as shown and the
/// run, or `None` if the draws give no input. The input's draws are `input` (none for a body
/// without an input), or `None` when the input is not made from them (then it stays as it
/// is, and the shrunk case is not kept).
pub(super) fn shrink_failure(
    found: String,
    first: FirstFailure,
    input: Option<Vec<u8>>,
    spent: &mut Spent,
    steps_before: u64,
    mut run: impl FnMut(&[u8], &Source) -> Option<(String, BodyRun)>,
) -> Shrinking {
    let found_draws = first.words.as_ref().map_or(0, Vec::len);
    let first_failed = first.failed;
    let how = first_failed.how;
    let fixed = [input.is_none(), first.words.is_none()];
    let start = Case {
        draws: Draws::new([
            input.as_deref().map(shrink::from_bytes).unwrap_or_default(),
            first.words.unwrap_or_default(),
        ]),
        detail: (found.clone(), first_failed, found_draws),
    };
    let found_message = start.detail.1.message.clone();
    let (best, steps) = if fixed == [true, true] {
        (start, 0)
    } else {
        shrink::shrink(start, fixed, spent, |draws| {
            let source = Source::of(fixed[WORDS], &draws.parts[WORDS]);
            let (shown, ran) = run(&shrink::to_bytes(&draws.parts[INPUT]), &source)?;
            let failed = ran.outcome.err().filter(|failed| failed.how == how)?;
            let words = if fixed[WORDS] { Vec::new() } else { ran.words? };
            let drawn = words.len();
            Some(Case {
                draws: Draws::new([draws.parts[INPUT].clone(), words]),
                detail: (shown, failed, drawn),
            })
        })
    };
    let (input, failed, draws) = best.detail;
    let shrunk = Shrunk {
        input,
        message: failed.message.clone(),
        found,
        found_message,
        steps: steps_before + steps,
        runs: spent.runs,
        out_of_budget: spent.out_of_budget.clone(),
        draws: (!fixed[WORDS]).then_some((found_draws as u64, draws as u64)),
    };
    let source = Source::of(fixed[WORDS], &best.draws.parts[WORDS]);
    let input_bytes = shrink::to_bytes(&best.draws.parts[INPUT]);
    // A case is worth keeping where its draws make it again and shrinking simplified them (a
    // case not shrunk is the seed's own, which the seed makes again).
    let kept = steps > 0 && !fixed[INPUT];
    let case = kept.then(|| StoredCase {
        input: input_bytes.clone(),
        words: (!fixed[WORDS]).then(|| best.draws.parts[WORDS].clone()),
    });
    Shrinking {
        failed: Failed {
            shrunk: Some(Box::new(shrunk)),
            case,
            ..failed.into()
        },
        input: input_bytes,
        source,
        how,
    }
}

/// A failing seed shrunk through its draws: the failure, the shrunk input's draws and
/// `sim.rng`'s, and how it failed.
#[derive(Debug)]
// Only `check` (the `proptest` feature) reads the input's draws and their source.
#[cfg_attr(not(feature = "proptest"), allow(dead_code))]
pub(super) struct Shrinking {
    pub(super) failed: Failed,
    pub(super) input: Vec<u8>,
    pub(super) source: Source,
    pub(super) how: How,
}

/// Runs one seed (twice, comparing, for the determinism check), turning a panic into a
/// message. Returns the conditions the (first) run reached.
pub(super) fn run_seed(
    once: &impl Fn(&Context) -> Result<Trace, Failed>,
    context: &Context,
    twice: bool,
) -> Result<BTreeMap<String, bool>, Failed> {
    let attempt = || {
        let (ran, caught) = runner::quietly(|| runner::blocking(|| once(context)));
        ran.unwrap_or_else(|stopped| Err(stopped_body(&stopped, caught).into()))
    };
    let first = attempt()?;
    if twice {
        let second = attempt()?;
        let differences = differences(&first, &second);
        if !differences.is_empty() {
            let differed = differences.join("; and in ");
            let message = match &first.input {
                Some(input) => format!(
                    "not deterministic: two runs of the same seed, on the input\n{input}\n\
                     differed in {differed}"
                ),
                None => {
                    format!("not deterministic: two runs of the same seed differed in {differed}")
                }
            };
            return Err(Failed {
                from_determinism: true,
                ..Failed::from(message)
            });
        }
    }
    Ok(first.reached)
}

/// How two runs of one seed differ: in the value returned, the virtual time taken, the draws
/// made; empty if in none.
fn differences(first: &Trace, second: &Trace) -> Vec<String> {
    let mut differ = Vec::new();
    let (a, b) = (&first.value, &second.value);
    if let Some(at) = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
    {
        differ.push(format!(
            "the value returned, first at byte {at}: `{}` against `{}`",
            excerpt(a, at),
            excerpt(b, at)
        ));
    }
    if let (Some(a), Some(b)) = (first.elapsed, second.elapsed)
        && a != b
    {
        differ.push(format!(
            "the virtual time taken: {} s against {} s",
            secs_f64(a),
            secs_f64(b)
        ));
    }
    if let (Some(a), Some(b)) = (first.draws, second.draws)
        && a != b
    {
        differ.push(format!("the draws from sim.rng: {a} against {b}"));
    }
    differ
}

/// Up to 40 bytes of JSON around `at`, as text.
fn excerpt(json: &[u8], at: usize) -> String {
    let start = at.saturating_sub(20);
    let end = (at + 20).min(json.len());
    String::from_utf8_lossy(json.get(start..end).unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(value: &str, elapsed: u64, draws: u64) -> Trace {
        Trace {
            value: value.as_bytes().to_vec(),
            elapsed: Some(Duration::from_millis(elapsed)),
            draws: Some(draws),
            reached: BTreeMap::new(),
            input: None,
        }
    }

    #[test]
    fn two_runs_differ_in_whichever_of_value_time_and_draws_differ() {
        assert!(differences(&trace("[1]", 5, 2), &trace("[1]", 5, 2)).is_empty());
        assert_eq!(
            differences(&trace("[1]", 5, 2), &trace("[2]", 5, 2)),
            ["the value returned, first at byte 1: `[1]` against `[2]`"]
        );
        assert_eq!(
            differences(&trace("[1]", 5, 2), &trace("[1]", 1500, 2)),
            ["the virtual time taken: 0.005 s against 1.5 s"]
        );
        assert_eq!(
            differences(&trace("[1]", 5, 2), &trace("[1]", 5, 3)),
            ["the draws from sim.rng: 2 against 3"]
        );
        assert_eq!(
            differences(&trace("[1]", 5, 2), &trace("[1, 2]", 6, 3)).len(),
            3
        );
        let blocking = Trace {
            value: b"1".to_vec(),
            ..Trace::default()
        };
        assert!(differences(&blocking, &blocking).is_empty());
    }
}
