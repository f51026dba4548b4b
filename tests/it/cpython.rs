//! `--rng cpython` gives the delays CPython gives, bit for bit: against the committed golden
//! cases in `fixtures/cpython/`, and against a live `python3` when there is one.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use waitsim::{Clock, MaxDelay, RngKind, Routine, Scenario};

/// One run of the seed's Python program after `random.seed(seed)`, and what it returned.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    routine: Routine,
    seed: u64,
    n: Option<usize>,
    max_delay: MaxDelay,
    delays: Vec<f64>,
}

fn bits(delays: &[f64]) -> Vec<u64> {
    delays.iter().map(|d| d.to_bits()).collect()
}

/// Runs every case with the CPython generator and checks the delays bit for bit; returns how
/// many delays were compared.
fn compare(cases: &[Case]) -> usize {
    let mut compared = 0;
    for case in cases {
        let scenario = Scenario {
            routine: case.routine,
            seed: case.seed,
            rng: RngKind::Cpython,
            clock: Clock::Virtual,
            n: case.n,
            max_delay: case.max_delay,
        };
        let report = scenario.run().unwrap();
        assert_eq!(
            bits(&report.delays),
            bits(&case.delays),
            "{} seed {} n {:?} max_delay {}",
            case.routine,
            case.seed,
            case.n,
            case.max_delay
        );
        compared += case.delays.len();
    }
    compared
}

fn generator() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cpython/generate.py")
}

#[test]
fn golden_cases_match_bit_for_bit() {
    let text = std::fs::read_to_string(generator().with_file_name("cases.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 100);
    for routine in [
        Routine::WaitRandom,
        Routine::WaitN,
        Routine::TaskWaitRandom,
        Routine::TaskWaitN,
    ] {
        assert!(
            cases.iter().any(|case| case.routine == routine),
            "no {routine} case"
        );
    }
    assert!(compare(&cases) > 20_000);
}

#[test]
fn live_cpython_matches_bit_for_bit() {
    let output = match Command::new("python3")
        .arg(generator())
        .arg("--live")
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            // Written past the test harness's capture, so that the skip shows in every run.
            let _ = writeln!(
                std::io::stderr(),
                "live_cpython_matches_bit_for_bit: no python3 on PATH ({err}): live CPython \
                 comparison skipped; the golden cases still ran"
            );
            return;
        }
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cases: Vec<Case> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(cases.len() >= 20);
    assert!(compare(&cases) > 1_000);
}

#[test]
fn the_cli_replays_python_seeds() {
    // Python: random.seed(2**64 - 1); sorted(random.uniform(0, 6) for _ in range(5))
    let output = Command::new(env!("CARGO_BIN_EXE_waitsim"))
        .args([
            "task-wait-n",
            "5",
            "6",
            "--rng",
            "cpython",
            "--seed",
            "18446744073709551615",
        ])
        .arg("--json")
        .output()
        .unwrap();
    let report: waitsim::Report = serde_json::from_slice(&output.stdout).unwrap();
    let text = std::fs::read_to_string(generator().with_file_name("cases.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    let golden = cases
        .iter()
        .find(|c| c.routine == Routine::TaskWaitN && c.seed == u64::MAX && c.n == Some(5))
        .unwrap();
    assert_eq!(bits(&report.delays), bits(&golden.delays));
}
