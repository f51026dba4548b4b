//! The real `waitsim` binary: its outputs, its replays and its errors.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use waitsim::Routine;
use waitsim::analysis::{Case, Report};

use crate::{run, settings, stderr, stdout, waitsim};

/// Runs a command that must succeed quietly and snapshots its stdout.
fn snapshot(name: &str, args: &[&str]) {
    let output = run(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    assert_eq!(stderr(&output), "", "{args:?}");
    settings().bind(|| insta::assert_snapshot!(name, stdout(&output)));
}

#[test]
fn each_subcommand_as_text() {
    snapshot("cli_wait_random", &["wait-random", "--seed", "0"]);
    snapshot("cli_wait_n", &["wait-n", "5", "5", "--seed", "1"]);
    snapshot(
        "cli_measure_time",
        &["measure-time", "5", "9", "--seed", "2"],
    );
    snapshot(
        "cli_task_wait_random",
        &["task-wait-random", "5", "--seed", "3"],
    );
    snapshot("cli_task_wait_n", &["task-wait-n", "5", "6", "--seed", "4"]);
}

#[test]
fn each_subcommand_as_json() {
    snapshot(
        "cli_wait_random_json",
        &["wait-random", "2.5", "--seed", "0", "--json"],
    );
    snapshot(
        "cli_wait_n_json",
        &["wait-n", "5", "5", "--seed", "1", "--json"],
    );
    snapshot(
        "cli_measure_time_json",
        &["measure-time", "5", "9", "--seed", "2", "--json"],
    );
    snapshot(
        "cli_task_wait_random_json",
        &["task-wait-random", "5", "--seed", "3", "--json"],
    );
    snapshot(
        "cli_task_wait_n_json",
        &["task-wait-n", "5", "6", "--seed", "4", "--json"],
    );
}

#[test]
fn demo_runs_the_seed_programs() {
    snapshot("cli_demo", &["demo", "--seed", "0"]);
    snapshot("cli_demo_json", &["demo", "--seed", "0", "--json"]);
}

#[test]
fn json_is_one_object_equal_to_the_library_report() {
    let output = run(&["wait-n", "300", "0.75", "--seed", "12", "--json"]);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1);
    let report: Report = serde_json::from_str(&text).unwrap();
    let case: Case =
        serde_json::from_str(r#"{ "routine": "wait_n", "seed": 12, "n": 300, "max_delay": 0.75 }"#)
            .unwrap();
    // Bit for bit: JSON floats are printed with full round-trip precision.
    assert_eq!(report, case.run().unwrap());
}

#[test]
fn text_and_json_give_the_same_numbers() {
    let text = stdout(&run(&["task-wait-n", "40", "3", "--seed", "5"]));
    let json = stdout(&run(&["task-wait-n", "40", "3", "--seed", "5", "--json"]));
    let report: Report = serde_json::from_str(&json).unwrap();
    let delays: Vec<f64> = text
        .lines()
        .skip_while(|line| !line.starts_with("delays"))
        .take(40)
        .map(|line| line.trim_start_matches("delays").trim().parse().unwrap())
        .collect();
    assert_eq!(delays, report.delays);
    let elapsed = secs_f64(report.elapsed);
    assert!(text.contains(&format!("elapsed      {elapsed} s")));
}

#[test]
fn without_a_seed_one_is_drawn_printed_and_replayable() {
    let first = run(&["wait-n", "20", "10", "--json"]);
    assert!(first.status.success());
    let err = stderr(&first);
    let seed = err
        .strip_prefix("seed: ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("stderr is one `seed: N` line: {err:?}"));
    let report: Report = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(report.seed.to_string(), seed);
    let replay = run(&["wait-n", "20", "10", "--json", "--seed", seed]);
    assert_eq!(replay.stdout, first.stdout);
    assert_eq!(stderr(&replay), "");
}

#[test]
fn on_the_real_clock_zero_delays_end_on_the_first_tick() {
    let output = run(&[
        "wait-n", "10000", "0", "--clock", "real", "--seed", "1", "--json",
    ]);
    let report: Report = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report.clock, waitsim::Clock::Real);
    assert!(report.delays.iter().all(|&d| d == 0.0));
    // Ten thousand waits of nothing end together on the first ticks. Waited in turn, each on a
    // tick of its own, they would take at least 10 s; the bound is half that, far above what a
    // loaded machine needs to start and end them together.
    assert!(
        report.elapsed < std::time::Duration::from_secs(5),
        "{:?}",
        report.elapsed
    );
}

#[test]
fn demo_is_the_library_list_of_programs() {
    let output = run(&["demo", "--seed", "5", "--json"]);
    let demo: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let calls = demo["calls"].as_array().unwrap();
    let listed: Vec<(&str, String)> = waitsim::analysis::demo::PROGRAMS
        .iter()
        .flat_map(|p| p.calls.iter().map(move |c| (p.file, c.to_string())))
        .collect();
    assert_eq!(calls.len(), listed.len());
    for (k, (call, (file, expression))) in calls.iter().zip(&listed).enumerate() {
        assert_eq!(call["program"], *file);
        assert_eq!(call["call"], *expression);
        // Call k is replayable alone with seed + k.
        assert_eq!(call["seed"], 5 + k as u64);
    }
    let routines: Vec<Routine> = listed
        .iter()
        .zip(calls)
        .map(|(_, call)| serde_json::from_value(call["routine"].clone()).unwrap())
        .collect();
    assert!(routines.contains(&Routine::TaskWaitN));
}

#[test]
fn bad_input_gets_one_error_line_and_status_two() {
    let max = "expected a finite number of seconds in [0, 946080000]";
    let cases: &[(&[&str], &str)] = &[
        (&["wait-n", "5", "-1"], "invalid max_delay `-1`"),
        (&["wait-n", "5", "NaN"], "invalid max_delay `NaN`"),
        (&["wait-n", "5", "inf"], "invalid max_delay `inf`"),
        (&["wait-n", "5", "soon"], "invalid max_delay `soon`"),
        (&["wait-n", "5", "1e400"], "invalid max_delay `1e400`"),
        (
            &["wait-random", "946080000.5"],
            "invalid max_delay `946080000.5`",
        ),
        (&["task-wait-random", "1e9"], max),
        (
            &["wait-n", "-1", "5"],
            "invalid n `-1`: expected a whole number in [0, 100000000]",
        ),
        (&["wait-n", "2.5", "5"], "invalid n `2.5`"),
        (
            &["wait-n", "100000001", "5"],
            "invalid n `100000001`: expected at most 100000000",
        ),
        (&["wait-n", "+3", "5"], "invalid n `+3`"),
        (&["wait-n", "5", "5", "--seed", "+3"], "invalid seed `+3`"),
        (
            &["task-wait-n", "99999999999999999999999", "5"],
            "would not fit",
        ),
        (
            &["measure-time", "0", "5"],
            "invalid n `0`: measure_time divides",
        ),
        (
            &["wait-n", "5", "5", "--seed", "-1"],
            "invalid seed `-1`: expected an integer in [0, 18446744073709551615]",
        ),
        (
            &["wait-n", "5", "5", "--seed", "18446744073709551616"],
            "invalid seed `18446744073709551616`",
        ),
        (&["wait-n", "5", "5", "--seed", "x"], "invalid seed `x`"),
        (
            &["wait-n", "5", "5", "--clock", "wall"],
            "unknown clock `wall`: expected one of `virtual`, `real`",
        ),
        (
            &["wait-n", "5", "5", "--rng", "mt"],
            "unknown generator `mt`: expected one of",
        ),
        (
            &["wait-n", "5"],
            "required arguments were not provided: <MAX_DELAY>",
        ),
        (
            &["measure-time"],
            "required arguments were not provided: <N> <MAX_DELAY>",
        ),
        (
            &["task-wait-random"],
            "required arguments were not provided: <MAX_DELAY>",
        ),
        (
            &[],
            "no command given: expected one of `wait-random`, `wait-n`",
        ),
        (&["--seed", "1"], "requires a subcommand"),
        (&["wait-forever"], "unrecognized subcommand 'wait-forever'"),
        (&["wait-random", "1", "2"], "unexpected argument '2'"),
    ];
    for &(args, expected) in cases {
        let output = run(args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn help_and_version_succeed() {
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("wait-n"));
    let version = run(&["--version"]);
    assert_eq!(
        stdout(&version),
        format!("waitsim {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_a_real_wait_with_status_130() {
    use std::io::Read;

    // Seed 35 draws a wait of 19.57 s: the signal always comes while the wait is under way,
    // however loaded the machine. Killed outright if the signal is not obeyed.
    let mut child = waitsim()
        .args(["wait-random", "20", "--clock", "real", "--seed", "35"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // From the moment the handler is installed, Ctrl-C is the command's own; a signal sent
    // before that would kill it with the default action.
    crate::wait_until_caught(child.id(), 2, std::time::Duration::from_secs(30));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut err = child.stderr.take().unwrap();
    let status = crate::finish_within(child, std::time::Duration::from_secs(10), "SIGINT");
    let mut printed = String::new();
    err.read_to_string(&mut printed).unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(printed, "error: interrupted\n");
}

#[test]
fn the_cli_replays_python_seeds() {
    // Python: random.seed(2**64 - 1); sorted(random.uniform(0, 6) for _ in range(5))
    let output = run(&[
        "task-wait-n",
        "5",
        "6",
        "--rng",
        "cpython",
        "--seed",
        "18446744073709551615",
        "--json",
    ]);
    let report: Report = serde_json::from_slice(&output.stdout).unwrap();
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/cpython/cases.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let golden = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["routine"] == "task_wait_n" && c["seed"] == u64::MAX && c["n"] == 5)
        .unwrap();
    let golden: Vec<f64> = serde_json::from_value(golden["delays"].clone()).unwrap();
    let bits = |delays: &[f64]| delays.iter().map(|d| d.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&report.delays), bits(&golden));
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = waitsim()
        .args(["wait-n", "200000", "10", "--seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first, "routine      wait_n\n");
    drop(out);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");
}

/// A duration in seconds as waitsim prints it: the `f64` nearest to the exact value.
fn secs_f64(duration: std::time::Duration) -> f64 {
    format!("{}.{:09}", duration.as_secs(), duration.subsec_nanos())
        .parse()
        .unwrap()
}
