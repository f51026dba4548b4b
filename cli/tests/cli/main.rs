//! The real `waitsim` binary: its outputs, pictures, replays and errors. All in one test
//! binary, with one way to run the command.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

mod containment;
mod hostile;
mod pictures;
mod python;
mod run;

/// The command, with no backtrace settings inherited from the caller's environment.
pub fn waitsim() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_waitsim"));
    command
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    command
}

/// Runs the command to the end and collects what it printed.
pub fn run(args: &[&str]) -> Output {
    waitsim().args(args).output().unwrap()
}

/// Runs a command that must succeed, and returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Waits for `child` at most `limit`; kills it and fails the test past that.
pub fn finish_within(mut child: Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A path for a file a test writes, under cargo's temporary folder for tests.
pub fn temp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The settings every snapshot of the command is taken with: stored in the top-level
/// `snapshots/` folder beside the library's, named after the test only.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Waits, at most `limit`, until process `pid` catches `signal` (its handler is installed),
/// as `/proc/PID/status` tells: a signal sent from then on reaches the handler, however late
/// the process was scheduled.
#[cfg(target_os = "linux")]
pub fn wait_until_caught(pid: u32, signal: u32, limit: Duration) {
    let deadline = Instant::now() + limit;
    let caught = || -> Option<bool> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let mask = status.lines().find_map(|l| l.strip_prefix("SigCgt:"))?;
        let mask = u64::from_str_radix(mask.trim(), 16).ok()?;
        Some(mask & (1 << (signal - 1)) != 0)
    };
    while caught() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "process {pid} did not catch signal {signal} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}
