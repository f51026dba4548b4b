//! What grading a folder gives: its report, the one model every format renders (see
//! `render`): the folder's [`FolderReport`], a [`Row`] for each check with its [`Verdict`] and
//! first [`Counterexample`], and the command that replays a case. It links to nothing that
//! renders or scores it: they read it, never the reverse.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Serialize, Serializer};
use waitsim::Routine;

use super::catalogue::{Check, ROUTINES};
use super::protocol::Use;

/// The first counterexample of a check.
#[derive(Clone, Debug, Serialize)]
pub struct Counterexample {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    pub max_delay: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub expected: String,
    pub got: String,
    pub replay: String,
}

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Verdict {
    /// The verdict as reports, text and JSON, write it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(serialize_with = "routine_name")]
    pub routine: Routine,
    pub check: Check,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    /// For `policy`: every use found beyond the exercise's needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Use>,
    /// The points the check earned, and what it is worth (see `points`).
    pub points: f64,
    pub max_points: f64,
}

fn routine_name<S: Serializer>(routine: &Routine, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(routine.name())
}

/// The command that replays one case of `routine` in `dir`, quoted for a POSIX shell.
pub fn replay(dir: &Path, routine: Option<Routine>, seed: Option<u64>) -> String {
    let shown = dir.to_string_lossy();
    let quoted = shlex::try_quote(&shown).map_or_else(|_| shown.to_string(), |q| q.into_owned());
    let mut command = format!("waitsim check-python {quoted}");
    if let Some(routine) = routine {
        command += &format!(" --routine {routine}");
    }
    if let Some(seed) = seed {
        command += &format!(" --seeds {seed}..{}", seed + 1);
    }
    command
}

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
    /// The sandbox the code ran in, as the warden's `Plan::describe` names it: `landlock ABI
    /// 7, no sockets, ...`, or `none`.
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
    /// The points earned, out of `max_score` (see `points`).
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

/// What every report of a batch shares: the sandbox, the seeds, and what a folder is worth.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The sandbox this kernel gives, as the JSON names it.
    pub sandbox: String,
    pub seeds: String,
    pub max_score: f64,
}

impl FolderReport {
    /// A folder's report before anything is graded: nothing passed, failed or scored. The one
    /// place a report is made; grading fills it in.
    pub fn new(dir: &Path, batch: &Batch) -> FolderReport {
        let (directory, directory_escaped) = directory_name(dir);
        FolderReport {
            directory,
            directory_escaped,
            python: None,
            sandbox: batch.sandbox.clone(),
            seeds: batch.seeds.clone(),
            passed: 0,
            failed: 0,
            skipped: 0,
            missing: Vec::new(),
            unreadable: None,
            virtual_seconds: 0.0,
            score: 0.0,
            max_score: batch.max_score,
            rows: Vec::new(),
            seconds: 0.0,
            routine_seconds: Vec::new(),
            missing_points: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the rows, and the counts of their verdicts.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let count = |verdict| rows.iter().filter(|row| row.verdict == verdict).count();
        (self.passed, self.failed, self.skipped) = (
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Skip),
        );
        self.rows = rows;
    }

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
fn directory_name(dir: &Path) -> (String, bool) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_are_quoted_for_the_shell() {
        assert_eq!(
            replay(Path::new("x; rm y"), Some(Routine::WaitN), Some(3)),
            "waitsim check-python 'x; rm y' --routine wait_n --seeds 3..4"
        );
        assert_eq!(
            replay(Path::new("fixtures/python/no-sort"), None, None),
            "waitsim check-python fixtures/python/no-sort"
        );
    }
}
