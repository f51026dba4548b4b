//! Judging what a routine's process gave: a verdict for each check, with its first
//! counterexample. The checks the Rust routines share are the laws of [`waitsim::laws`], by
//! the same names; the rest are the Python exercise's own.
//!
//! Every verdict rests on evidence the code under test cannot write: the exchange is read by
//! [`protocol`](super::protocol)'s rules, and a broken rule fails `protocol` and leaves the
//! laws unjudged; the elapsed time and the `time.sleep` calls are waitsim's own count of the
//! clock's moves; the policy was read before any of the code ran.

use std::path::Path;

use waitsim::analysis::{Case, Scenario};
use waitsim::laws::first_difference;
use waitsim::{GeneratorKind, MaxDelay, Routine};

use super::catalogue::{
    ASCENDING, COMPARISON, COMPLETES, CONCURRENT, CONFORMS, Check, Comparison, IMPORT, IN_RANGE,
    LENGTH, MEASURE_TIME, NON_BLOCKING, POLICY, PROTOCOL, SHAPE, TASK, checks, input, replayed,
    returns_one,
};
use super::drive::DriverRun;
use super::model::{Counterexample, Row, Verdict, replay};
use super::protocol::{Answer, Answered, CaseInput, Import, Use, Value};

/// What waitsim's CPython generator draws for a case: the delays, ascending.
///
/// The case runs waitsim's own `routine`: every routine's delays are its draws, ascending.
/// The inputs hold an `n` of at least 1 for the routines that take one (see
/// [`input`](super::catalogue::input)), so `measure_time` is never refused for `n = 0` here.
fn expected(input: CaseInput, routine: Routine) -> Result<Vec<f64>, waitsim::Error> {
    let max_delay = input
        .max_delay
        .map_or(Ok(MaxDelay::DEFAULT), MaxDelay::new)?;
    let scenario = Scenario::new(routine, input.n.unwrap_or(1), max_delay);
    let case = Case {
        kind: GeneratorKind::Cpython,
        ..Case::new(scenario, input.seed)
    };
    Ok(case.run()?.delays)
}

/// The largest delay waitsim's CPython generator draws for a case.
pub fn largest_draw(input: CaseInput, routine: Routine) -> Option<f64> {
    expected(input, routine).ok()?.last().copied()
}

/// The delays a routine returned for each case that returned numbers, for comparing routines.
pub type Results = Vec<Option<Vec<f64>>>;

/// The note of a failed `conforms`.
const NOT_THE_DRAW: &str = "not the exercise's draw: after random.seed(seed), the delays are not random.uniform(0, max_delay) drawn once per wait";

use super::catalogue::NEEDED_TEXT as NEEDED;

/// How the policy is applied: whether uses beyond the exercise's needs that are not means of
/// tampering fail too (`--strict-policy`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    pub strict: bool,
}

/// The verdicts of one routine's checks as they are found: the first failure of each, and
/// why a check was skipped.
struct Verdicts<'a> {
    routine: Routine,
    dir: &'a Path,
    names: &'static [Check],
    failures: Vec<Option<(Counterexample, Option<String>)>>,
    skipped: Vec<Option<String>>,
    notes: Vec<Option<String>>,
    uses: Vec<Use>,
}

impl<'a> Verdicts<'a> {
    fn new(routine: Routine, dir: &'a Path) -> Self {
        let names = checks(routine);
        Verdicts {
            routine,
            dir,
            names,
            failures: vec![None; names.len()],
            skipped: vec![None; names.len()],
            notes: vec![None; names.len()],
            uses: Vec::new(),
        }
    }

    fn at(&self, check: Check) -> Option<usize> {
        self.names.iter().position(|c| *c == check)
    }

    fn has(&self, check: Check) -> bool {
        self.at(check).is_some()
    }

    /// Fails `check` with `example`, unless it has failed already.
    fn fail(&mut self, check: Check, example: Counterexample, note: Option<String>) {
        if let Some(at) = self.at(check) {
            self.failures[at].get_or_insert((example, note));
        }
    }

    /// A counterexample at one case.
    fn at_case(
        &self,
        input: &CaseInput,
        index: Option<usize>,
        expected: String,
        got: String,
    ) -> Counterexample {
        Counterexample {
            seed: Some(input.seed),
            n: input.n,
            max_delay: input.max_delay,
            index,
            expected,
            got,
            replay: replay(self.dir, Some(self.routine), Some(input.seed)),
        }
    }

    /// A counterexample of the whole routine, not of one case.
    fn whole(&self, expected: String, got: String) -> Counterexample {
        Counterexample {
            seed: None,
            n: None,
            max_delay: None,
            index: None,
            expected,
            got,
            replay: replay(self.dir, Some(self.routine), None),
        }
    }

    /// Skips every check not yet judged but those in `keep`.
    fn skip_all_but(&mut self, keep: &[Check], reason: &str) {
        for (at, check) in self.names.iter().enumerate() {
            if !keep.contains(check) && self.failures[at].is_none() {
                self.skipped[at] = Some(reason.to_string());
            }
        }
    }

    fn rows(self) -> Vec<Row> {
        let uses = self.uses;
        self.names
            .iter()
            .zip(self.failures.into_iter().zip(self.skipped))
            .zip(self.notes)
            .map(|((&check, (failure, skip)), note)| {
                let (verdict, note, counterexample) = match (failure, skip) {
                    (Some((example, failure_note)), _) => {
                        (Verdict::Fail, failure_note.or(note), Some(example))
                    }
                    (None, Some(reason)) => (Verdict::Skip, Some(reason), None),
                    (None, None) => (Verdict::Pass, note, None),
                };
                Row {
                    routine: self.routine,
                    check,
                    verdict,
                    note,
                    counterexample,
                    uses: if check == POLICY {
                        uses.clone()
                    } else {
                        Vec::new()
                    },
                    points: 0.0,
                    max_points: 0.0,
                }
            })
            .collect()
    }
}

/// The verdict of each check of one routine, and its results.
pub fn judge(
    routine: Routine,
    dir: &Path,
    inputs: &[CaseInput],
    outcome: &DriverRun,
    policy: Policy,
) -> (Vec<Row>, Results) {
    let mut verdicts = Verdicts::new(routine, dir);
    let exchange = &outcome.exchange;
    // What was read from the source, then what was refused at run time.
    let uses = exchange.policy.as_ref().map(|(_, uses)| {
        let mut all = uses.clone();
        all.extend(exchange.refused.iter().cloned());
        all
    });
    judge_policy(&mut verdicts, uses.as_ref(), policy);
    if !judge_protocol(&mut verdicts, inputs, outcome)
        || !judge_import(&mut verdicts, inputs, outcome)
    {
        return (verdicts.rows(), vec![None; inputs.len()]);
    }
    let values = judge_cases(&mut verdicts, inputs, outcome);
    (verdicts.rows(), values)
}

/// The `protocol` row: false, with every other check but `policy` skipped, when the exchange
/// broke the rules and nothing it reported is evidence.
fn judge_protocol(verdicts: &mut Verdicts<'_>, inputs: &[CaseInput], outcome: &DriverRun) -> bool {
    let Some(violation) = &outcome.exchange.violation else {
        return true;
    };
    let expected = "the driver's exchange, whole and in order";
    let example = match violation.case.and_then(|case| inputs.get(case)) {
        Some(input) => verdicts.at_case(input, None, expected.into(), violation.what.clone()),
        None => verdicts.whole(expected.into(), violation.what.clone()),
    };
    verdicts.fail(PROTOCOL, example, None);
    verdicts.skip_all_but(
        &[POLICY, PROTOCOL],
        "the exchange broke the protocol: nothing it reported is evidence",
    );
    false
}

/// The `import` and `shape` rows: false, with the checks of the calls skipped, when the
/// import failed.
fn judge_import(verdicts: &mut Verdicts<'_>, inputs: &[CaseInput], outcome: &DriverRun) -> bool {
    let routine = verdicts.routine;
    let example = match &outcome.exchange.import {
        Some(Import::Failed(error)) => verdicts.whole(
            format!("`{routine}` imported as the exercise's main programs import it"),
            error.clone(),
        ),
        None => {
            let got = outcome
                .ended
                .clone()
                .unwrap_or_else(|| "the Python process said nothing".into());
            verdicts.at_case(&inputs[0], None, "the module to import".into(), got)
        }
        Some(Import::Done {
            shape: Some(problem),
        }) => {
            let example = verdicts.whole("the exercise's signature".into(), problem.clone());
            verdicts.fail(SHAPE, example, None);
            return true;
        }
        Some(Import::Done { shape: None }) => return true,
    };
    verdicts.fail(IMPORT, example, None);
    verdicts.skip_all_but(&[IMPORT, POLICY, PROTOCOL], "the import failed");
    false
}

/// The rows of the calls, case by case; the delays each case returned, where it returned
/// numbers.
fn judge_cases(verdicts: &mut Verdicts<'_>, inputs: &[CaseInput], outcome: &DriverRun) -> Results {
    let routine = verdicts.routine;
    let mut values = vec![None; inputs.len()];
    let mut ran = 0;
    for (at, input) in inputs.iter().enumerate() {
        let Some(answered) = outcome.exchange.answered.get(at) else {
            let note = outcome.ended.clone().unwrap_or_else(|| "no result".into());
            let example = verdicts.at_case(input, None, "a result".into(), note);
            verdicts.fail(COMPLETES, example, None);
            break;
        };
        let Some(value) = judge_call(verdicts, input, answered) else {
            continue;
        };
        ran += 1;
        let Ok(draws) = expected(*input, routine) else {
            continue;
        };
        if routine == Routine::MeasureTime {
            judge_measure(verdicts, input, value, answered, &draws);
        } else {
            values[input.case] = judge_delays(verdicts, input, value, answered, &draws);
        }
    }
    if ran == 0 {
        verdicts.skip_all_but(
            &[IMPORT, SHAPE, COMPLETES, TASK, POLICY, PROTOCOL],
            "no case ran",
        );
    }
    values
}

/// The `policy` row: a use that tampers fails; any other use beyond the exercise's needs is
/// listed in the note, and fails only when the policy is strict.
fn judge_policy(verdicts: &mut Verdicts<'_>, uses: Option<&Vec<Use>>, policy: Policy) {
    let Some(uses) = uses else {
        return;
    };
    let own = super::catalogue::ROUTINES
        .iter()
        .find(|(r, _)| *r == verdicts.routine)
        .map_or("", |(_, file)| *file);
    let list = |uses: &mut dyn Iterator<Item = &Use>| {
        uses.map(|u| {
            if u.line == 0 && u.file == "?" {
                // Found at run time, with no line to point at (a library name rebound).
                u.what.clone()
            } else if u.file == own {
                format!("line {}: {}", u.line, u.what)
            } else {
                format!("{} line {}: {}", u.file, u.line, u.what)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
    };
    let tampering: Vec<&Use> = uses.iter().filter(|u| u.tampers).collect();
    if !tampering.is_empty() {
        let example = verdicts.whole(
            format!("only what the exercise needs ({NEEDED}), and no reaching into the grader"),
            list(&mut tampering.iter().copied()),
        );
        verdicts.fail(POLICY, example, None);
    } else if !uses.is_empty() {
        let others = list(&mut uses.iter());
        if policy.strict {
            let example = verdicts.whole(
                format!("only what the exercise needs ({NEEDED}), under --strict-policy"),
                others,
            );
            verdicts.fail(POLICY, example, None);
        } else if let Some(at) = verdicts.at(POLICY) {
            verdicts.notes[at] = Some(format!("uses beyond the exercise's needs: {others}"));
        }
    }
    verdicts.uses.clone_from(uses);
}

/// The checks of every call: it returned, it returned a task where one is due, it did not
/// block. The value it returned, if it returned one.
fn judge_call<'e>(
    verdicts: &mut Verdicts<'_>,
    input: &CaseInput,
    answered: &'e Answered,
) -> Option<&'e Value> {
    let value = match &answered.answer {
        Answer::Raised(error) => {
            let example = verdicts.at_case(
                input,
                None,
                "a result".into(),
                format!("an exception: {error}"),
            );
            verdicts.fail(COMPLETES, example, None);
            return None;
        }
        Answer::Returned { value, task } => {
            if let Some((false, returned)) = task {
                let example = verdicts.at_case(
                    input,
                    None,
                    "an asyncio.Task".into(),
                    format!("a {returned}"),
                );
                verdicts.fail(TASK, example, None);
            }
            value
        }
    };
    if answered.sleeps > 0 {
        let example = verdicts.at_case(
            input,
            None,
            "no call of time.sleep".into(),
            format!(
                "{} calls: each holds up the whole event loop",
                answered.sleeps
            ),
        );
        verdicts.fail(NON_BLOCKING, example, None);
    }
    Some(value)
}

/// `measure_time`: its result is the elapsed time waitsim measured, over `n`, and that time
/// is the largest delay, as concurrent waits take.
fn judge_measure(
    verdicts: &mut Verdicts<'_>,
    input: &CaseInput,
    value: &Value,
    answered: &Answered,
    draws: &[f64],
) {
    let elapsed = answered.elapsed;
    let n = input.n.unwrap_or(1) as f64;
    let largest = draws.last().copied().unwrap_or(0.0);
    let max = input.max_delay.unwrap_or(MaxDelay::DEFAULT.as_secs_f64());
    match value.float() {
        Some(got) if measured(got, elapsed, n) => {}
        _ => {
            let example = verdicts.at_case(
                input,
                None,
                format!("{} (the {elapsed} s it took, over n)", elapsed / n),
                value.show(),
            );
            verdicts.fail(MEASURE_TIME, example, None);
        }
    }
    // Concurrent waits take the largest delay; waits one after another, the sum.
    let sum: f64 = draws.iter().sum();
    if close(elapsed, largest) {
        // The exercise's draw, in the time concurrent waits take: were they set together?
        judge_started_together(verdicts, input, answered.first_waits.as_deref(), draws);
    } else if elapsed > max * (1.0 + 1e-9) + 1e-9 || (draws.len() > 1 && close(elapsed, sum)) {
        let example = verdicts.at_case(
            input,
            None,
            format!("{largest} s of virtual time (the largest delay)"),
            format!("{elapsed} s (the delays add up to {sum} s)"),
        );
        verdicts.fail(CONCURRENT, example, None);
    } else {
        let example = verdicts.at_case(
            input,
            None,
            format!("{largest} s, the largest of the exercise's draws"),
            format!("{elapsed} s"),
        );
        verdicts.fail(CONFORMS, example, Some(NOT_THE_DRAW.into()));
    }
}

/// The routines that return delays, one or a list of `n`: length, range, order, time and
/// draw. The delays, if they are numbers.
fn judge_delays(
    verdicts: &mut Verdicts<'_>,
    input: &CaseInput,
    value: &Value,
    answered: &Answered,
    draws: &[f64],
) -> Option<Vec<f64>> {
    let max = input.max_delay.unwrap_or(MaxDelay::DEFAULT.as_secs_f64());
    let list: Vec<Value> = match (returns_one(verdicts.routine), &value.items) {
        (true, _) => vec![value.clone()],
        (false, Some(items)) => items.clone(),
        (false, None) => {
            let example = verdicts.at_case(input, None, "a list of delays".into(), value.show());
            verdicts.fail(LENGTH, example, None);
            return None;
        }
    };
    if let Some(n) = input.n
        && list.len() != n
    {
        let example = verdicts.at_case(
            input,
            None,
            format!("{n} delays"),
            format!("{}", list.len()),
        );
        verdicts.fail(LENGTH, example, None);
    }
    let many = input.n.is_some();
    if let Some(index) = list
        .iter()
        .position(|v| !v.float().is_some_and(|f| (0.0..=max).contains(&f)))
    {
        let example = verdicts.at_case(
            input,
            many.then_some(index),
            format!("a float in [0, {max}]"),
            list[index].show(),
        );
        verdicts.fail(IN_RANGE, example, None);
    }
    // Order, time and draw are judged on the numbers, floats or not.
    let got = list
        .iter()
        .map(Value::number)
        .collect::<Option<Vec<f64>>>()?;
    judge_numbers(verdicts, input, &got, answered, draws);
    Some(got)
}

/// Order, time and draw, judged on the numbers a routine returned: they are ascending, they
/// took as long as the largest, and they are the exercise's draws.
fn judge_numbers(
    verdicts: &mut Verdicts<'_>,
    input: &CaseInput,
    got: &[f64],
    answered: &Answered,
    draws: &[f64],
) {
    let elapsed = answered.elapsed;
    let many = input.n.is_some();
    if let Some(index) = got.windows(2).position(|w| w[0] > w[1]) {
        let example = verdicts.at_case(
            input,
            Some(index + 1),
            format!("at least {}", got[index]),
            got[index + 1].to_string(),
        );
        verdicts.fail(ASCENDING, example, None);
    }
    let got_largest = got.iter().copied().fold(0.0, f64::max);
    if verdicts.has(CONCURRENT) && !close(elapsed, got_largest) {
        let sum: f64 = got.iter().sum();
        let example = verdicts.at_case(
            input,
            None,
            format!("{got_largest} s (the largest delay)"),
            format!("{elapsed} s (the delays add up to {sum} s)"),
        );
        verdicts.fail(CONCURRENT, example, None);
    }
    let sorted = ascending(got);
    if let Some(index) = first_difference(draws, &sorted) {
        let example = verdicts.at_case(
            input,
            many.then_some(index),
            show_at(draws, index),
            show_at(&sorted, index),
        );
        verdicts.fail(CONFORMS, example, Some(NOT_THE_DRAW.into()));
    } else if many && close(elapsed, got_largest) {
        // The exercise's draws, in the time concurrent waits take: were they set together?
        judge_started_together(verdicts, input, answered.first_waits.as_deref(), &sorted);
    }
}

/// `concurrent`, from what was waiting when the clock first moved. Concurrent waits have all
/// been set by then, so each of the case's delays has a wait of its length among them; waits
/// made one after another are set one at a time. The elapsed time alone is not evidence
/// enough: waiting `delay - loop.time()` one wait after another also takes the largest delay.
/// Judged only on a case whose delays are the exercise's draws, in the time concurrent waits
/// take; when either is wrong, the other rows say so.
fn judge_started_together(
    verdicts: &mut Verdicts<'_>,
    input: &CaseInput,
    first_waits: Option<&[f64]>,
    delays: &[f64],
) {
    let delays: Vec<f64> = ascending(delays).into_iter().filter(|&d| d > 0.0).collect();
    // The clock never moved: no delay was positive, or the time came from `time.sleep`,
    // which `non-blocking` fails.
    let Some(waits) = first_waits else { return };
    let set = together(&delays, waits);
    if set < delays.len() {
        let example = verdicts.at_case(
            input,
            None,
            format!(
                "a wait for each of the {} delays, set before the clock first moved",
                delays.len()
            ),
            format!("{set} of them set by then: the others were set later, one wait after another"),
        );
        verdicts.fail(CONCURRENT, example, None);
    }
}

/// How many of `delays` (ascending) have a wait of their length among `waits` (ascending),
/// each wait counted once.
fn together(delays: &[f64], waits: &[f64]) -> usize {
    let mut found = 0;
    let mut next = 0;
    for &delay in delays {
        while next < waits.len() && waits[next] < delay && !close(waits[next], delay) {
            next += 1;
        }
        if next < waits.len() && close(waits[next], delay) {
            found += 1;
            next += 1;
        }
    }
    found
}

/// Whether two times agree to within the resolution of asyncio's float clock. (Python's
/// event loop has no timer tick: a wait ends at its own float deadline.)
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Whether `got` is `elapsed` over `n`, as a clock read to the microsecond gives it: two
/// `datetime.now()` are a microsecond apart at best, and every other clock of the `time`
/// module is finer.
fn measured(got: f64, elapsed: f64, n: f64) -> bool {
    close(got, elapsed / n) || (got * n - elapsed).abs() <= 1e-6
}

fn ascending(delays: &[f64]) -> Vec<f64> {
    let mut sorted = delays.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The delay at `index`, or "nothing" past the end.
fn show_at(delays: &[f64], index: usize) -> String {
    delays
        .get(index)
        .map_or("nothing".to_string(), ToString::to_string)
}

/// The [`COMPARISON`]'s row: `task_wait_n` gives what `wait_n` gives for the same seed, as
/// multisets (the order is `ascending`'s business). `None` unless `task_wait_n` was checked.
pub fn comparison(results: &[(Routine, Results)], dir: &Path, seeds: &[u64]) -> Option<Row> {
    let find = |wanted| {
        results
            .iter()
            .find(|(routine, _)| *routine == wanted)
            .map(|(_, values)| values)
    };
    let Comparison {
        routine,
        with,
        check,
    } = COMPARISON;
    let compared = find(routine)?;
    let mut row = Row {
        routine,
        check,
        verdict: Verdict::Pass,
        note: None,
        counterexample: None,
        uses: Vec::new(),
        points: 0.0,
        max_points: 0.0,
    };
    let Some(with_values) = find(with) else {
        row.verdict = Verdict::Skip;
        row.note = Some(format!("{with} was not checked"));
        return Some(row);
    };
    for ((i, t), j) in compared.iter().enumerate().zip(with_values) {
        let (Some(t), Some(j)) = (t, j) else { continue };
        let (t, j) = (ascending(t), ascending(j));
        if let Some(index) = first_difference(&j, &t) {
            let input = input(routine, i, seeds[i]);
            row.verdict = Verdict::Fail;
            row.counterexample = Some(Counterexample {
                seed: Some(input.seed),
                n: input.n,
                max_delay: input.max_delay,
                index: Some(index),
                expected: format!("{} (from {with})", show_at(&j, index)),
                got: show_at(&t, index),
                replay: replay(dir, replayed(routine, check), Some(input.seed)),
            });
            break;
        }
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_routine_expects_the_draws_of_its_seed_in_ascending_order() {
        // The routines of a seed share its inputs, so those that run n waits expect what
        // `wait_n` draws, and the single waits what `wait_random` draws.
        for seed in 0..120 {
            let many = input(Routine::WaitN, 0, seed);
            let draws = expected(many, Routine::WaitN).unwrap();
            assert_eq!(draws.len(), many.n.unwrap(), "seed {seed}");
            assert!(draws.is_sorted(), "seed {seed}");
            for routine in [Routine::MeasureTime, Routine::TaskWaitN] {
                let case = input(routine, 0, seed);
                assert_eq!(
                    expected(case, routine).unwrap(),
                    draws,
                    "{routine} seed {seed}"
                );
            }
            let one = input(Routine::TaskWaitRandom, 0, seed);
            let draw = expected(one, Routine::WaitRandom).unwrap();
            assert_eq!(draw.len(), 1, "seed {seed}");
            assert_eq!(
                expected(one, Routine::TaskWaitRandom).unwrap(),
                draw,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn each_delay_is_matched_by_a_wait_of_its_own() {
        // All set together, with a timeout's timer besides.
        assert_eq!(together(&[1.0, 2.5, 3.0], &[1.0, 2.5, 3.0, 60.0]), 3);
        // One after another: only the first was set when the clock first moved.
        assert_eq!(together(&[1.0, 2.5, 3.0], &[1.0]), 1);
        // Two equal delays need two waits; a wait a nanosecond off still counts.
        assert_eq!(together(&[2.0, 2.0], &[2.0]), 1);
        assert_eq!(together(&[2.0, 2.0], &[2.0, 2.0 + 1e-12]), 2);
        // Waits of other lengths are no evidence.
        assert_eq!(together(&[1.0, 2.0], &[0.5, 1.5, 2.5]), 0);
        assert_eq!(together(&[], &[]), 0);
    }

    #[test]
    fn times_agree_within_a_nanosecond_scaled() {
        assert!(close(10.0, 10.0 + 5e-9));
        assert!(!close(10.0, 10.0 + 2e-8));
        assert!(close(0.0, 5e-10));
    }

    #[test]
    fn a_measure_read_to_the_microsecond_agrees_and_a_wrong_one_does_not() {
        // 8.444218515250482 s over 5, as two datetimes a microsecond apart give it.
        assert!(measured(1.6888438, 8.444218515250482, 5.0));
        assert!(measured(8.444218515250482 / 5.0, 8.444218515250482, 5.0));
        // The total, not over n; a time off by ten microseconds.
        assert!(!measured(8.444218515250482, 8.444218515250482, 5.0));
        assert!(!measured(1.688845, 8.444218515250482, 5.0));
    }
}
