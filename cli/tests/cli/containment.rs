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
    if sandbox == "none" {
        // Said once on stderr too, never silently.
        assert!(
            stderr(&output).contains("(sandbox: none)"),
            "{}",
            stderr(&output)
        );
    } else {
        assert!(sandbox.starts_with("landlock ABI "), "{sandbox}");
        assert_eq!(stderr(&output), "");
    }
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
