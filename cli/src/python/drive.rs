//! Running the code under test: one Python process per routine, behind a
//! [warden](super::warden), from a private copy of the folder, driven by `driver.py` (shipped
//! inside the binary) one case at a time.

use std::ffi::OsString;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use waitsim::Routine;

use super::catalogue::ROUTINES;
use super::failure::Failure;
use super::protocol::{CaseInput, Exchange, read_line};
use super::warden::{self, Spec};
use crate::interrupt::{self, Group};

/// The driver, run with `python3 -c`.
const DRIVER: &str = include_str!("driver.py");

/// The oldest Python the driver is written for.
const OLDEST_PYTHON: (u32, u32) = (3, 8);

/// How much of a process's stderr is kept to show with a failure; the rest is read and dropped.
const KEPT_STDERR: usize = 4096;

/// The most a private copy of a folder may hold: what is beyond it is left out, with a note.
const COPIED_BYTES: u64 = 64 << 20;

/// The largest file other than a Python source that a private copy takes: data a learner
/// keeps beside the exercise (a recording, a dataset) is no part of it.
const SMALL_FILE: u64 = 1 << 20;

/// The most entries a private copy looks at, and how deep: a tree past either is left out.
const COPIED_ENTRIES: usize = 10_000;
const COPIED_DEPTH: usize = 8;

/// How much of the version check's output is read: its paths, one a line.
const KEPT_ABOUT: usize = 64 << 10;

/// How many of the driver's lines may wait to be read: past that, the reader stops reading
/// and the pipe fills, so the code under test waits on its writes, however fast it writes.
/// With lines of at most [`LONGEST_LINE`](super::protocol::LONGEST_LINE), a routine's
/// lines hold at most a dozen MiB of waitsim's memory.
const LINES_IN_FLIGHT: usize = 8;

/// The variables of waitsim's environment that reach the code under test: the search path
/// for programs and the locale. Nothing else does: not a grader's token, not a proxy.
const PASSED_ENV: [&str; 2] = ["PATH", "LANG"];

/// The environment of the code under test: [`PASSED_ENV`] and the locale's `LC_*` from
/// waitsim's own, then the driver's settings and a private home and temporary folder.
fn environment(private: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(name, _)| {
            let name = name.to_string_lossy();
            PASSED_ENV.contains(&name.as_ref())
                || (name.starts_with("LC_")
                    && name[3..]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_'))
        })
        .collect();
    for (name, value) in [
        ("PYTHONDONTWRITEBYTECODE", OsString::from("1")),
        ("PYTHONHASHSEED", OsString::from("0")),
        // One malloc arena per thread would reserve 64 MiB of address space each: threads
        // share two, so an executor's threads fit in the limit.
        ("MALLOC_ARENA_MAX", OsString::from("2")),
        ("TMPDIR", private.as_os_str().to_owned()),
        ("HOME", private.as_os_str().to_owned()),
    ] {
        env.push((name.into(), value));
    }
    env
}

/// What a Python process may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Real time, per case (and for the import).
    pub per_case: Duration,
    /// Address space, in bytes.
    pub memory: u64,
}

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

/// What one routine's process gave: the exchange as the rules read it, and how it ended.
pub struct DriverRun {
    pub exchange: Exchange,
    /// The case that did not finish in time, or the last words of a process that died.
    pub ended: Option<String>,
    /// What the private copy left out of the folder, and why (see [`PrivateCopy::new`]).
    pub left_out: Vec<String>,
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
    let printed = printed.map_err(|_| refuse("it did not answer within 10 s".into()))?;
    let mut lines = printed.lines();
    let version = lines.next().unwrap_or_default().trim();
    let parsed = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some(found) if found >= OLDEST_PYTHON => {}
        Some((major, minor)) => return Err(refuse(format!("it is Python {major}.{minor}"))),
        None if version.is_empty() => return Err(refuse("it printed no version".into())),
        None => {
            return Err(refuse(format!(
                "it printed `{}`",
                version.chars().take(40).collect::<String>()
            )));
        }
    }
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
    let sandbox = warden::Plan::new(&executable, &readable(&prefixes));
    Ok(Python {
        executable,
        prefixes,
        sandbox,
    })
}

/// A private copy of a folder, in a temporary directory of its own that goes when this does.
pub struct PrivateCopy {
    /// The temporary directory: the copy is in `src/`, and `tmp/` is the code's `TMPDIR`.
    pub root: PathBuf,
    /// What was left out of the copy, and why, for the report.
    pub left_out: Vec<String>,
}

/// Why a private copy could not be made.
#[derive(Debug)]
pub enum CopyError {
    /// One of the exercise's own files cannot be read: the folder cannot be graded.
    Unreadable(String),
    /// The temporary directory cannot be made or written: the grader's machine is at fault.
    Environment(String),
}

impl PrivateCopy {
    /// Copies what the exercise needs of `dir`: the exercise's files first, then the Python
    /// sources and small files of its folders, following a symbolic link only where it
    /// resolves inside `dir`. Everything else is left out and listed in
    /// [`left_out`](Self::left_out): hidden entries and `__pycache__`, virtual environments,
    /// compiled code (which is never run), files of more than 1 MiB that are not Python
    /// sources, links that lead outside, and whatever is past 64 MiB in all.
    pub fn new(dir: &Path, exercise: &[&str]) -> Result<PrivateCopy, CopyError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let environment = |err: std::io::Error| {
            CopyError::Environment(format!("cannot make a temporary directory: {err}"))
        };
        let root = std::env::temp_dir().join(format!(
            "waitsim-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&root).map_err(environment)?;
        interrupt::remove_on_signal(root.clone());
        let mut copy = PrivateCopy {
            root,
            left_out: Vec::new(),
        };
        std::fs::create_dir(copy.root.join("tmp")).map_err(environment)?;
        let top = dir.canonicalize().map_err(|err| {
            CopyError::Unreadable(format!("cannot read `{}`: {err}", dir.display()))
        })?;
        let mut walk = Walk {
            top,
            budget: COPIED_BYTES,
            entries: 0,
            copied: Vec::new(),
            left_out: Vec::new(),
        };
        std::fs::create_dir(copy.src()).map_err(environment)?;
        for file in exercise {
            let from = dir.join(file);
            if std::fs::symlink_metadata(&from).is_err() {
                continue;
            }
            walk.entry(&from, &copy.src().join(file), Path::new(file), 0)
                .map_err(CopyError::Environment)?;
            if !copy.src().join(file).is_file()
                && let Some(why) = walk.why_left_out(Path::new(file))
            {
                return Err(CopyError::Unreadable(format!("`{file}` {why}")));
            }
        }
        walk.folder(dir, &copy.src(), Path::new(""), 0)
            .map_err(CopyError::Environment)?;
        copy.left_out = walk.left_out.into_iter().map(|(_, why)| why).collect();
        Ok(copy)
    }

    pub fn src(&self) -> PathBuf {
        self.root.join("src")
    }
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        interrupt::forget_temporary(&self.root);
    }
}

/// A walk of the folder being copied.
struct Walk {
    /// The folder, as its real path: a link may lead anywhere below it, and nowhere else.
    top: PathBuf,
    budget: u64,
    entries: usize,
    /// The paths copied, relative to the folder: each is copied once.
    copied: Vec<PathBuf>,
    /// Each path left out, relative to the folder, with the note that says why.
    left_out: Vec<(PathBuf, String)>,
}

impl Walk {
    fn leave_out(&mut self, relative: &Path, why: &str) {
        let note = format!("`{}` {why}", relative.display());
        self.left_out.push((relative.to_path_buf(), note));
    }

    fn why_left_out(&self, relative: &Path) -> Option<String> {
        self.left_out
            .iter()
            .find(|(path, _)| path == relative)
            .map(|(_, note)| {
                note.split_once("` ")
                    .map_or(note.clone(), |(_, why)| why.to_string())
            })
    }

    /// Copies the entries of folder `from` into `to`, which exists.
    fn folder(
        &mut self,
        from: &Path,
        to: &Path,
        relative: &Path,
        depth: usize,
    ) -> Result<(), String> {
        let entries = match std::fs::read_dir(from) {
            Ok(entries) => entries,
            Err(err) => {
                self.leave_out(relative, &format!("cannot be read ({err})"));
                return Ok(());
            }
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            let path = relative.join(&name);
            if self.copied.contains(&path) || self.left_out.iter().any(|(p, _)| *p == path) {
                continue;
            }
            self.entries += 1;
            if self.entries > COPIED_ENTRIES {
                self.leave_out(
                    relative,
                    &format!("is left out past its first {COPIED_ENTRIES} entries"),
                );
                return Ok(());
            }
            self.entry(&from.join(&name), &to.join(&name), &path, depth)?;
        }
        Ok(())
    }

    /// Copies one entry, a file or a folder, or notes why it is left out.
    fn entry(
        &mut self,
        from: &Path,
        to: &Path,
        relative: &Path,
        depth: usize,
    ) -> Result<(), String> {
        let name = relative
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Ok(link) = std::fs::symlink_metadata(from) else {
            self.leave_out(relative, "cannot be read");
            return Ok(());
        };
        if name.starts_with('.') || name == "__pycache__" {
            // Hidden entries and caches: `.git`, editors' folders, compiled caches.
            return Ok(());
        }
        if link.file_type().is_symlink() {
            match from.canonicalize() {
                Ok(real) if real.starts_with(&self.top) => {}
                Ok(_) => {
                    self.leave_out(relative, "is a link that leads outside the folder");
                    return Ok(());
                }
                Err(_) => {
                    self.leave_out(relative, "is a link that leads nowhere");
                    return Ok(());
                }
            }
        }
        let Ok(meta) = std::fs::metadata(from) else {
            self.leave_out(relative, "cannot be read");
            return Ok(());
        };
        if meta.is_dir() {
            if from.join("pyvenv.cfg").exists() {
                self.leave_out(relative, "is a virtual environment");
            } else if depth >= COPIED_DEPTH {
                self.leave_out(
                    relative,
                    &format!("is more than {COPIED_DEPTH} folders deep"),
                );
            } else if link.file_type().is_symlink() && self.copied.iter().any(|p| p == relative) {
                // Seen already through another link.
            } else {
                std::fs::create_dir(to).map_err(|err| format!("cannot copy the folder: {err}"))?;
                self.copied.push(relative.to_path_buf());
                self.folder(from, to, relative, depth + 1)?;
            }
            return Ok(());
        }
        if !meta.is_file() {
            return Ok(());
        }
        let extension = relative.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(extension, "pyc" | "pyo" | "so" | "pyd" | "dylib") {
            self.leave_out(
                relative,
                "is compiled code, which is never run: only Python sources are",
            );
            return Ok(());
        }
        let size = meta.len();
        if extension != "py" && size > SMALL_FILE {
            self.leave_out(
                relative,
                &format!("({} MiB) is left out: only Python sources and files of at most 1 MiB are copied", size >> 20),
            );
            return Ok(());
        }
        if size > self.budget {
            self.leave_out(
                relative,
                &format!(
                    "is left out: the copy holds at most {} MiB",
                    COPIED_BYTES >> 20
                ),
            );
            return Ok(());
        }
        match std::fs::copy(from, to) {
            Ok(_) => {
                self.budget -= size;
                self.copied.push(relative.to_path_buf());
            }
            Err(err)
                if to.parent().is_some_and(Path::exists) && std::fs::File::open(from).is_err() =>
            {
                self.leave_out(relative, &format!("cannot be read ({err})"));
            }
            Err(err) => return Err(format!("cannot copy `{}`: {err}", relative.display())),
        }
        Ok(())
    }
}

/// The folders and files the sandbox lets Python read: what its version check reported, the
/// system's programs and libraries, and of `/etc` only the files a program's start reads
/// (never the whole of `/etc`, with its `shadow`, nor `/usr/local` or `/opt`, where a grader
/// may keep things of their own). Never the root, a top-level folder, or a pseudo-filesystem
/// (`/proc`, `/sys`, `/dev`), nor a temporary folder, whatever the version check reported: a
/// library mapped from a file at `/` must not open the whole disk.
fn readable(reported: &[PathBuf]) -> Vec<PathBuf> {
    let system = [
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib32",
        "/usr/lib64",
        "/usr/libexec",
        "/usr/share/zoneinfo",
        "/lib",
        "/lib64",
        "/lib32",
        "/bin",
        "/sbin",
        "/etc/localtime",
        "/etc/ld.so.cache",
        "/etc/ld.so.preload",
    ];
    let never = [
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/tmp",
        "/var/tmp",
        "/etc/shadow",
        "/etc/gshadow",
    ];
    let reported = reported.iter().filter(|path| {
        path.is_absolute()
            && path.components().count() > 2
            && !never.iter().any(|n| path.starts_with(n))
    });
    let mut paths: Vec<PathBuf> = system.iter().map(PathBuf::from).collect();
    paths.extend(reported.cloned());
    paths.retain(|p| p.exists());
    paths.sort();
    paths.dedup();
    paths
}

/// Runs one routine's cases in a Python process, case by case, each with a time limit.
///
/// The process is contained: it runs behind a warden, in a process group of its own, from a
/// private copy of `dir`, with stdin a pipe of waitsim's, hard limits and a sandbox; its
/// stderr is drained to the end, keeping the first few KB; and when it ends or overruns, its
/// whole tree is killed, so nothing it started outlives the check.
/// One routine to run: its file, and whether to report every timer (for a picture).
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    pub routine: Routine,
    pub file: &'a str,
    pub record: bool,
}

pub fn drive(
    python: &Python,
    dir: &Path,
    job: Job<'_>,
    inputs: &[CaseInput],
    limits: Limits,
) -> Result<DriverRun, Failure> {
    let Job { routine, file, .. } = job;
    let exercise: Vec<&str> = ROUTINES.iter().map(|(_, file)| *file).collect();
    let mut copy = PrivateCopy::new(dir, &exercise).map_err(|err| match err {
        CopyError::Unreadable(why) => Failure::Submission(why),
        CopyError::Environment(why) => Failure::Environment(why),
    })?;
    // The CPU time the whole process may use: every case's real-time limit, and the import's.
    let cpu_seconds = (limits.per_case.as_secs_f64() * (inputs.len() + 1) as f64).ceil() as u64 + 1;
    let spec = Spec {
        parent: std::process::id(),
        memory: limits.memory,
        cpu_seconds,
        read: readable(&python.prefixes),
        write: vec![copy.root.clone()],
        plan: python.sandbox.clone(),
    };
    let mut args: Vec<OsString> = vec![
        "-c".into(),
        DRIVER.into(),
        copy.src().into(),
        routine.name().into(),
        file.into(),
        limits.memory.to_string().into(),
        super::catalogue::spec_json().into(),
    ];
    if job.record {
        args.push("record".into());
    }
    let mut command = warden::command(&spec, &python.executable, args);
    command
        // Not the copy: nothing of the code under test is found there by accident.
        .current_dir(copy.root.join("tmp"))
        .env_clear()
        .envs(environment(&copy.root.join("tmp")))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (mut child, group) = Group::spawn(&mut command).map_err(|err| {
        cannot_start(&err, || {
            Failure::Environment(format!("cannot start waitsim's warden: {err}"))
        })
    })?;
    let mut stdin = child.stdin.take();
    let lines = read_lines(child.stdout.take());
    let stderr = child.stderr.take();
    let (kept_sender, kept) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = kept_sender.send(drain(stderr, KEPT_STDERR));
    });
    let mut exchange = Exchange::default();
    let mut ended = None;
    let overran = |what: &str| {
        format!(
            "{what} did not finish within {} s of real time: an infinite loop, or a wait the virtual clock cannot skip",
            limits.per_case.as_secs_f64()
        )
    };
    // The import, then one case at a time.
    let tree = child.id();
    // Python's start, the sandbox's and the driver's own imports are waitsim's time, not the
    // code's: they get [`STARTUP`]. The code's import, from the policy line on (the driver's
    // last word before it), gets a case's limit.
    let mut deadline = Deadline::new(STARTUP.max(limits.per_case), tree);
    let mut started = false;
    let mut open = true;
    while open && !exchange.imported() && !exchange.over() {
        if !started && exchange.policy.is_some() {
            started = true;
            deadline = Deadline::new(limits.per_case, tree);
        }
        match next_line(&lines, &mut deadline, &mut exchange, routine) {
            Next::Read => {}
            Next::Timeout if started => {
                ended = Some(overran("the import"));
                open = false;
            }
            Next::Timeout => {
                ended = Some(format!(
                    "the Python process did not start within {} s of real time: the machine is overloaded, or its Python is broken",
                    STARTUP.max(limits.per_case).as_secs_f64()
                ));
                open = false;
            }
            Next::Closed => open = false,
        }
    }
    if exchange.imported() {
        'cases: for input in inputs {
            // Whatever came between cases is read first: the exchange refuses it (and a
            // flood ends with the first line, as nothing is read past a violation).
            while !exchange.over() {
                let Ok(line) = lines.try_recv() else { break };
                feed(&mut exchange, line, routine);
            }
            if exchange.over() {
                break;
            }
            let nonce = nonce()?;
            exchange.ask(input.index, nonce);
            let sent = stdin
                .as_mut()
                .is_some_and(|s| s.write_all(input.line(nonce).as_bytes()).is_ok());
            if !sent {
                // The process is gone: the loop below says how it ended.
                stdin = None;
            }
            let mut deadline = Deadline::new(limits.per_case, tree);
            while exchange.waiting() && !exchange.over() {
                match next_line(&lines, &mut deadline, &mut exchange, routine) {
                    Next::Read => {}
                    Next::Timeout => {
                        ended = Some(overran("the call"));
                        break 'cases;
                    }
                    Next::Closed => break 'cases,
                }
            }
        }
        // The end: nothing more may come, and what does is a violation.
        drop(stdin.take());
        if ended.is_none() && !exchange.over() {
            let mut deadline = Deadline::new(limits.per_case, tree);
            while !exchange.over() {
                if !matches!(
                    next_line(&lines, &mut deadline, &mut exchange, routine),
                    Next::Read
                ) {
                    break;
                }
            }
        }
    }
    drop(stdin);
    // A driver that closed its end has ended, or is ending: its own status says how (a
    // channel replaced, a function changed), so it is given a moment before the warden is
    // told to stop, which would replace that status with its own.
    let closed = matches!(
        lines.try_recv(),
        Err(std::sync::mpsc::TryRecvError::Disconnected)
    );
    if closed {
        group.wait_for_leader(Duration::from_secs(1));
    }
    let status = stop(&mut child, group);
    if status == Some(TAMPERED) {
        exchange.tampered();
    }
    if interrupt::interrupted() {
        return Err(Failure::Interrupted);
    }
    // A process that escaped the tree may still hold stderr: wait a little only.
    let last_words = kept
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    let finished = exchange.answered.len() == inputs.len();
    if ended.is_none() && !finished && !exchange.over() {
        ended = Some(if status == Some(warden::killed_by(libc_signal::SIGXCPU)) {
            format!("the Python process went over its CPU-time limit of {cpu_seconds} s")
        } else if status == Some(warden::OVER_MEMORY) {
            format!(
                "the code's processes together went over the memory limit of {} MiB",
                limits.memory >> 20
            )
        } else if status == Some(warden::OVER_DISK) {
            format!(
                "the code wrote more than {} MiB, or more than {} files, to its folder",
                warden::DISK >> 20,
                warden::DISK_ENTRIES
            )
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
    let left_out = std::mem::take(&mut copy.left_out);
    drop(copy);
    Ok(DriverRun {
        exchange,
        ended,
        left_out,
    })
}

/// Signal numbers the warden's status is compared with.
mod libc_signal {
    #[cfg(unix)]
    pub const SIGXCPU: i32 = nix::sys::signal::Signal::SIGXCPU as i32;
    #[cfg(not(unix))]
    pub const SIGXCPU: i32 = -1;
}

/// The driver's exit status when its channel was replaced or its functions changed under it
/// (`REPLACED` in `driver.py`).
const TAMPERED: i32 = 86;

/// A fresh nonce for a case, from the operating system: the code under test cannot know it
/// before the case is sent.
fn nonce() -> Result<u64, Failure> {
    rand::TryRng::try_next_u64(&mut rand::rngs::SysRng)
        .map_err(|err| Failure::Environment(format!("no randomness from the system: {err}")))
}

/// The driver's lines, each a line or why it is not one, read on a thread of their own, at
/// most [`LINES_IN_FLIGHT`] ahead of the reading: the thread ends when the receiver goes.
fn read_lines(stdout: Option<impl Read + Send + 'static>) -> Receiver<Result<String, String>> {
    let (sender, receiver) = mpsc::sync_channel(LINES_IN_FLIGHT);
    std::thread::spawn(move || {
        if let Some(stdout) = stdout {
            forward_lines(stdout, &sender);
        }
    });
    receiver
}

/// Sends the lines of `stream` to `sender`, waiting while it is full, until the end of the
/// stream, a line that is not one, or a receiver that is gone.
fn forward_lines(stream: impl Read, sender: &SyncSender<Result<String, String>>) {
    let mut reader = BufReader::new(stream);
    while let Ok(Some(line)) = read_line(&mut reader) {
        let stop = line.is_err();
        if sender.send(line).is_err() || stop {
            break;
        }
    }
}

fn feed(exchange: &mut Exchange, line: Result<String, String>, routine: Routine) {
    match line {
        Ok(line) => exchange.read(&line, routine),
        Err(what) => exchange.refuse(what),
    }
}

/// What waiting for the next line gave.
enum Next {
    Read,
    Timeout,
    Closed,
}

/// The real time Python has to start and the driver to read the code's files, before any of
/// the code runs.
const STARTUP: Duration = Duration::from_secs(60);

/// How many times its limit a case may take in real time when its processes were kept from
/// a CPU by others: far more than a loaded machine needs, and still a bound.
const STARVED_FACTOR: u32 = 30;

/// When a case's real time is up. The limit counts the time the code could run: the time its
/// processes waited, ready, for a CPU that others held (`--jobs` above the cores, a busy
/// machine) moves the deadline on, so correct code is never failed for a machine's load. The
/// deadline never moves past [`STARVED_FACTOR`] times the limit.
struct Deadline {
    at: Instant,
    last: Instant,
    tree: u32,
    waited: Option<Duration>,
}

impl Deadline {
    /// The deadline `limit` from now, for the processes from `tree` down.
    fn new(limit: Duration, tree: u32) -> Deadline {
        let now = Instant::now();
        Deadline {
            at: now + limit,
            last: now + limit * STARVED_FACTOR,
            tree,
            waited: super::tree::run_queue_wait(tree),
        }
    }

    /// The time left, after the deadline has moved on by the time the tree waited for a CPU
    /// since the last look; `None` once it has passed.
    fn left(&mut self) -> Option<Duration> {
        let now = Instant::now();
        if now >= self.at && self.at < self.last {
            let w = super::tree::run_queue_wait(self.tree);
            if std::env::var_os("WAITSIM_DEBUG_DEADLINE").is_some() {
                eprintln!(
                    "deadline: tree {} waited {:?} (before {:?}), descendants {:?}",
                    self.tree,
                    w,
                    self.waited,
                    super::tree::descendants(self.tree)
                );
            }
            self.move_on(w);
        }
        (now < self.at).then(|| self.at - now)
    }

    /// Moves the deadline on by the growth of the tree's wait for a CPU, now `waited`.
    fn move_on(&mut self, waited: Option<Duration>) {
        if let (Some(before), Some(after)) = (self.waited, waited) {
            self.at = (self.at + after.saturating_sub(before)).min(self.last);
        }
        self.waited = waited;
    }
}

/// Reads the next line into `exchange`, unless `deadline` has passed: it is looked at before
/// each line, so lines that wait in the channel never extend it.
fn next_line(
    lines: &Receiver<Result<String, String>>,
    deadline: &mut Deadline,
    exchange: &mut Exchange,
    routine: Routine,
) -> Next {
    // A wait that ends at the deadline looks again: the deadline may have moved on.
    while let Some(left) = deadline.left() {
        match lines.recv_timeout(left) {
            Ok(line) => {
                feed(exchange, line, routine);
                return Next::Read;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Next::Closed,
        }
    }
    Next::Timeout
}

/// Stops a warden: asks it to kill its tree, gives it a moment, then kills its group and
/// reaps it, and any orphan that reached waitsim. Its exit status, if it gave one.
fn stop(child: &mut Child, group: Group) -> Option<i32> {
    group.terminate();
    group.wait_for_leader(Duration::from_secs(5));
    let status = group.reap(child);
    interrupt::sweep_orphans();
    status.and_then(|s| {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            s.code().or_else(|| s.signal().map(warden::killed_by))
        }
        #[cfg(not(unix))]
        {
            s.code()
        }
    })
}

/// Reads a stream to its end, keeping the first `kept` bytes as text.
fn drain(stream: Option<impl Read>, kept_bytes: usize) -> String {
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
        let text = "x".repeat(3 * KEPT_STDERR) + "end";
        let kept = drain(Some(text.as_bytes()), KEPT_STDERR);
        assert_eq!(kept.len(), KEPT_STDERR);
        assert!(kept.chars().all(|c| c == 'x'));
        assert_eq!(drain(None::<&[u8]>, KEPT_STDERR), "");
    }

    #[test]
    fn a_backlog_of_lines_never_extends_the_deadline() {
        let sleep = "{\"sleep\": {\"seconds\": \"0.5\"}}\n";
        let lines = read_lines(Some(std::io::Cursor::new(sleep.repeat(64).into_bytes())));
        // The reader has filled the channel, and waits.
        std::thread::sleep(Duration::from_millis(50));
        let mut exchange = Exchange::default();
        let mut passed = Deadline::new(Duration::ZERO, std::process::id());
        assert!(matches!(
            next_line(&lines, &mut passed, &mut exchange, Routine::WaitN),
            Next::Timeout
        ));
        assert_eq!(exchange.violation, None, "no line was read");
        let mut later = Deadline::new(Duration::from_secs(60), std::process::id());
        assert!(matches!(
            next_line(&lines, &mut later, &mut exchange, Routine::WaitN),
            Next::Read
        ));
    }

    #[test]
    fn time_spent_waiting_for_a_cpu_moves_the_deadline_up_to_its_bound() {
        let limit = Duration::from_secs(2);
        let mut deadline = Deadline::new(limit, u32::MAX);
        let start = deadline.at;
        assert_eq!(deadline.last - start, limit * (STARVED_FACTOR - 1));
        // A tree whose wait cannot be read gets its limit and no more.
        deadline.move_on(Some(Duration::from_secs(1)));
        assert_eq!(deadline.at, start);
        // Then 300 ms waiting: 300 ms more; a count that fell (a thread ended) adds nothing.
        deadline.move_on(Some(Duration::from_millis(1300)));
        assert_eq!(deadline.at, start + Duration::from_millis(300));
        deadline.move_on(Some(Duration::from_millis(200)));
        assert_eq!(deadline.at, start + Duration::from_millis(300));
        // An hour's wait moves it to its bound, not past it.
        deadline.move_on(Some(Duration::from_secs(3600)));
        assert_eq!(deadline.at, deadline.last);
        // And a deadline that has passed gives no time.
        let mut passed = Deadline::new(Duration::ZERO, u32::MAX);
        assert_eq!(passed.left(), None);
    }

    #[test]
    fn the_reader_holds_a_bounded_number_of_lines() {
        let line = "x".repeat(1000) + "\n";
        let text = line.repeat(10 * LINES_IN_FLIGHT);
        let (sender, receiver) = mpsc::sync_channel(LINES_IN_FLIGHT);
        let (read_sender, read) = mpsc::channel();
        let counted = CountingReader {
            inner: std::io::Cursor::new(text.into_bytes()),
            read: 0,
            report: read_sender,
        };
        std::thread::spawn(move || forward_lines(counted, &sender));
        std::thread::sleep(Duration::from_millis(100));
        // The thread read what fills the channel and its buffer, then stopped.
        let so_far = read.try_iter().last().unwrap_or(0);
        assert!(so_far < 2 * (LINES_IN_FLIGHT + 1) * 1001 + 8192, "{so_far}");
        assert_eq!(receiver.iter().count(), 10 * LINES_IN_FLIGHT);
    }

    /// A reader that reports how many bytes it has given.
    struct CountingReader {
        inner: std::io::Cursor<Vec<u8>>,
        read: usize,
        report: mpsc::Sender<usize>,
    }

    impl Read for CountingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let read = self.inner.read(buf)?;
            self.read += read;
            let _ = self.report.send(self.read);
            Ok(read)
        }
    }

    #[test]
    fn the_code_under_test_gets_an_allowlisted_environment() {
        let env = environment(Path::new("/private/tmp"));
        let names: Vec<String> = env
            .iter()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        for name in &names {
            assert!(
                [
                    "PATH",
                    "LANG",
                    "PYTHONDONTWRITEBYTECODE",
                    "PYTHONHASHSEED",
                    "MALLOC_ARENA_MAX",
                    "TMPDIR",
                    "HOME"
                ]
                .contains(&name.as_str())
                    || name.starts_with("LC_"),
                "{name}"
            );
        }
        assert!(env.contains(&("HOME".into(), "/private/tmp".into())));
        assert!(env.contains(&("TMPDIR".into(), "/private/tmp".into())));
    }

    #[test]
    fn the_sandbox_never_reads_the_root_or_a_pseudo_filesystem() {
        let reported = [
            "/",
            "/proc/self",
            "/tmp/x",
            "/root",
            "/usr/lib",
            "relative/dir",
            "/etc/shadow",
        ];
        let reported: Vec<PathBuf> = reported.iter().map(PathBuf::from).collect();
        let paths = readable(&reported);
        for refused in [
            "/",
            "/proc/self",
            "/tmp/x",
            "/root",
            "relative/dir",
            "/etc",
            "/etc/shadow",
            "/usr",
            "/usr/local",
        ] {
            assert!(
                !paths.contains(&PathBuf::from(refused)),
                "{refused}: {paths:?}"
            );
        }
        assert!(paths.contains(&PathBuf::from("/usr/lib")));
    }

    /// A folder for a test of the private copy, made afresh.
    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("waitsim-copy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const EXERCISE: [&str; 2] = ["0-basic_async_syntax.py", "1-concurrent_coroutines.py"];

    #[test]
    fn a_private_copy_holds_the_files_and_goes_with_its_owner() {
        let dir = folder("owner");
        std::fs::create_dir_all(dir.join("__pycache__")).unwrap();
        std::fs::create_dir_all(dir.join("helpers")).unwrap();
        std::fs::write(dir.join("0-basic_async_syntax.py"), "x = 1\n").unwrap();
        std::fs::write(dir.join("helpers/util.py"), "y = 2\n").unwrap();
        std::fs::write(dir.join("__pycache__/junk.pyc"), "z").unwrap();
        let copy = PrivateCopy::new(&dir, &EXERCISE).unwrap();
        let root = copy.root.clone();
        assert_eq!(
            std::fs::read_to_string(copy.src().join("0-basic_async_syntax.py")).unwrap(),
            "x = 1\n"
        );
        assert!(copy.src().join("helpers/util.py").is_file());
        assert!(!copy.src().join("__pycache__").exists());
        assert!(copy.left_out.is_empty(), "{:?}", copy.left_out);
        drop(copy);
        assert!(!root.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_private_copy_leaves_out_what_is_no_part_of_the_exercise_and_says_so() {
        use std::os::unix::fs::symlink;
        let dir = folder("left-out");
        let outside = folder("left-out-outside");
        std::fs::write(outside.join("secret.py"), "s = 1\n").unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("venv/lib")).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("src/0-basic_async_syntax.py"), "x = 1\n").unwrap();
        symlink(
            "src/0-basic_async_syntax.py",
            dir.join("0-basic_async_syntax.py"),
        )
        .unwrap();
        symlink(outside.join("secret.py"), dir.join("secret.py")).unwrap();
        symlink(dir.join("gone.py"), dir.join("dangling.py")).unwrap();
        std::fs::write(dir.join("venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        std::fs::write(dir.join("venv/lib/evil.py"), "import ctypes\n").unwrap();
        std::fs::write(dir.join(".git/HEAD"), "ref\n").unwrap();
        std::fs::write(dir.join("5-helpers.pyc"), "compiled").unwrap();
        std::fs::write(dir.join("small.txt"), "data").unwrap();
        std::fs::File::create(dir.join("recording.bin"))
            .unwrap()
            .set_len(SMALL_FILE + 1)
            .unwrap();
        let copy = PrivateCopy::new(&dir, &EXERCISE).unwrap();
        let src = copy.src();
        // The link inside the folder is followed: the file is there, as a file.
        assert_eq!(
            std::fs::read_to_string(src.join("0-basic_async_syntax.py")).unwrap(),
            "x = 1\n"
        );
        assert!(
            !std::fs::symlink_metadata(src.join("0-basic_async_syntax.py"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(src.join("src/0-basic_async_syntax.py").is_file());
        assert!(src.join("small.txt").is_file());
        for gone in [
            "secret.py",
            "dangling.py",
            "venv",
            ".git",
            "5-helpers.pyc",
            "recording.bin",
        ] {
            assert!(!src.join(gone).exists(), "{gone} was copied");
        }
        let said = copy.left_out.join("\n");
        for note in [
            "`secret.py` is a link that leads outside the folder",
            "`dangling.py` is a link that leads nowhere",
            "`venv` is a virtual environment",
            "`5-helpers.pyc` is compiled code, which is never run",
            "`recording.bin` (1 MiB) is left out",
        ] {
            assert!(said.contains(note), "{note}: {said}");
        }
        drop(copy);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_exercise_file_that_leads_outside_the_folder_cannot_be_graded() {
        let dir = folder("outside-exercise");
        let outside = folder("outside-exercise-target");
        std::fs::write(outside.join("wait.py"), "x = 1\n").unwrap();
        std::os::unix::fs::symlink(outside.join("wait.py"), dir.join("0-basic_async_syntax.py"))
            .unwrap();
        match PrivateCopy::new(&dir, &EXERCISE) {
            Err(CopyError::Unreadable(why)) => assert_eq!(
                why,
                "`0-basic_async_syntax.py` is a link that leads outside the folder"
            ),
            other => panic!("{:?}", other.map(|copy| copy.left_out.clone())),
        }
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
