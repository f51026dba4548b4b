//! The warden: a process between waitsim and each Python process, the limits and the sandbox
//! it applies, and the killing of its whole process tree.
//!
//! waitsim starts `waitsim __warden SPEC -- PYTHON ARGS...` for each routine. The warden
//! (Linux):
//! - is a child subreaper, so every process the code under test starts stays in its tree,
//!   even one that calls `setsid` or forks twice to become a daemon;
//! - dies with waitsim (`PR_SET_PDEATHSIG`, checked after the fork), and then kills its tree;
//! - starts Python with hard limits (address space, CPU time, file size, open files: soft and
//!   hard lowered, so they cannot be raised again), with `PR_SET_PDEATHSIG` of its own and
//!   `no_new_privs`, and with what this machine allows of the sandbox ([`Plan`]):
//!   - Landlock: it reads the Python installation and the system's libraries, named one by
//!     one (not `/etc` or `/usr/local` whole), writes only its private copy of the folder,
//!     reaches no TCP port, and signals and connects to no abstract socket outside its
//!     sandbox;
//!   - a seccomp filter: `socket()` fails, so no network at all, UDP and Unix sockets reached
//!     by path included; `socketpair()`, which asyncio needs, works;
//!   - as root, a user and group of its own with no supplementary groups and no capability
//!     (the private copy is given to it), and so a limit on its processes; with a Python only
//!     root can reach, in a mount namespace where the closed folders on the way to it show
//!     only it;
//!   - a cgroup for the whole tree where one can be made: its memory and its processes;
//! - watches the private copy while Python runs, and kills the tree once the code has added
//!   more than [`DISK`] to it; without a cgroup, it watches the tree's memory too;
//! - when Python ends, or waitsim asks (SIGTERM), kills and reaps everything in its tree.
//!
//! Elsewhere (macOS) the warden applies the limits the kernel takes and waitsim kills the
//! process group: there is no subreaper, no parent-death signal and no Landlock.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The hidden subcommand that runs the warden.
pub const SUBCOMMAND: &str = "__warden";

/// The largest file the code under test may write: a write past it fails (`EFBIG`), and the
/// code goes on.
pub const FILE_SIZE: u64 = 16 << 20;

/// How many files the code under test may hold open.
pub const OPEN_FILES: u64 = 256;

/// How many processes and threads the code under test may have at once.
pub const PROCESSES: u64 = 256;

/// How many bytes the code under test may add to its private copy, all files together: past
/// that, its tree is killed. The warden looks every few milliseconds, so that what is on the
/// disk stays within 64 MiB beyond the copy even at the disk's speed, while two files cut at
/// [`FILE_SIZE`] fit.
pub const DISK: u64 = 40 << 20;

/// How many files and folders the code under test may add to its private copy.
pub const DISK_ENTRIES: usize = 4096;

/// The warden's status when it killed the tree for going over its memory.
pub const OVER_MEMORY: i32 = 251;

/// The warden's status when it killed the tree for writing more than [`DISK`].
pub const OVER_DISK: i32 = 252;

/// The first user id of those the code under test runs as, when waitsim runs as root: the
/// warden's process id is added, so that no two trees share a user (nor its process limit).
/// No account on a usual system has an id this high.
pub const FIRST_UID: u32 = 0x7e00_0000;

/// Who the code under test runs as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum User {
    /// waitsim's own user, which is not root.
    #[default]
    Own,
    /// As root: a user and group of its own, [`FIRST_UID`] and up.
    Unprivileged,
    /// As root, with a Python that only root can reach (inside `/root`, say): root's user
    /// id, with no capability at all.
    RootWithoutCapabilities,
}

/// A cgroup for each tree, below waitsim's own: its memory and its number of processes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cgroups {
    /// cgroup v2: one folder, whose `cgroup.subtree_control` holds `memory` and `pids`.
    V2(PathBuf),
    /// cgroup v1: the `memory` and the `pids` hierarchies' folders.
    V1 { memory: PathBuf, pids: PathBuf },
}

/// What the warden can apply on this machine, found once by waitsim.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Landlock's ABI, where the kernel has Landlock.
    pub landlock: Option<u32>,
    /// Whether a seccomp filter closes the network.
    pub seccomp: bool,
    pub user: User,
    pub cgroups: Option<Cgroups>,
    /// Folders on the way to the Python that only root may enter (`/root`, where a Python is
    /// installed there): the tree gets a mount namespace of its own, where each is an empty
    /// folder anyone may enter, with only what the sandbox reads below it bound back in, so
    /// that a user of its own can run that Python.
    #[serde(default)]
    pub hidden: Vec<PathBuf>,
    /// Whether the private copy is a filesystem of its own (a `tmpfs` in the tree's mount
    /// namespace, where waitsim may make one), whose size is the copy's and [`DISK`] more: the
    /// disk cap then holds exactly, whatever the warden's looks miss.
    #[serde(default)]
    pub disk_filesystem: bool,
}

impl Plan {
    /// What this machine allows, for `python` (its executable and the folders it reads).
    pub fn new(python: &Path, read: &[PathBuf]) -> Plan {
        imp::plan(python, read)
    }

    /// Whether the tree's processes are limited in number.
    fn limits_processes(&self) -> bool {
        self.cgroups.is_some() || self.user != User::RootWithoutCapabilities
    }

    /// The sandbox as reports name it: what held on this machine, in a few words, or `none`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        parts.push(match self.landlock {
            Some(abi) => format!("landlock ABI {abi}"),
            None => "no landlock".to_string(),
        });
        parts.push(
            if self.seccomp {
                "no sockets"
            } else {
                "sockets open"
            }
            .to_string(),
        );
        parts.push(
            match self.user {
                User::Own => "waitsim's user",
                User::Unprivileged if !self.hidden.is_empty() => {
                    "a user of its own, in a view with only its Python"
                }
                User::Unprivileged => "a user of its own",
                User::RootWithoutCapabilities => "root without capabilities",
            }
            .to_string(),
        );
        match &self.cgroups {
            Some(cgroups) => parts.push(format!(
                "cgroup {}: memory, {PROCESSES} processes",
                if matches!(cgroups, Cgroups::V2(_)) {
                    "v2"
                } else {
                    "v1"
                }
            )),
            None if self.limits_processes() => {
                parts.push(format!("{PROCESSES} processes, memory watched"));
            }
            None => parts.push("processes unlimited, memory watched".to_string()),
        }
        parts.push(if self.disk_filesystem {
            format!("disk {} MiB on a filesystem of its own", DISK >> 20)
        } else {
            format!("disk {} MiB", DISK >> 20)
        });
        if self.landlock.is_none()
            && !self.seccomp
            && self.user == User::Own
            && self.cgroups.is_none()
            && cfg!(not(target_os = "linux"))
        {
            return "none".to_string();
        }
        parts.join(", ")
    }

    /// What did not hold on this machine, as a warning says it; `None` if everything held.
    pub fn shortfalls(&self) -> Option<String> {
        let mut missing = Vec::new();
        if self.landlock.is_none() {
            missing.push("no Landlock: it can read and write wherever you can");
        }
        if !self.seccomp {
            missing.push("no seccomp filter: it can reach the network");
        }
        if self.user == User::RootWithoutCapabilities {
            missing.push(
                "it runs as root, without capabilities, as no user of its own can run the Python here (one only root can reach, without mount namespaces, or a user namespace that maps few ids)",
            );
        }
        if !self.limits_processes() {
            missing.push("no cgroup and no user of its own: its processes are not limited");
        }
        (!missing.is_empty()).then(|| missing.join("; "))
    }
}

/// What the warden applies to the Python process.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Spec {
    /// waitsim's process id: the warden refuses to start once waitsim is gone.
    pub parent: u32,
    /// Address space, in bytes, for each process and for the whole tree.
    pub memory: u64,
    /// CPU time, in seconds (the hard limit is one second more).
    pub cpu_seconds: u64,
    /// Readable (and executable) paths.
    pub read: Vec<PathBuf>,
    /// Paths read and written: the private copy.
    pub write: Vec<PathBuf>,
    /// What to apply of the sandbox.
    pub plan: Plan,
}

/// The warden's command line, for `python` and its arguments.
pub fn command(spec: &Spec, python: &std::path::Path, args: Vec<OsString>) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("waitsim"));
    let mut command = Command::new(exe);
    command
        .arg(SUBCOMMAND)
        .arg(serde_json::to_string(spec).unwrap_or_default())
        .arg("--")
        .arg(python)
        .args(args);
    command
}

/// The warden's exit status for a Python process killed by `signal`.
pub const fn killed_by(signal: i32) -> i32 {
    128 + signal
}

/// Runs the warden and exits with Python's status (128 + the signal, if a signal ended it).
pub fn main(args: &[OsString]) -> ! {
    let status = match (args.first(), args.get(1), args.get(2..)) {
        (Some(spec), Some(dashes), Some(python)) if dashes == "--" && !python.is_empty() => {
            match serde_json::from_str::<Spec>(&spec.to_string_lossy()) {
                Ok(spec) => imp::run(&spec, python),
                Err(err) => {
                    eprintln!("error: the warden's spec: {err}");
                    2
                }
            }
        }
        _ => {
            eprintln!("error: `{SUBCOMMAND}` is waitsim's own, not for use by hand");
            2
        }
    };
    std::process::exit(status)
}

/// The bytes and entries below `dirs` (blocks on the disk, not apparent sizes), stopping once
/// there are more than `most` entries.
fn disk_use(dirs: &[PathBuf], most: usize) -> (u64, usize) {
    #[cfg(unix)]
    use std::os::unix::fs::MetadataExt;
    let mut bytes = 0u64;
    let mut entries = 0usize;
    let mut next: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = next.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in listing.flatten() {
            entries += 1;
            if entries > most {
                return (bytes, entries);
            }
            let Ok(meta) = entry.metadata() else { continue };
            #[cfg(unix)]
            {
                bytes = bytes.saturating_add(meta.blocks() * 512);
            }
            #[cfg(not(unix))]
            {
                bytes = bytes.saturating_add(meta.len());
            }
            if meta.is_dir() {
                next.push(entry.path());
            }
        }
    }
    (bytes, entries)
}

#[cfg(unix)]
mod imp {
    use std::ffi::OsString;
    use std::os::unix::process::CommandExt;
    #[cfg(target_os = "linux")]
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use nix::sys::resource::{Resource, setrlimit};
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};

    use super::{
        DISK, DISK_ENTRIES, FILE_SIZE, OPEN_FILES, OVER_DISK, OVER_MEMORY, Spec, disk_use,
    };

    pub use linux::plan;

    /// How often the warden looks at the private copy (and the tree's memory, without a
    /// cgroup) while Python runs.
    const WATCH: Duration = Duration::from_millis(5);

    /// How often it adds up the tree's memory (without a cgroup), or asks the cgroup whether the
    /// kernel killed a process of the tree for its memory.
    const WATCH_MEMORY: Duration = Duration::from_millis(50);

    /// The signals the warden takes in turn with `sigtimedwait`.
    fn handled() -> SigSet {
        let mut set = SigSet::empty();
        for signal in [
            Signal::SIGCHLD,
            Signal::SIGTERM,
            Signal::SIGINT,
            Signal::SIGHUP,
        ] {
            set.add(signal);
        }
        set
    }

    /// Hard limits: the soft and the hard one lowered, so the code cannot raise them.
    /// `processes` is the process limit of the code's user, if it has one of its own.
    fn limit(spec: &Spec, processes: Option<u64>) {
        let mut limits = vec![
            (Resource::RLIMIT_AS, spec.memory, spec.memory),
            (
                Resource::RLIMIT_CPU,
                spec.cpu_seconds,
                spec.cpu_seconds.saturating_add(1),
            ),
            (Resource::RLIMIT_FSIZE, FILE_SIZE, FILE_SIZE),
            (Resource::RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES),
        ];
        #[cfg(target_os = "linux")]
        if let Some(processes) = processes {
            limits.push((Resource::RLIMIT_NPROC, processes, processes));
        }
        #[cfg(not(target_os = "linux"))]
        let _ = processes;
        for (resource, soft, hard) in limits {
            // A kernel that refuses a limit (macOS and RLIMIT_AS): the others still hold.
            let _ = setrlimit(resource, soft, hard);
        }
    }

    // Kept whole, over 60 lines: its order is the containment (signals blocked before the
    // child exists, the child's setup in `pre_exec`, stdio let go only once Python holds it,
    // the tree killed before its cgroups go and its copy is removed), and read in one place,
    // no step can be moved without the reader seeing what it comes before.
    pub fn run(spec: &Spec, python: &[OsString]) -> i32 {
        let signals = handled();
        if sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None).is_err() {
            return 2;
        }
        if !linux::become_reaper(spec.parent) {
            return killed(Signal::SIGKILL);
        }
        let warden = std::process::id();
        let prepared = linux::Prepared::new(spec, warden);
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(err) => {
                eprintln!("error: the sandbox could not be made: {err}");
                return 2;
            }
        };
        let (copied, copied_entries) = disk_use(&spec.write, usize::MAX);
        let most_entries = copied_entries.saturating_add(DISK_ENTRIES);
        let mut command = Command::new(&python[0]);
        command.args(&python[1..]);
        let spec_for_child = spec.clone();
        let processes = prepared.processes;
        let cell = std::sync::Mutex::new(Some(prepared.child));
        // Safety: the warden has one thread, so the child may do anything the parent could.
        unsafe {
            command.pre_exec(move || {
                sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&handled()), None)?;
                linux::die_with(warden)?;
                let child = cell
                    .lock()
                    .map_err(|_| std::io::Error::other("sandbox"))?
                    .take()
                    .ok_or_else(|| std::io::Error::other("sandbox"))?;
                child.join_cgroups()?;
                limit(&spec_for_child, processes);
                child.drop_privileges()?;
                child.restrict()?;
                Ok(())
            });
        }
        let child = match command.spawn() {
            Ok(child) => child,
            Err(err) => {
                eprintln!("error: cannot run `{}`: {err}", python[0].to_string_lossy());
                linux::remove_cgroups(&prepared.cgroups);
                return 127;
            }
        };
        // Only Python holds waitsim's pipes from here on.
        release_stdio();
        let python = child.id();
        let watch_memory = spec.plan.cgroups.is_none();
        let mut memory_looked = Instant::now();
        let status = loop {
            match linux::wait_signal(&signals, WATCH) {
                Some(Signal::SIGCHLD) => {
                    if let Some(status) = linux::reap(python) {
                        break status;
                    }
                }
                Some(_) => break killed(Signal::SIGKILL),
                None => {
                    let (bytes, entries) = disk_use(&spec.write, most_entries);
                    if bytes > copied.saturating_add(DISK) || entries > most_entries {
                        break OVER_DISK;
                    }
                    if memory_looked.elapsed() >= WATCH_MEMORY {
                        memory_looked = Instant::now();
                        // With a cgroup, the kernel keeps the tree to its memory by killing
                        // one of its processes: the whole tree goes then.
                        let over = if watch_memory {
                            linux::tree_memory(warden) > spec.memory
                        } else {
                            linux::out_of_memory(&prepared.cgroups)
                        };
                        if over {
                            break OVER_MEMORY;
                        }
                    }
                }
            }
        };
        linux::kill_tree();
        let status = if linux::out_of_memory(&prepared.cgroups) {
            OVER_MEMORY
        } else {
            status
        };
        linux::remove_cgroups(&prepared.cgroups);
        // The private copy goes with its tree, even when waitsim is gone and cannot remove it:
        // a filesystem of its own is taken off first, so the folder below it goes too.
        if spec.plan.disk_filesystem {
            linux::release_disk(&spec.write);
        }
        for dir in &spec.write {
            let _ = std::fs::remove_dir_all(dir);
        }
        status
    }

    fn killed(signal: Signal) -> i32 {
        super::killed_by(signal as i32)
    }

    /// Points the warden's own stdin, stdout and stderr at `/dev/null`.
    fn release_stdio() {
        if let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        {
            let _ = nix::unistd::dup2_stdin(&null);
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&null);
        }
    }

    /// Whether every folder from the root down to `path` lets others in, and `path` itself
    /// lets others read it: whether a user of no group can reach it.
    #[cfg(target_os = "linux")]
    fn reachable_by_anyone(path: &Path) -> bool {
        use std::os::unix::fs::PermissionsExt;
        let Ok(path) = std::fs::canonicalize(path) else {
            return false;
        };
        let readable = std::fs::metadata(&path).is_ok_and(|m| {
            let mode = m.permissions().mode();
            mode & 0o004 != 0 && (!m.is_dir() || mode & 0o001 != 0)
        });
        readable
            && path.ancestors().skip(1).all(|dir| {
                std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
            })
    }

    #[cfg(target_os = "linux")]
    mod linux {
        use std::fs::File;
        use std::io::{self, Write};
        use std::os::unix::fs::OpenOptionsExt;
        use std::path::{Path, PathBuf};
        use std::time::Duration;

        use landlock::{
            ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, RulesetAttr, RulesetCreated,
            RulesetCreatedAttr, Scope, path_beneath_rules,
        };
        use nix::errno::Errno;
        use nix::sys::prctl;
        use nix::sys::signal::{SigSet, Signal};
        use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
        use nix::unistd::{Pid, getppid};

        use super::super::{Cgroups, FIRST_UID, PROCESSES, Plan, Spec, User};
        use crate::python::contain::tree;

        /// Makes the warden a child subreaper that dies with waitsim; false if waitsim is
        /// already gone.
        pub fn become_reaper(parent: u32) -> bool {
            let _ = prctl::set_child_subreaper(true);
            let _ = prctl::set_pdeathsig(Signal::SIGTERM);
            getppid().as_raw() as u32 == parent
        }

        /// In the child: dies with the warden, or at once if it is already gone.
        pub fn die_with(warden: u32) -> io::Result<()> {
            prctl::set_pdeathsig(Signal::SIGKILL)?;
            if getppid().as_raw() as u32 != warden {
                return Err(io::Error::other("the warden is gone"));
            }
            Ok(())
        }

        /// Waits up to `limit` for one of `signals` (blocked); `None` when none came.
        pub fn wait_signal(signals: &SigSet, limit: Duration) -> Option<Signal> {
            let timeout = libc::timespec {
                tv_sec: limit.as_secs() as libc::time_t,
                tv_nsec: limit.subsec_nanos() as libc::c_long,
            };
            // Safety: the set and the timeout are valid for the call, and no siginfo is asked.
            let number =
                unsafe { libc::sigtimedwait(signals.as_ref(), std::ptr::null_mut(), &timeout) };
            Signal::try_from(number).ok()
        }

        /// Reaps every child that has ended; Python's status once it is among them.
        pub fn reap(python: u32) -> Option<i32> {
            let mut found = None;
            loop {
                match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::Exited(pid, code)) if pid.as_raw() as u32 == python => {
                        found = Some(code);
                    }
                    Ok(WaitStatus::Signaled(pid, signal, _)) if pid.as_raw() as u32 == python => {
                        found = Some(super::super::killed_by(signal as i32));
                    }
                    Ok(WaitStatus::StillAlive) | Err(_) => return found,
                    Ok(_) => {}
                }
            }
        }

        /// Kills everything below the warden and reaps it: as a subreaper, the warden is the
        /// parent of every orphan of its tree, so once it has no child left, nothing is left.
        pub fn kill_tree() {
            let me = std::process::id();
            for _ in 0..2000 {
                tree::kill_descendants(me);
                loop {
                    match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                        Err(Errno::ECHILD) => return,
                        Ok(WaitStatus::StillAlive) => break,
                        Err(_) => break,
                        Ok(_) => {}
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }

        /// The memory the processes below `root` use, shared pages shared out among them
        /// (`Pss`), so that forked children are not counted twice.
        pub fn tree_memory(root: u32) -> u64 {
            tree::descendants(root)
                .into_iter()
                .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
                .filter_map(|text| {
                    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .map(|kib| kib * 1024)
                .sum()
        }

        /// What this machine allows, for a Python at `python` that reads `read`.
        pub fn plan(python: &Path, read: &[PathBuf]) -> Plan {
            // Safety: the call takes nothing and cannot fail.
            let root = unsafe { libc::geteuid() } == 0;
            let mut hidden = Vec::new();
            let user = if !root {
                User::Own
            } else if !own_users_mapped() {
                User::RootWithoutCapabilities
            } else if super::reachable_by_anyone(python)
                && read.iter().all(|p| super::reachable_by_anyone(p))
            {
                User::Unprivileged
            } else if let Some(found) = closed_folders(python, read) {
                hidden = found;
                User::Unprivileged
            } else {
                User::RootWithoutCapabilities
            };
            Plan {
                landlock: landlock_abi(),
                seccomp: seccomp::ARCH.is_some() && seccomp_available(),
                user,
                cgroups: find_cgroups(),
                hidden,
                disk_filesystem: root && has_capability(21),
            }
        }

        /// The folders only root may enter on the way to `python` and `read`, if covering each
        /// with an empty folder in a mount namespace of the tree's own makes them reachable:
        /// waitsim may make mount namespaces (`CAP_SYS_ADMIN`), each folder is below a
        /// top-level one and holds no temporary folder, and each path itself is readable.
        fn closed_folders(python: &Path, read: &[PathBuf]) -> Option<Vec<PathBuf>> {
            use std::os::unix::fs::PermissionsExt;
            if !has_capability(21) {
                return None;
            }
            let temporary = std::fs::canonicalize(std::env::temp_dir()).ok()?;
            let mut closed: Vec<PathBuf> = Vec::new();
            for path in std::iter::once(python).chain(read.iter().map(PathBuf::as_path)) {
                let Ok(path) = std::fs::canonicalize(path) else {
                    continue;
                };
                let mode = std::fs::metadata(&path).ok()?.permissions().mode();
                if mode & 0o004 == 0 {
                    return None;
                }
                // The outermost folder that others may not enter.
                let Some(folder) = path
                    .ancestors()
                    .skip(1)
                    .filter(|dir| {
                        std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0)
                    })
                    .last()
                else {
                    continue;
                };
                if folder.components().count() < 2 || temporary.starts_with(folder) {
                    return None;
                }
                if !closed.iter().any(|c| c == folder) {
                    closed.push(folder.to_path_buf());
                }
            }
            (!closed.is_empty()).then_some(closed)
        }

        /// Whether the users and groups the trees run as exist in waitsim's user namespace: a
        /// container run without root on the host maps only a few ids, and `setuid` to another
        /// fails.
        fn own_users_mapped() -> bool {
            let first = u64::from(FIRST_UID);
            // Process ids go up to 2^22.
            let last = first + (1 << 22);
            ["/proc/self/uid_map", "/proc/self/gid_map"]
                .iter()
                .all(|map| {
                    std::fs::read_to_string(map)
                        .unwrap_or_default()
                        .lines()
                        .filter_map(|line| {
                            let mut fields = line.split_whitespace().map(|f| f.parse::<u64>().ok());
                            let (inside, _, count) =
                                (fields.next()??, fields.next()??, fields.next()??);
                            Some((inside, inside + count))
                        })
                        .any(|(start, end)| start <= first && last <= end)
                })
        }

        /// Whether waitsim has capability `number` in its effective set.
        fn has_capability(number: u32) -> bool {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            status
                .lines()
                .find_map(|line| line.strip_prefix("CapEff:"))
                .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
                .is_some_and(|caps| caps & (1 << number) != 0)
        }

        /// In the warden, before anything of the sandbox opens a path: a mount namespace of
        /// its own (and so of its tree's), where each of `hidden` is an empty folder anyone
        /// may enter, with the paths of `read` below it bound back in.
        // Kept whole, over 60 lines: each step needs the one before in the same namespace (the
        // paths are opened after `unshare` and before the folders are covered, and bound back
        // from those descriptors), an order a split would hide.
        fn private_view(hidden: &[PathBuf], read: &[PathBuf]) -> Result<(), String> {
            use nix::mount::{MsFlags, mount};
            use std::os::fd::AsRawFd;
            let fail = |what: &str, err: nix::Error| format!("cannot {what}: {err}");
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
                .map_err(|e| fail("make a mount namespace", e))?;
            mount(
                None::<&str>,
                "/",
                None::<&str>,
                MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                None::<&str>,
            )
            .map_err(|e| fail("make the mounts private", e))?;
            // Opened in the new namespace (a bind mount takes its source from there), before
            // the folders are covered.
            let shown: Vec<(PathBuf, File)> = {
                let mut below: Vec<&PathBuf> = read
                    .iter()
                    .filter(|p| hidden.iter().any(|h| p.starts_with(h)))
                    .collect();
                below.sort();
                // What a bound folder holds is there already.
                let mut kept: Vec<&PathBuf> = Vec::new();
                for path in below {
                    if !kept.iter().any(|k| path.starts_with(k)) {
                        kept.push(path);
                    }
                }
                kept.into_iter()
                    .filter_map(|path| {
                        let file = std::fs::OpenOptions::new()
                            .read(true)
                            .custom_flags(libc::O_PATH)
                            .open(path)
                            .ok()?;
                        Some((path.clone(), file))
                    })
                    .collect()
            };
            for folder in hidden {
                mount(
                    Some("tmpfs"),
                    folder,
                    Some("tmpfs"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                    Some("mode=0755,size=1m"),
                )
                .map_err(|e| fail(&format!("cover `{}`", folder.display()), e))?;
            }
            for (path, file) in &shown {
                let is_dir = file.metadata().map_err(|e| e.to_string())?.is_dir();
                if is_dir {
                    std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
                } else {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                    }
                    File::create(path).map_err(|e| e.to_string())?;
                }
                let source = format!("/proc/self/fd/{}", file.as_raw_fd());
                mount(
                    Some(source.as_str()),
                    path,
                    None::<&str>,
                    MsFlags::MS_BIND,
                    None::<&str>,
                )
                .map_err(|e| fail(&format!("show `{}`", path.display()), e))?;
            }
            Ok(())
        }

        /// The kernel's own answer: `landlock_create_ruleset(NULL, 0, VERSION)` gives the
        /// ABI, or fails where Landlock is not built in or not enabled. (The landlock crate
        /// tells only once a ruleset is applied, which is in the child.)
        fn landlock_abi() -> Option<u32> {
            const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
            // Safety: with a null attribute and size 0, the call reads and writes no memory.
            let abi = unsafe {
                libc::syscall(
                    libc::SYS_landlock_create_ruleset,
                    std::ptr::null::<libc::c_void>(),
                    0usize,
                    LANDLOCK_CREATE_RULESET_VERSION,
                )
            };
            // The rules are written for ABI 7: a newer kernel applies those.
            (abi > 0).then(|| abi.min(7) as u32)
        }

        /// Whether the kernel takes seccomp filters: `PR_GET_SECCOMP` fails without them.
        fn seccomp_available() -> bool {
            // Safety: the call takes no pointer.
            unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 }
        }

        /// waitsim's own cgroup in the hierarchy mounted at `mount` (with `controller`, or the
        /// v2 one): its folder, if waitsim may make folders in it.
        fn own_cgroup(mount: &Path, controller: Option<&str>) -> Option<PathBuf> {
            let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
            let relative = text.lines().find_map(|line| {
                let mut fields = line.splitn(3, ':');
                let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
                let wanted = match controller {
                    Some(name) => controllers.split(',').any(|c| c == name),
                    None => controllers.is_empty(),
                };
                wanted.then(|| path.trim_start_matches('/').to_string())
            })?;
            let dir = mount.join(relative);
            writable(&dir).then_some(dir)
        }

        /// Whether waitsim may make a folder in `dir`.
        fn writable(dir: &Path) -> bool {
            nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_ok()
        }

        /// Where each tree's cgroup can be made: v2 with `memory` and `pids` given to
        /// waitsim's cgroup's children, else v1's `memory` and `pids` hierarchies.
        fn find_cgroups() -> Option<Cgroups> {
            let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
            let mut v2 = None;
            let mut v1_memory = None;
            let mut v1_pids = None;
            for line in mounts.lines() {
                let Some((left, right)) = line.split_once(" - ") else {
                    continue;
                };
                let (Some(mount), Some(kind)) = (left.split(' ').nth(4), right.split(' ').next())
                else {
                    continue;
                };
                let options = right.split(' ').nth(2).unwrap_or("");
                match kind {
                    "cgroup2" => v2 = Some(PathBuf::from(mount)),
                    "cgroup" if options.split(',').any(|o| o == "memory") => {
                        v1_memory = Some(PathBuf::from(mount));
                    }
                    "cgroup" if options.split(',').any(|o| o == "pids") => {
                        v1_pids = Some(PathBuf::from(mount));
                    }
                    _ => {}
                }
            }
            if let Some(dir) = v2.and_then(|mount| own_cgroup(&mount, None)) {
                let delegated =
                    std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default();
                let words: Vec<&str> = delegated.split_whitespace().collect();
                if words.contains(&"memory") && words.contains(&"pids") {
                    return Some(Cgroups::V2(dir));
                }
            }
            let memory = own_cgroup(&v1_memory?, Some("memory"))?;
            let pids = own_cgroup(&v1_pids?, Some("pids"))?;
            Some(Cgroups::V1 { memory, pids })
        }

        /// What the warden made for its child before forking it, and what it knows of it.
        pub struct Prepared {
            pub child: Child,
            /// The cgroup folders made for the tree, removed at its end.
            pub cgroups: Vec<PathBuf>,
            /// The process limit of the child's own user, if it has one.
            pub processes: Option<u64>,
        }

        /// What the child applies to itself between the fork and Python.
        pub struct Child {
            ruleset: Option<RulesetCreated>,
            /// Each cgroup's `cgroup.procs`, opened by the warden: the child writes itself in.
            procs: Vec<File>,
            /// The user and group to become.
            user: Option<(u32, u32)>,
            /// Whether to give up every capability (root, and a user of its own).
            drop_capabilities: bool,
            seccomp: Option<Vec<libc::sock_filter>>,
        }

        impl Prepared {
            /// The sandbox of `spec`'s plan, made in the warden: never a silent gap where the
            /// plan says it holds (the caller refuses to run the code then).
            pub fn new(spec: &Spec, warden: u32) -> Result<Prepared, String> {
                let plan = &spec.plan;
                if !plan.hidden.is_empty() {
                    private_view(&plan.hidden, &spec.read)?;
                }
                if plan.disk_filesystem {
                    own_disk(&spec.write, plan.hidden.is_empty())?;
                }
                let user = match plan.user {
                    User::Unprivileged => Some((FIRST_UID + warden, FIRST_UID + warden)),
                    _ => None,
                };
                if let Some((uid, gid)) = user {
                    for dir in &spec.write {
                        give(dir, uid, gid).map_err(|err| {
                            format!("cannot give `{}` to its user: {err}", dir.display())
                        })?;
                    }
                }
                let processes = match plan.user {
                    User::Unprivileged => Some(PROCESSES),
                    // The limit counts all of the user's processes: those it has now, and
                    // the tree's.
                    // Safety: the call takes nothing and cannot fail.
                    User::Own => Some(user_processes(unsafe { libc::getuid() }) + PROCESSES),
                    User::RootWithoutCapabilities => None,
                };
                let ruleset = match plan.landlock {
                    Some(_) => Some(ruleset(spec).map_err(|err| err.to_string())?),
                    None => None,
                };
                let seccomp = if plan.seccomp {
                    Some(seccomp::filter().ok_or("no seccomp filter for this architecture")?)
                } else {
                    None
                };
                let mut cgroups = Vec::new();
                let mut procs = Vec::new();
                if let Some(found) = &plan.cgroups
                    && let Err(err) = make_cgroups(found, spec, warden, &mut cgroups, &mut procs)
                {
                    remove_cgroups(&cgroups);
                    return Err(err);
                }
                Ok(Prepared {
                    child: Child {
                        ruleset,
                        procs,
                        user,
                        drop_capabilities: plan.user != User::Own,
                        seccomp,
                    },
                    cgroups,
                    processes,
                })
            }
        }

        impl Child {
            /// Moves the child into the tree's cgroups.
            pub fn join_cgroups(&self) -> io::Result<()> {
                for mut procs in &self.procs {
                    procs.write_all(b"0")?;
                }
                Ok(())
            }

            /// Becomes the tree's own user, with no supplementary group, and gives up every
            /// capability, for good: none comes back with `exec`.
            pub fn drop_privileges(&self) -> io::Result<()> {
                // Safety: plain system calls, with no pointer but the empty group list.
                unsafe {
                    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    if let Some((uid, gid)) = self.user
                        && (libc::setgroups(0, std::ptr::null()) != 0
                            || libc::setresgid(gid, gid, gid) != 0
                            || libc::setresuid(uid, uid, uid) != 0)
                    {
                        return Err(io::Error::last_os_error());
                    }
                    if self.drop_capabilities && self.user.is_none() {
                        // Root stays root, but the bounding set empties, so `exec` gives it
                        // no capability.
                        for capability in 0..64 {
                            let done = libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0);
                            if done != 0 && Errno::last() != Errno::EINVAL {
                                return Err(io::Error::last_os_error());
                            }
                        }
                    }
                }
                Ok(())
            }

            /// Applies Landlock, then the seccomp filter.
            pub fn restrict(self) -> io::Result<()> {
                if let Some(ruleset) = self.ruleset {
                    ruleset
                        .restrict_self()
                        .map_err(|err| io::Error::other(err.to_string()))?;
                }
                if let Some(filter) = &self.seccomp {
                    seccomp::apply(filter)?;
                }
                Ok(())
            }
        }

        /// Gives `path` and everything below it to `uid` and `gid`, without following links.
        /// In the warden, before the copy is given to its user: each of `dirs` becomes a
        /// `tmpfs` of its own in the tree's mount namespace (made here when `unshare`), holding
        /// what it held, with room for [`DISK`] more bytes (and a page's slack, so that the
        /// warden's look still sees the cap crossed and says so) and [`DISK_ENTRIES`] more
        /// entries. Whatever the code writes past that fails (`ENOSPC`).
        fn own_disk(dirs: &[PathBuf], unshare: bool) -> Result<(), String> {
            use nix::mount::{MsFlags, mount};
            use std::os::fd::AsRawFd;
            let fail = |what: &str, err: &dyn std::fmt::Display| format!("cannot {what}: {err}");
            if unshare {
                nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
                    .map_err(|e| fail("make a mount namespace", &e))?;
                mount(
                    None::<&str>,
                    "/",
                    None::<&str>,
                    MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                    None::<&str>,
                )
                .map_err(|e| fail("make the mounts private", &e))?;
            }
            // The warden's folder (and so Python's) is in the copy: entered again once the
            // filesystem covers it.
            let here = std::env::current_dir().ok();
            for dir in dirs {
                let (bytes, entries) =
                    super::super::disk_use(std::slice::from_ref(dir), usize::MAX);
                let old =
                    File::open(dir).map_err(|e| fail(&format!("open `{}`", dir.display()), &e))?;
                let size = bytes + super::super::DISK + 4096;
                let inodes = entries + super::super::DISK_ENTRIES + 16;
                mount(
                    Some("tmpfs"),
                    dir,
                    Some("tmpfs"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                    Some(format!("mode=0700,size={size},nr_inodes={inodes}").as_str()),
                )
                .map_err(|e| fail(&format!("make a filesystem at `{}`", dir.display()), &e))?;
                let from = PathBuf::from(format!("/proc/self/fd/{}", old.as_raw_fd()));
                copy_tree(&from, dir).map_err(|e| {
                    fail(&format!("fill the filesystem at `{}`", dir.display()), &e)
                })?;
            }
            if let Some(here) = here {
                std::env::set_current_dir(&here)
                    .map_err(|e| fail(&format!("enter `{}`", here.display()), &e))?;
            }
            Ok(())
        }

        /// Takes off the filesystems [`own_disk`] put on `dirs`, with what they hold.
        pub fn release_disk(dirs: &[PathBuf]) {
            for dir in dirs {
                let _ = nix::mount::umount2(dir.as_path(), nix::mount::MntFlags::MNT_DETACH);
            }
        }

        /// Copies the folders and files below `from` to `to`, with their modes. (A private
        /// copy holds nothing else: its links were followed when it was made.)
        fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
            for entry in std::fs::read_dir(from)? {
                let entry = entry?;
                let kind = entry.file_type()?;
                let target = to.join(entry.file_name());
                if kind.is_dir() {
                    std::fs::create_dir(&target)?;
                    std::fs::set_permissions(&target, entry.metadata()?.permissions())?;
                    copy_tree(&entry.path(), &target)?;
                } else if kind.is_file() {
                    std::fs::copy(entry.path(), &target)?;
                }
            }
            Ok(())
        }

        fn give(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
            std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
            if std::fs::symlink_metadata(path)?.is_dir() {
                for entry in std::fs::read_dir(path)? {
                    give(&entry?.path(), uid, gid)?;
                }
            }
            Ok(())
        }

        /// How many processes and threads `uid` has now.
        fn user_processes(uid: u32) -> u64 {
            use std::os::unix::fs::MetadataExt;
            let Ok(entries) = std::fs::read_dir("/proc") else {
                return 0;
            };
            entries
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                })
                .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
                .filter_map(|e| std::fs::read_dir(e.path().join("task")).ok())
                .map(|tasks| tasks.count() as u64)
                .sum()
        }

        /// Makes the tree's cgroups, with their limits, and opens their `cgroup.procs`.
        fn make_cgroups(
            found: &Cgroups,
            spec: &Spec,
            warden: u32,
            made: &mut Vec<PathBuf>,
            procs: &mut Vec<File>,
        ) -> Result<(), String> {
            let name = format!("waitsim-{warden}");
            let (memory_dir, pids_dir) = match found {
                Cgroups::V2(dir) => (dir.join(&name), dir.join(&name)),
                Cgroups::V1 { memory, pids } => (memory.join(&name), pids.join(&name)),
            };
            let memory = spec.memory.to_string();
            let processes = super::super::PROCESSES.to_string();
            let mut settings: Vec<(&Path, &str, &str, bool)> = Vec::new();
            match found {
                Cgroups::V2(_) => {
                    settings.push((&memory_dir, "memory.max", &memory, true));
                    settings.push((&memory_dir, "memory.swap.max", "0", false));
                    settings.push((&memory_dir, "memory.oom.group", "1", false));
                    settings.push((&pids_dir, "pids.max", &processes, true));
                }
                Cgroups::V1 { .. } => {
                    settings.push((&memory_dir, "memory.limit_in_bytes", &memory, true));
                    settings.push((&memory_dir, "memory.memsw.limit_in_bytes", &memory, false));
                    settings.push((&pids_dir, "pids.max", &processes, true));
                }
            }
            for dir in [&memory_dir, &pids_dir] {
                if made.contains(dir) {
                    continue;
                }
                std::fs::create_dir(dir)
                    .map_err(|err| format!("cannot make the cgroup `{}`: {err}", dir.display()))?;
                made.push(dir.clone());
            }
            for (dir, file, value, needed) in settings {
                let written = std::fs::write(dir.join(file), value);
                if needed {
                    written.map_err(|err| {
                        format!("cannot set `{}` of `{}`: {err}", file, dir.display())
                    })?;
                }
            }
            for dir in made.iter() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(dir.join("cgroup.procs"))
                    .map_err(|err| format!("cannot join the cgroup `{}`: {err}", dir.display()))?;
                procs.push(file);
            }
            Ok(())
        }

        /// Whether the kernel killed a process of the tree for its cgroup's memory.
        pub fn out_of_memory(cgroups: &[PathBuf]) -> bool {
            cgroups.iter().any(|dir| {
                ["memory.events", "memory.oom_control"].iter().any(|file| {
                    std::fs::read_to_string(dir.join(file))
                        .unwrap_or_default()
                        .lines()
                        .any(|line| {
                            line.strip_prefix("oom_kill ")
                                .is_some_and(|n| n.trim() != "0")
                        })
                })
            })
        }

        /// Removes the tree's cgroups, once nothing is left in them.
        pub fn remove_cgroups(cgroups: &[PathBuf]) {
            for dir in cgroups {
                // A process just killed may take a moment to leave its cgroup.
                for _ in 0..500 {
                    if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }

        fn ruleset(spec: &Spec) -> Result<RulesetCreated, landlock::RulesetError> {
            let abi = ABI::V7;
            let devices = ["/dev/null", "/dev/urandom", "/dev/random", "/dev/zero"];
            landlock::Ruleset::default()
                .set_compatibility(CompatLevel::BestEffort)
                .handle_access(AccessFs::from_all(abi))?
                .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?
                .scope(Scope::AbstractUnixSocket | Scope::Signal)?
                .create()?
                .add_rules(path_beneath_rules(&spec.read, AccessFs::from_read(abi)))?
                .add_rules(path_beneath_rules(&spec.write, AccessFs::from_all(abi)))?
                .add_rules(path_beneath_rules(
                    devices,
                    AccessFs::from_read(abi) | AccessFs::WriteFile,
                ))
        }

        /// The seccomp filter that closes the network: `socket()` fails with `EACCES`, and
        /// so does every call that could open a socket behind the filter's back (`io_uring`),
        /// or that is not of this architecture (32-bit calls, x32). `socketpair()` is a
        /// call of its own, and works.
        pub mod seccomp {
            use std::io;

            /// This architecture, as seccomp names it, where the filter is written for it.
            pub const ARCH: Option<u32> = if cfg!(target_arch = "x86_64") {
                Some(0xC000_003E)
            } else if cfg!(target_arch = "aarch64") {
                Some(0xC000_00B7)
            } else {
                None
            };

            /// The calls refused.
            const REFUSED: [libc::c_long; 4] = [
                libc::SYS_socket,
                libc::SYS_io_uring_setup,
                libc::SYS_io_uring_enter,
                libc::SYS_io_uring_register,
            ];

            fn statement(code: u32, k: u32) -> libc::sock_filter {
                libc::sock_filter {
                    code: code as u16,
                    jt: 0,
                    jf: 0,
                    k,
                }
            }

            /// If the accumulator is `k`, the next instruction; else the one after it.
            fn if_equal(k: u32) -> libc::sock_filter {
                libc::sock_filter {
                    code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
                    jt: 0,
                    jf: 1,
                    k,
                }
            }

            /// The filter's program.
            pub fn filter() -> Option<Vec<libc::sock_filter>> {
                let arch = ARCH?;
                let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
                let refuse = statement(
                    libc::BPF_RET | libc::BPF_K,
                    libc::SECCOMP_RET_ERRNO | libc::EACCES as u32,
                );
                let allow = statement(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW);
                // `struct seccomp_data`: the call's number at 0, the architecture at 4.
                let mut program = vec![
                    statement(load, 4),
                    libc::sock_filter {
                        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
                        jt: 1,
                        jf: 0,
                        k: arch,
                    },
                    refuse,
                    statement(load, 0),
                ];
                if cfg!(target_arch = "x86_64") {
                    // x32 calls: the same numbers with bit 30 set.
                    program.push(libc::sock_filter {
                        code: (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16,
                        jt: 0,
                        jf: 1,
                        k: 0x4000_0000,
                    });
                    program.push(refuse);
                }
                for call in REFUSED {
                    program.push(if_equal(call as u32));
                    program.push(refuse);
                }
                program.push(allow);
                Some(program)
            }

            /// Applies `program` to the calling thread and those it starts (and `exec`s).
            pub fn apply(program: &[libc::sock_filter]) -> io::Result<()> {
                let fprog = libc::sock_fprog {
                    len: program.len() as u16,
                    filter: program.as_ptr().cast_mut(),
                };
                // Safety: `fprog` points into `program`, which outlives the call; the kernel
                // copies it.
                unsafe {
                    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                        || libc::prctl(
                            libc::PR_SET_SECCOMP,
                            libc::SECCOMP_MODE_FILTER,
                            &fprog as *const libc::sock_fprog,
                        ) != 0
                    {
                        return Err(io::Error::last_os_error());
                    }
                }
                Ok(())
            }

            #[cfg(test)]
            mod tests {
                use super::*;

                #[test]
                fn the_filter_refuses_sockets_and_keeps_socketpair() {
                    let Some(program) = filter() else {
                        return;
                    };
                    // A thread of its own: the filter holds for it (and its children) only.
                    std::thread::spawn(move || {
                        apply(&program).unwrap();
                        // Safety: plain calls, with a valid array for the pair.
                        unsafe {
                            for family in [libc::AF_INET, libc::AF_INET6, libc::AF_UNIX] {
                                for kind in [libc::SOCK_STREAM, libc::SOCK_DGRAM] {
                                    assert_eq!(libc::socket(family, kind, 0), -1);
                                    assert_eq!(
                                        io::Error::last_os_error().raw_os_error(),
                                        Some(libc::EACCES)
                                    );
                                }
                            }
                            let mut pair = [0; 2];
                            assert_eq!(
                                libc::socketpair(
                                    libc::AF_UNIX,
                                    libc::SOCK_STREAM,
                                    0,
                                    pair.as_mut_ptr()
                                ),
                                0
                            );
                            libc::close(pair[0]);
                            libc::close(pair[1]);
                        }
                    })
                    .join()
                    .unwrap();
                }
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    mod linux {
        use std::io;
        use std::path::{Path, PathBuf};
        use std::time::Duration;

        use nix::sys::signal::{SigSet, Signal};

        use super::super::{Plan, Spec, User};

        pub fn plan(_python: &Path, _read: &[PathBuf]) -> Plan {
            Plan {
                landlock: None,
                seccomp: false,
                user: User::Own,
                cgroups: None,
                hidden: Vec::new(),
                disk_filesystem: false,
            }
        }

        pub fn become_reaper(_parent: u32) -> bool {
            true
        }

        pub fn release_disk(_dirs: &[PathBuf]) {}

        pub fn die_with(_warden: u32) -> io::Result<()> {
            Ok(())
        }

        pub fn wait_signal(signals: &SigSet, _limit: Duration) -> Option<Signal> {
            signals.wait().ok()
        }

        pub fn reap(python: u32) -> Option<i32> {
            use nix::sys::wait::{WaitStatus, waitpid};
            use nix::unistd::Pid;
            match waitpid(Pid::from_raw(python as i32), None) {
                Ok(WaitStatus::Exited(_, code)) => Some(code),
                Ok(WaitStatus::Signaled(_, signal, _)) => {
                    Some(super::super::killed_by(signal as i32))
                }
                _ => Some(1),
            }
        }

        pub fn kill_tree() {}

        pub fn tree_memory(_root: u32) -> u64 {
            0
        }

        pub fn out_of_memory(_cgroups: &[PathBuf]) -> bool {
            false
        }

        pub fn remove_cgroups(_cgroups: &[PathBuf]) {}

        pub struct Prepared {
            pub child: Child,
            pub cgroups: Vec<PathBuf>,
            pub processes: Option<u64>,
        }

        pub struct Child;

        impl Prepared {
            pub fn new(_spec: &Spec, _warden: u32) -> Result<Prepared, String> {
                Ok(Prepared {
                    child: Child,
                    cgroups: Vec::new(),
                    processes: None,
                })
            }
        }

        impl Child {
            pub fn join_cgroups(&self) -> io::Result<()> {
                Ok(())
            }

            pub fn drop_privileges(&self) -> io::Result<()> {
                Ok(())
            }

            pub fn restrict(self) -> io::Result<()> {
                Ok(())
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    use super::{Plan, Spec};

    pub fn plan(_python: &Path, _read: &[PathBuf]) -> Plan {
        Plan::default()
    }

    pub fn run(_spec: &Spec, python: &[OsString]) -> i32 {
        match std::process::Command::new(&python[0])
            .args(&python[1..])
            .status()
        {
            Ok(status) => status.code().unwrap_or(1),
            Err(_) => 127,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_what_held_and_the_warning_what_did_not() {
        let full = Plan {
            landlock: Some(7),
            seccomp: true,
            user: User::Unprivileged,
            cgroups: Some(Cgroups::V1 {
                memory: PathBuf::from("/m"),
                pids: PathBuf::from("/p"),
            }),
            hidden: Vec::new(),
            disk_filesystem: false,
        };
        assert_eq!(
            full.describe(),
            "landlock ABI 7, no sockets, a user of its own, cgroup v1: memory, 256 processes, disk 40 MiB"
        );
        assert_eq!(full.shortfalls(), None);
        let own_disk = Plan {
            disk_filesystem: true,
            ..full.clone()
        };
        assert!(
            own_disk
                .describe()
                .ends_with("disk 40 MiB on a filesystem of its own")
        );
        let bare = Plan {
            landlock: None,
            seccomp: false,
            user: User::RootWithoutCapabilities,
            cgroups: None,
            hidden: Vec::new(),
            disk_filesystem: false,
        };
        assert!(bare.describe().starts_with("no landlock, sockets open"));
        let warning = bare.shortfalls().unwrap();
        for says in ["no Landlock", "network", "root", "not limited"] {
            assert!(warning.contains(says), "{warning}");
        }
    }

    #[test]
    fn disk_use_counts_blocks_and_stops_at_the_entry_cap() {
        let dir = std::env::temp_dir().join(format!("waitsim-disk-use-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a"), vec![1u8; 1 << 20]).unwrap();
        let (bytes, entries) = disk_use(std::slice::from_ref(&dir), usize::MAX);
        assert!(bytes >= 1 << 20, "{bytes}");
        assert_eq!(entries, 2);
        for i in 0..20 {
            std::fs::write(dir.join(format!("f{i}")), "").unwrap();
        }
        assert_eq!(disk_use(std::slice::from_ref(&dir), 10).1, 11);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
