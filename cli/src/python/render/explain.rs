//! The learner-facing text of a test, shared by Gradescope (in Markdown) and JUnit (in plain
//! text): what the check asks, what the code did, and how to run that case again.

use std::fmt::Write as _;
use std::path::Path;

use waitsim::Routine;

use super::super::catalogue::replayed;
use super::super::model::{Counterexample, Row, Verdict, replay};

/// A check's test name: `routine: check`.
pub fn test_name(row: &Row) -> String {
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
    replay(
        Path::new("."),
        replayed(row.routine, row.check),
        example.seed,
    )
}

/// How a failure's explanation is written: in Markdown (Gradescope), or in plain text (JUnit,
/// whose readers show a failure's text as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Markdown,
    Plain,
}

impl Style {
    /// A heading: bold in Markdown.
    pub fn strong(self, text: &str) -> String {
        match self {
            Style::Markdown => format!("**{text}**"),
            Style::Plain => text.to_string(),
        }
    }

    /// Text that Markdown shows as code: as it is, or without its backticks in plain text.
    pub fn prose(self, text: &str) -> String {
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
pub fn explain(row: &Row, style: Style) -> String {
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
pub fn explain_missing(routine: Routine, file: &str, style: Style) -> String {
    let text = format!(
        "{}: `{file}` is missing: none of `{routine}`'s checks could run.\n",
        style.strong(&format!("{routine}: file"))
    );
    style.prose(&text)
}
