//! Every format of a report, each a renderer of the one model ([`FolderReport`]): the text
//! table (one folder) or summary (many), JSON Lines, Gradescope's `results.json` and the JUnit
//! XML (Jenkins' `junit-10.xsd`) that GitLab and GitHub's test-report actions read; and the
//! learner-facing text of a failure that Gradescope and JUnit both carry, in Markdown for
//! Gradescope and in plain text for JUnit.
//!
//! Gradescope: <https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format>.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};
use waitsim::Routine;

use super::catalogue::{AGREES, ROUTINES};
use super::judge::{Counterexample, Row, Verdict, replay};
use super::points::{Visibilities, show};
use super::report::FolderReport;
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
        Format::Json => json_lines(reports)?,
        Format::Gradescope => match reports {
            [one] => format!("{:#}\n", gradescope(one, visibility)),
            _ => return Err("Gradescope's format is for one submission".into()),
        },
        Format::Junit => junit(reports),
        Format::Text => match reports {
            [one] => text(one),
            many => text_summary(many, seeds),
        },
    })
}

/// JSON Lines: each folder's whole report, one line each, in order.
fn json_lines(reports: &[FolderReport]) -> Result<String, String> {
    let mut lines = String::new();
    for report in reports {
        lines += &serde_json::to_string(report).map_err(|err| err.to_string())?;
        lines.push('\n');
    }
    Ok(lines)
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

/// How a failure's explanation is written: in Markdown (Gradescope), or in plain text (JUnit,
/// whose readers show a failure's text as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Markdown,
    Plain,
}

impl Style {
    /// A heading: bold in Markdown.
    fn strong(self, text: &str) -> String {
        match self {
            Style::Markdown => format!("**{text}**"),
            Style::Plain => text.to_string(),
        }
    }

    /// Text that Markdown shows as code: as it is, or without its backticks in plain text.
    fn prose(self, text: &str) -> String {
        match self {
            Style::Markdown => text.to_string(),
            Style::Plain => text.replace('`', ""),
        }
    }

    /// A command to run, set apart from the prose: fenced, or indented.
    fn command(self, command: &str) -> String {
        match self {
            Style::Markdown => format!("```sh\n{command}\n```\n"),
            Style::Plain => format!("    {command}\n"),
        }
    }
}

/// A failure explained to a learner: what the check asks, what the code did, and how to run
/// that case again.
fn explain(row: &Row, style: Style) -> String {
    let mut text = format!(
        "{}: {}.\n",
        style.strong(&test_name(row)),
        style.prose(row.check.explain())
    );
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
                "\nRun this case again in your folder:\n\n{}",
                style.command(&learner_replay(row, example))
            );
        }
        (Verdict::Fail, None) => {
            let _ = write!(text, "\nFailed.\n");
        }
    }
    text
}

/// What a missing file's test says.
fn explain_missing(routine: Routine, file: &str, style: Style) -> String {
    let text = format!(
        "{}: `{file}` is missing: none of `{routine}`'s checks could run.\n",
        style.strong(&format!("{routine}: file"))
    );
    style.prose(&text)
}

/// Each test's points as the per-test formats show them, in hundredths: the checks' rows,
/// then the missing files' tests (each worth its routine), in the report's order.
///
/// Rounding each test's points on its own makes them add up to something else than the total
/// (nine checks of 20/9 points show 2.22 each, 19.98 in all). So the hundredths are shared by
/// the largest remainder: each test gets its points rounded down, and the hundredths still
/// missing from the rounded total go one each to the tests that lost most by rounding down
/// (the first of equals first). The tests then add up to the total exactly, and none is more
/// than a hundredth away from its exact points. A test that passed earns all it shows; the
/// score is what the tests earned, so it too is their sum.
struct Shown {
    /// Each row's points: what it is worth and what it earned.
    rows: Vec<(i64, i64)>,
    /// Each missing file's test: what it is worth (it earns nothing).
    missing: Vec<(Routine, &'static str, i64)>,
    /// What the tests earned.
    score: i64,
    /// What they are worth.
    total: i64,
}

impl Shown {
    fn of(report: &FolderReport) -> Shown {
        let missing = report.missing_routines();
        let exact: Vec<f64> = report
            .rows
            .iter()
            .map(|row| row.max_points)
            .chain(missing.iter().map(|(r, _)| report.routine_points(*r)))
            .collect();
        let hundredths = largest_remainder(&exact);
        let (rows, rest) = hundredths.split_at(report.rows.len());
        let rows: Vec<(i64, i64)> = report
            .rows
            .iter()
            .zip(rows)
            .map(|(row, &worth)| {
                (
                    worth,
                    if row.verdict == Verdict::Pass {
                        worth
                    } else {
                        0
                    },
                )
            })
            .collect();
        let missing = missing
            .into_iter()
            .zip(rest)
            .map(|((routine, file), &worth)| (routine, file, worth))
            .collect();
        // A folder with no test at all (one that could not be read) is still worth its total.
        let total = if hundredths.is_empty() {
            (report.max_score * 100.0).round() as i64
        } else {
            hundredths.iter().sum()
        };
        Shown {
            score: rows.iter().map(|&(_, earned)| earned).sum(),
            total,
            rows,
            missing,
        }
    }
}

/// `values` in whole hundredths that add up to their sum's rounding, by the largest remainder
/// (see [`Shown`]).
fn largest_remainder(values: &[f64]) -> Vec<i64> {
    let scaled: Vec<f64> = values.iter().map(|v| v.max(0.0) * 100.0).collect();
    let mut shares: Vec<i64> = scaled.iter().map(|v| v.floor() as i64).collect();
    let target = scaled.iter().sum::<f64>().round() as i64;
    let short = (target - shares.iter().sum::<i64>()).clamp(0, shares.len() as i64) as usize;
    let mut order: Vec<usize> = (0..values.len()).collect();
    // A stable sort: among equal remainders, the first test first.
    order.sort_by(|&a, &b| {
        let remainder = |i: usize| scaled[i] - scaled[i].floor();
        remainder(b).total_cmp(&remainder(a))
    });
    for &i in &order[..short] {
        shares[i] += 1;
    }
    shares
}

/// Hundredths as a number of points (`222` is `2.22`).
fn points(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

/// Gradescope's `results.json` for one folder: a test per check, with its points and its
/// visibility (from the points file); the summary names the folder graded.
pub fn gradescope(report: &FolderReport, visibility: &Visibilities) -> Value {
    let shown = Shown::of(report);
    let mut tests: Vec<Value> = report
        .rows
        .iter()
        .zip(&shown.rows)
        .map(|(row, &(worth, earned))| {
            json!({
                "name": test_name(row),
                "score": points(earned),
                "max_score": points(worth),
                "status": if row.verdict == Verdict::Pass { "passed" } else { "failed" },
                "output": explain(row, Style::Markdown),
                "output_format": "md",
                "visibility": visibility.of(row.routine, Some(row.check.name())).name(),
            })
        })
        .collect();
    for &(routine, file, worth) in &shown.missing {
        tests.push(json!({
            "name": format!("{routine}: file"),
            "score": 0.0,
            "max_score": points(worth),
            "status": "failed",
            "output": explain_missing(routine, file, Style::Markdown),
            "output_format": "md",
            "visibility": visibility.of(routine, None).name(),
        }));
    }
    let failed = report.failed + shown.missing.len();
    let mut output = format!(
        "**Scored {} of {}.** {} of {} tests passed: {failed} failed, {} not checked.\n\nGraded folder: `{}`.\n",
        show(points(shown.score)),
        show(points(shown.total)),
        report.passed,
        tests.len(),
        report.skipped,
        report.directory,
    );
    for file in &report.missing {
        let _ = writeln!(output, "\n- `{file}` is missing.");
    }
    if let Some(why) = &report.unreadable {
        let _ = writeln!(output, "\nThe submission could not be graded: {why}.");
    }
    for note in &report.notes {
        let _ = writeln!(output, "\nNote: {note}.");
    }
    if let Some(row) = report.rows.iter().find(|row| row.verdict == Verdict::Fail) {
        let _ = write!(
            output,
            "\nThe first failure:\n\n{}",
            explain(row, Style::Markdown)
        );
    }
    json!({
        "score": points(shown.score),
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

/// JUnit XML, valid against Jenkins' `junit-10.xsd`: one `testsuite` per folder (its name and
/// `classname`, and its `directory` property), one `testcase` per check, named `routine:
/// check`, a missing file as a failed `routine: file`, a folder that could not be read as an
/// error. Every failure, skip and error carries its explanation as text, in plain text; the
/// points each test shows add up to the folder's (see [`Shown`]).
pub fn junit(reports: &[FolderReport]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = reports.iter().map(junit_counts).fold((0, 0, 0, 0), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
    });
    let seconds: f64 = reports.iter().map(|r| r.seconds).sum();
    // `testsuites` has no `skipped` in the schema: each suite says its own.
    let _ = writeln!(
        xml,
        "<testsuites name=\"waitsim check-python\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{seconds:.3}\">",
        totals.0, totals.1, totals.2
    );
    for report in reports {
        let folder = xml_escape(&report.directory);
        let shown = Shown::of(report);
        let (tests, failures, errors, skipped) = junit_counts(report);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{folder}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            report.seconds
        );
        let _ = writeln!(xml, "    <properties>");
        for (name, value) in [
            ("directory", report.directory.clone()),
            ("score", show(points(shown.score))),
            ("max_score", show(points(shown.total))),
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
        for note in &report.notes {
            let _ = writeln!(
                xml,
                "      <property name=\"note\" value=\"{}\"/>",
                xml_escape(note)
            );
        }
        let _ = writeln!(xml, "    </properties>");
        for (row, &(worth, earned)) in report.rows.iter().zip(&shown.rows) {
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
                        "\n      <skipped message=\"{}\">{}</skipped>",
                        xml_escape(row.note.as_deref().unwrap_or("not checked")),
                        xml_escape(&explain(row, Style::Plain))
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
                        xml_escape(&explain(row, Style::Plain))
                    );
                }
            }
            let mut out = format!(
                "points: {} of {}",
                show(points(earned)),
                show(points(worth))
            );
            if let Some(example) = &row.counterexample {
                let _ = write!(out, "\nreplay: {}", example.replay);
            }
            let _ = writeln!(
                xml,
                "\n      <system-out>{}</system-out>\n    </testcase>",
                xml_escape(&out)
            );
        }
        for &(routine, file, worth) in &shown.missing {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{folder}\" name=\"{routine}: file\" time=\"0.000\">\n      <failure message=\"missing {file}\" type=\"missing\">{}</failure>\n      <system-out>points: 0 of {}</system-out>\n    </testcase>",
                xml_escape(&explain_missing(routine, file, Style::Plain)),
                show(points(worth))
            );
        }
        if let Some(why) = &report.unreadable {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{folder}\" name=\"folder: readable\" time=\"0.000\">\n      <error message=\"{}\" type=\"unreadable\">{}</error>\n    </testcase>",
                xml_escape(why),
                xml_escape(&format!("The folder could not be graded: {why}.\n"))
            );
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    xml.push_str("</testsuites>\n");
    xml
}

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
fn text(report: &FolderReport) -> String {
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
fn text_summary(reports: &[FolderReport], seeds: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::catalogue::{ROUTINES, checks};
    use super::*;

    /// A folder whose `wait_random` has a failed check and a skipped one, and whose other
    /// four files are missing, with the default points; or, if `unreadable`, one that could
    /// not be read at all.
    fn folder(unreadable: bool) -> FolderReport {
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

    fn hundredths(value: &Value) -> i64 {
        (value.as_f64().unwrap() * 100.0).round() as i64
    }

    #[test]
    fn gradescope_tests_add_up_and_the_summary_counts_them() {
        let results = gradescope(&folder(false), &Visibilities::default());
        let tests = results["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 9 + 4);
        let worth: i64 = tests.iter().map(|t| hundredths(&t["max_score"])).sum();
        assert_eq!(worth, 10000);
        let earned: i64 = tests.iter().map(|t| hundredths(&t["score"])).sum();
        assert_eq!(earned, hundredths(&results["score"]));
        // Seven of wait_random's nine checks passed: the first (2.23; the second, which
        // failed, has the other 2.23) and six of 2.22.
        assert_eq!(earned, 223 + 6 * 222);
        let failed = tests.iter().filter(|t| t["status"] == "failed").count();
        assert_eq!(failed, 1 + 1 + 4);
        let output = results["output"].as_str().unwrap();
        assert!(
            output.starts_with(
                "**Scored 15.55 of 100.** 7 of 13 tests passed: 5 failed, 1 not checked.\n\nGraded folder: `class/ada`.\n"
            ),
            "{output}"
        );
        let file = tests.iter().find(|t| t["name"] == "wait_n: file").unwrap();
        assert_eq!(
            file["output"],
            "**wait_n: file**: `1-concurrent_coroutines.py` is missing: none of `wait_n`'s checks could run.\n"
        );
    }

    #[test]
    fn every_junit_failure_skip_and_error_has_plain_text() {
        for unreadable in [false, true] {
            let xml = junit(&[folder(unreadable)]);
            let document = roxmltree::Document::parse(&xml).unwrap();
            let mut results = 0;
            for node in document.descendants().filter(|n| {
                n.has_tag_name("failure") || n.has_tag_name("skipped") || n.has_tag_name("error")
            }) {
                results += 1;
                let text = node.text().unwrap_or_default();
                assert!(!text.trim().is_empty(), "{xml}");
                assert!(!text.contains("**") && !text.contains("```"), "{text}");
            }
            assert_eq!(results, if unreadable { 1 } else { 6 }, "{xml}");
            let root = document.root_element();
            assert_eq!(root.attribute("skipped"), None);
            let property = |name: &str| {
                document
                    .descendants()
                    .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
                    .and_then(|n| n.attribute("value"))
                    .unwrap()
                    .to_string()
            };
            assert_eq!(property("directory"), "class/ada");
            assert_eq!(property("max_score"), "100");
            if !unreadable {
                let failure = document
                    .descendants()
                    .find(|n| n.has_tag_name("failure"))
                    .and_then(|n| n.text())
                    .unwrap();
                let shape = checks(Routine::WaitRandom)[1];
                assert_eq!(
                    failure,
                    format!(
                        "wait_random: shape: {}.\n\nWith seed 3, max_delay 10: expected a float, got `None`.\n\nRun this case again in your folder:\n\n    waitsim check-python . --routine wait_random --seeds 3..4\n",
                        shape.explain().replace('`', "")
                    )
                );
            }
        }
    }

    #[test]
    fn an_unreadable_folder_is_still_worth_its_total() {
        let results = gradescope(&folder(true), &Visibilities::default());
        assert_eq!(results["tests"].as_array().unwrap().len(), 0);
        let output = results["output"].as_str().unwrap();
        assert!(output.starts_with("**Scored 0 of 100.**"), "{output}");
        assert!(
            output.contains("could not be graded: cannot read the folder"),
            "{output}"
        );
    }

    #[test]
    fn xml_escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b>&\"c\" 'd'"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(xml_escape("bell\u{7}\ttab\n"), "bell\u{FFFD}\ttab\n");
        assert_eq!(xml_escape("café ✓"), "café ✓");
    }

    #[test]
    fn shares_add_up_to_the_total_and_each_is_within_a_hundredth() {
        // The default scheme's shapes: 20 points over 9, 11 and 12 checks, and a missing
        // routine's 20; odd totals and weights; zeros; one.
        let cases: Vec<Vec<f64>> = vec![
            [
                vec![20.0 / 9.0; 9],
                vec![20.0 / 11.0; 11],
                vec![20.0 / 12.0; 12],
                vec![20.0; 2],
            ]
            .concat(),
            vec![100.0 / 3.0; 3],
            vec![10.0 / 7.0; 7],
            vec![7.5 * 9.0 / 19.0, 7.5 / 19.0, 2.5, 0.0],
            vec![1.15, 2.675, 0.005, 0.0],
            vec![0.0; 4],
            vec![42.0],
            vec![],
        ];
        for values in cases {
            let shares = largest_remainder(&values);
            let exact: f64 = values.iter().sum();
            assert_eq!(
                shares.iter().sum::<i64>(),
                (exact * 100.0).round() as i64,
                "{values:?}"
            );
            for (share, value) in shares.iter().zip(&values) {
                assert!(
                    (*share as f64 - value * 100.0).abs() < 1.0 + 1e-9,
                    "{values:?}: {share} for {value}"
                );
            }
        }
        // Nine checks of 20/9: the two hundredths the rounding lost go to the first two.
        assert_eq!(
            largest_remainder(&[20.0 / 9.0; 9]),
            [223, 223, 222, 222, 222, 222, 222, 222, 222]
        );
    }
}
