//! `waitsim check-python`: the report of every implementation in `fixtures/python/`, as a
//! snapshot each; the JSON form; exit statuses. Skipped, with a message that shows, where
//! there is no `python3`.

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use crate::{settings, stderr, stdout, temp, waitsim};

/// Whether `python3` runs here; if not, says so past the test harness's capture.
pub fn have_python(test: &str) -> bool {
    match std::process::Command::new("python3")
        .arg("--version")
        .output()
    {
        Ok(output) if output.status.success() => true,
        // CI promises a Python: there, its absence is a failure, not a skip.
        _ if std::env::var_os("CI").is_some_and(|ci| ci == "true") => {
            panic!("{test}: no python3 on PATH, and CI=true")
        }
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: no python3 on PATH: check-python not tested"
            );
            false
        }
    }
}

/// A command's stderr without the one line that says the sandbox is less than it can be
/// elsewhere (as root with a Python only root can reach, say): what it says is tested by
/// `containment`.
pub fn stderr_but_sandbox(output: &Output) -> String {
    stderr(output)
        .lines()
        .filter(|line| !line.starts_with("warning: the code under test is less contained"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Runs `check-python` from the repository's root, so that paths in reports are relative.
pub fn check(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    waitsim()
        .arg("check-python")
        .args(args)
        .current_dir(root)
        .output()
        .unwrap()
}

/// Runs `check-python` as [`check`] does, with `env` added to waitsim's environment.
pub fn check_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    waitsim()
        .arg("check-python")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .output()
        .unwrap()
}

#[test]
fn each_implementation_gets_its_report() {
    if !have_python("each_implementation_gets_its_report") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    // Twenty seeds each, two implementations at a time; the infinite loop gets a second of
    // real time for a case, the others the default.
    let run = |name: &String| {
        let dir = format!("fixtures/python/{name}");
        // The infinite loop gets a second of real time for a case; the fixtures that fill
        // a disk or fork 200 processes at import, ten, for a loaded machine.
        let limit: &[&str] = match name.as_str() {
            "infinite-loop" => &["--timeout", "1"],
            "correct-escape-disk"
            | "correct-escape-fork-bomb"
            | "escape-tree-memory"
            | "escape-disk-total" => &["--timeout", "10"],
            // A flood ends at the case's cap on lines, long before its deadline.
            "escape-flood" => &["--timeout", "30"],
            _ => &[],
        };
        check(&[&[dir.as_str(), "--seeds", "0..20"], limit].concat())
    };
    let outputs: Vec<Output> = names
        .chunks(2)
        .flat_map(|pair| {
            std::thread::scope(|scope| {
                let runs: Vec<_> = pair
                    .iter()
                    .map(|name| scope.spawn(move || run(name)))
                    .collect();
                runs.into_iter()
                    .map(|run| run.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for (name, output) in names.iter().zip(outputs) {
        let expected = if name.starts_with("correct") { 0 } else { 1 };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{name}: {}",
            stderr(&output)
        );
        assert_eq!(stderr_but_sandbox(&output), "", "{name}");
        settings()
            .bind(|| insta::assert_snapshot!(format!("check_python@{name}"), stdout(&output)));
    }
}

#[test]
fn the_correct_implementations_pass_the_default_seeds_and_json_says_the_same() {
    if !have_python("the_correct_implementations_pass_the_default_seeds") {
        return;
    }
    for dir in [
        "fixtures/python/correct-gather",
        "fixtures/python/correct-as-completed",
    ] {
        let output = check(&[dir, "--json"]);
        assert!(output.status.success(), "{dir}: {}", stdout(&output));
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(report["failed"], 0, "{report}");
        assert_eq!(report["passed"], 50, "{report}");
        assert_eq!(report["seeds"], "0..50");
        assert!(
            report["python"].as_str().unwrap().starts_with('3'),
            "{report}"
        );
    }
    let broken = check(&["fixtures/python/no-sort", "--json"]);
    assert_eq!(broken.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&broken)).unwrap();
    let failed: Vec<&serde_json::Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["verdict"] == "FAIL")
        .collect();
    assert_eq!(failed.len(), 1, "{report}");
    assert_eq!(failed[0]["check"], "ascending");
    let example = &failed[0]["counterexample"];
    let replay = example["replay"].as_str().unwrap();
    // The replay command runs that one case, and it fails the same way.
    let words: Vec<&str> = replay.split_whitespace().skip(2).collect();
    let replayed = check(&words);
    assert_eq!(replayed.status.code(), Some(1));
    assert!(
        stdout(&replayed).contains(&format!("seed {}, n ", example["seed"])),
        "{}",
        stdout(&replayed)
    );
}

#[test]
fn bad_usage_is_status_two_with_one_line() {
    if !have_python("bad_usage_is_status_two_with_one_line") {
        return;
    }
    let empty = temp("check-python-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.to_str().unwrap().to_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["fixtures/python/no-such-dir"], "not a directory"),
        (
            vec![&empty],
            "holds none of the exercise's files (0-basic_async_syntax.py, 1-concurrent_coroutines.py, 2-measure_runtime.py, 3-tasks.py, 4-tasks.py), and neither does any folder up to 3 levels below it (hidden folders and virtual environments are not searched)",
        ),
        (vec![], "the following required arguments were not provided"),
        (
            vec![
                "fixtures/python/correct-gather",
                "--python",
                "/no/such/python",
            ],
            "`/no/such/python` is not a working Python 3.8 or newer: it cannot be run",
        ),
        (
            vec!["fixtures/python/correct-gather", "--python", "/bin/true"],
            "`/bin/true` is not a working Python 3.8 or newer: it printed no version",
        ),
        (
            vec!["fixtures/python/correct-gather", "--seeds", "5..5"],
            "invalid seed range `5..5`: it holds no seed",
        ),
        (
            vec!["fixtures/python/correct-gather", "--seeds", "-1..5"],
            "invalid seed range `-1..5`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--timeout", "+3"],
            "invalid time limit `+3`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--memory", "1MiB"],
            "invalid memory limit `1MiB`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--seeds", "5..1"],
            "invalid seed range `5..1`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--timeout", "0"],
            "invalid time limit `0`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--jobs", "0"],
            "invalid job count `0`: expected a whole number from 1 to 256",
        ),
        (
            vec!["fixtures/python/correct-gather", "--jobs", "+2"],
            "invalid job count `+2`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--jobs", "-1"],
            "invalid job count `-1`",
        ),
        (
            vec!["fixtures/python/correct-gather", "--jobs", "257"],
            "invalid job count `257`",
        ),
        (
            vec!["fixtures/python/correct-gather", &empty],
            "holds none of the exercise's files",
        ),
        (
            vec!["fixtures/python/correct-gather", "--rng", "chacha"],
            "no --seed, --clock or --rng",
        ),
        (
            vec![
                "fixtures/python/correct-gather",
                "--routine",
                "wait_forever",
            ],
            "unknown routine `wait_forever`: expected one of `wait_random`, `wait_n`, `measure_time`, `task_wait_random`, `task_wait_n`",
        ),
    ];
    for (args, expected) in cases {
        let output = check(&args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
    }
}

/// The processes on this machine whose command line is `sleep 612`.
fn sleepers() -> usize {
    std::fs::read_dir("/proc")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .filter_map(|dir| std::fs::read(dir.path().join("cmdline")).ok())
                .filter(|cmdline| cmdline.as_slice() == b"sleep\x00612\x00")
                .count()
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn a_child_process_left_running_neither_stalls_the_check_nor_outlives_it() {
    if !have_python("a_child_process_left_running") {
        return;
    }
    let start = std::time::Instant::now();
    let output = check(&["fixtures/python/correct-child-process", "--seeds", "0..5"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Each of its `sleep 612` would hold the pipes open for ten minutes; a loaded machine
    // grades the folder in seconds.
    assert!(start.elapsed() < std::time::Duration::from_secs(120));
    assert_eq!(sleepers(), 0, "a `sleep 612` outlived the check");
}

#[test]
fn a_missing_routine_fails_the_folder_unless_only_present_routines_are_asked_for() {
    if !have_python("a_missing_routine_fails_the_folder") {
        return;
    }
    let dir = temp("check-python-missing");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let correct = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python/correct-gather");
    for file in ["0-basic_async_syntax.py", "1-concurrent_coroutines.py"] {
        std::fs::copy(correct.join(file), dir.join(file)).unwrap();
    }
    // A directory where a file should be counts as missing too.
    std::fs::create_dir_all(dir.join("2-measure_runtime.py")).unwrap();
    let dir = dir.to_str().unwrap();
    let whole = check(&[dir, "--seeds", "0..3"]);
    assert_eq!(whole.status.code(), Some(1), "{}", stdout(&whole));
    assert!(stdout(&whole).contains("missing: 2-measure_runtime.py"));
    assert!(stdout(&whole).contains("0 failed"));
    let present = check(&[dir, "--seeds", "0..3", "--routine", "wait_n"]);
    assert_eq!(present.status.code(), Some(0), "{}", stdout(&present));
    let absent = check(&[dir, "--seeds", "0..3", "--routine", "task_wait_n"]);
    assert_eq!(absent.status.code(), Some(1), "{}", stdout(&absent));
}

/// The children of process `parent`, from `/proc`.
#[cfg(target_os = "linux")]
fn children(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|dir| {
            let pid: u32 = dir.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(dir.path().join("stat")).ok()?;
            // The parent is the second field after the command's closing parenthesis.
            let ppid: u32 = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_during_a_check_kills_the_python_process_and_exits_130() {
    if !have_python("sigterm_during_a_check") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = waitsim();
    let check = command
        .args([
            "check-python",
            "fixtures/python/infinite-loop",
            "--timeout",
            "60",
        ])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The warden, and the Python process below it (not the version check's Python).
    let is_warden = |pid: &u32| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|cmdline| cmdline.split(|&b| b == 0).nth(1) == Some(b"__warden"))
    };
    let processes = loop {
        if let Some(warden) = children(check.id()).into_iter().find(is_warden)
            && let Some(&python) = children(warden).first()
        {
            break [warden, python];
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no Python process started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &check.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = check.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    // The warden and the Python process are gone, or dying: SIGKILL is sent before waitsim
    // exits, and a loaded machine may take a moment to schedule the death (its state is then
    // a zombie, reaped by nobody now that its parent ended).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for python in processes {
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{python}/stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.trim_start())
                .unwrap_or("");
            if state.is_empty() || state.starts_with('Z') {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{python} outlived the check: {state}"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// A grader's batch: a correct folder, two broken ones and a repository.
const BATCH: [&str; 4] = [
    "fixtures/python/correct-gather",
    "fixtures/python/no-sort",
    "fixtures/python/partial",
    "fixtures/python/correct-in-a-repository",
];

#[test]
fn many_folders_get_a_row_each_in_the_order_given() {
    if !have_python("many_folders_get_a_row_each") {
        return;
    }
    let batch = [&BATCH[..], &["--seeds", "0..10"]].concat();
    let output = check(&batch);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stderr_but_sandbox(&output), "");
    settings().bind(|| insta::assert_snapshot!("check_python_batch", stdout(&output)));
    // One job or four, the report is the same, in the same order.
    for jobs in ["1", "4"] {
        let again = check(&[&batch[..], &["--jobs", jobs]].concat());
        assert_eq!(stdout(&again), stdout(&output), "--jobs {jobs}");
        assert_eq!(again.status.code(), Some(1));
    }
    // Every folder passes: status 0.
    let passing = check(&[BATCH[0], BATCH[3], "--seeds", "0..3"]);
    assert_eq!(passing.status.code(), Some(0), "{}", stdout(&passing));
    assert!(
        stdout(&passing).contains("\n2 folders: 2 passed, 0 failed\n"),
        "{}",
        stdout(&passing)
    );
}

#[test]
fn json_gives_one_line_per_folder_each_the_single_folder_object() {
    if !have_python("json_gives_one_line_per_folder") {
        return;
    }
    let output = check(&[&BATCH[..], &["--seeds", "0..4", "--json"]].concat());
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let directories: Vec<&str> = lines
        .iter()
        .map(|line| line["directory"].as_str().unwrap())
        .collect();
    assert_eq!(
        directories,
        [
            BATCH[0],
            BATCH[1],
            BATCH[2],
            "fixtures/python/correct-in-a-repository/0x01-python_async_function"
        ]
    );
    for (line, folder) in lines.iter().zip(BATCH) {
        let alone = check(&[folder, "--seeds", "0..4", "--json"]);
        let alone: serde_json::Value = serde_json::from_str(&stdout(&alone)).unwrap();
        assert_eq!(line, &alone, "{folder}");
    }
    assert_eq!(lines[1]["failed"], 1);
    assert_eq!(lines[2]["missing"].as_array().unwrap().len(), 3);
}

#[test]
fn a_submission_is_searched_and_one_copy_of_the_exercise_is_graded_by_the_rule() {
    if !have_python("a_submission_is_searched") {
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python");
    let repository = |name: &str, copies: &[(&str, &str, &[&str])]| {
        let repo = temp(name);
        let _ = std::fs::remove_dir_all(&repo);
        for (from, to, files) in copies {
            let to = repo.join(to);
            std::fs::create_dir_all(&to).unwrap();
            for entry in std::fs::read_dir(fixtures.join(from)).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().unwrap();
                if files.is_empty() || files.contains(&name.as_str()) {
                    std::fs::copy(entry.path(), to.join(name)).unwrap();
                }
            }
        }
        repo
    };
    let all: &[&str] = &[];
    // An old, broken copy with two of the files beside the whole exercise; a broken copy in a
    // hidden folder and one in a virtual environment are not even candidates.
    let repo = repository(
        "check-python-two-copies",
        &[
            ("correct-gather", "0x01-python_async_function", all),
            (
                "no-sort",
                "0x00-backup",
                &["0-basic_async_syntax.py", "1-concurrent_coroutines.py"],
            ),
            ("no-sort", ".git/0x01-python_async_function", all),
            ("no-sort", "venv/src", all),
        ],
    );
    std::fs::write(repo.join("venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let dir = repo.to_str().unwrap();
    let output = check(&[dir, "--seeds", "0..3", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let graded = format!("{dir}/0x01-python_async_function");
    assert_eq!(report["directory"], graded.as_str());
    assert_eq!(
        report["notes"][0],
        format!(
            "graded `{graded}`, one of 2 copies of the exercise in `{dir}`, because its files are all present and it is named like the exercise; not graded: `{dir}/0x00-backup`"
        )
        .as_str()
    );
    let text = stdout(&check(&[dir, "--seeds", "0..3"]));
    assert!(text.contains("\nnote: graded `"), "{text}");
    let gradescope = stdout(&check(&[dir, "--seeds", "0..3", "--format", "gradescope"]));
    let results: serde_json::Value = serde_json::from_str(&gradescope).unwrap();
    let said = results["output"].as_str().unwrap();
    assert!(
        said.contains(&format!("Graded folder: `{graded}`."))
            && said.contains("Note: graded `")
            && said.contains("0x00-backup"),
        "{said}"
    );
    let junit = stdout(&check(&[dir, "--seeds", "0..3", "--format", "junit"]));
    assert!(
        junit.contains("<property name=\"note\" value=\"graded `"),
        "{junit}"
    );
    // Two whole copies: the one named like the exercise.
    let repo = repository(
        "check-python-named-copy",
        &[
            ("no-sort", "old", all),
            ("correct-gather", "0x01-python_async_function", all),
        ],
    );
    let output = check(&[repo.to_str().unwrap(), "--seeds", "0..3", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        report["notes"][0]
            .as_str()
            .unwrap()
            .contains("because its files are all present and it is named like the exercise"),
        "{report}"
    );
    // Two whole copies named alike: no rule chooses, and the refusal names each, in every
    // format; Gradescope gives the learner the reason with no score to misread as a grade.
    let repo = repository(
        "check-python-tied-copies",
        &[
            ("correct-gather", "alice/0x01-python_async_function", all),
            ("no-sort", "bob/projects/0x01-python_async_function", all),
        ],
    );
    let dir = repo.to_str().unwrap();
    let output = check(&[dir, "--seeds", "0..3"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "error: `{dir}` holds 2 copies of the exercise, and no rule chooses one: `{dir}/alice/0x01-python_async_function`, `{dir}/bob/projects/0x01-python_async_function` (give the folder to grade)\n"
        )
    );
    let output = check(&[dir, "--seeds", "0..3", "--format", "gradescope"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let said = results["output"].as_str().unwrap();
    assert!(
        said.contains("alice/0x01-python_async_function")
            && said.contains("bob/projects/0x01-python_async_function"),
        "{said}"
    );
    assert_eq!(results["tests"].as_array().map(Vec::len), Some(0));
}

/// A batch shows its progress on stderr when that is a terminal (here `script`'s), and only
/// then: the other tests see an empty stderr.
#[cfg(target_os = "linux")]
#[test]
fn a_batch_shows_a_progress_bar_on_a_terminal() {
    if !have_python("a_batch_shows_a_progress_bar") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let command = format!(
        "'{}' check-python fixtures/python/correct-gather fixtures/python/no-sort --seeds 0..3 > /dev/null",
        env!("CARGO_BIN_EXE_waitsim")
    );
    let Ok(output) = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(root)
        .output()
    else {
        let _ = writeln!(
            std::io::stderr(),
            "a_batch_shows_a_progress_bar: no `script` to give it a terminal: not tested"
        );
        return;
    };
    // `script` passes the command's status on (`-e`): 1, for no-sort fails.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(terminal.contains("/2 folders graded"), "{terminal}");
}

/// The real time in a report, which changes from run to run, as `[time]`; the machine's
/// sandbox and Python as `[machine]`.
fn without_times(text: &str) -> String {
    let mut out = text.to_string();
    for key in ["time=\"", "\"execution_time\": "] {
        let mut replaced = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(key) {
            let start = at + key.len();
            let digits = rest[start..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len() - start);
            replaced.push_str(&rest[..start]);
            replaced.push_str("[time]");
            rest = &rest[start + digits..];
        }
        replaced.push_str(rest);
        out = replaced;
    }
    // The sandbox and the Python are the machine's, not the report's.
    out.lines()
        .map(|line| {
            match ["sandbox", "python"]
                .iter()
                .find(|name| line.contains(&format!("<property name=\"{name}\"")))
            {
                Some(name) => format!("      <property name=\"{name}\" value=\"[machine]\"/>"),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn the_grading_formats_of_a_passing_and_a_failing_folder() {
    if !have_python("the_grading_formats") {
        return;
    }
    for name in ["correct-gather", "no-sort"] {
        let dir = format!("fixtures/python/{name}");
        let gradescope = check(&[&dir, "--seeds", "0..3", "--format", "gradescope"]);
        // Gradescope reads the score from the file: grading that ran exits 0.
        assert_eq!(gradescope.status.code(), Some(0), "{}", stderr(&gradescope));
        let results: serde_json::Value = serde_json::from_str(&stdout(&gradescope)).unwrap();
        let scores: f64 = results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["score"].as_f64().unwrap())
            .sum();
        assert!(
            (scores - results["score"].as_f64().unwrap()).abs() < 0.5,
            "{results}"
        );
        settings().bind(|| {
            insta::assert_snapshot!(
                format!("check_python_gradescope@{name}"),
                without_times(&stdout(&gradescope))
            );
        });
        let junit = check(&[&dir, "--seeds", "0..3", "--format", "junit"]);
        assert_eq!(junit.status.code(), Some(i32::from(name == "no-sort")));
        let xml = stdout(&junit);
        let document = roxmltree::Document::parse(&xml).unwrap();
        let cases = document
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(cases, 50);
        settings().bind(|| {
            insta::assert_snapshot!(format!("check_python_junit@{name}"), without_times(&xml));
        });
    }
}

#[test]
fn help_says_what_each_formats_exit_status_means() {
    let help = check(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    let statuses = help
        .split("Exit status, by format:")
        .nth(1)
        .and_then(|rest| rest.split("Usage:").next())
        .unwrap_or_else(|| panic!("no exit statuses in:\n{help}"));
    // Every format `--format` takes, by the names it takes them.
    for format in ["text", "json", "junit", "gradescope"] {
        assert!(
            help.contains(&format!("- {format}:")) || help.contains(&format!("{format}, ")),
            "{format}"
        );
        assert!(statuses.contains(format), "{format}: {statuses}");
    }
    assert!(
        statuses.contains("- gradescope: 0 once results.json is written, whatever the score"),
        "{statuses}"
    );
    assert!(
        statuses
            .contains("- text, json and junit: 0 when every folder passes; 1 when a check fails"),
        "{statuses}"
    );
}

/// Hundredths of a point, as the formats show points.
fn hundredths(points: &serde_json::Value) -> i64 {
    (points.as_f64().unwrap() * 100.0).round() as i64
}

#[test]
fn gradescope_tests_add_up_name_the_folder_and_take_visibility_from_the_points_file() {
    if !have_python("gradescope_tests_add_up") {
        return;
    }
    let dir = temp("check-python-visibility");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let points = dir.join("points.toml");
    // Odd weights and an odd total, whose shares round badly one by one.
    std::fs::write(
        &points,
        "total = 37\n[routines]\nwait_n = 3\n[checks.wait_n]\nconcurrent = 4\nascending = 2\n\
         [visibility.routines]\nmeasure_time = \"hidden\"\nwait_n = \"after_published\"\n\
         [visibility.checks.wait_n]\nconcurrent = \"after_due_date\"\n",
    )
    .unwrap();
    let points = points.to_str().unwrap();
    // `partial` has wait_random and wait_n, and misses the other three files.
    let folder = "fixtures/python/partial";
    let output = check(&[
        folder,
        "--seeds",
        "0..2",
        "--format",
        "gradescope",
        "--points",
        points,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(
        tests
            .iter()
            .map(|t| hundredths(&t["max_score"]))
            .sum::<i64>(),
        3700
    );
    assert_eq!(
        tests.iter().map(|t| hundredths(&t["score"])).sum::<i64>(),
        hundredths(&results["score"])
    );
    let visibility = |name: &str| {
        let test = tests.iter().find(|t| t["name"] == name).unwrap();
        test["visibility"].as_str().unwrap().to_string()
    };
    assert_eq!(visibility("measure_time: file"), "hidden");
    assert_eq!(visibility("task_wait_n: file"), "visible");
    assert_eq!(visibility("wait_n: concurrent"), "after_due_date");
    assert_eq!(visibility("wait_n: ascending"), "after_published");
    assert_eq!(visibility("wait_random: policy"), "visible");
    // The summary's counts are the tests': a missing file's test is a failed one.
    let passed = tests.iter().filter(|t| t["status"] == "passed").count();
    let failed = tests.len() - passed;
    assert_eq!(failed, 3, "{results:#}");
    let summary = results["output"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "{passed} of {} tests passed: {failed} failed, 0 not checked",
            tests.len()
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("Graded folder: `{folder}`.")),
        "{summary}"
    );

    // JUnit: the folder in a property, every failure with its text, in plain text.
    let junit = check(&[
        folder, "--seeds", "0..2", "--format", "junit", "--points", points,
    ]);
    assert_eq!(junit.status.code(), Some(1));
    let xml = stdout(&junit);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.attribute("skipped"), None);
    let directory = document
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("directory"))
        .unwrap();
    assert_eq!(directory.attribute("value"), Some(folder));
    let failures: Vec<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    assert_eq!(failures.len(), 3);
    for text in &failures {
        assert!(text.contains(" is missing: none of "), "{text}");
        assert!(!text.contains('`') && !text.contains("**"), "{text}");
    }
    let shown: i64 = document
        .descendants()
        .filter(|n| n.has_tag_name("system-out"))
        .map(|n| {
            let text = n.text().unwrap();
            let worth = text.lines().next().unwrap().rsplit(' ').next().unwrap();
            (worth.parse::<f64>().unwrap() * 100.0).round() as i64
        })
        .sum();
    assert_eq!(shown, 3700);

    std::fs::write(
        dir.join("bad.toml"),
        "[visibility.routines]\nwait_n = \"later\"\n",
    )
    .unwrap();
    let bad = check(&[
        folder,
        "--format",
        "gradescope",
        "--points",
        dir.join("bad.toml").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid visibility `later` for `wait_n`: expected `hidden`"),
        "{}",
        stderr(&bad)
    );
    assert_eq!(stdout(&bad), "");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn output_goes_whole_to_a_file_and_formats_do_not_mix() {
    if !have_python("output_goes_whole_to_a_file") {
        return;
    }
    let dir = temp("check-python-output");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("results.json");
    let output = check(&[
        "fixtures/python/no-sort",
        "--seeds",
        "0..2",
        "--format",
        "gradescope",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(results["score"].as_f64().unwrap() < 100.0);
    // Nothing else was left beside it.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    for (args, expected) in [
        (
            vec!["--json", "--format", "junit"],
            "--json is --format json: it cannot go with --format junit",
        ),
        (
            vec!["fixtures/python/partial", "--format", "gradescope"],
            "--format gradescope grades one submission: give one folder",
        ),
        (vec!["--format", "xml"], "invalid value 'xml'"),
        (
            vec!["--points", "/no/such/points.toml"],
            "cannot read the points file",
        ),
    ] {
        let output = check(&[&["fixtures/python/no-sort"], &args[..]].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let points = dir.join("points.toml");
    std::fs::write(&points, "[checks.wait_n]\nspeed = 3\n").unwrap();
    let output = check(&[
        "fixtures/python/no-sort",
        "--points",
        points.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown check `speed` of `wait_n`"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The bars of a picture: each `<rect>` in the bars' colour, as (left, right, top) in pixels.
fn bar_geometry(svg: &Path) -> Vec<(f64, f64, f64)> {
    let text = std::fs::read_to_string(svg).unwrap();
    let document = roxmltree::Document::parse(&text).unwrap();
    let number = |node: roxmltree::Node<'_, '_>, name: &str| -> f64 {
        node.attribute(name).unwrap().parse().unwrap()
    };
    let mut bars: Vec<(f64, f64, f64)> = document
        .descendants()
        .filter(|node| node.has_tag_name("rect") && node.attribute("fill") == Some("#1F77B4"))
        .map(|node| {
            let x = number(node, "x");
            (x, x + number(node, "width"), number(node, "y"))
        })
        .collect();
    // From the bottom row (the largest y) up.
    bars.sort_by(|a, b| b.2.total_cmp(&a.2));
    bars
}

#[test]
fn the_picture_of_sequential_waits_is_a_staircase_and_of_concurrent_ones_bars_from_zero() {
    if !have_python("the_picture_of_sequential_waits") {
        return;
    }
    let dir = temp("check-python-svg");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let draw = |fixture: &str| {
        let svg = dir.join(format!("{fixture}.svg"));
        let output = check(&[
            &format!("fixtures/python/{fixture}"),
            "--seeds",
            "0..5",
            "--svg",
            svg.to_str().unwrap(),
        ]);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            stderr(&output)
        );
        bar_geometry(&svg)
    };
    // Seed 0 of wait_n: five waits (the first failing routine of `sequential`).
    let staircase = draw("sequential");
    assert_eq!(staircase.len(), 5);
    for pair in staircase.windows(2) {
        // Each wait starts where the one before ended, one row up.
        assert!((pair[1].0 - pair[0].1).abs() <= 1.0, "{staircase:?}");
    }
    let together = draw("correct-gather");
    assert_eq!(together.len(), 5);
    let left = together[0].0;
    assert!(
        together.iter().all(|bar| (bar.0 - left).abs() < 0.5),
        "{together:?}"
    );
    assert!(together.windows(2).all(|pair| pair[0].1 <= pair[1].1));
    // Only one folder's code can be drawn.
    let many = check(&[
        "fixtures/python/sequential",
        "fixtures/python/no-sort",
        "--svg",
        dir.join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(many.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A Python older than the driver's oldest, if one is installed here (pyenv's, as on the
/// machines CI runs on).
fn old_python() -> Option<std::path::PathBuf> {
    let versions = std::path::PathBuf::from(std::env::var_os("HOME")?).join(".pyenv/versions");
    let mut found: Vec<_> = std::fs::read_dir(versions)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("3.6.") || name.starts_with("3.7.")
        })
        .map(|path| path.join("bin/python3"))
        .filter(|python| python.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

#[cfg(unix)]
#[test]
fn a_broken_grader_environment_is_the_staffs_to_fix_not_a_score_for_the_learner() {
    let Some(old) = old_python() else {
        let _ = writeln!(
            std::io::stderr(),
            "a_broken_grader_environment: skipped because no Python 3.6 or 3.7 is installed under ~/.pyenv"
        );
        return;
    };
    // Gradescope's format: nothing on stdout for the learner, why on stderr, a status that is
    // not 0.
    let output = check(&[
        "fixtures/python/correct-gather",
        "--format",
        "gradescope",
        "--python",
        old.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("is not a working Python 3.8 or newer: it is Python 3."),
        "{}",
        stderr(&output)
    );
    // Gradescope's own script, against a fake root whose `python3` is the old one: the learner
    // is told to ask the staff, and the staff's log says why.
    let root = temp("autograder-old-python");
    let _ = std::fs::remove_dir_all(&root);
    let venv = root.join("waitsim-venv/bin");
    let bin = root.join("bin");
    std::fs::create_dir_all(&venv).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(root.join("submission")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_waitsim"), venv.join("waitsim")).unwrap();
    std::os::unix::fs::symlink(&old, bin.join("python3")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python/correct-gather");
    for entry in std::fs::read_dir(fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            root.join("submission").join(entry.file_name()),
        )
        .unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graders/gradescope/run_autograder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = std::process::Command::new("bash")
        .arg(script)
        .env("AUTOGRADER_ROOT", &root)
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let log = format!("{}{}", stdout(&ran), stderr(&ran));
    assert!(
        log.contains("is not a working Python 3.8 or newer"),
        "{log}"
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("results/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 0, "{results}");
    assert!(
        results["output"]
            .as_str()
            .unwrap()
            .contains("Please tell your course staff"),
        "{results}"
    );
}

#[test]
fn code_that_reads_stdin_at_import_is_told_at_once_that_it_is_empty() {
    if !have_python("code_that_reads_stdin_at_import") {
        return;
    }
    // Were stdin the cases' pipe, each of the five imports would wait out its 2 s limit.
    let started = std::time::Instant::now();
    let output = check(&["fixtures/python/import-reads-stdin", "--seeds", "0..3"]);
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_eq!(
        text.matches("EOFError: EOF when reading a line (the code read stdin, which is empty while it is checked)").count(),
        5,
        "{text}"
    );
    assert!(!text.contains("did not finish"), "{text}");
    assert!(took < std::time::Duration::from_secs(9), "{took:?}");
}

#[test]
fn every_correct_folder_passes_in_one_batch() {
    if !have_python("every_correct_folder_passes_in_one_batch") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python");
    let mut folders: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("correct-"))
        .map(|name| format!("fixtures/python/{name}"))
        .collect();
    folders.sort();
    assert!(folders.len() >= 18, "{folders:?}");
    let mut args: Vec<&str> = folders.iter().map(String::as_str).collect();
    // The fixtures that fill a disk or fork 200 processes at import get ten seconds.
    args.extend(["--seeds", "0..3", "--timeout", "10", "--json"]);
    let output = check(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    for line in stdout(&output).lines() {
        let report: serde_json::Value = serde_json::from_str(line).unwrap();
        let (score, max) = (report["score"].as_f64(), report["max_score"].as_f64());
        assert!(
            score.zip(max).is_some_and(|(s, m)| (s - m).abs() < 1e-9),
            "{report}"
        );
        assert_eq!(report["failed"], 0, "{report}");
    }
    assert_eq!(stdout(&output).lines().count(), folders.len());
}

#[test]
fn a_large_data_file_beside_correct_code_is_left_out_with_a_note() {
    if !have_python("a_large_data_file_beside_correct_code") {
        return;
    }
    let dir = temp("check-python-large-file");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python/correct-gather");
    for entry in std::fs::read_dir(fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    // 70 MB, more than a private copy holds in all: sparse, so the test writes nothing.
    std::fs::File::create(dir.join("recording.wav"))
        .unwrap()
        .set_len(70 << 20)
        .unwrap();
    let output = check(&[dir.to_str().unwrap(), "--seeds", "0..3", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(
        report["notes"],
        serde_json::json!([
            "not copied for grading: `recording.wav` (70 MiB) is left out: only Python sources and files of at most 1 MiB are copied"
        ])
    );
}

#[test]
fn a_check_of_one_routine_reads_the_files_that_routine_imports() {
    if !have_python("a_check_of_one_routine_reads_the_files") {
        return;
    }
    // GitHub Classroom runs one routine a step: `wait_n`'s file is clean, and the file it
    // imports reaches into the grader.
    let output = check(&[
        "fixtures/python/cheat-file0-reaches-out",
        "--routine",
        "wait_n",
        "--seeds",
        "0..3",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    let policy = text
        .lines()
        .skip_while(|line| !line.starts_with("wait_n            policy          FAIL"))
        .nth(2)
        .unwrap_or_default();
    for use_ in [
        "0-basic_async_syntax.py line 5: import ctypes",
        "0-basic_async_syntax.py line 6: import gc",
        "0-basic_async_syntax.py line 7: import inspect",
        "0-basic_async_syntax.py line 16: ._getframe",
        "0-basic_async_syntax.py line 17: .f_locals",
        "0-basic_async_syntax.py line 5: ctypes.dlopen (refused at run time)",
    ] {
        assert!(policy.contains(use_), "{use_}: {text}");
    }
}

/// More jobs than cores slows each Python down, through no fault of its code: a correct
/// folder still passes, for the time its processes wait for a CPU is not counted against them
/// (and Python's start is not the code's import).
#[test]
fn more_jobs_than_cores_never_fails_a_correct_folder() {
    if !have_python("more_jobs_than_cores_never_fails_a_correct_folder") {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = (24 * cores).min(96);
    let dir = temp("jobs");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/python/correct-gather");
    let mut folders = Vec::new();
    for i in 0..jobs {
        let folder = dir.join(format!("student-{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        for entry in std::fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
        }
        folders.push(folder.to_str().unwrap().to_string());
    }
    let jobs = jobs.to_string();
    let mut args: Vec<&str> = folders.iter().map(String::as_str).collect();
    args.extend(["--jobs", &jobs, "--routine", "wait_n", "--seeds", "0..2"]);
    let output = check(&args);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
