//! Driving the code under test: one Python process per routine, behind a [warden], from a
//! [private copy](super::copy) of the folder, driven by `driver.py` (shipped inside the
//! binary) one case at a time, its lines read by [`protocol`](super::protocol)'s rules.

use std::ffi::OsString;
use std::io::{BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use waitsim::Routine;

use super::catalogue;
use super::contain::env::environment;
use super::contain::paths::readable;
use super::contain::warden::{self, Spec};
use super::copy::PrivateCopy;
use super::failure::Failure;
use super::probe::{Python, cannot_start, drain};
use super::protocol::{CaseInput, Exchange, read_line};
use crate::interrupt::{self, Group};

/// The driver, run with `python3 -c`.
const DRIVER: &str = include_str!("driver.py");

/// How much of a process's stderr is kept to show with a failure; the rest is read and dropped.
const KEPT_STDERR: usize = 4096;

/// How many of the driver's lines may wait to be read: past that, the reader stops reading
/// and the pipe fills, so the code under test waits on its writes, however fast it writes.
/// With lines of at most [`LONGEST_LINE`](super::protocol::LONGEST_LINE), a routine's
/// lines hold at most a dozen MiB of waitsim's memory.
const LINES_IN_FLIGHT: usize = 8;

/// What a Python process may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Real time, per case (and for the import).
    pub per_case: Duration,
    /// Address space, in bytes.
    pub memory: u64,
}

impl Limits {
    /// The CPU time a process of `cases` cases may use, in seconds: every case's real-time
    /// limit, and the import's.
    fn cpu_seconds(self, cases: usize) -> u64 {
        (self.per_case.as_secs_f64() * (cases + 1) as f64).ceil() as u64 + 1
    }
}

/// What one routine's process gave: the exchange as the rules read it, and how it ended.
pub struct DriverRun {
    pub exchange: Exchange,
    /// The case that did not finish in time, or the last words of a process that died.
    pub ended: Option<String>,
}

/// One routine to run: its file, and whether to report every timer (for a picture).
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    pub routine: Routine,
    pub file: &'a str,
    pub record: bool,
}

/// Runs one routine's cases in a Python process, case by case, each with a time limit.
///
/// The process is contained: it runs behind a warden, in a process group of its own, from
/// `copy`, with stdin a pipe of waitsim's, hard limits and a sandbox; its stderr is drained to
/// the end, keeping the first few KB; and when it ends or overruns, its whole tree is killed,
/// so nothing it started outlives the check.
pub fn drive(
    python: &Python,
    copy: &PrivateCopy,
    job: Job<'_>,
    inputs: &[CaseInput],
    limits: Limits,
) -> Result<DriverRun, Failure> {
    let (mut child, group) = start(python, copy, job, inputs.len(), limits)?;
    let mut stdin = child.stdin.take();
    let lines = read_lines(child.stdout.take());
    let stderr = child.stderr.take();
    let (kept_sender, kept) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = kept_sender.send(drain(stderr, KEPT_STDERR));
    });
    let mut talk = Talk {
        lines: &lines,
        exchange: Exchange::default(),
        routine: job.routine,
        per_case: limits.per_case,
        tree: child.id(),
        ended: None,
    };
    // The import, then one case at a time, then the end.
    talk.import();
    if talk.exchange.imported() && talk.cases(&mut stdin, inputs)? {
        drop(stdin.take());
        talk.end();
    }
    drop(stdin);
    let status = finish(&mut child, group, &lines);
    let Talk {
        mut exchange,
        mut ended,
        ..
    } = talk;
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
        let cpu_seconds = limits.cpu_seconds(inputs.len());
        ended = Some(why_stopped(status, &last_words, cpu_seconds, limits.memory));
    }
    Ok(DriverRun { exchange, ended })
}

/// Starts the warden for `job`, and behind it the driver, from `copy`: its process, the
/// leader of a group of its own.
fn start(
    python: &Python,
    copy: &PrivateCopy,
    job: Job<'_>,
    cases: usize,
    limits: Limits,
) -> Result<(Child, Group), Failure> {
    let spec = Spec {
        parent: std::process::id(),
        memory: limits.memory,
        cpu_seconds: limits.cpu_seconds(cases),
        read: readable(&python.prefixes),
        write: vec![copy.root.clone()],
        plan: python.sandbox.clone(),
    };
    let mut args: Vec<OsString> = vec![
        "-c".into(),
        DRIVER.into(),
        copy.src().into(),
        job.routine.name().into(),
        job.file.into(),
        limits.memory.to_string().into(),
        catalogue::spec_json().into(),
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
    Group::spawn(&mut command).map_err(|err| {
        cannot_start(&err, || {
            Failure::Environment(format!("cannot start waitsim's warden: {err}"))
        })
    })
}

/// One routine's exchange as it is read: the driver's lines, what the rules made of them, and
/// why the process was given up on, if it was.
struct Talk<'a> {
    lines: &'a Receiver<Result<String, String>>,
    exchange: Exchange,
    routine: Routine,
    per_case: Duration,
    /// The warden's process id: its tree's wait for a CPU moves each deadline on.
    tree: u32,
    ended: Option<String>,
}

impl Talk<'_> {
    /// Why a part of the exchange was given up on: it took too long.
    fn overran(&self, what: &str) -> String {
        format!(
            "{what} did not finish within {} s of real time: an infinite loop, or a wait the virtual clock cannot skip",
            self.per_case.as_secs_f64()
        )
    }

    /// Reads the import's lines, until it is over or the time is up. Python's start, the
    /// sandbox's and the driver's own imports are waitsim's time, not the code's: they get
    /// [`STARTUP`]. The code's import, from the policy line on (the driver's last word before
    /// it), gets a case's limit.
    fn import(&mut self) {
        let startup = STARTUP.max(self.per_case);
        let mut deadline = Deadline::new(startup, self.tree);
        let mut started = false;
        while !self.exchange.imported() && !self.exchange.over() {
            if !started && self.exchange.policy.is_some() {
                started = true;
                deadline = Deadline::new(self.per_case, self.tree);
            }
            match next_line(self.lines, &mut deadline, &mut self.exchange, self.routine) {
                Next::Read => {}
                Next::Timeout if started => {
                    self.ended = Some(self.overran("the import"));
                    return;
                }
                Next::Timeout => {
                    self.ended = Some(format!(
                        "the Python process did not start within {} s of real time: the machine is overloaded, or its Python is broken",
                        startup.as_secs_f64()
                    ));
                    return;
                }
                Next::Closed => return,
            }
        }
    }

    /// Asks each case in turn and reads its answer: true when the exchange is still open at
    /// the end (every case asked, or the rules broken), false when a case ran out of time or
    /// the process went.
    fn cases(
        &mut self,
        stdin: &mut Option<ChildStdin>,
        inputs: &[CaseInput],
    ) -> Result<bool, Failure> {
        for input in inputs {
            // Whatever came between cases is read first: the exchange refuses it (and a
            // flood ends with the first line, as nothing is read past a violation).
            while !self.exchange.over() {
                let Ok(line) = self.lines.try_recv() else {
                    break;
                };
                feed(&mut self.exchange, line, self.routine);
            }
            if self.exchange.over() {
                return Ok(true);
            }
            let nonce = nonce()?;
            self.exchange.ask(input.case, nonce);
            let sent = stdin
                .as_mut()
                .is_some_and(|s| s.write_all(input.line(nonce).as_bytes()).is_ok());
            if !sent {
                // The process is gone: the loop below says how it ended.
                *stdin = None;
            }
            let mut deadline = Deadline::new(self.per_case, self.tree);
            while self.exchange.waiting() && !self.exchange.over() {
                match next_line(self.lines, &mut deadline, &mut self.exchange, self.routine) {
                    Next::Read => {}
                    Next::Timeout => {
                        self.ended = Some(self.overran("the call"));
                        return Ok(false);
                    }
                    Next::Closed => return Ok(false),
                }
            }
        }
        Ok(true)
    }

    /// After the last case, with stdin closed: nothing more may come, and what does is a
    /// violation.
    fn end(&mut self) {
        if self.ended.is_some() || self.exchange.over() {
            return;
        }
        let mut deadline = Deadline::new(self.per_case, self.tree);
        while !self.exchange.over() {
            if !matches!(
                next_line(self.lines, &mut deadline, &mut self.exchange, self.routine),
                Next::Read
            ) {
                break;
            }
        }
    }
}

/// Stops the warden once the exchange is over: its exit status, if it gave one.
fn finish(
    child: &mut Child,
    group: Group,
    lines: &Receiver<Result<String, String>>,
) -> Option<i32> {
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
    stop(child, group)
}

/// Why a process that did not answer every case stopped, from its warden's status and the
/// last words on its stderr.
fn why_stopped(status: Option<i32>, last_words: &str, cpu_seconds: u64, memory: u64) -> String {
    if status == Some(warden::killed_by(libc_signal::SIGXCPU)) {
        format!("the Python process went over its CPU-time limit of {cpu_seconds} s")
    } else if status == Some(warden::OVER_MEMORY) {
        format!(
            "the code's processes together went over the memory limit of {} MiB",
            memory >> 20
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
    }
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
            waited: super::contain::run_queue_wait(tree),
        }
    }

    /// The time left, after the deadline has moved on by the time the tree waited for a CPU
    /// since the last look; `None` once it has passed.
    fn left(&mut self) -> Option<Duration> {
        let now = Instant::now();
        if now >= self.at && self.at < self.last {
            self.move_on(super::contain::run_queue_wait(self.tree));
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
