//! What the command prints: reports as text or JSON on stdout, one-line failures, and the
//! progress bar on stderr.

use std::fmt::Display;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use waitsim::{Report, secs_f64};

/// Why the command stopped: the one line to print and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub status: u8,
}

impl Failure {
    /// Bad usage: status 2.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            status: 2,
        }
    }

    /// A failure already reported on stdout: no line on stderr, only the status.
    pub fn quiet(status: u8) -> Failure {
        Failure {
            message: String::new(),
            status,
        }
    }

    /// A failure of the environment (output, files, resources): status 1.
    pub fn environment(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            status: 1,
        }
    }
}

impl From<waitsim::Error> for Failure {
    fn from(err: waitsim::Error) -> Failure {
        if err.is_invalid_input() {
            Failure::usage(err.to_string())
        } else {
            Failure::environment(err.to_string())
        }
    }
}

/// Prints a report as the text table of the single-routine commands.
pub fn write_report(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let row =
        |out: &mut dyn Write, key: &str, value: &dyn Display| writeln!(out, "{key:<13}{value}");
    row(out, "routine", &report.routine)?;
    row(out, "seed", &report.seed)?;
    row(out, "rng", &report.rng)?;
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
    row(
        out,
        "elapsed",
        &format_args!("{} s", secs_f64(report.elapsed)),
    )?;
    if let Some(per_task) = report.measure_time {
        row(out, "measure_time", &format_args!("{per_task} s"))?;
    }
    Ok(())
}

/// Prints `value` as one line of JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    emit(|out| {
        serde_json::to_writer(&mut *out, value)?;
        writeln!(out)
    })
}

/// Streams output to stdout through a buffer, so that no large output is built in memory
/// first; a closed pipe (as with `| head`) ends the command quietly.
pub fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let mut out = BufWriter::new(io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure::environment(format!(
            "cannot write to stdout: {err}"
        ))),
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
