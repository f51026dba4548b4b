//! `waitsim check-python`: the report of every implementation in `fixtures/python/`, as a
//! snapshot each; the JSON form; exit statuses. Skipped, with a message that shows, where
//! there is no `python3`.

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use crate::{settings, stderr, stdout, temp, waitsim};

/// Whether `python3` runs here; if not, says so past the test harness's capture.
fn have_python(test: &str) -> bool {
    match std::process::Command::new("python3")
        .arg("--version")
        .output()
    {
        Ok(output) if output.status.success() => true,
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: no python3 on PATH: check-python not tested"
            );
            false
        }
    }
}

/// Runs `check-python` from the repository's root, so that paths in reports are relative.
fn check(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    waitsim()
        .arg("check-python")
        .args(args)
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
        let limit: &[&str] = if name == "infinite-loop" {
            &["--timeout", "1"]
        } else {
            &[]
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
        let expected = if name.starts_with("correct") || name == "partial" {
            0
        } else {
            1
        };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{name}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "{name}");
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
        assert_eq!(report["passed"], 40, "{report}");
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
        (vec![&empty], "holds none of the exercise's files"),
        (
            vec![
                "fixtures/python/correct-gather",
                "--python",
                "/no/such/python",
            ],
            "cannot run `/no/such/python`",
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
            vec!["fixtures/python/correct-gather", "--rng", "chacha"],
            "no --seed, --clock or --rng",
        ),
        (
            vec![
                "fixtures/python/correct-gather",
                "--routine",
                "wait_forever",
            ],
            "invalid value 'wait_forever'",
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
