//! What `check-python` prints: one folder's report as a table of checks, many folders'
//! reports as one row each, and either as JSON (one line per folder).

use std::fmt::Write as _;

use serde::Serialize;

use waitsim::Routine;

use super::catalogue::ROUTINES;
use super::judge::{Counterexample, Row, Verdict};
use super::points::show;

/// One folder's report, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct FolderReport {
    /// The folder's path: as it is when it is UTF-8, escaped otherwise (see
    /// [`directory_name`]).
    pub directory: String,
    /// Present, and true, when `directory` is escaped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub directory_escaped: bool,
    pub python: Option<String>,
    /// The sandbox the code ran in, as [`Plan::describe`](super::warden::Plan::describe)
    /// names it: `landlock ABI 7, no sockets, ...`, or `none`.
    pub sandbox: String,
    pub seeds: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub missing: Vec<&'static str>,
    /// Why the folder could not be graded, when it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// The virtual time every case took, added up: what running them on a real clock costs.
    pub virtual_seconds: f64,
    /// The points earned, out of `max_score` (see [`points`](super::points)).
    pub score: f64,
    pub max_score: f64,
    pub rows: Vec<Row>,
    /// The real time grading took, in all and per routine: for the formats that report it,
    /// never in the JSON, which is the same for the same folder.
    #[serde(skip)]
    pub seconds: f64,
    #[serde(skip)]
    pub routine_seconds: Vec<(Routine, f64)>,
    /// Each missing routine's points.
    #[serde(skip)]
    pub missing_points: Vec<(Routine, f64)>,
}

impl FolderReport {
    /// The routines whose files are missing, with the files.
    pub fn missing_routines(&self) -> Vec<(Routine, &'static str)> {
        ROUTINES
            .iter()
            .filter(|(_, file)| self.missing.contains(file))
            .copied()
            .collect()
    }

    /// What a missing routine would have been worth.
    pub fn routine_points(&self, routine: Routine) -> f64 {
        self.missing_points
            .iter()
            .find(|(r, _)| *r == routine)
            .map_or(0.0, |&(_, p)| p)
    }

    /// The real time of each check of `routine`: its process's time, shared by its checks.
    pub fn check_seconds(&self, routine: Routine) -> f64 {
        let checks = self.rows.iter().filter(|r| r.routine == routine).count();
        self.routine_seconds
            .iter()
            .find(|(r, _)| *r == routine)
            .map_or(0.0, |&(_, s)| s / checks.max(1) as f64)
    }

    /// Whether the folder passes: no check failed and no file is missing.
    pub fn passes(&self) -> bool {
        self.failed == 0 && self.missing.is_empty() && self.unreadable.is_none()
    }

    /// A routine's verdict in a summary: `missing`, `FAIL` when any of its checks failed,
    /// `pass`, or `-` when it was not checked.
    fn routine_verdict(&self, routine: Routine, file: &str) -> &'static str {
        if self.missing.contains(&file) {
            return "missing";
        }
        let verdicts: Vec<Verdict> = self
            .rows
            .iter()
            .filter(|row| row.routine == routine)
            .map(|row| row.verdict)
            .collect();
        if verdicts.is_empty() {
            "-"
        } else if verdicts.contains(&Verdict::Fail) {
            "FAIL"
        } else {
            "pass"
        }
    }

    /// The first failing check, as `routine check`, or the first missing file.
    fn first_failure(&self) -> Option<(String, Option<&Counterexample>)> {
        if let Some(why) = &self.unreadable {
            return Some((format!("unreadable: {why}"), None));
        }
        if let Some(row) = self.rows.iter().find(|row| row.verdict == Verdict::Fail) {
            let what = format!("{} {}", row.routine, row.check.name());
            return Some((what, row.counterexample.as_ref()));
        }
        self.missing
            .first()
            .map(|file| (format!("missing {file}"), None))
    }
}

/// A folder's path as reports give it: as it is when it is UTF-8; otherwise each byte that is
/// not part of UTF-8 as `\xNN` and each backslash doubled, with `true` to say so.
pub fn directory_name(dir: &std::path::Path) -> (String, bool) {
    if let Some(text) = dir.to_str() {
        return (text.to_string(), false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut escaped = String::new();
        for chunk in dir.as_os_str().as_bytes().utf8_chunks() {
            escaped.push_str(&chunk.valid().replace('\\', "\\\\"));
            for byte in chunk.invalid() {
                let _ = write!(escaped, "\\x{byte:02x}");
            }
        }
        (escaped, true)
    }
    #[cfg(not(unix))]
    {
        (dir.to_string_lossy().into_owned(), true)
    }
}

/// A counterexample's case, as `seed 3, n 5, max_delay 10, index 1: `.
fn case(example: &Counterexample) -> String {
    let case = super::formats::case(example);
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
        case(example),
        example.expected,
        example.got
    );
    let _ = writeln!(text, "    replay: {}", example.replay);
}

/// One folder's report as a table: routine, check, verdict; under each failure what the check
/// asks, its first counterexample and the command that replays it.
pub fn render(report: &FolderReport) -> String {
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
pub fn render_summary(reports: &[FolderReport], seeds: &str) -> String {
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
