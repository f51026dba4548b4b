//! Every format of a report, each a renderer of the one model ([`FolderReport`]), and nothing
//! else writes a report:
//!
//! - [`text`]: the table of one folder, or the summary of many;
//! - [`json`]: JSON Lines, each folder's whole report;
//! - [`gradescope`]: Gradescope's `results.json`;
//! - [`junit`]: the JUnit XML (Jenkins' `junit-10.xsd`) that GitLab and GitHub's test-report
//!   actions read.
//!
//! Gradescope and JUnit share the learner-facing text of each test ([`explain`]), in Markdown
//! for Gradescope and in plain text for JUnit, and the points each test shows ([`shown`]).

mod explain;
mod gradescope;
mod json;
mod junit;
mod shown;
mod text;

use super::model::FolderReport;
use super::points::Visibilities;
use crate::args::Format;

/// The report of `reports` in `format`: the one place each format is chosen. `seeds` heads a
/// batch's text; `visibility` is Gradescope's, from the points file.
pub fn render(
    format: Format,
    reports: &[FolderReport],
    seeds: &str,
    visibility: &Visibilities,
) -> Result<String, String> {
    Ok(match format {
        Format::Json => json::json_lines(reports)?,
        Format::Gradescope => match reports {
            // A folder that could not be read is not graded: the learner is told why.
            [one] => match &one.unreadable {
                Some(why) => ungraded(&format!("`{}`: {why}", one.directory)),
                None => format!("{:#}\n", gradescope::gradescope(one, visibility)),
            },
            _ => return Err("Gradescope's format is for one submission".into()),
        },
        Format::Junit => junit::junit(reports),
        Format::Text => match reports {
            [one] => text::text(one),
            many => text::text_summary(many, seeds),
        },
    })
}

/// Gradescope's `results.json` for a submission that could not be graded at all, and why.
pub fn ungraded(message: &str) -> String {
    format!("{:#}\n", gradescope::ungraded(message))
}

#[cfg(test)]
mod tests {
    use waitsim::Routine;

    use super::super::catalogue::{ROUTINES, checks};
    use super::super::model::{Counterexample, Row, Verdict};
    use super::*;

    /// A folder whose `wait_random` has a failed check and a skipped one, and whose other
    /// four files are missing, with the default points; or, if `unreadable`, one that could
    /// not be read at all.
    // Kept whole, over 60 lines: the one report every renderer's tests read, field by field.
    pub fn folder(unreadable: bool) -> FolderReport {
        let mut rows = Vec::new();
        for (i, &check) in checks(Routine::WaitRandom).iter().enumerate() {
            let verdict = match i {
                1 => Verdict::Fail,
                2 => Verdict::Skip,
                _ => Verdict::Pass,
            };
            let counterexample = (verdict == Verdict::Fail).then(|| Counterexample {
                seed: Some(3),
                n: None,
                max_delay: Some(10.0),
                index: None,
                expected: "a float".to_string(),
                got: "`None`".to_string(),
                replay: "waitsim check-python f --routine wait_random --seeds 3..4".to_string(),
            });
            rows.push(Row {
                routine: Routine::WaitRandom,
                check,
                verdict,
                note: (verdict == Verdict::Skip).then(|| "`completes` failed first".to_string()),
                counterexample,
                uses: Vec::new(),
                points: if verdict == Verdict::Pass {
                    20.0 / 9.0
                } else {
                    0.0
                },
                max_points: 20.0 / 9.0,
            });
        }
        let missing: Vec<&'static str> = ROUTINES[1..].iter().map(|(_, file)| *file).collect();
        let mut report = FolderReport {
            directory: "class/ada".to_string(),
            directory_escaped: false,
            python: Some("3.11.9".to_string()),
            sandbox: "none".to_string(),
            seeds: "3..4".to_string(),
            passed: rows.len() - 2,
            failed: 1,
            skipped: 1,
            missing,
            unreadable: None,
            virtual_seconds: 0.0,
            score: 20.0 / 9.0 * 7.0,
            max_score: 100.0,
            rows,
            seconds: 0.5,
            routine_seconds: vec![(Routine::WaitRandom, 0.5)],
            missing_points: ROUTINES.iter().map(|&(r, _)| (r, 20.0)).collect(),
            notes: Vec::new(),
        };
        if unreadable {
            report.rows.clear();
            report.missing.clear();
            (report.passed, report.failed, report.skipped) = (0, 0, 0);
            report.score = 0.0;
            report.unreadable = Some("cannot read the folder: permission denied".to_string());
        }
        report
    }
}
