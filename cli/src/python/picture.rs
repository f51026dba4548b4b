//! `check-python --svg FILE`: the learner's own code on the virtual clock, as a picture. One case
//! of one routine is run again with every timer reported, and drawn as a Gantt chart: each
//! timer (an `asyncio.sleep` sets one) a bar from when it was set to when it was due, on the
//! clock waitsim keeps, with the elapsed time and the largest delay marked.

use std::path::Path;

use waitsim::Routine;

use super::catalogue::{self, ROUTINES};
use super::copy;
use super::drive::{self, Job, Limits};
use super::judge;
use super::model::{FolderReport, Verdict};
use super::probe::Python;
use crate::exit::Exit;
use crate::output::OutputFile;
use crate::plot;

/// The routines a picture can show, in the order one is chosen: those that wait more than once
/// first.
const DRAWN: [Routine; 5] = [
    Routine::WaitN,
    Routine::TaskWaitN,
    Routine::MeasureTime,
    Routine::WaitRandom,
    Routine::TaskWaitRandom,
];

/// The routine and seed to draw: `only` if given, else the first routine that failed, else
/// `wait_n`; the seed of its first counterexample, else the first seed.
pub fn choose(
    report: &FolderReport,
    only: Option<Routine>,
    first_seed: u64,
) -> Option<(Routine, u64)> {
    let checked = |routine: &Routine| report.rows.iter().any(|row| row.routine == *routine);
    let routine = only.or_else(|| {
        DRAWN
            .into_iter()
            .filter(checked)
            .find(|&routine| {
                report
                    .rows
                    .iter()
                    .any(|row| row.routine == routine && row.verdict == Verdict::Fail)
            })
            .or_else(|| DRAWN.into_iter().find(checked))
    })?;
    let seed = report
        .rows
        .iter()
        .filter(|row| row.routine == routine && row.verdict == Verdict::Fail)
        .find_map(|row| row.counterexample.as_ref()?.seed)
        .unwrap_or(first_seed);
    Some((routine, seed))
}

/// Runs the chosen case again, recording its timers, and draws it into `file`.
pub fn draw(
    file: OutputFile,
    python: &Python,
    dir: &Path,
    report: &FolderReport,
    (only, first_seed): (Option<Routine>, u64),
    limits: Limits,
) -> Result<(), Exit> {
    let cannot = |why: &str| Exit::environment(format!("cannot draw the picture: {why}"));
    let (routine, seed) =
        choose(report, only, first_seed).ok_or_else(|| cannot("no routine was checked"))?;
    let &(_, routine_file) = ROUTINES
        .iter()
        .find(|(r, _)| *r == routine)
        .ok_or_else(|| cannot("no such routine"))?;
    if !dir.join(routine_file).is_file() {
        return Err(cannot(&format!("`{routine_file}` is missing")));
    }
    let input = catalogue::input(routine, 0, seed);
    let job = Job {
        routine,
        file: routine_file,
        record: true,
    };
    let copy = copy::private(dir)?;
    let outcome = drive::drive(python, &copy, job, &[input], limits)?;
    let Some(answered) = outcome.exchange.answered.first() else {
        let why = outcome
            .exchange
            .violation
            .map(|v| v.what)
            .or(outcome.ended)
            .unwrap_or_else(|| "the case did not run".into());
        return Err(cannot(&why));
    };
    let largest = judge::largest_draw(input, routine).unwrap_or(0.0);
    let mut case = format!("seed {seed}");
    if let Some(n) = input.n {
        case += &format!(", n {n}");
    }
    if let Some(max_delay) = input.max_delay {
        case += &format!(", max_delay {max_delay}");
    }
    let title = format!("{}: {routine}, {case}", dir.display());
    plot::timers_svg(
        file.path(),
        &answered.timers,
        answered.elapsed,
        largest,
        &title,
    )
    .map_err(|err| cannot(&err.to_string()))?;
    file.commit()
}
