//! Interruption as a cancellation: SIGINT, SIGTERM and SIGHUP set a flag, and the command
//! stops where its output is whole.
//!
//! While the command has written nothing (it is computing, or waiting on the real clock),
//! stopping at once loses nothing, so the handler ends the process itself. Once output has
//! begun, the handler only sets the flag: the main path finishes the line it is writing,
//! flushes, and stops with status 130.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit::{Exit, say};

/// The status of an interrupted run, whichever signal interrupted it.
pub const STATUS: u8 = 130;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether output has begun: then the handler must leave the stopping to the main path.
static WRITING: Mutex<bool> = Mutex::new(false);

/// Installs the handler. Without it a signal still ends the process, only less tidily.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        // Child processes go first, whoever does the stopping: each leader (a warden) is asked
        // to kill its tree, then given a moment, then its whole group is killed.
        terminate_groups();
        std::thread::sleep(std::time::Duration::from_millis(100));
        kill_groups();
        sweep_orphans();
        // Held while the process ends, so that the main path cannot begin writing meanwhile.
        let writing = WRITING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*writing {
            // The process ends here, before any destructor: its half-written files go first.
            remove_temporaries();
            if io::stderr().is_terminal() {
                // Erase a progress bar that may be on the line.
                say(format_args!("\r\x1b[2K\x1b[1A"));
            }
            say(format_args!("error: interrupted"));
            std::process::exit(i32::from(STATUS));
        }
    });
}

/// Whether a signal has asked the command to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks the start of output: from now on a signal is handled by the main path, which checks
/// [`interrupted`] between records.
pub fn begin_output() {
    *WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
}

/// The failure of a run that a signal stopped, with what it had done.
pub fn stopped(done: impl std::fmt::Display) -> Exit {
    Exit {
        message: format!("interrupted {done}"),
        status: STATUS,
    }
}

/// The process groups of the children running now: a signal kills them before the command
/// ends, so nothing they started outlives it.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// A child's process group, killed (with everything in it) when this is dropped, or when a
/// signal stops the command. Drop it before reaping the child: while the leader is a zombie,
/// the group's id cannot be given to another group.
pub struct Group(u32);

impl Group {
    /// Starts `command` as the leader of a process group of its own, in charge from the start:
    /// a signal that stops the command kills the group, whenever it comes. (The registry is
    /// held across the spawn, and the handler takes it before killing, so no child is started
    /// and then missed; once a signal has come, no child is started at all.)
    pub fn spawn(command: &mut Command) -> io::Result<(Child, Group)> {
        let mut groups = groups();
        if interrupted() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(command, 0);
        let child = command.spawn()?;
        groups.push(child.id());
        let group = Group(child.id());
        Ok((child, group))
    }
}

impl Group {
    /// Asks the group's leader to stop (SIGTERM): a warden then kills its whole tree.
    pub fn terminate(&self) {
        signal_leader(self.0);
    }

    /// Waits up to `limit` for the leader to end, without reaping it (Linux; elsewhere, a
    /// moment).
    pub fn wait_for_leader(&self, limit: std::time::Duration) {
        let start = std::time::Instant::now();
        while start.elapsed() < limit && !leader_ended(self.0) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Kills the group while its leader is unreaped, then reaps the leader, then lets go of
    /// the group: until then, [`sweep_orphans`] knows the leader for waitsim's own.
    pub fn reap(self, child: &mut Child) -> Option<std::process::ExitStatus> {
        kill_group(self.0);
        let status = child.wait().ok();
        let group = std::mem::ManuallyDrop::new(self);
        groups().retain(|&pid| pid != group.0);
        status
    }
}

/// Whether a child has ended (it is a zombie, not yet reaped).
#[cfg(target_os = "linux")]
fn leader_ended(pid: u32) -> bool {
    use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
    use nix::unistd::Pid;
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | WaitPidFlag::WNOHANG;
    match waitid(Id::Pid(Pid::from_raw(pid as i32)), flags) {
        Ok(WaitStatus::StillAlive) => false,
        Ok(_) | Err(_) => true,
    }
}

#[cfg(not(target_os = "linux"))]
fn leader_ended(_pid: u32) -> bool {
    false
}

impl Drop for Group {
    fn drop(&mut self) {
        kill_group(self.0);
        groups().retain(|&pid| pid != self.0);
    }
}

fn groups() -> std::sync::MutexGuard<'static, Vec<u32>> {
    GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Kills every process group still in charge.
fn kill_groups() {
    for &pid in groups().iter() {
        kill_group(pid);
    }
}

/// Asks every leader still in charge to stop.
fn terminate_groups() {
    for &pid in groups().iter() {
        signal_leader(pid);
    }
}

#[cfg(unix)]
fn signal_leader(pid: u32) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(pid) {
        // The leader may be gone already: nothing left to ask.
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

#[cfg(not(unix))]
fn signal_leader(_pid: u32) {}

/// Makes waitsim a child subreaper (Linux): a process whose parent dies below waitsim becomes
/// waitsim's child, for [`sweep_orphans`] to find, instead of init's.
pub fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_child_subreaper(true);
}

/// Kills and reaps every child of waitsim's that is not a group leader it started: orphans
/// that reached it after their warden was gone, and everything below them.
pub fn sweep_orphans() {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::wait::{WaitPidFlag, waitpid};
        use nix::unistd::Pid;

        use crate::python::contain::kill_children_but;
        // Held, so that no child is started meanwhile and taken for an orphan.
        let groups = groups();
        for _ in 0..1000 {
            let orphans = kill_children_but(&groups);
            if orphans.is_empty() {
                return;
            }
            for &orphan in &orphans {
                let pid = Pid::from_raw(orphan as i32);
                let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(pid) {
        // The group may be gone already: nothing left to kill.
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: u32) {}

/// The temporary files being written now: a signal that ends the command removes them, as
/// their owners would on the way out.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temporaries() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes `path` (a file, or a directory and all in it) if a signal ends the command before
/// [`forget_temporary`] is called.
pub fn remove_on_signal(path: PathBuf) {
    temporaries().push(path);
}

/// `path` is its owner's business again: renamed into place, or removed.
pub fn forget_temporary(path: &std::path::Path) {
    temporaries().retain(|kept| kept != path);
}

fn remove_temporaries() {
    for path in temporaries().iter() {
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    }
}
