//! Probing the Python to grade with: that it is a working Python 3.8 or newer, where it is
//! installed (what the sandbox lets it read), and how this machine can contain it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::contain::{paths, warden};
use super::failure::Failure;
use crate::interrupt::{self, Group};

/// The oldest Python the driver is written for.
const OLDEST_PYTHON: (u32, u32) = (3, 8);

/// How much of the version check's output is read: its paths, one a line.
const KEPT_ABOUT: usize = 64 << 10;

/// A working Python, as its version check found it, and how this machine can contain it.
#[derive(Clone, Debug)]
pub struct Python {
    /// What to run: the interpreter itself, not a shim that chooses one.
    pub executable: PathBuf,
    /// The folders and files it reads (its module path, the folders of its modules and of
    /// the libraries it loaded), which the sandbox lets it read.
    pub prefixes: Vec<PathBuf>,
    /// What the warden applies to it on this machine.
    pub sandbox: warden::Plan,
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
pub(super) fn cannot_start(err: &std::io::Error, cannot_run: impl FnOnce() -> Failure) -> Failure {
    if err.kind() == std::io::ErrorKind::Interrupted {
        Failure::Interrupted
    } else {
        cannot_run()
    }
}

/// What the version check prints: the version, then the interpreter and its folder, and once
/// it has imported what the driver imports, its module path, the folders of the modules it
/// loaded (a `sitecustomize` may be a link into `/etc`), and the shared libraries it loaded (a
/// Python built against libraries outside its prefix needs them in the sandbox): what the
/// sandbox lets it read, and nothing more of its installation. It runs outside the sandbox,
/// so it imports nothing from the working directory (a grader may run waitsim from inside a
/// submission, beside its own `random.py`), and it runs from the temporary folder.
const ABOUT: &str = "import sys, os
sys.path[:] = [p for p in sys.path if p not in ('', '.', os.getcwd())]
print('%d.%d' % sys.version_info[:2])
print(os.path.realpath(sys.executable) if sys.executable else '')
print(os.path.dirname(os.path.realpath(sys.executable)) if sys.executable else '')
try:
    import abc, ast, asyncio, inspect, json, random, selectors, traceback
    seen = set()
    def say(path):
        if path not in seen:
            seen.add(path)
            print(path)
    for path in sys.path:
        say(os.path.realpath(path))
    for module in list(sys.modules.values()):
        path = getattr(module, '__file__', None)
        if isinstance(path, str):
            say(os.path.dirname(os.path.realpath(path)))
    with open('/proc/self/maps') as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith('/'):
                say(fields[5].strip())
except Exception:
    pass";

/// Refuses a `python` that is not a working Python 3.8 or newer, before any check runs; tells
/// where it is installed.
pub fn check_python_version(python: &Path) -> Result<Python, Failure> {
    let refuse = |why: String| {
        Failure::Python(format!(
            "`{}` is not a working Python {}.{} or newer: {why} (give one with --python PATH)",
            python.display(),
            OLDEST_PYTHON.0,
            OLDEST_PYTHON.1
        ))
    };
    let printed = run_about(python, &refuse)?;
    let mut lines = printed.lines();
    check_version(lines.next().unwrap_or_default().trim()).map_err(refuse)?;
    let paths: Vec<PathBuf> = lines
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect();
    let executable = paths
        .first()
        .filter(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| python.to_path_buf());
    let prefixes: Vec<PathBuf> = paths.into_iter().skip(1).collect();
    let sandbox = warden::Plan::new(&executable, &paths::readable(&prefixes));
    Ok(Python {
        executable,
        prefixes,
        sandbox,
    })
}

/// Runs [`ABOUT`] with `python`, outside the sandbox, for at most 10 s: what it printed.
fn run_about(python: &Path, refuse: &dyn Fn(String) -> Failure) -> Result<String, Failure> {
    let mut command = python_command(python);
    command
        .current_dir(std::env::temp_dir())
        .args(["-c", ABOUT])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let (mut child, group) = Group::spawn(&mut command)
        .map_err(|err| cannot_start(&err, || refuse(format!("it cannot be run ({err})"))))?;
    let stdout = child.stdout.take();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(drain(stdout, KEPT_ABOUT));
    });
    let printed = receiver.recv_timeout(Duration::from_secs(10));
    // Killed while the leader is unreaped, so the group's id cannot have been reused.
    group.reap(&mut child);
    if interrupt::interrupted() {
        // Killed by the signal's handler: not the Python's fault.
        return Err(Failure::Interrupted);
    }
    printed.map_err(|_| refuse("it did not answer within 10 s".into()))
}

/// Refuses a version line that is not `MAJOR.MINOR` of 3.8 or newer, saying why.
fn check_version(version: &str) -> Result<(), String> {
    let parsed = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some(found) if found >= OLDEST_PYTHON => Ok(()),
        Some((major, minor)) => Err(format!("it is Python {major}.{minor}")),
        None if version.is_empty() => Err("it printed no version".into()),
        None => Err(format!(
            "it printed `{}`",
            version.chars().take(40).collect::<String>()
        )),
    }
}

/// Reads a stream to its end, keeping the first `kept` bytes as text.
pub(super) fn drain(stream: Option<impl Read>, kept_bytes: usize) -> String {
    let mut kept = Vec::new();
    if let Some(mut stream) = stream {
        let mut buffer = [0; 8192];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            let room = kept_bytes.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..read.min(room)]);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_reads_to_the_end_and_keeps_the_first_bytes() {
        let text = "x".repeat(3 * 1024) + "end";
        let kept = drain(Some(text.as_bytes()), 1024);
        assert_eq!(kept.len(), 1024);
        assert!(kept.chars().all(|c| c == 'x'));
        assert_eq!(drain(None::<&[u8]>, 1024), "");
    }

    #[test]
    fn only_a_python_of_3_8_or_newer_passes_and_the_refusal_says_what_was_printed() {
        assert_eq!(check_version("3.8"), Ok(()));
        assert_eq!(check_version("3.13"), Ok(()));
        assert_eq!(check_version("3.7"), Err("it is Python 3.7".into()));
        assert_eq!(check_version("2.7"), Err("it is Python 2.7".into()));
        assert_eq!(check_version(""), Err("it printed no version".into()));
        assert_eq!(check_version("hello"), Err("it printed `hello`".into()));
    }
}
