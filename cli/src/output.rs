//! What the command prints: reports as text or JSON on stdout, files written whole, and the
//! progress bar on stderr. (How the command ends, the one line on stderr, is `exit.rs`'s.)

use std::fmt::Display;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use waitsim::analysis::Report;

use crate::exit::Exit;

/// Refuses to run when stdout was closed before the command started (`>&-`): its output would
/// be lost. By the time `main` runs, the Rust runtime has put `/dev/null`, opened for reading
/// and writing, in the place of a closed standard stream, which is exactly what Python's
/// `subprocess.DEVNULL` and many process managers give a command whose output they discard. So
/// whether fd 1 was open is asked before the runtime starts (see [`record_stdout_at_start`]),
/// and a discarded stdout runs as a visible one.
pub fn check_stdout() -> Result<(), Exit> {
    #[cfg(target_os = "linux")]
    if STDOUT_CLOSED_AT_START.load(Ordering::Relaxed) {
        return Err(Exit::environment(
            "cannot write to stdout: it is closed (the output would be lost)",
        ));
    }
    Ok(())
}

/// Whether fd 1 was closed when the process started, as [`record_stdout_at_start`] found it.
#[cfg(target_os = "linux")]
static STDOUT_CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

/// Asks whether fd 1 is open, before `main` and before the Rust runtime fills a closed fd 1
/// with `/dev/null`, and records the answer for [`check_stdout`]. It runs from the
/// `.init_array` entry below, as the C runtime runs constructors; it only reads a flag and
/// stores a boolean, so it needs nothing the runtime sets up.
#[cfg(target_os = "linux")]
extern "C" fn record_stdout_at_start() {
    // SAFETY: `fcntl(F_GETFD)` takes an integer and reads the descriptor's flags: it touches
    // no memory of ours, and on a closed descriptor it fails with `EBADF`.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFD) };
    if flags == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::EBADF) {
        STDOUT_CLOSED_AT_START.store(true, Ordering::Relaxed);
    }
}

/// The constructor's entry: the C runtime calls each function of `.init_array` before `main`
/// (what the `ctor` crate writes, in four lines and no dependency). `#[used]` keeps it in the
/// binary although nothing refers to it.
#[cfg(target_os = "linux")]
#[used]
// SAFETY: `.init_array` holds pointers to functions that take no arguments the callee reads
// and return nothing; `record_stdout_at_start` is such a function, safe to run before `main`.
#[unsafe(link_section = ".init_array")]
static RECORD_STDOUT_AT_START: extern "C" fn() = record_stdout_at_start;

/// A file to write whole or not at all: written beside its target under a temporary name,
/// then renamed onto it. Dropped before [`OutputFile::commit`], it leaves nothing behind.
pub struct OutputFile {
    target: PathBuf,
    temporary: PathBuf,
}

impl OutputFile {
    /// Checks, before any work, that `target` can be written: not a directory or a device, in
    /// a folder that exists and takes a new file (the temporary one is created to find out).
    pub fn prepare(target: &Path) -> Result<OutputFile, Exit> {
        let cannot = |why: &dyn Display| {
            Exit::environment(format!("cannot write `{}`: {why}", target.display()))
        };
        if let Ok(meta) = std::fs::metadata(target)
            && !meta.is_file()
        {
            return Err(cannot(&"it is not a regular file"));
        }
        let name = target
            .file_name()
            .ok_or_else(|| cannot(&"it names no file"))?
            .to_string_lossy()
            .into_owned();
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(cannot(&format_args!("no folder `{}`", folder.display())));
        }
        let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::File::create(&temporary).map_err(|err| cannot(&err))?;
        crate::interrupt::remove_on_signal(temporary.clone());
        Ok(OutputFile {
            target: target.to_path_buf(),
            temporary,
        })
    }

    /// Where to write the file's contents.
    pub fn path(&self) -> &Path {
        &self.temporary
    }

    /// Puts the written file in its place.
    pub fn commit(self) -> Result<(), Exit> {
        std::fs::rename(&self.temporary, &self.target).map_err(|err| {
            Exit::environment(format!("cannot write `{}`: {err}", self.target.display()))
        })
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        // After a commit there is nothing left here to remove.
        let _ = std::fs::remove_file(&self.temporary);
        crate::interrupt::forget_temporary(&self.temporary);
    }
}

/// Prints a report as the text table of the single-routine commands.
pub fn write_report(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let row =
        |out: &mut dyn Write, key: &str, value: &dyn Display| writeln!(out, "{key:<13}{value}");
    row(out, "routine", &report.routine)?;
    row(out, "seed", &report.seed)?;
    row(out, "rng", &report.kind)?;
    row(out, "clock", &report.clock)?;
    row(out, "max_delay", &report.max_delay)?;
    if let Some(n) = report.n {
        row(out, "n", &n)?;
    }
    match report.delays.split_first() {
        Some((first, rest)) => {
            row(out, "delays", first)?;
            for delay in rest {
                row(out, "", delay)?;
            }
        }
        None => row(out, "delays", &"")?,
    }
    row(out, "elapsed", &format_args!("{} s", report.elapsed_secs()))?;
    if let Some(per_task) = report.measure_time {
        row(out, "measure_time", &format_args!("{per_task} s"))?;
    }
    Ok(())
}

/// Prints `value` as one line of JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Exit> {
    emit(|out| {
        serde_json::to_writer(&mut *out, value)?;
        writeln!(out)
    })
}

/// Streams output to stdout through a buffer, so that no large output is built in memory
/// first. A closed pipe (as with `| head`) ends the command quietly; any other failure to
/// write is one line on stderr and status 1.
pub fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Exit> {
    crate::interrupt::begin_output();
    let mut out = BufWriter::new(io::stdout().lock());
    written(write(&mut out).and_then(|()| out.flush()))
}

/// How a write to stdout ended, as the command's outcome.
pub fn written(outcome: io::Result<()>) -> Result<(), Exit> {
    match outcome {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Exit::environment(format!("cannot write to stdout: {err}"))),
    }
}

/// Runs `work` beside a progress bar on stderr that shows the count `work` keeps in the
/// counter it is given: drawn only if `show`, and only once the work has lasted `after`.
pub fn with_progress_bar<T>(
    total: u64,
    unit: &str,
    show: bool,
    after: Duration,
    work: impl FnOnce(&AtomicU64) -> T,
) -> T {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    let finished = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let outcome = std::thread::scope(|scope| {
        if show {
            scope.spawn(|| {
                let mut drawn = false;
                while !done.load(Ordering::Relaxed) {
                    if !drawn && started.elapsed() >= after {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                        drawn = true;
                    }
                    bar.set_position(finished.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        let outcome = work(&finished);
        done.store(true, Ordering::Relaxed);
        outcome
    });
    bar.finish_and_clear();
    outcome
}
