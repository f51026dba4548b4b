//! Containment of the code under test: a warden process between waitsim and each Python
//! process, the limits and the sandbox it applies, and the killing of whole process trees.
//!
//! waitsim starts `waitsim __warden SPEC -- PYTHON ARGS...` for each routine. The warden
//! (Linux):
//! - is a child subreaper, so every process the code under test starts stays in its tree,
//!   even one that calls `setsid` or forks twice to become a daemon;
//! - dies with waitsim (`PR_SET_PDEATHSIG`, checked after the fork), and then kills its tree;
//! - starts Python with hard limits (address space, CPU time, file size, open files: soft and
//!   hard lowered, so they cannot be raised again), with `PR_SET_PDEATHSIG` of its own, and
//!   inside a Landlock sandbox where the kernel has one: it reads the Python installation and
//!   the system's libraries, writes only its private copy of the folder, reaches no TCP port,
//!   and signals and connects to no abstract socket outside its sandbox;
//! - when Python ends, or waitsim asks (SIGTERM), kills and reaps everything in its tree.
//!
//! Elsewhere (macOS) the warden applies the limits the kernel takes and waitsim kills the
//! process group, as before: there is no subreaper, no parent-death signal and no Landlock.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The hidden subcommand that runs the warden.
pub const SUBCOMMAND: &str = "__warden";

/// The largest file the code under test may write.
pub const FILE_SIZE: u64 = 64 << 20;

/// How many files the code under test may hold open.
pub const OPEN_FILES: u64 = 256;

/// What the warden applies to the Python process.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Spec {
    /// waitsim's process id: the warden refuses to start once waitsim is gone.
    pub parent: u32,
    /// Address space, in bytes.
    pub memory: u64,
    /// CPU time, in seconds (the hard limit is one second more).
    pub cpu_seconds: u64,
    /// Readable (and executable) paths.
    pub read: Vec<PathBuf>,
    /// Paths read and written: the private copy.
    pub write: Vec<PathBuf>,
}

/// The sandbox this kernel gives, as reports name it: `landlock ABI N`, or `none`.
pub fn sandbox_level() -> String {
    #[cfg(target_os = "linux")]
    {
        // The kernel's own answer: `landlock_create_ruleset(NULL, 0, VERSION)` gives the ABI,
        // or fails where Landlock is not built in or not enabled. (The landlock crate tells
        // only once a ruleset is applied, which is in the child.)
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
        if abi > 0 {
            // The rules are written for ABI 7: a newer kernel applies those.
            format!("landlock ABI {}", abi.min(7))
        } else {
            "none".to_string()
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        "none".to_string()
    }
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

#[cfg(unix)]
mod imp {
    use std::ffi::OsString;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use nix::sys::resource::{Resource, setrlimit};
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};

    use super::{FILE_SIZE, OPEN_FILES, Spec};

    /// The signals the warden takes in turn with `sigwait`.
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
    fn limit(spec: &Spec) {
        let limits = [
            (Resource::RLIMIT_AS, spec.memory, spec.memory),
            (
                Resource::RLIMIT_CPU,
                spec.cpu_seconds,
                spec.cpu_seconds.saturating_add(1),
            ),
            (Resource::RLIMIT_FSIZE, FILE_SIZE, FILE_SIZE),
            (Resource::RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES),
        ];
        for (resource, soft, hard) in limits {
            // A kernel that refuses a limit (macOS and RLIMIT_AS): the others still hold.
            let _ = setrlimit(resource, soft, hard);
        }
    }

    pub fn run(spec: &Spec, python: &[OsString]) -> i32 {
        let signals = handled();
        if sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None).is_err() {
            return 2;
        }
        if !linux::become_reaper(spec.parent) {
            return killed(Signal::SIGKILL);
        }
        let sandbox = match linux::Sandbox::new(spec) {
            Ok(sandbox) => sandbox,
            Err(err) => {
                eprintln!("error: the sandbox could not be made: {err}");
                return 2;
            }
        };
        let mut command = Command::new(&python[0]);
        command.args(&python[1..]);
        let warden = std::process::id();
        let spec_for_child = spec.clone();
        let sandbox_cell = std::sync::Mutex::new(Some(sandbox));
        // Safety: the warden has one thread, so the child may do anything the parent could.
        unsafe {
            command.pre_exec(move || {
                sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&handled()), None)?;
                linux::die_with(warden)?;
                limit(&spec_for_child);
                if let Some(sandbox) = sandbox_cell
                    .lock()
                    .map_err(|_| std::io::Error::other("sandbox"))?
                    .take()
                {
                    sandbox.apply()?;
                }
                Ok(())
            });
        }
        let child = match command.spawn() {
            Ok(child) => child,
            Err(err) => {
                eprintln!("error: cannot run `{}`: {err}", python[0].to_string_lossy());
                return 127;
            }
        };
        // Only Python holds waitsim's pipes from here on.
        release_stdio();
        let python = child.id();
        let status = loop {
            match signals.wait() {
                Ok(Signal::SIGCHLD) => {
                    if let Some(status) = linux::reap(python) {
                        break status;
                    }
                }
                Ok(_) => break killed(Signal::SIGKILL),
                Err(_) => continue,
            }
        };
        linux::kill_tree();
        // The private copy goes with its tree, even when waitsim is gone and cannot remove it.
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

    #[cfg(target_os = "linux")]
    mod linux {
        use std::io;

        use landlock::{
            ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, RulesetAttr, RulesetCreated,
            RulesetCreatedAttr, Scope, path_beneath_rules,
        };
        use nix::errno::Errno;
        use nix::sys::prctl;
        use nix::sys::signal::Signal;
        use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
        use nix::unistd::{Pid, getppid};

        use super::super::Spec;
        use crate::python::tree;

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

        /// The Landlock ruleset, made in the warden and applied in the child.
        pub struct Sandbox(Option<RulesetCreated>);

        impl Sandbox {
            /// The ruleset for `spec`, or why it cannot be made: never a silent `None` where
            /// the kernel has Landlock (the caller refuses to run the code then).
            pub fn new(spec: &Spec) -> Result<Sandbox, String> {
                ruleset(spec)
                    .map(|ruleset| Sandbox(Some(ruleset)))
                    .map_err(|err| err.to_string())
            }

            pub fn apply(self) -> io::Result<()> {
                match self.0 {
                    Some(ruleset) => ruleset
                        .restrict_self()
                        .map(drop)
                        .map_err(|err| io::Error::other(err.to_string())),
                    None => Ok(()),
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
    }

    #[cfg(not(target_os = "linux"))]
    mod linux {
        use std::io;

        use super::super::Spec;

        pub fn become_reaper(_parent: u32) -> bool {
            true
        }

        pub fn die_with(_warden: u32) -> io::Result<()> {
            Ok(())
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

        pub struct Sandbox;

        impl Sandbox {
            pub fn new(_spec: &Spec) -> Result<Sandbox, String> {
                Ok(Sandbox)
            }

            pub fn apply(self) -> io::Result<()> {
                Ok(())
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::ffi::OsString;

    use super::Spec;

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
