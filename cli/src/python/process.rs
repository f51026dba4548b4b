//! Running the code under test: one Python process per routine, contained, driven by
//! `driver.py` (shipped inside the binary), which reports one JSON line per case.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde::Deserialize;

use super::judge::Input;
use crate::failure::Failure;
use crate::interrupt::{self, Group};

/// The driver, run with `python3 -c`.
const DRIVER: &str = include_str!("driver.py");

/// The oldest Python the driver is written for.
const OLDEST_PYTHON: (u32, u32) = (3, 8);

/// How much of a process's stderr is kept to show with a failure; the rest is read and dropped.
const KEPT_STDERR: usize = 4096;

/// What a Python process may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Real time, per case (and for the import).
    pub per_case: Duration,
    /// Address space, in bytes.
    pub memory: u64,
}

/// What one routine's process gave: the driver's lines, and how it ended.
pub struct Outcome {
    pub lines: Vec<Line>,
    /// The case that did not finish in time, or the last words of a process that died.
    pub ended: Option<String>,
}

/// A value the driver reports: a float by its repr, a list, or anything else by type and repr.
#[derive(Clone, Debug, Deserialize)]
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

/// One line from the driver.
#[derive(Debug, Default, Deserialize)]
pub struct Line {
    pub import_error: Option<String>,
    pub shape: Option<Option<String>>,
    pub version: Option<String>,
    pub case: Option<usize>,
    pub value: Option<Value>,
    pub elapsed: Option<String>,
    #[serde(default)]
    pub sleeps: u64,
    pub task: Option<bool>,
    pub returned: Option<String>,
    pub error: Option<String>,
}

/// A command for `python`, with stdin from `/dev/null`: started with [`Group::spawn`], which
/// puts it in a process group of its own.
fn python_command(python: &Path) -> Command {
    let mut command = Command::new(python);
    command.stdin(Stdio::null());
    command
}

/// Why a Python process could not be started: a signal came first (the command is stopping),
/// or `python` cannot run, as `cannot_run` says.
fn cannot_start(err: &std::io::Error, cannot_run: impl FnOnce() -> Failure) -> Failure {
    if err.kind() == std::io::ErrorKind::Interrupted {
        interrupt::stopped("before the report")
    } else {
        cannot_run()
    }
}

/// Refuses a `python` that is not a working Python 3.8 or newer, before any check runs.
pub fn check_python_version(python: &Path) -> Result<(), Failure> {
    let refuse = |why: String| {
        Failure::usage(format!(
            "`{}` is not a working Python {}.{} or newer: {why} (give one with --python PATH)",
            python.display(),
            OLDEST_PYTHON.0,
            OLDEST_PYTHON.1
        ))
    };
    let mut command = python_command(python);
    command
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let (mut child, group) = Group::spawn(&mut command)
        .map_err(|err| cannot_start(&err, || refuse(format!("it cannot be run ({err})"))))?;
    let stdout = child.stdout.take();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(drain(stdout));
    });
    let printed = receiver.recv_timeout(Duration::from_secs(10));
    // Killed while the leader is unreaped, so the group's id cannot have been reused.
    drop(group);
    let _ = child.wait();
    let printed = printed.map_err(|_| refuse("it did not answer within 10 s".into()))?;
    let version = printed.trim();
    let parsed = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some(found) if found >= OLDEST_PYTHON => Ok(()),
        Some((major, minor)) => Err(refuse(format!("it is Python {major}.{minor}"))),
        None if version.is_empty() => Err(refuse("it printed no version".into())),
        None => Err(refuse(format!(
            "it printed `{}`",
            version.chars().take(40).collect::<String>()
        ))),
    }
}

/// Runs one routine's cases in a Python process, reading its lines with a time limit for
/// each.
///
/// The process is contained: it runs in a process group of its own, with stdin from
/// `/dev/null`, an address-space limit and a CPU-time limit (set by the driver before the
/// implementation is imported); its stderr is drained to the end, keeping the first few KB;
/// and when it ends or overruns, the whole group is killed, so nothing it started outlives
/// the check or holds its pipes open.
pub fn drive(
    python: &Path,
    dir: &Path,
    routine: &str,
    inputs: &[Input],
    limits: Limits,
) -> Result<Outcome, Failure> {
    let cases =
        serde_json::to_string(inputs).map_err(|err| Failure::environment(err.to_string()))?;
    // The CPU time the whole process may use: every case's real-time limit, and the import's.
    let cpu_secs = (limits.per_case.as_secs_f64() * (inputs.len() + 1) as f64).ceil() as u64 + 1;
    let mut command = python_command(python);
    command
        .arg("-c")
        .arg(DRIVER)
        .arg(dir)
        .arg(routine)
        .arg(cases)
        .arg(limits.memory.to_string())
        .arg(cpu_secs.to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (mut child, group) = Group::spawn(&mut command).map_err(|err| {
        cannot_start(&err, || {
            Failure::usage(format!(
                "cannot run `{}`: {err} (give one with --python PATH)",
                python.display()
            ))
        })
    })?;
    let (sender, receiver) = mpsc::channel();
    let stdout = child.stdout.take().map(BufReader::new);
    std::thread::spawn(move || {
        for line in stdout.into_iter().flat_map(BufRead::lines) {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take();
    let (kept_sender, kept) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = kept_sender.send(drain(stderr));
    });
    let mut lines = Vec::new();
    let mut ended = None;
    // One line for the import, then one per case.
    for expected in 0..=inputs.len() {
        match receiver.recv_timeout(limits.per_case) {
            Ok(text) => {
                let line: Line = serde_json::from_str(&text).unwrap_or_default();
                let stop = line.import_error.is_some();
                lines.push(line);
                if stop {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let what = if expected == 0 {
                    "the import"
                } else {
                    "the call"
                };
                ended = Some(format!(
                    "{what} did not finish within {} s of real time: an infinite loop, or a wait the virtual clock cannot skip",
                    limits.per_case.as_secs_f64()
                ));
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // Everything the process started goes with it, then its pipes close; killed while the
    // leader is unreaped, so the group's id cannot have been given to another group.
    drop(group);
    let status = child.wait().ok();
    // A process that left the group (a new session) may still hold stderr: wait a little only.
    let last_words = kept
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    if ended.is_none()
        && lines.len() < inputs.len() + 1
        && lines.first().is_none_or(|l| l.import_error.is_none())
    {
        ended = Some(if over_cpu_limit(status) {
            format!("the Python process went over its CPU-time limit of {cpu_secs} s")
        } else {
            let last = last_words
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim()
                .to_string();
            format!("the Python process stopped: {last}")
        });
    }
    Ok(Outcome { lines, ended })
}

/// Reads a stream to its end, keeping the first [`KEPT_STDERR`] bytes as text.
fn drain(stream: Option<impl Read>) -> String {
    let mut kept = Vec::new();
    if let Some(mut stream) = stream {
        let mut buffer = [0; 8192];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            let room = KEPT_STDERR.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..read.min(room)]);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Whether a process was ended by the CPU-time limit (`SIGXCPU`, or `SIGKILL` at the hard one).
fn over_cpu_limit(status: Option<std::process::ExitStatus>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.and_then(|s| s.signal()) == Some(nix::sys::signal::Signal::SIGXCPU as i32)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_reads_to_the_end_and_keeps_the_first_bytes() {
        let text = "x".repeat(3 * KEPT_STDERR) + "end";
        let kept = drain(Some(text.as_bytes()));
        assert_eq!(kept.len(), KEPT_STDERR);
        assert!(kept.chars().all(|c| c == 'x'));
        assert_eq!(drain(None::<&[u8]>), "");
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
