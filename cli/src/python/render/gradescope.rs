//! Gradescope's `results.json`: a test per check, with its points and its visibility.
//!
//! Gradescope: <https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format>.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::super::model::{FolderReport, Verdict};
use super::super::points::{Visibilities, show};
use super::explain::{Style, explain, explain_missing, test_name};
use super::shown::{Shown, points};

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
    json!({
        "score": points(shown.score),
        "execution_time": report.seconds.round() as u64,
        "output": summary(report, &shown, tests.len()),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    })
}

/// The summary above the tests, of `tests` in all: the score, the counts, the folder graded,
/// what is missing, the notes, and the first failure explained.
fn summary(report: &FolderReport, shown: &Shown, tests: usize) -> String {
    let failed = report.failed + shown.missing.len();
    let mut output = format!(
        "**Scored {} of {}.** {} of {} tests passed: {failed} failed, {} not checked.\n\nGraded folder: `{}`.\n",
        show(points(shown.score)),
        show(points(shown.total)),
        report.passed,
        tests,
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
    output
}

/// Gradescope's `results.json` for a submission that could not be graded at all.
pub fn ungraded(message: &str) -> Value {
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

#[cfg(test)]
mod tests {
    use super::super::tests::folder;
    use super::*;

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
}
