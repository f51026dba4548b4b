//! What grading a folder gives: its report, the one model every format renders (see
//! [`formats`](super::formats)).

use std::fmt::Write as _;

use serde::Serialize;

use waitsim::Routine;

use super::catalogue::ROUTINES;
use super::judge::{Counterexample, Row, Verdict};

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
    /// What a grader should know of how the folder was graded: which copy of the exercise was
    /// chosen and why, what the private copy left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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
    pub fn routine_verdict(&self, routine: Routine, file: &str) -> &'static str {
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
    pub fn first_failure(&self) -> Option<(String, Option<&Counterexample>)> {
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
