//! JUnit XML, as Jenkins' `junit-10.xsd` defines it: what GitLab and GitHub's test-report
//! actions read.

use std::fmt::Write as _;

use super::super::model::{FolderReport, Row, Verdict};
use super::super::points::show;
use super::explain::{Style, explain, explain_missing, test_name};
use super::shown::{Shown, points};

/// Text as XML 1.0 may hold it, escaped: a character XML cannot hold at all becomes U+FFFD.
fn xml_escape(text: &str) -> String {
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
fn junit_counts(report: &FolderReport) -> (usize, usize, usize, usize) {
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
        testsuite(&mut xml, report);
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// One folder's `testsuite`: its properties, a `testcase` per check, per missing file, and
/// for a folder that could not be read.
fn testsuite(xml: &mut String, report: &FolderReport) {
    let folder = xml_escape(&report.directory);
    let shown = Shown::of(report);
    let (tests, failures, errors, skipped) = junit_counts(report);
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{folder}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        report.seconds
    );
    properties(xml, report, &shown);
    for (row, &(worth, earned)) in report.rows.iter().zip(&shown.rows) {
        let seconds = report.check_seconds(row.routine);
        testcase(xml, &folder, row, seconds, (worth, earned));
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

/// A suite's `properties`: the folder, its score, the seeds, the sandbox, the Python, and
/// each note.
fn properties(xml: &mut String, report: &FolderReport, shown: &Shown) {
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
}

/// One check's `testcase`, with its failure or skip explained, its points (`worth`, `earned`)
/// and its replay.
fn testcase(xml: &mut String, folder: &str, row: &Row, seconds: f64, (worth, earned): (i64, i64)) {
    let _ = write!(
        xml,
        "    <testcase classname=\"{folder}\" name=\"{}\" time=\"{seconds:.3}\">",
        xml_escape(&test_name(row)),
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

#[cfg(test)]
mod tests {
    use waitsim::Routine;

    use super::super::super::catalogue::checks;
    use super::super::tests::folder;
    use super::*;

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
    fn xml_escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b>&\"c\" 'd'"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(xml_escape("bell\u{7}\ttab\n"), "bell\u{FFFD}\ttab\n");
        assert_eq!(xml_escape("café ✓"), "café ✓");
    }
}
