//! `check-python` against code written to cheat or escape: forged exchanges, processes that
//! leave the group or outlive waitsim, lifted limits, a full disk, and a classmate's files.
//! (The cheats' verdicts are in their snapshots, `check_python@cheat-*`.)

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::python::{check, have_python};
use crate::{stderr, stdout, temp, waitsim};

/// The fixtures' folder.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python")
}

/// A copy of fixture `name` in a fresh temporary folder `as_name`, with `from` replaced by `to`
/// in its files (to give its processes a command line no other test's have).
fn copy_fixture(name: &str, as_name: &str, from: &str, to: &str) -> PathBuf {
    let dir = temp(as_name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(fixtures().join(name)).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(dir.join(path.file_name().unwrap()), text.replace(from, to)).unwrap();
    }
    dir
}

/// How many processes on this machine have `sleep SECONDS` for their command line.
fn sleeping(seconds: &str) -> usize {
    let wanted = format!("sleep\0{seconds}\0");
    std::fs::read_dir("/proc")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .filter_map(|dir| std::fs::read(dir.path().join("cmdline")).ok())
                .filter(|cmdline| cmdline.as_slice() == wanted.as_bytes())
                .count()
        })
        .unwrap_or(0)
}

/// Waits up to `limit` for `done`; whether it came.
fn within(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

fn run_dir(dir: &Path, args: &[&str]) -> Output {
    check(&[&[dir.to_str().unwrap()], args].concat())
}

#[cfg(target_os = "linux")]
#[test]
fn processes_that_leave_the_group_die_with_their_routine() {
    if !have_python("processes_that_leave_the_group") {
        return;
    }
    // A child in a session of its own, a double-forked daemon, and 200 of them at once.
    for (fixture, from, to, status) in [
        ("correct-escape-setsid", "613", "713", 0),
        ("escape-daemon", "614", "714", 1),
        ("correct-escape-fork-bomb", "615", "715", 0),
    ] {
        let dir = copy_fixture(fixture, &format!("contain-{fixture}"), from, to);
        let start = Instant::now();
        let output = run_dir(
            &dir,
            &["--seeds", "0..5", "--routine", "wait_n", "--timeout", "10"],
        );
        let took = start.elapsed();
        assert_eq!(
            output.status.code(),
            Some(status),
            "{fixture}: {}",
            stdout(&output)
        );
        // Each sleeper would live for more than ten minutes; a loaded machine grades the
        // folder in seconds.
        assert!(took < Duration::from_secs(120), "{fixture} took {took:?}");
        assert!(
            stdout(&output).contains("wait_n            completes       pass"),
            "{fixture}"
        );
        // Killed and reaped before waitsim ended: none is left, not even a zombie.
        assert_eq!(
            sleeping(to),
            0,
            "{fixture}: a `sleep {to}` outlived the check"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn sigkill_of_waitsim_takes_the_code_under_test_with_it() {
    if !have_python("sigkill_of_waitsim") {
        return;
    }
    let dir = copy_fixture("correct-gather", "contain-sigkill", "", "");
    std::fs::write(
        dir.join("1-concurrent_coroutines.py"),
        r#"import os, subprocess
from typing import List
subprocess.Popen(["sleep", "718"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "719"])
    os._exit(0)
async def wait_n(n: int, max_delay: int) -> List[float]:
    while True:
        pass
"#,
    )
    .unwrap();
    let mut child = waitsim()
        .args(["check-python", dir.to_str().unwrap(), "--routine", "wait_n"])
        .args(["--timeout", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        within(Duration::from_secs(20), || sleeping("718") == 1
            && sleeping("719") == 1),
        "the code under test did not start its processes"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        within(Duration::from_secs(10), || sleeping("718") == 0
            && sleeping("719") == 0),
        "a process of the code under test outlived waitsim's SIGKILL"
    );
    // The warden removed the private copy on its way out.
    let leftovers: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(&format!("waitsim-{}-", child.id())))
        .collect();
    assert!(
        within(Duration::from_secs(5), || {
            leftovers
                .iter()
                .all(|name| !std::env::temp_dir().join(name).exists())
        }),
        "{leftovers:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn lifted_limits_still_hold_and_a_full_disk_leaves_nothing() {
    if !have_python("lifted_limits_still_hold") {
        return;
    }
    let output = check(&[
        "fixtures/python/escape-limits",
        "--routine",
        "wait_n",
        "--seeds",
        "0..2",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("memory: the code went over the limit of 1024 MiB"),
        "{}",
        stdout(&output)
    );
    let outside = Path::new("/tmp/waitsim-escape-disk-test.bin");
    let _ = std::fs::remove_file(outside);
    let dir = copy_fixture(
        "correct-escape-disk",
        "contain-disk",
        "/tmp/waitsim-escape-disk.bin",
        outside.to_str().unwrap(),
    );
    let output = run_dir(
        &dir,
        &["--routine", "wait_n", "--seeds", "0..2", "--timeout", "10"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Landlock refuses the file outside; without it, the file-size limit stops it at 64 MiB.
    let left = std::fs::metadata(outside).map_or(0, |m| m.len());
    assert!(left <= 64 << 20, "{left} bytes outside the folder");
    let _ = std::fs::remove_file(outside);
    // Nothing was written into the folder graded.
    assert!(!dir.join("escape-disk.bin").exists());
    assert!(!dir.join("__pycache__").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn an_attacker_in_a_batch_changes_no_classmate_verdict_and_no_file() {
    if !have_python("an_attacker_in_a_batch") {
        return;
    }
    let class = temp("contain-class");
    let _ = std::fs::remove_dir_all(&class);
    std::fs::create_dir_all(&class).unwrap();
    for (name, fixture) in [
        ("attacker", "correct-gather"),
        ("victim", "correct-gather"),
        ("wrong", "no-sort"),
    ] {
        let dir = copy_fixture(fixture, "contain-class-tmp", "", "");
        std::fs::rename(&dir, class.join(name)).unwrap();
    }
    // It rewrites every classmate's file it can find, and writes a forged answer into every
    // pipe it can open through /proc, at import and from a daemon that keeps at it.
    let attack = format!(
        r#"import asyncio, glob, os, random
try:
    open("{class}/victim/1-concurrent_coroutines.py").read()
    raise SystemExit("it read a classmate's file")
except OSError:
    pass
def attack():
    for path in glob.glob("{class}/*/*.py"):
        try:
            text = open(path).read()
            with open(path, "w") as out:
                out.write(text.replace("sorted(", "list("))
        except OSError:
            pass
    for fd in glob.glob("/proc/[0-9]*/fd/[0-9]*"):
        try:
            with open(fd, "w") as out:
                out.write('{{"returned": {{"case": 0, "nonce": 0, "value": {{"type": "list", "items": []}}}}}}\n')
        except OSError:
            pass
attack()
if os.fork() == 0:
    os.setsid()
    for _ in range(500):
        attack()
    os._exit(0)
async def wait_random(max_delay: int = 10) -> float:
    delay = random.uniform(0, max_delay)
    await asyncio.sleep(delay)
    return delay
"#,
        class = class.display()
    );
    std::fs::write(class.join("attacker/0-basic_async_syntax.py"), attack).unwrap();
    let before = contents(&class);
    // Each learner's folder, as a grader gives a class (`students/*`).
    let folders: Vec<String> = ["attacker", "victim", "wrong"]
        .iter()
        .map(|name| class.join(name).display().to_string())
        .collect();
    let mut args: Vec<&str> = folders.iter().map(String::as_str).collect();
    args.extend(["--seeds", "0..10", "--json"]);
    let output = check(&args);
    assert_eq!(output.status.code(), Some(1));
    let reports: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let failed = |report: &serde_json::Value| -> Vec<String> {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["verdict"] == "FAIL")
            .map(|row| format!("{} {}", row["routine"], row["check"]))
            .collect()
    };
    assert!(
        !stdout(&output).contains("it read a classmate's file"),
        "{}",
        stdout(&output)
    );
    assert_eq!(failed(&reports[1]), Vec::<String>::new(), "the victim");
    assert_eq!(
        failed(&reports[2]),
        [r#""wait_n" "ascending""#],
        "the wrong classmate fails as it does alone"
    );
    // No classmate's file changed, nor the attacker's own.
    assert_eq!(contents(&class), before);
    std::fs::remove_dir_all(class).unwrap();
}

/// Every file below `dir`, with its bytes, in path order.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut next = vec![dir.to_path_buf()];
    while let Some(dir) = next.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                next.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn replays_are_quoted_and_folder_names_round_trip() {
    if !have_python("replays_are_quoted") {
        return;
    }
    let dir = copy_fixture("no-sort", "contain-x; rm y", "", "");
    let output = run_dir(&dir, &["--routine", "wait_n", "--seeds", "0..1", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["directory"], dir.to_str().unwrap());
    assert!(report.get("directory_escaped").is_none());
    let replay = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["verdict"] == "FAIL")
        .unwrap()["counterexample"]["replay"]
        .as_str()
        .unwrap()
        .to_string();
    // A shell reads the folder back as one word.
    let words = shlex::split(&replay).unwrap();
    assert_eq!(words[2], dir.to_str().unwrap(), "{replay}");
    let replayed = check(&words[2..].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(replayed.status.code(), Some(1), "{}", stderr(&replayed));
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_folder_name_that_is_not_utf8_is_escaped_and_flagged() {
    use std::os::unix::ffi::OsStrExt;
    if !have_python("a_folder_name_that_is_not_utf8") {
        return;
    }
    let parent = temp("contain-bytes");
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).unwrap();
    let dir = parent.join(std::ffi::OsStr::from_bytes(b"caf\xe9\\"));
    std::fs::rename(
        copy_fixture("correct-gather", "contain-bytes-tmp", "", ""),
        &dir,
    )
    .unwrap();
    let output = waitsim()
        .arg("check-python")
        .arg(&dir)
        .args(["--routine", "wait_random", "--seeds", "0..1", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        report["directory"],
        format!("{}/caf\\xe9\\\\", parent.display())
    );
    assert_eq!(report["directory_escaped"], true);
    std::fs::remove_dir_all(parent).unwrap();
}

#[test]
fn the_json_says_which_sandbox_the_code_ran_in() {
    if !have_python("the_json_says_which_sandbox") {
        return;
    }
    let output = check(&[
        "fixtures/python/correct-gather",
        "--routine",
        "wait_random",
        "--seeds",
        "0..1",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let sandbox = report["sandbox"].as_str().unwrap();
    let warned = format!("(sandbox: {sandbox})\n");
    let held = |part: &str| sandbox.contains(part);
    if cfg!(target_os = "linux") {
        assert!(held("landlock ABI ") || held("no landlock"), "{sandbox}");
        assert!(held("no sockets") || held("sockets open"), "{sandbox}");
        assert!(held("disk 40 MiB"), "{sandbox}");
    }
    // Whatever did not hold is said once on stderr, never silently; when all held, nothing.
    let gaps = [
        "no landlock",
        "sockets open",
        "root without",
        "processes unlimited",
    ];
    if sandbox == "none" || gaps.iter().any(|gap| held(gap)) {
        assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
        assert!(stderr(&output).ends_with(&warned), "{}", stderr(&output));
    } else {
        assert_eq!(stderr(&output), "");
    }
}

/// The sandbox this machine gives, as the JSON names it.
fn sandbox() -> String {
    let output = check(&[
        "fixtures/python/correct-gather",
        "--routine",
        "wait_random",
        "--seeds",
        "0..1",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    report["sandbox"].as_str().unwrap().to_string()
}

/// Says past the test harness's capture that `test` did not run, and why.
fn skipped(test: &str, because: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{test}: skipped because {because}");
}

/// Whether waitsim runs as root here.
#[cfg(unix)]
fn root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
    })
}

#[cfg(target_os = "linux")]
#[test]
fn the_code_reads_no_token_of_the_grader_and_as_root_no_shadow() {
    if !have_python("the_code_reads_no_token") {
        return;
    }
    let token = "grader-token-5f0c1e";
    let output = crate::python::check_with_env(
        &[
            "fixtures/python/correct-escape-secrets",
            "--routine",
            "wait_n",
            "--seeds",
            "0..3",
            "--json",
        ],
        &[("GRADER_TOKEN", token)],
    );
    // The fixture fails, with what it found in its message, if it finds anything.
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    for text in [stdout(&output), stderr(&output)] {
        assert!(!text.contains(token), "{text}");
    }
    if !root() {
        skipped(
            "the_code_reads_no_token_of_the_grader_and_as_root_no_shadow",
            "waitsim does not run as root: /etc/shadow was not tried as root",
        );
    } else if !Path::new("/etc/shadow").exists() {
        skipped(
            "the_code_reads_no_token_of_the_grader_and_as_root_no_shadow",
            "this system has no /etc/shadow",
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_code_delivers_no_datagram_and_connects_to_no_unix_socket() {
    use std::os::unix::net::UnixListener;
    if !have_python("the_code_delivers_no_datagram") {
        return;
    }
    if !sandbox().contains("no sockets") {
        skipped(
            "the_code_delivers_no_datagram_and_connects_to_no_unix_socket",
            "this system has no seccomp filter for waitsim (`sockets open`)",
        );
        return;
    }
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let path = std::env::temp_dir().join(format!("waitsim-net-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let unix = UnixListener::bind(&path).unwrap();
    unix.set_nonblocking(true).unwrap();
    let target = format!("{} {}", udp.local_addr().unwrap(), path.display());
    let dir = copy_fixture(
        "correct-escape-network",
        "contain-network",
        "127.0.0.1:47613 /tmp/waitsim-escape-network.sock",
        &target,
    );
    let output = run_dir(&dir, &["--routine", "wait_n", "--seeds", "0..3"]);
    // The fixture fails if a send or a connection went through.
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let mut buffer = [0u8; 64];
    assert_eq!(
        udp.recv_from(&mut buffer).map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::WouldBlock),
        "a datagram arrived"
    );
    assert_eq!(
        unix.accept().map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::WouldBlock),
        "a connection arrived"
    );
    std::fs::remove_file(path).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// The peak resident memory of process `pid` so far (`VmHWM`), in bytes.
#[cfg(target_os = "linux")]
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Runs `waitsim check-python ARGS`, watching it: its output, and the most it held in memory.
#[cfg(target_os = "linux")]
fn watched(args: &[&str], mut watch: impl FnMut(u32)) -> (Output, u64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = waitsim()
        .arg("check-python")
        .args(args)
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut out = out;
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut text).unwrap();
        text
    });
    let reading_err = std::thread::spawn(move || {
        let mut err = err;
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut text).unwrap();
        text
    });
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        peak = peak.max(peak_memory(pid).unwrap_or(0));
        watch(pid);
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{args:?} did not end within 120 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let output = Output {
        status,
        stdout: reading.join().unwrap(),
        stderr: reading_err.join().unwrap(),
    };
    (output, peak)
}

#[cfg(target_os = "linux")]
#[test]
fn a_flood_of_valid_lines_ends_at_the_deadline_and_every_folder_gets_its_report() {
    if !have_python("a_flood_of_valid_lines") {
        return;
    }
    let class = temp("contain-flood");
    let _ = std::fs::remove_dir_all(&class);
    std::fs::create_dir_all(&class).unwrap();
    for name in ["a", "b", "c"] {
        let dir = copy_fixture("escape-flood", "contain-flood-tmp", "", "");
        std::fs::rename(&dir, class.join(name)).unwrap();
    }
    let folders: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|name| class.join(name).display().to_string())
        .collect();
    let (output, peak) = watched(
        &[
            folders[0].as_str(),
            folders[1].as_str(),
            folders[2].as_str(),
            "--routine",
            "wait_n",
            "--seeds",
            "0..3",
            "--jobs",
            "2",
            "--json",
        ],
        |_| {},
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let reports: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(reports.len(), 3, "{}", stdout(&output));
    for report in &reports {
        let failed: Vec<&str> = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["verdict"] == "FAIL")
            .map(|row| row["check"].as_str().unwrap())
            .collect();
        // The case cap, or the case's deadline, whichever came first.
        assert!(
            failed.contains(&"protocol") || failed.contains(&"completes"),
            "{report}"
        );
    }
    assert!(peak > 0 && peak < 100 << 20, "waitsim held {peak} bytes");
    std::fs::remove_dir_all(class).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn five_children_of_600_mib_stay_within_the_memory_of_the_tree() {
    if !have_python("five_children_of_600_mib") {
        return;
    }
    let output = check(&[
        "fixtures/python/escape-tree-memory",
        "--routine",
        "wait_n",
        "--seeds",
        "0..2",
        "--memory",
        "1GiB",
        "--timeout",
        "30",
    ]);
    assert_eq!(output.status.code(), Some(1));
    // Killed for the tree's memory, long before the import's time ran out.
    assert!(
        stdout(&output)
            .contains("got the code's processes together went over the memory limit of 1024 MiB"),
        "{}",
        stdout(&output)
    );
}

/// The bytes on the disk below the private copies of waitsim `pid`.
#[cfg(target_os = "linux")]
fn copies_on_disk(pid: u32) -> u64 {
    // As waitsim sees them, and as each process below it does: where the copy is a filesystem
    // of its own, only the tree's mount namespace shows what the code wrote.
    let temp = std::env::temp_dir();
    std::iter::once(temp.clone())
        .chain(descendants(pid).into_iter().map(|below| {
            PathBuf::from(format!("/proc/{below}/root")).join(temp.strip_prefix("/").unwrap())
        }))
        .map(|seen| copies_below(&seen, pid))
        .max()
        .unwrap_or(0)
}

/// The bytes of waitsim `pid`'s private copies in the temporary folder `temp`.
#[cfg(target_os = "linux")]
fn copies_below(temp: &Path, pid: u32) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let prefix = format!("waitsim-{pid}-");
    let mut total = 0;
    let mut next: Vec<PathBuf> = std::fs::read_dir(temp)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    while let Some(dir) = next.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if let Ok(meta) = entry.metadata() {
                total += meta.blocks() * 512;
                if meta.is_dir() {
                    next.push(entry.path());
                }
            }
        }
    }
    total
}

/// The processes below `root`, from each process's parent in `/proc`.
#[cfg(target_os = "linux")]
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let parent = stat[stat.rfind(')')? + 1..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut found = vec![root];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at];
        found.extend(
            parents
                .iter()
                .filter(|&&(_, p)| p == parent)
                .map(|&(pid, _)| pid),
        );
        at += 1;
    }
    found.remove(0);
    found
}

#[cfg(target_os = "linux")]
#[test]
fn many_files_of_60_mib_stay_within_the_disk_cap() {
    if !have_python("many_files_of_60_mib") {
        return;
    }
    let mut most = 0;
    let (output, _) = watched(
        &[
            "fixtures/python/escape-disk-total",
            "--routine",
            "wait_n",
            "--seeds",
            "0..2",
            "--timeout",
            "30",
        ],
        |pid| most = most.max(copies_on_disk(pid)),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("got the code wrote more than 40 MiB"),
        "{}",
        stdout(&output)
    );
    // The copy itself is a few KiB. Where the copy is a filesystem of its own (as root), the
    // cap holds exactly: 40 MiB and a page. Elsewhere the warden stops the tree at 40 MiB
    // added, looking every 5 ms: on a loaded machine the code writes on between two looks
    // (68 MiB was seen under CI's load), so the bound is 96 MiB, far below the 1.4 GB the
    // files would reach.
    let bound = if sandbox().contains("on a filesystem of its own") {
        (40 << 20) + (1 << 20)
    } else {
        96 << 20
    };
    assert!(most > 0 && most <= bound, "the copy grew to {most} bytes");
}

#[test]
fn a_grader_inside_a_submission_runs_none_of_its_files_outside_the_sandbox() {
    if !have_python("a_grader_inside_a_submission") {
        return;
    }
    // A grader in the submission's folder (`waitsim check-python .`): a `selectors.py` there
    // must not be imported by the Python that waitsim runs unsandboxed to learn its version.
    let dir = copy_fixture("correct-gather", "contain-cwd", "", "");
    let marker = dir.with_extension("ran");
    let _ = std::fs::remove_file(&marker);
    let shadow = format!("open({:?}, 'w').write('ran')\n", marker.to_str().unwrap());
    for module in ["selectors.py", "ast.py", "json.py"] {
        std::fs::write(dir.join(module), &shadow).unwrap();
    }
    let output = waitsim()
        .args([
            "check-python",
            ".",
            "--seeds",
            "0..2",
            "--routine",
            "wait_n",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !marker.exists(),
        "a file of the submission ran outside the sandbox"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn as_root_a_python_anyone_can_reach_runs_as_a_user_of_its_own_and_correct_code_passes() {
    use std::os::unix::fs::PermissionsExt;
    let test = "as_root_a_python_anyone_can_reach_runs_as_a_user_of_its_own";
    if !have_python(test) {
        return;
    }
    if !root() {
        skipped(test, "waitsim does not run as root");
        return;
    }
    // The system's Python, where it is one that every user may run.
    let python = Path::new("/usr/bin/python3");
    let usable = std::fs::metadata(python).is_ok_and(|m| m.permissions().mode() & 0o005 == 0o005)
        && std::process::Command::new(python)
            .args(["-c", "import sys; assert sys.version_info >= (3, 8)"])
            .status()
            .is_ok_and(|s| s.success());
    if !usable {
        skipped(test, "this system has no /usr/bin/python3 of 3.8 or newer");
        return;
    }
    for fixture in [
        "correct-gather",
        "correct-child-process",
        "correct-escape-secrets",
    ] {
        let output = crate::python::check_with_env(
            &[
                &format!("fixtures/python/{fixture}"),
                "--python",
                "/usr/bin/python3",
                "--seeds",
                "0..5",
                "--json",
            ],
            &[("GRADER_TOKEN", "grader-token-5f0c1e")],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{fixture}: {}",
            stdout(&output)
        );
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let sandbox = report["sandbox"].as_str().unwrap();
        assert!(sandbox.contains("a user of its own"), "{sandbox}");
        assert_eq!(report["failed"], 0, "{fixture}");
        assert!(!stdout(&output).contains("grader-token-5f0c1e"));
    }
}
