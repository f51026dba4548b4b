//! The exchange with `driver.py`, one home for its wire format: the cases waitsim sends, the
//! messages the driver sends back, and the rules a whole exchange must keep.
//!
//! waitsim → driver, on stdin: one case a line, `CASE SEED N MAX_DELAY NONCE` (`-` for none),
//! each sent only once the last was answered; end of file after the last.
//!
//! driver → waitsim, one JSON object a line: `policy` (written before any of the code under
//! test runs), then `imported` or `import_error`; then, for each case, the virtual clock's
//! moves (`jump`, `sleep`), the timers the loop set if asked (`timer`), and one `returned` or
//! `raised` that echoes the case's number and nonce. Nothing else, and nothing after the last
//! case.
//!
//! The code under test runs in the driver's process and can write to the same pipe, so
//! nothing here is taken on trust: a line that breaks these rules is a [`Violation`], which
//! the judge reports as a failed `protocol` check, never a default. The clock is kept here,
//! from the moves: a case's elapsed time is what they add up to, and a jump that starts from
//! anywhere but where the clock stands means the loop's clock was set back.

use std::fmt;
use std::io::{BufRead, Read};

use serde::{Deserialize, Serialize};
use waitsim::Routine;

/// The most run-time refusals kept: the first few say all there is to say.
const MOST_REFUSALS: usize = 20;

/// The longest line the driver may send: a list of the exercise's largest `n` delays fits
/// hundreds of times over, and so does a policy line that lists thousands of uses.
pub const LONGEST_LINE: usize = 1 << 20;

/// The most lines one case may send, the import counting as a case: a correct implementation
/// sends a few for each wait, and a loop that polls on `asyncio.sleep` a few for each poll.
pub const CASE_LINES: u64 = 200_000;

/// The most bytes one case may send, the import counting as a case.
pub const CASE_BYTES: u64 = 64 << 20;

/// The most timers one case may report, for a picture.
pub const CASE_TIMERS: usize = 100_000;

/// One case: a seed and the routine's inputs drawn from it.
#[derive(Clone, Copy, Debug)]
pub struct CaseInput {
    /// The case's number, counted from 0 in the order the cases are sent: the `case` each
    /// answer echoes.
    pub case: usize,
    pub seed: u64,
    pub n: Option<usize>,
    /// `None` calls `wait_random()` with its default.
    pub max_delay: Option<f64>,
}

impl CaseInput {
    /// The case's line to the driver, with the nonce its answer must echo. Whole bounds go
    /// as integers, as the exercise passes them (`randint` refuses floats).
    pub fn line(&self, nonce: u64) -> String {
        let n = self.n.map_or("-".to_string(), |n| n.to_string());
        let max_delay = match self.max_delay {
            None => "-".to_string(),
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => (v as i64).to_string(),
            Some(v) => format!("{v:?}"),
        };
        format!("{} {} {n} {max_delay} {nonce}\n", self.case, self.seed)
    }
}

/// A value the driver reports: a float by its repr, a list, or anything else by type and repr.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Value {
    r#type: String,
    repr: Option<String>,
    pub items: Option<Vec<Value>>,
}

impl Value {
    /// The value, if it is a float.
    pub fn float(&self) -> Option<f64> {
        (self.r#type == "float").then(|| self.number())?
    }

    /// The value as a number, for a float or an int.
    pub fn number(&self) -> Option<f64> {
        matches!(self.r#type.as_str(), "float" | "int")
            .then(|| self.repr.as_deref()?.parse().ok())?
    }

    /// The value as a report shows it.
    pub fn show(&self) -> String {
        match (&self.repr, &self.items) {
            (Some(repr), _) if self.r#type == "float" => repr.clone(),
            (Some(repr), _) => format!("{repr} (of type {}, not float)", self.r#type),
            (None, Some(items)) => format!("a list of {}", items.len()),
            (None, None) => format!("a {}", self.r#type),
        }
    }
}

/// One use of something beyond the exercise's needs, found in a file's syntax tree.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Use {
    /// The file, in the folder: the routine's own, or a helper beside it.
    pub file: String,
    pub line: u64,
    /// What was used, as `import os` or `assigns to asyncio.Task`.
    #[serde(rename = "use")]
    pub what: String,
    /// A means of reaching into the driver or the interpreter, which no implementation needs.
    pub tampers: bool,
}

/// One line from the driver.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Message {
    Policy {
        version: String,
        uses: Vec<Use>,
    },
    Imported {
        shape: Option<String>,
    },
    ImportError {
        message: String,
    },
    Jump {
        from: String,
        to: String,
        /// On the first jump of a case only: when each wait then set is due.
        #[serde(default)]
        waits: Option<Vec<String>>,
    },
    Sleep {
        seconds: String,
    },
    Timer {
        from: String,
        to: String,
    },
    Returned {
        case: usize,
        nonce: u64,
        value: Value,
        task: Option<bool>,
        returned: Option<String>,
    },
    Raised {
        case: usize,
        nonce: u64,
        message: String,
    },
    /// Something the driver's audit hook refused the code at run time.
    Refused {
        file: String,
        line: u64,
        #[serde(rename = "use")]
        what: String,
    },
}

impl Message {
    fn name(&self) -> &'static str {
        match self {
            Message::Policy { .. } => "policy",
            Message::Imported { .. } => "imported",
            Message::ImportError { .. } => "import_error",
            Message::Jump { .. } => "jump",
            Message::Sleep { .. } => "sleep",
            Message::Timer { .. } => "timer",
            Message::Returned { .. } => "returned",
            Message::Raised { .. } => "raised",
            Message::Refused { .. } => "refused",
        }
    }
}

/// How the import went.
#[derive(Clone, Debug)]
pub enum Import {
    /// The routine was found; `shape` says what is wrong with its signature, if anything.
    Done { shape: Option<String> },
    /// The import raised: its last line.
    Failed(String),
}

/// What a case's call did.
#[derive(Clone, Debug)]
pub enum Answer {
    Returned {
        value: Value,
        /// For `task_wait_random`: whether it returned an `asyncio.Task`, and the type it
        /// returned.
        task: Option<(bool, String)>,
    },
    Raised(String),
}

/// One answered case, with what waitsim measured of it.
#[derive(Clone, Debug)]
pub struct Answered {
    pub answer: Answer,
    /// The virtual seconds the case took, on the clock kept here.
    pub elapsed: f64,
    /// How many times the code called `time.sleep`.
    pub sleeps: u64,
    /// Each timer the loop set (`asyncio.sleep` sets one), from when it was set to when it
    /// was due, on the clock kept here: reported only when asked for, for a picture.
    pub timers: Vec<(f64, f64)>,
    /// The waits set when the clock first moved (the loop's timers and the threads asleep on
    /// the virtual clock), each as the time left until it was due, soonest first; `None` when
    /// the clock never moved. Concurrent waits have all been set by then.
    pub first_waits: Option<Vec<f64>>,
}

/// A break of the exchange's rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The case being asked when it happened, if any.
    pub case: Option<usize>,
    pub what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

/// The exchange so far, as the rules allow it to be read, with the virtual clock it implies.
#[derive(Debug, Default)]
pub struct Exchange {
    /// The Python version and the policy's findings, from the first line.
    pub policy: Option<(String, Vec<Use>)>,
    pub import: Option<Import>,
    pub answered: Vec<Answered>,
    /// The first broken rule: after it, nothing more is read.
    pub violation: Option<Violation>,
    /// What the driver refused the code at run time, each a means of tampering.
    pub refused: Vec<Use>,
    /// The case now asked, with its nonce.
    asked: Option<(usize, u64)>,
    clock: f64,
    sleeps: u64,
    timers: Vec<(f64, f64)>,
    first_waits: Option<Vec<f64>>,
    /// The lines and bytes read since the case was asked (or since the start, for the
    /// import), held to [`CASE_LINES`] and [`CASE_BYTES`].
    lines: u64,
    bytes: u64,
}

/// The first characters of a line, for a message.
fn excerpt(line: &str) -> String {
    let mut shown: String = line.chars().take(60).collect();
    if shown.len() < line.len() {
        shown.push('…');
    }
    shown
}

impl Exchange {
    /// Whether the import is over, well or badly, and the cases may be asked.
    pub fn imported(&self) -> bool {
        matches!(self.import, Some(Import::Done { .. }))
    }

    /// Whether nothing more is to be read: a violation, or an import that failed.
    pub fn over(&self) -> bool {
        self.violation.is_some() || matches!(self.import, Some(Import::Failed(_)))
    }

    /// Whether the case asked last has its answer.
    pub fn waiting(&self) -> bool {
        self.asked.is_some()
    }

    /// Records that case `case` was sent with `nonce`: the clock starts again at zero.
    pub fn ask(&mut self, case: usize, nonce: u64) {
        self.asked = Some((case, nonce));
        self.clock = 0.0;
        self.sleeps = 0;
        self.timers.clear();
        self.first_waits = None;
        self.lines = 0;
        self.bytes = 0;
    }

    /// Counts a line of `bytes` bytes against the case's caps; false, with a violation, once
    /// the case has sent more than they allow.
    fn count(&mut self, bytes: usize) -> bool {
        self.lines += 1;
        self.bytes = self.bytes.saturating_add(bytes as u64 + 1);
        let what = match self.asked {
            Some((case, _)) => format!("case {case}"),
            None if self.import.is_none() => "the import".to_string(),
            None => "the time between cases".to_string(),
        };
        if self.lines > CASE_LINES {
            self.violate(format!(
                "more than {CASE_LINES} lines in {what}: a flood, not the driver's messages"
            ));
        } else if self.bytes > CASE_BYTES {
            self.violate(format!(
                "more than {} MiB of lines in {what}: a flood, not the driver's messages",
                CASE_BYTES >> 20
            ));
        }
        self.violation.is_none()
    }

    fn violate(&mut self, what: String) {
        if self.violation.is_none() {
            self.violation = Some(Violation {
                case: self.asked.map(|(case, _)| case),
                what,
            });
        }
    }

    /// Reads one line from the driver, for `routine`.
    pub fn read(&mut self, line: &str, routine: Routine) {
        if self.over() || !self.count(line.len()) {
            return;
        }
        let message: Message = match serde_json::from_str(line) {
            Ok(message) => message,
            Err(_) => {
                return self.violate(format!(
                    "a line that is not the driver's: `{}`",
                    excerpt(line)
                ));
            }
        };
        let name = message.name();
        match message {
            Message::Policy { version, uses } if self.policy.is_none() => {
                self.policy = Some((version, uses));
            }
            _ if self.policy.is_none() => {
                self.violate(format!("a `{name}` line before the policy line"));
            }
            // At any time after the policy: the import, a case, a thread between cases.
            Message::Refused { file, line, what } => self.refused(file, line, what),
            Message::Imported { shape } if self.import.is_none() => {
                self.import = Some(Import::Done { shape });
            }
            Message::ImportError { message } if self.import.is_none() => {
                self.import = Some(Import::Failed(message));
            }
            // The import's own waits, if the module runs anything when imported.
            Message::Jump { .. } | Message::Sleep { .. } | Message::Timer { .. }
                if self.import.is_none() => {}
            Message::Timer { from, to } if self.waiting() => self.timer(&from, &to),
            Message::Jump { from, to, waits } if self.waiting() => {
                self.jump(&from, &to, waits.as_deref());
            }
            Message::Sleep { seconds } if self.waiting() => self.sleep(&seconds),
            Message::Returned {
                case,
                nonce,
                value,
                task,
                returned,
            } if self.waiting() => self.returned(routine, (case, nonce), value, (task, returned)),
            Message::Raised {
                case,
                nonce,
                message,
            } if self.waiting() => self.answer(case, nonce, Answer::Raised(message)),
            Message::Policy { .. } | Message::Imported { .. } | Message::ImportError { .. } => {
                self.violate(format!("a second `{name}` line"));
            }
            _ => self.violate(format!(
                "a `{name}` line when no case was asked (the last case asked was {})",
                self.answered
                    .len()
                    .checked_sub(1)
                    .map_or("none".to_string(), |last| last.to_string())
            )),
        }
    }

    /// Keeps a run-time refusal, once, among the first few.
    fn refused(&mut self, file: String, line: u64, what: String) {
        let what = format!("{what} (refused at run time)");
        let again = self
            .refused
            .iter()
            .any(|u| u.file == file && u.line == line && u.what == what);
        if !again && self.refused.len() < MOST_REFUSALS {
            self.refused.push(Use {
                file,
                line,
                what,
                tampers: true,
            });
        }
    }

    /// A `time.sleep` of the thread that runs the loop: counted, and the clock moved.
    fn sleep(&mut self, seconds: &str) {
        match seconds.parse::<f64>() {
            Ok(seconds) => {
                self.sleeps += 1;
                if seconds > 0.0 {
                    self.clock += seconds;
                }
            }
            Err(_) => self.violate(format!("a sleep of `{}` seconds", excerpt(seconds))),
        }
    }

    /// A case's value, with the task fields `task_wait_random` must give and no other
    /// routine may.
    fn returned(
        &mut self,
        routine: Routine,
        (case, nonce): (usize, u64),
        value: Value,
        task: (Option<bool>, Option<String>),
    ) {
        let task = match (routine, task) {
            (Routine::TaskWaitRandom, (Some(task), Some(returned))) => Some((task, returned)),
            (Routine::TaskWaitRandom, _) => {
                return self.violate(format!(
                    "an answer to case {case} that does not say whether it is a task"
                ));
            }
            (_, (None, None)) => None,
            _ => {
                return self.violate(format!(
                    "an answer to case {case} with a task field `{routine}` has no use for"
                ));
            }
        };
        self.answer(case, nonce, Answer::Returned { value, task });
    }

    fn jump(&mut self, from: &str, to: &str, waits: Option<&[String]>) {
        let (Ok(from), Ok(to)) = (from.parse::<f64>(), to.parse::<f64>()) else {
            return self.violate(format!(
                "a jump from `{}` to `{}`",
                excerpt(from),
                excerpt(to)
            ));
        };
        if from.to_bits() != self.clock.to_bits() {
            return self.violate(format!(
                "the event loop's clock was moved: a jump started from {from} s while the virtual clock stood at {} s",
                self.clock
            ));
        }
        if to.is_nan() || to <= from {
            return self.violate(format!("a jump from {from} s back to {to} s"));
        }
        // The driver says what was waiting on the first move of each case, and only then.
        match (self.first_waits.is_some(), waits) {
            (false, Some(waits)) => {
                let dues: Result<Vec<f64>, _> = waits.iter().map(|w| w.parse::<f64>()).collect();
                match dues {
                    Ok(dues) if dues.len() <= CASE_TIMERS => {
                        self.first_waits = Some(dues.iter().map(|due| due - from).collect());
                    }
                    _ => {
                        return self.violate(format!(
                            "a first jump with {} waits that are not the driver's",
                            waits.len()
                        ));
                    }
                }
            }
            (false, None) => {
                return self
                    .violate("the clock's first move in a case without the waits then set".into());
            }
            (true, Some(_)) => {
                return self.violate("waits reported on a later move of the clock".into());
            }
            (true, None) => {}
        }
        self.clock = to;
    }

    fn timer(&mut self, from: &str, to: &str) {
        match (from.parse::<f64>(), to.parse::<f64>()) {
            (Ok(_), Ok(_)) if self.timers.len() >= CASE_TIMERS => self.violate(format!(
                "more than {CASE_TIMERS} timers in one case: a flood, not the driver's messages"
            )),
            (Ok(from), Ok(to)) if from.to_bits() == self.clock.to_bits() => {
                self.timers.push((self.clock, to));
            }
            (Ok(from), Ok(_)) => self.violate(format!(
                "the event loop's clock was moved: a timer was set at {from} s while the virtual clock stood at {} s",
                self.clock
            )),
            _ => self.violate(format!("a timer from `{}` to `{}`", excerpt(from), excerpt(to))),
        }
    }

    fn answer(&mut self, case: usize, nonce: u64, answer: Answer) {
        let Some((asked, expected)) = self.asked else {
            return;
        };
        if case != asked {
            return self.violate(format!(
                "an answer to case {case} while case {asked} was asked"
            ));
        }
        if nonce != expected {
            return self.violate(format!(
                "an answer to case {case} that was not written in reply to it (its nonce is not the one sent)"
            ));
        }
        self.answered.push(Answered {
            answer,
            elapsed: self.clock,
            sleeps: self.sleeps,
            timers: std::mem::take(&mut self.timers),
            first_waits: self.first_waits.take(),
        });
        self.asked = None;
    }

    /// Records that the driver ended because the code under test replaced its channel or
    /// changed its functions: nothing the exchange said is evidence.
    pub fn tampered(&mut self) {
        self.violate(
            "the code under test replaced the driver's channel or changed the driver's own functions"
                .into(),
        );
    }

    /// A line that could not be read as one: too long, or not text.
    pub fn refuse(&mut self, what: String) {
        self.violate(what);
    }
}

/// Reads one line of at most [`LONGEST_LINE`] bytes, without its end: `Ok(None)` at the end of
/// the stream, `Err` for a longer line or one that is not UTF-8.
pub fn read_line(reader: &mut impl BufRead) -> std::io::Result<Option<Result<String, String>>> {
    let mut bytes = Vec::new();
    let read = reader
        .take(LONGEST_LINE as u64 + 1)
        .read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() != Some(&b'\n') && bytes.len() > LONGEST_LINE {
        return Ok(Some(Err(format!(
            "a line longer than {} MiB",
            LONGEST_LINE >> 20
        ))));
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    // A long line grew the buffer to twice its length: what is kept is the line's.
    bytes.shrink_to_fit();
    Ok(Some(
        String::from_utf8(bytes).map_err(|_| "a line that is not UTF-8".to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::{BTreeMap, BTreeSet};

    /// Each kind of line `driver.py` writes, with its fields, read from its source: each
    /// `emit("kind", {"field": ...})`, or `emit("kind", name)` with the fields `name` is
    /// given (`name = {"field": ...}` and `name["field"] = ...`).
    fn driver_messages() -> BTreeMap<String, BTreeSet<String>> {
        let driver = include_str!("driver.py");
        let mut messages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (at, _) in driver.match_indices("emit(\"") {
            let rest = &driver[at + "emit(\"".len()..];
            let kind = &rest[..rest.find('"').unwrap()];
            let fields = rest[kind.len() + 1..].trim_start_matches(',').trim_start();
            let keys = if fields.starts_with('{') {
                dict_keys(fields)
            } else {
                let name: String = fields
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let made = driver.find(&format!("{name} = {{")).unwrap();
                let mut keys = dict_keys(&driver[made + name.len() + 3..]);
                let set = format!("{name}[\"");
                keys.extend(driver.match_indices(&set).map(|(at, _)| {
                    let key = &driver[at + set.len()..];
                    key[..key.find('"').unwrap()].to_string()
                }));
                keys
            };
            messages.entry(kind.to_string()).or_default().extend(keys);
        }
        messages
    }

    /// The keys of the Python dict literal `text` starts with: each string followed by `:` at
    /// its top level (strings and brackets inside the values are skipped whole).
    fn dict_keys(text: &str) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        let mut depth = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                '"' => {
                    let mut end = at + 1;
                    while let Some((i, c)) = chars.next() {
                        if c == '\\' {
                            chars.next();
                        } else if c == '"' {
                            end = i;
                            break;
                        }
                    }
                    let after = text[end + 1..].trim_start();
                    if depth == 1 && after.starts_with(':') {
                        keys.insert(text[at + 1..end].to_string());
                    }
                }
                _ => {}
            }
        }
        keys
    }

    /// The names serde lists after "expected" in an error for an unknown name.
    fn expected_names(error: &str) -> BTreeSet<String> {
        let Some((_, listed)) = error.split_once("expected") else {
            return BTreeSet::new();
        };
        listed
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// Each kind of line [`Message`] reads, with its fields, from its own `Deserialize`: the
    /// names serde lists when a kind or a field is unknown.
    fn rust_messages() -> BTreeMap<String, BTreeSet<String>> {
        let error = |line: &str| {
            serde_json::from_str::<Message>(line)
                .unwrap_err()
                .to_string()
        };
        expected_names(&error(r#"{"no such kind": {}}"#))
            .into_iter()
            .map(|kind| {
                let fields =
                    expected_names(&error(&format!(r#"{{"{kind}": {{"no such field": 1}}}}"#)));
                (kind, fields)
            })
            .collect()
    }

    #[test]
    fn every_line_the_driver_writes_is_a_message_here_with_the_same_fields_and_the_reverse() {
        let written = driver_messages();
        let read = rust_messages();
        // Every kind, each with fields: the readers above found what they look for.
        assert_eq!(read.len(), 9, "{read:?}");
        assert!(read.values().all(|fields| !fields.is_empty()), "{read:?}");
        assert_eq!(written, read);
    }

    #[test]
    fn dict_keys_are_the_top_level_strings_before_a_colon() {
        let keys = dict_keys(
            r#"{"case": case["index"], "a{": f("x:", {"deep": 1}), "b": "c"}, "after": 1"#,
        );
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(keys, ["a{", "b", "case"]);
    }

    const POLICY: &str = r#"{"policy": {"version": "3.11.7", "uses": []}}"#;
    const IMPORTED: &str = r#"{"imported": {"shape": null}}"#;

    fn imported() -> Exchange {
        let mut exchange = Exchange::default();
        exchange.read(POLICY, Routine::WaitN);
        exchange.read(IMPORTED, Routine::WaitN);
        assert!(exchange.imported() && exchange.violation.is_none());
        exchange
    }

    fn returned(case: usize, nonce: u64) -> String {
        format!(
            r#"{{"returned": {{"case": {case}, "nonce": {nonce}, "value": {{"type": "list", "items": []}}}}}}"#
        )
    }

    #[test]
    fn a_whole_exchange_reads_with_the_clock_kept_here() {
        let mut exchange = imported();
        exchange.ask(0, 7);
        exchange.read(FIRST_JUMP, Routine::WaitN);
        exchange.read(r#"{"sleep": {"seconds": "1.0"}}"#, Routine::WaitN);
        exchange.read(&returned(0, 7), Routine::WaitN);
        assert_eq!(exchange.violation, None);
        assert_eq!(exchange.answered.len(), 1);
        assert_eq!(exchange.answered[0].elapsed, 2.0);
        assert_eq!(exchange.answered[0].sleeps, 1);
        assert_eq!(exchange.answered[0].first_waits, Some(vec![1.0, 2.5]));
        assert!(!exchange.waiting());
    }

    /// A case's first move of the clock, with the two waits then set.
    const FIRST_JUMP: &str = r#"{"jump": {"from": "0.0", "to": "1.0", "waits": ["1.0", "2.5"]}}"#;

    #[test]
    fn the_waits_come_with_the_first_move_of_each_case_and_only_then() {
        let asked = Some((0, 7));
        let later = r#"{"jump": {"from": "1.0", "to": "2.5"}}"#;
        let mut exchange = imported();
        exchange.ask(0, 7);
        for line in [FIRST_JUMP, later] {
            exchange.read(line, Routine::WaitN);
        }
        exchange.read(&returned(0, 7), Routine::WaitN);
        // Measured from where the clock stood: a wait due at 3.5 s set at 1.0 s is 2.5 s.
        exchange.ask(1, 8);
        exchange.read(r#"{"sleep": {"seconds": "1.0"}}"#, Routine::WaitN);
        exchange.read(
            r#"{"jump": {"from": "1.0", "to": "3.5", "waits": ["3.5"]}}"#,
            Routine::WaitN,
        );
        exchange.read(&returned(1, 8), Routine::WaitN);
        assert_eq!(exchange.violation, None);
        assert_eq!(exchange.answered[0].first_waits, Some(vec![1.0, 2.5]));
        assert_eq!(exchange.answered[1].first_waits, Some(vec![2.5]));
        // A case whose clock never moved has none.
        exchange.ask(2, 9);
        exchange.read(&returned(2, 9), Routine::WaitN);
        assert_eq!(exchange.answered[2].first_waits, None);
        // A first move without them, waits on a later move, or waits that are not numbers.
        let bare = r#"{"jump": {"from": "0.0", "to": "1.0"}}"#;
        assert!(violation(&[bare], asked).contains("without the waits"));
        assert!(violation(&[FIRST_JUMP, FIRST_JUMP], asked).contains("clock was moved"));
        let again = r#"{"jump": {"from": "1.0", "to": "2.0", "waits": []}}"#;
        assert!(violation(&[FIRST_JUMP, again], asked).contains("later move"));
        let garbage = r#"{"jump": {"from": "0.0", "to": "1.0", "waits": ["x"]}}"#;
        assert!(violation(&[garbage], asked).contains("not the driver's"));
    }

    fn violation(lines: &[&str], ask: Option<(usize, u64)>) -> String {
        let mut exchange = imported();
        if let Some((case, nonce)) = ask {
            exchange.ask(case, nonce);
        }
        for line in lines {
            exchange.read(line, Routine::WaitN);
        }
        exchange.violation.expect("a violation").what
    }

    #[test]
    fn every_broken_rule_is_a_violation_never_a_default() {
        let asked = Some((0, 7));
        assert!(violation(&["{}"], asked).contains("not the driver's"));
        assert!(violation(&["garbage"], asked).contains("not the driver's"));
        // A case line with a field missing, or one too many.
        assert!(
            violation(&[r#"{"returned": {"case": 0, "nonce": 7}}"#], asked)
                .contains("not the driver's")
        );
        assert!(
            violation(
                &[r#"{"returned": {"case": 0, "nonce": 7, "value": {"type": "list", "items": []}, "extra": 1}}"#],
                asked
            )
            .contains("not the driver's")
        );
        assert!(violation(&[&returned(1, 7)], asked).contains("case 1 while case 0"));
        assert!(violation(&[&returned(0, 8)], asked).contains("nonce"));
        assert!(violation(&[&returned(0, 7)], None).contains("no case was asked"));
        assert!(violation(&[IMPORTED], asked).contains("second `imported`"));
        assert!(
            violation(&[r#"{"jump": {"from": "3.0", "to": "4.0"}}"#], asked)
                .contains("clock was moved")
        );
        assert!(
            violation(&[r#"{"jump": {"from": "0.0", "to": "0.0"}}"#], asked).contains("back to")
        );
        let mut exchange = Exchange::default();
        exchange.read(IMPORTED, Routine::WaitN);
        assert!(
            exchange
                .violation
                .unwrap()
                .what
                .contains("before the policy")
        );
    }

    #[test]
    fn timers_are_kept_on_the_clock_kept_here() {
        let mut exchange = imported();
        exchange.ask(0, 7);
        exchange.read(r#"{"timer": {"from": "0.0", "to": "2.5"}}"#, Routine::WaitN);
        exchange.read(
            r#"{"jump": {"from": "0.0", "to": "2.5", "waits": ["2.5"]}}"#,
            Routine::WaitN,
        );
        exchange.read(r#"{"timer": {"from": "2.5", "to": "3.0"}}"#, Routine::WaitN);
        exchange.read(&returned(0, 7), Routine::WaitN);
        assert_eq!(exchange.answered[0].timers, [(0.0, 2.5), (2.5, 3.0)]);
        let mut moved = imported();
        moved.ask(0, 7);
        moved.read(r#"{"timer": {"from": "1.0", "to": "2.5"}}"#, Routine::WaitN);
        assert!(moved.violation.unwrap().what.contains("clock was moved"));
    }

    #[test]
    fn task_wait_random_must_say_whether_it_returned_a_task() {
        let mut exchange = Exchange::default();
        exchange.read(POLICY, Routine::TaskWaitRandom);
        exchange.read(IMPORTED, Routine::TaskWaitRandom);
        exchange.ask(0, 1);
        exchange.read(
            r#"{"returned": {"case": 0, "nonce": 1, "value": {"type": "float", "repr": "1.0"}}}"#,
            Routine::TaskWaitRandom,
        );
        assert!(exchange.violation.unwrap().what.contains("task"));
    }

    #[test]
    fn cases_go_to_the_driver_as_one_line_each() {
        let input = |n, max_delay| CaseInput {
            case: 3,
            seed: 12,
            n,
            max_delay,
        };
        assert_eq!(input(Some(5), Some(10.0)).line(9), "3 12 5 10 9\n");
        assert_eq!(input(None, Some(7.25)).line(9), "3 12 - 7.25 9\n");
        assert_eq!(input(None, None).line(9), "3 12 - - 9\n");
    }

    #[test]
    fn lines_are_read_to_a_limit() {
        let mut text = "one\ntwo".as_bytes();
        assert_eq!(read_line(&mut text).unwrap(), Some(Ok("one".into())));
        assert_eq!(read_line(&mut text).unwrap(), Some(Ok("two".into())));
        assert_eq!(read_line(&mut text).unwrap(), None);
        let long = vec![b'x'; LONGEST_LINE + 10];
        assert!(read_line(&mut long.as_slice()).unwrap().unwrap().is_err());
    }

    #[test]
    fn a_flood_of_valid_lines_is_a_violation_at_the_case_cap() {
        let sleep = r#"{"sleep": {"seconds": "0.5"}}"#;
        let mut exchange = imported();
        exchange.ask(0, 7);
        for _ in 0..CASE_LINES {
            exchange.read(sleep, Routine::WaitN);
        }
        assert_eq!(exchange.violation, None);
        exchange.read(sleep, Routine::WaitN);
        let violation = exchange.violation.expect("a violation");
        assert_eq!(violation.case, Some(0));
        assert!(
            violation.what.contains("more than 200000 lines in case 0"),
            "{violation}"
        );
        // Each case has its own count.
        let mut exchange = imported();
        for case in 0..2 {
            exchange.ask(case, 7);
            for _ in 0..CASE_LINES - 1 {
                exchange.read(sleep, Routine::WaitN);
            }
            exchange.read(&returned(case, 7), Routine::WaitN);
        }
        assert_eq!(exchange.violation, None);
        assert_eq!(exchange.answered.len(), 2);
        // Long lines reach the byte cap first.
        let long = format!(r#"{{"sleep": {{"seconds": "0.{}"}}}}"#, "5".repeat(1 << 19));
        let mut exchange = imported();
        exchange.ask(1, 7);
        for _ in 0..CASE_BYTES / (1 << 19) {
            exchange.read(&long, Routine::WaitN);
        }
        assert!(
            exchange
                .violation
                .unwrap()
                .what
                .contains("MiB of lines in case 1")
        );
    }

    #[test]
    fn timers_are_capped() {
        let mut exchange = imported();
        exchange.ask(0, 7);
        for _ in 0..CASE_TIMERS {
            exchange.read(r#"{"timer": {"from": "0.0", "to": "2.5"}}"#, Routine::WaitN);
        }
        assert_eq!(exchange.violation, None);
        exchange.read(r#"{"timer": {"from": "0.0", "to": "2.5"}}"#, Routine::WaitN);
        assert!(
            exchange
                .violation
                .unwrap()
                .what
                .contains("timers in one case")
        );
    }

    #[test]
    fn values_read_as_the_driver_reports_them() {
        let value: Value = serde_json::from_str(r#"{"type": "int", "repr": "3"}"#).unwrap();
        assert_eq!((value.float(), value.number()), (None, Some(3.0)));
        assert_eq!(value.show(), "3 (of type int, not float)");
        let list: Value = serde_json::from_str(
            r#"{"type": "list", "items": [{"type": "float", "repr": "0.5"}]}"#,
        )
        .unwrap();
        assert_eq!(list.show(), "a list of 1");
        assert_eq!(list.items.unwrap()[0].float(), Some(0.5));
    }
}
