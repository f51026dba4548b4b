//! The text report: a table of one folder's checks, or a summary of many folders, each with
//! its first failure.

use std::fmt::Write as _;

use super::super::catalogue::ROUTINES;
use super::super::model::{Counterexample, FolderReport, Verdict};
use super::super::points::show;
use super::explain::case;

/// A counterexample's case, as `seed 3, n 5, max_delay 10, index 1: `.
fn case_prefix(example: &Counterexample) -> String {
    let case = case(example);
    if case.is_empty() {
        case
    } else {
        format!("{case}: ")
    }
}

/// A counterexample under its check: the case, what was expected and got, and the replay.
fn write_counterexample(text: &mut String, example: &Counterexample) {
    let _ = writeln!(
        text,
        "    {}expected {}, got {}",
        case_prefix(example),
        example.expected,
        example.got
    );
    let _ = writeln!(text, "    replay: {}", example.replay);
}

/// One folder's report as a table: routine, check, verdict; under each failure what the check
/// asks, its first counterexample and the command that replays it.
pub fn text(report: &FolderReport) -> String {
    let mut text = format!(
        "check-python {}: seeds {}\n\n",
        report.directory, report.seeds
    );
    let _ = writeln!(text, "{:<18}{:<16}verdict", "routine", "check");
    for row in &report.rows {
        let _ = writeln!(
            text,
            "{:<18}{:<16}{}",
            row.routine.name(),
            row.check.name(),
            row.verdict.name()
        );
        if row.verdict == Verdict::Fail {
            // What the check asks, for a learner who has not read the laws.
            let _ = writeln!(text, "    {}", row.check.explain().replace('`', ""));
        }
        if let Some(note) = &row.note {
            let _ = writeln!(text, "    {note}");
        }
        if let Some(example) = &row.counterexample {
            write_counterexample(&mut text, example);
        }
    }
    for file in &report.missing {
        let _ = writeln!(text, "missing: {file}");
    }
    if let Some(why) = &report.unreadable {
        let _ = writeln!(text, "unreadable: {why}");
    }
    for note in &report.notes {
        let _ = writeln!(text, "note: {note}");
    }
    let _ = writeln!(
        text,
        "\n{} passed, {} failed, {} skipped; scored {} of {}",
        report.passed,
        report.failed,
        report.skipped,
        show(report.score),
        show(report.max_score)
    );
    let _ = writeln!(
        text,
        "the cases waited {:.1} s of virtual time, which a real clock would have taken",
        report.virtual_seconds
    );
    text
}

/// Many folders' reports: one row per folder with each routine's verdict and the first
/// failing check; under the table, each failure's counterexample and replay; then the total.
pub fn text_summary(reports: &[FolderReport], seeds: &str) -> String {
    let folder_width = reports
        .iter()
        .map(|r| r.directory.chars().count())
        .chain([6])
        .max()
        .unwrap_or(6)
        + 2;
    let mut text = format!("check-python: seeds {seeds}\n\n");
    let _ = write!(text, "{:<folder_width$}", "folder");
    for (routine, _) in ROUTINES {
        let _ = write!(text, "{}  ", routine.name());
    }
    let _ = writeln!(text, "score  first failure");
    for report in reports {
        let mut line = format!("{:<folder_width$}", report.directory);
        for (routine, file) in ROUTINES {
            let width = routine.name().len() + 2;
            let _ = write!(line, "{:<width$}", report.routine_verdict(routine, file));
        }
        let _ = write!(line, "{:<7}", show(report.score));
        if let Some((what, _)) = report.first_failure() {
            line += &what;
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
    let failing: Vec<&FolderReport> = reports.iter().filter(|r| !r.passes()).collect();
    if !failing.is_empty() {
        let _ = writeln!(text, "\nfirst failures:");
        for report in &failing {
            let Some((what, example)) = report.first_failure() else {
                continue;
            };
            let _ = writeln!(text, "{}: {what}", report.directory);
            if let Some(example) = example {
                write_counterexample(&mut text, example);
            }
        }
    }
    let virtual_seconds: f64 = reports.iter().map(|r| r.virtual_seconds).sum();
    let _ = writeln!(
        text,
        "\n{} folders: {} passed, {} failed",
        reports.len(),
        reports.len() - failing.len(),
        failing.len()
    );
    let _ = writeln!(
        text,
        "the cases waited {virtual_seconds:.1} s of virtual time, which a real clock would have taken"
    );
    text
}
