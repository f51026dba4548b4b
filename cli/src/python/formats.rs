//! The grading formats, named by their consumers: Gradescope's `results.json` and the
//! JUnit XML (Ant/Jenkins schema) that GitLab and GitHub's test-report actions read; and the
//! learner-facing text of a failure that both carry, in Markdown.
//!
//! Gradescope: <https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format>.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::catalogue::AGREES;
use super::judge::{Counterexample, Row, Verdict, replay};
use super::points::show;
use super::report::FolderReport;

/// The formats `check-python --format` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (one folder), or a row per folder (many).
    Text,
    /// JSON Lines: one object per folder (`--json` is the same).
    Json,
    /// Gradescope's `results.json`, for one submission.
    Gradescope,
    /// JUnit XML: a test suite per folder, a test case per check.
    Junit,
}

/// A check's test name: `routine: check`.
fn test_name(row: &Row) -> String {
    format!("{}: {}", row.routine, row.check.name())
}

/// The case of a counterexample, as `seed 3, n 5, max_delay 10, index 1`.
pub fn case(example: &Counterexample) -> String {
    let mut case = Vec::new();
    if let Some(seed) = example.seed {
        case.push(format!("seed {seed}"));
    }
    if let Some(n) = example.n {
        case.push(format!("n {n}"));
    }
    if let Some(m) = example.max_delay {
        case.push(format!("max_delay {m}"));
    }
    if let Some(index) = example.index {
        case.push(format!("index {index}"));
    }
    case.join(", ")
}

/// The replay of a row's counterexample, for a learner in their own folder (`.`).
fn learner_replay(row: &Row, example: &Counterexample) -> String {
    let routine = (row.check != AGREES).then_some(row.routine);
    replay(Path::new("."), routine, example.seed)
}

/// A failure explained to a learner, in Markdown: what the check asks, what the code did, and
/// how to run that case again.
pub fn explain(row: &Row) -> String {
    let mut text = format!("**{}**: {}.\n", test_name(row), row.check.explain());
    match (row.verdict, &row.counterexample) {
        (Verdict::Pass, _) => {
            let _ = write!(text, "\nPassed.\n");
            if let Some(note) = &row.note {
                let _ = write!(text, "\nNote: {note}.\n");
            }
        }
        (Verdict::Skip, _) => {
            let why = row.note.as_deref().unwrap_or("another check failed first");
            let _ = write!(text, "\nNot checked: {why}.\n");
        }
        (Verdict::Fail, Some(example)) => {
            let case = case(example);
            let at = if case.is_empty() {
                String::new()
            } else {
                format!("With {case}: ")
            };
            let _ = write!(
                text,
                "\n{at}expected {}, got {}.\n",
                example.expected, example.got
            );
            if let Some(note) = &row.note {
                let _ = write!(text, "\n{note}.\n");
            }
            let _ = write!(
                text,
                "\nRun this case again in your folder:\n\n```sh\n{}\n```\n",
                learner_replay(row, example)
            );
        }
        (Verdict::Fail, None) => {
            let _ = write!(text, "\nFailed.\n");
        }
    }
    text
}

/// Gradescope's `results.json` for one folder: a test per check, with its points.
pub fn gradescope(report: &FolderReport) -> Value {
    let mut tests: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            json!({
                "name": test_name(row),
                "score": round(row.points),
                "max_score": round(row.max_points),
                "status": if row.verdict == Verdict::Pass { "passed" } else { "failed" },
                "output": explain(row),
                "output_format": "md",
                "visibility": "visible",
            })
        })
        .collect();
    for (routine, file) in &report.missing_routines() {
        tests.push(json!({
            "name": format!("{routine}: file"),
            "score": 0.0,
            "max_score": round(report.routine_points(*routine)),
            "status": "failed",
            "output": format!("**{routine}**: `{file}` is missing: none of `{routine}`'s checks could run.\n"),
            "output_format": "md",
            "visibility": "visible",
        }));
    }
    let mut output = format!(
        "**Scored {} of {}.** {} checks passed, {} failed, {} not checked.\n",
        show(report.score),
        show(report.max_score),
        report.passed,
        report.failed,
        report.skipped
    );
    for file in &report.missing {
        let _ = writeln!(output, "\n- `{file}` is missing.");
    }
    if let Some(why) = &report.unreadable {
        let _ = writeln!(output, "\nThe submission could not be graded: {why}.");
    }
    if let Some(row) = report.rows.iter().find(|row| row.verdict == Verdict::Fail) {
        let _ = write!(output, "\nThe first failure:\n\n{}", explain(row));
    }
    json!({
        "score": round(report.score),
        "execution_time": report.seconds.round() as u64,
        "output": output,
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    })
}

/// Gradescope's `results.json` for a submission that could not be graded at all.
pub fn gradescope_ungraded(message: &str) -> Value {
    json!({
        "score": 0.0,
        "execution_time": 0,
        "output": format!("**This submission could not be graded**: {message}.\n"),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    })
}

/// Points to two decimals, as Gradescope shows them.
fn round(points: f64) -> f64 {
    (points * 100.0).round() / 100.0
}

/// Text as XML 1.0 may hold it, escaped: a character XML cannot hold at all becomes U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                escaped.push('\u{FFFD}');
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// The counts a JUnit reader finds in a report: tests, failures, errors, skipped.
pub fn junit_counts(report: &FolderReport) -> (usize, usize, usize, usize) {
    let missing = report.missing.len();
    let errors = usize::from(report.unreadable.is_some());
    (
        report.rows.len() + missing + errors,
        report.failed + missing,
        errors,
        report.skipped,
    )
}

/// JUnit XML: one `testsuite` per folder (its `classname`), one `testcase` per check, named
/// `routine: check`, a missing file as a failed `routine: file`, a folder that could not be
/// read as an error.
pub fn junit(reports: &[FolderReport]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = reports.iter().map(junit_counts).fold((0, 0, 0, 0), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
    });
    let seconds: f64 = reports.iter().map(|r| r.seconds).sum();
    let _ = writeln!(
        xml,
        "<testsuites name=\"waitsim check-python\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">",
        totals.0, totals.1, totals.2, totals.3
    );
    for report in reports {
        let folder = xml_escape(&report.directory);
        let (tests, failures, errors, skipped) = junit_counts(report);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{folder}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            report.seconds
        );
        let _ = writeln!(xml, "    <properties>");
        for (name, value) in [
            ("score", show(report.score)),
            ("max_score", show(report.max_score)),
            ("seeds", report.seeds.clone()),
            ("sandbox", report.sandbox.clone()),
            ("python", report.python.clone().unwrap_or_default()),
        ] {
            let _ = writeln!(
                xml,
                "      <property name=\"{name}\" value=\"{}\"/>",
                xml_escape(&value)
            );
        }
        let _ = writeln!(xml, "    </properties>");
        for row in &report.rows {
            let _ = write!(
                xml,
                "    <testcase classname=\"{folder}\" name=\"{}\" time=\"{:.3}\">",
                xml_escape(&test_name(row)),
                report.check_seconds(row.routine)
            );
            match (row.verdict, &row.counterexample) {
                (Verdict::Pass, _) => {}
                (Verdict::Skip, _) => {
                    let _ = write!(
                        xml,
                        "\n      <skipped message=\"{}\"/>",
                        xml_escape(row.note.as_deref().unwrap_or("not checked"))
                    );
                }
                (Verdict::Fail, example) => {
                    let message = example.as_ref().map_or_else(
                        || "failed".to_string(),
                        |e| format!("expected {}, got {}", e.expected, e.got),
                    );
                    let _ = write!(
                        xml,
                        "\n      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        xml_escape(&message),
                        row.check.name(),
                        xml_escape(&explain(row))
                    );
                }
            }
            let mut out = format!("points: {} of {}", show(row.points), show(row.max_points));
            if let Some(example) = &row.counterexample {
                let _ = write!(out, "\nreplay: {}", example.replay);
            }
            let _ = writeln!(
                xml,
                "\n      <system-out>{}</system-out>\n    </testcase>",
                xml_escape(&out)
            );
        }
        for (routine, file) in report.missing_routines() {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{folder}\" name=\"{routine}: file\" time=\"0.000\">\n      <failure message=\"missing {file}\" type=\"missing\"/>\n    </testcase>"
            );
        }
        if let Some(why) = &report.unreadable {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{folder}\" name=\"folder: readable\" time=\"0.000\">\n      <error message=\"{}\" type=\"unreadable\"/>\n    </testcase>",
                xml_escape(why)
            );
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b>&\"c\" 'd'"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(xml_escape("bell\u{7}\ttab\n"), "bell\u{FFFD}\ttab\n");
        assert_eq!(xml_escape("café ✓"), "café ✓");
    }
}
