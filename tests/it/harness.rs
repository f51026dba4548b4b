//! The harness from the outside: a failing test reports its seed and a replay command, the
//! command reproduces the failure, the seed is recorded and tried first, and the determinism
//! check catches a body that is not deterministic. The tests run the victims (the `victims`
//! example, in `tests/victims/`) with the environment a user would set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use rand::RngExt;
use waitsim::harness::{self, Harness, Sim};

/// The `victims` example's binary, beside this test binary's folder: built (or found fresh)
/// once per process with this binary's profile, so that a run of this target alone, which
/// does not build the examples, never runs a stale one.
pub(crate) fn victims_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile = exe.parent().and_then(Path::parent).unwrap();
            let binary = profile
                .join("examples")
                .join(format!("victims{}", std::env::consts::EXE_SUFFIX));
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            // The profile this test binary was built with, whose folder it is in.
            let folder = profile.file_name().unwrap().to_str().unwrap();
            let name = if folder == "debug" { "dev" } else { folder };
            let built = Command::new(cargo)
                .args([
                    "build",
                    "-p",
                    "waitsim",
                    "--example",
                    "victims",
                    "--profile",
                ])
                .arg(name)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap();
            assert!(built.status.success(), "{}", text(&built));
            assert!(
                binary.exists(),
                "no victims example at {}",
                binary.display()
            );
            binary
        })
        .clone()
}

/// Runs one victim with `vars`, its regressions file in `dir`: a victim of the `victims`
/// example, named by `WAITSIM_TEST_VICTIM`; or a `victim_*` test of this binary that checks
/// itself when run alone (`shrinking::victim_asserts_on_a_large_draw`).
pub(crate) fn victim(name: &str, dir: &Path, vars: &[(&str, &str)]) -> Output {
    let mut command = if name.starts_with("shrinking::") {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env("WAITSIM_TEST_VICTIM", "1");
        command
    } else {
        let mut command = Command::new(victims_binary());
        command.env("WAITSIM_TEST_VICTIM", name);
        command
    };
    command
        .env("CARGO_MANIFEST_DIR", dir)
        .env("RUST_BACKTRACE", "0");
    for var in [
        "WAITSIM_SEED",
        "WAITSIM_SEEDS",
        "WAITSIM_CASES",
        "WAITSIM_RNG",
        "WAITSIM_SHARD",
        "WAITSIM_CHECK_DETERMINISM",
        "WAITSIM_SHRINK_RUNS",
        "WAITSIM_SHRINK_SECS",
        "WAITSIM_SHOW_COVERAGE",
    ] {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied()).output().unwrap()
}

pub(crate) fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The seed of a failure report.
pub(crate) fn failed_seed(report: &str) -> u64 {
    let at = report.find("failed at seed ").expect(report) + "failed at seed ".len();
    report[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

pub(crate) fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_failure_names_its_seed_and_its_replay_reproduces_it() {
    let dir = fresh_dir("harness-replay");
    let name = "harness::victim_fails_on_some_seeds";
    let first = victim(name, &dir, &[]);
    assert!(!first.status.success());
    let report = text(&first);
    let seed = failed_seed(&report);
    assert!(
        report.contains(&format!(
            "test `{name}` failed at seed {seed} (generator chacha, shard 1/1)"
        )),
        "{report}"
    );
    assert!(report.contains("planted failure"), "{report}");
    let replay = format!("WAITSIM_SEED={seed} cargo run -p waitsim --example victims");
    assert!(report.contains(&replay), "{report}");

    // The seed is recorded with its shrunk case (every word the simplest: none kept), and a
    // later run tries it first.
    let file = std::fs::read_to_string(dir.join(harness::REGRESSIONS_FILE)).unwrap();
    assert!(
        file.lines().any(|line| line.starts_with(&format!(
            "{name} chacha {seed} target=example:victims draws=/ #"
        ))),
        "{file}"
    );
    assert!(file.starts_with("# "), "the file explains itself");
    let later = victim(name, &dir, &[("WAITSIM_SEEDS", "1000..1256")]);
    assert_eq!(
        failed_seed(&text(&later)),
        seed,
        "the recorded seed is tried first"
    );

    // The replay, as printed, fails on the same seed with the same message.
    let replayed = victim(name, &dir, &[("WAITSIM_SEED", &seed.to_string())]);
    assert!(!replayed.status.success());
    let again = text(&replayed);
    assert_eq!(failed_seed(&again), seed);
    let message = |report: &str| {
        report
            .lines()
            .find(|l| l.contains("planted failure"))
            .map(str::to_owned)
    };
    assert_eq!(message(&again), message(&report));

    // A seed before the first failure, replayed, passes.
    if seed > 0 {
        let ok = victim(name, &dir, &[("WAITSIM_SEED", "0")]);
        assert!(ok.status.success(), "{}", text(&ok));
    }
}

#[test]
fn shards_split_the_seeds_and_a_malformed_variable_is_named() {
    let dir = fresh_dir("harness-env");
    let name = "harness::victim_fails_on_some_seeds";
    let whole = failed_seed(&text(&victim(name, &dir, &[("WAITSIM_SEEDS", "0..400")])));
    let _ = std::fs::remove_file(dir.join(harness::REGRESSIONS_FILE));
    // The shard that holds the whole run's first failure fails there, in the report's words.
    let of = 3;
    let k = whole % of + 1;
    let shard = format!("{k}/{of}");
    let report = text(&victim(
        name,
        &dir,
        &[("WAITSIM_SEEDS", "0..400"), ("WAITSIM_SHARD", &shard)],
    ));
    assert_eq!(failed_seed(&report), whole);
    assert!(report.contains(&format!("shard {shard}")), "{report}");

    let bad = victim(name, &dir, &[("WAITSIM_RNG", "mersenne")]);
    assert!(!bad.status.success());
    let report = text(&bad);
    assert!(
        report.contains("invalid WAITSIM_RNG `mersenne`: expected `chacha` or `cpython`"),
        "{report}"
    );
}

#[test]
fn a_seed_recorded_by_one_shard_is_not_run_by_another() {
    let dir = fresh_dir("harness-shard-entries");
    let name = "harness::victim_fails_on_some_seeds";
    let seeds = ("WAITSIM_SEEDS", "0..400");
    let second = failed_seed(&text(&victim(
        name,
        &dir,
        &[seeds, ("WAITSIM_SHARD", "2/2")],
    )));
    assert_eq!(second % 2, 1, "shard 2/2 holds the odd seeds");
    let file = std::fs::read_to_string(dir.join(harness::REGRESSIONS_FILE)).unwrap();
    assert!(
        file.contains(&format!(
            "\n{name} chacha {second} target=example:victims shard=2/2 draws=/ # "
        )),
        "{file}"
    );
    // Shard 1/2 neither runs nor names it: it fails at an even seed of its own.
    let first = text(&victim(name, &dir, &[seeds, ("WAITSIM_SHARD", "1/2")]));
    assert_eq!(failed_seed(&first) % 2, 0, "{first}");
    assert!(first.contains("shard 1/2"), "{first}");
    // The whole range tries it first.
    let whole = text(&victim(name, &dir, &[seeds]));
    assert_eq!(failed_seed(&whole), second, "{whole}");
}

#[test]
fn random_seeds_print_their_start_record_what_fails_and_replay_by_seed() {
    let dir = fresh_dir("harness-random");
    let name = "harness::victim_fails_on_some_seeds";
    let report = text(&victim(name, &dir, &[("WAITSIM_SEEDS", "random:400")]));
    let at = report
        .find("WAITSIM_SEEDS=random runs seeds ")
        .expect(&report);
    let range = report[at..].split_whitespace().nth(3).unwrap();
    let (start, end) = range.split_once("..").unwrap();
    let (start, end): (u64, u64) = (start.parse().unwrap(), end.parse().unwrap());
    assert_eq!(end - start, 400);
    let seed = failed_seed(&report);
    assert!((start..end).contains(&seed), "{report}");
    let file = std::fs::read_to_string(dir.join(harness::REGRESSIONS_FILE)).unwrap();
    assert!(
        file.contains(&format!(
            "\n{name} chacha {seed} target=example:victims draws=/ # "
        )),
        "{file}"
    );
    let replayed = text(&victim(name, &dir, &[("WAITSIM_SEED", &seed.to_string())]));
    assert_eq!(failed_seed(&replayed), seed);
    let message = |report: &str| {
        report
            .lines()
            .find(|l| l.contains("planted failure"))
            .map(str::to_owned)
    };
    assert_eq!(message(&replayed), message(&report));
}

#[test]
fn the_determinism_check_catches_select_picking_at_random() {
    let dir = fresh_dir("harness-determinism");
    let name = "harness::victim_selects_at_random";
    // Without the check, each run is fine by itself.
    assert!(
        victim(name, &dir, &[("WAITSIM_CASES", "8")])
            .status
            .success()
    );
    let checked = victim(
        name,
        &dir,
        &[("WAITSIM_CASES", "8"), ("WAITSIM_CHECK_DETERMINISM", "1")],
    );
    assert!(!checked.status.success());
    let report = text(&checked);
    assert!(
        report.contains(
            "not deterministic: two runs of the same seed differed in the value returned, first \
             at byte"
        ),
        "{report}"
    );
    assert_eq!(failed_seed(&report), 0);
    // Recorded as the determinism check's: a run without the check does not try it.
    let file = std::fs::read_to_string(dir.join(harness::REGRESSIONS_FILE)).unwrap();
    assert!(
        file.contains(&format!(
            "\n{name} chacha 0 target=example:victims determinism # not deterministic"
        )),
        "{file}"
    );
}

#[test]
fn a_test_binary_run_without_cargo_says_it_has_no_regressions_file_and_its_replay_has_one() {
    let dir = fresh_dir("harness-no-manifest");
    let name = "harness::victim_fails_on_some_seeds";
    let alone = Command::new(victims_binary())
        .env("WAITSIM_TEST_VICTIM", name)
        .env_remove("CARGO_MANIFEST_DIR")
        .env("RUST_BACKTRACE", "0")
        .current_dir(&dir)
        .output()
        .unwrap();
    let report = text(&alone);
    assert!(!alone.status.success());
    assert_eq!(
        report
            .matches(
                "waitsim: CARGO_MANIFEST_DIR is not set (cargo sets it): \
                 waitsim-regressions.txt is neither read nor written"
            )
            .count(),
        1,
        "{report}"
    );
    assert!(!report.contains("recorded in"), "{report}");
    assert!(
        report.contains(
            "\nnot recorded: CARGO_MANIFEST_DIR is not set (cargo sets it), and it locates \
             waitsim-regressions.txt\n"
        ),
        "{report}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    // Run through cargo's variable, the binary's printed replay sets it again.
    let found = text(&victim(name, &dir, &[]));
    let (vars, words) = crate::shrinking::command_words(&found, "or with the example's binary: ");
    assert!(
        vars.contains(&("CARGO_MANIFEST_DIR".into(), dir.display().to_string())),
        "{found}"
    );
    let replayed = Command::new(&words[0])
        .env_remove("CARGO_MANIFEST_DIR")
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("WAITSIM_TEST_VICTIM", name)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let report = text(&replayed);
    assert!(
        report.contains("on the shrunk case recorded for it\n"),
        "{report}"
    );
    assert!(
        !report.contains("CARGO_MANIFEST_DIR is not set"),
        "{report}"
    );
}

#[test]
fn a_seed_that_cannot_be_recorded_says_why_beside_its_report() {
    let dir = fresh_dir("harness-unwritable");
    // A folder where the file would be: nothing can be written there.
    std::fs::create_dir(dir.join(harness::REGRESSIONS_FILE)).unwrap();
    let name = "harness::victim_fails_on_some_seeds";
    let failed = victim(name, &dir, &[]);
    let report = text(&failed);
    assert!(!failed.status.success());
    let seed = failed_seed(&report);
    assert!(
        report.contains(&format!(
            "waitsim: test `{name}`: seed {seed} could not be recorded in {}: ",
            dir.join(harness::REGRESSIONS_FILE).display()
        )),
        "{report}"
    );
    assert!(!report.contains("\nrecorded in "), "{report}");
}

#[test]
fn a_replay_runs_the_case_recorded_for_its_own_seed_only() {
    let dir = fresh_dir("harness-replay-own-case");
    let name = "harness::victim_fails_on_some_seeds";
    // Seed 0 passes; seed 5 is recorded with a case whose every draw is the simplest (0.0,
    // which fails), and seed 0 with a malformed one.
    assert!(
        victim(name, &dir, &[("WAITSIM_SEED", "0")])
            .status
            .success()
    );
    std::fs::write(
        dir.join(harness::REGRESSIONS_FILE),
        format!("{name} chacha 5 draws=/ # first draw 0\n{name} chacha 0 draws=!! # edited\n"),
    )
    .unwrap();
    let replayed = victim(name, &dir, &[("WAITSIM_SEED", "0")]);
    let report = text(&replayed);
    assert!(replayed.status.success(), "{report}");
    assert!(
        report.contains(&format!(
            "the draws= recorded for seed 0 in {} are malformed",
            dir.join(harness::REGRESSIONS_FILE).display()
        )),
        "{report}"
    );
    assert!(!report.contains("replays first"), "{report}");
    let five = victim(name, &dir, &[("WAITSIM_SEED", "5")]);
    let report = text(&five);
    assert!(!five.status.success());
    assert!(
        report.contains("seed 5 replays first the shrunk case recorded for it in "),
        "{report}"
    );
    assert!(
        report.contains("failed at seed 5 (generator chacha, shard 1/1), on the shrunk case"),
        "{report}"
    );
    assert!(
        report.contains("planted failure: first draw 0\n"),
        "{report}"
    );
    // Its case failed as recorded: nothing new is written.
    let file = dir.join(harness::REGRESSIONS_FILE);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);

    // Seed 8 fails on its own (its first draw is under 0.1); recorded with a case whose first
    // draw is the largest word (almost 1.0), which passes now, its replay runs its own case,
    // says so, and records the new case, which is the one replayed from then on.
    assert!(
        !victim(name, &dir, &[("WAITSIM_SEED", "8")])
            .status
            .success()
    );
    std::fs::write(
        &file,
        format!("{name} chacha 8 draws=/____________AQ # fixed\n"),
    )
    .unwrap();
    let own = text(&victim(name, &dir, &[("WAITSIM_SEED", "8")]));
    assert!(
        own.contains(", on its own case: the shrunk case recorded for it passed\n"),
        "{own}"
    );
    assert!(own.contains("\nrecorded in "), "{own}");
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(
        lines.ends_with(&format!(
            "\n{name} chacha 8 target=example:victims draws=/ # planted failure: first draw 0\n"
        )),
        "{lines}"
    );
    let again = text(&victim(name, &dir, &[("WAITSIM_SEED", "8")]));
    assert!(
        again.contains(", on the shrunk case recorded for it\n"),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), lines);
}

#[test]
fn a_deterministic_body_passes_the_determinism_check() {
    let seeds = Harness::new()
        .without_regressions_file()
        .check_determinism(true)
        .try_run(async |mut sim: Sim| {
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..10u32 {
                let delay = std::time::Duration::from_secs_f64(sim.rng.random::<f64>());
                tasks.spawn(async move {
                    tokio::time::sleep(delay).await;
                    (i, tokio::time::Instant::now())
                });
            }
            let start = tokio::time::Instant::now();
            let order: Vec<(u32, u128)> = tasks
                .join_all()
                .await
                .into_iter()
                .map(|(i, at)| (i, (at - start).as_nanos()))
                .collect();
            Ok::<_, String>(order)
        })
        .unwrap();
    assert!(seeds >= 1);
}

#[tokio::test]
async fn the_harness_inside_a_runtime_refuses_without_running_or_recording_a_seed() {
    let dir = fresh_dir("harness-inside-runtime");
    let file = dir.join(harness::REGRESSIONS_FILE);
    let ran = std::sync::atomic::AtomicBool::new(false);
    let failure = Harness::new()
        .regressions_file(&file)
        .try_run(async |_sim: Sim| {
            ran.store(true, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap_err();
    assert_eq!(failure.seed, None);
    assert_eq!(failure.replay(), None);
    assert!(!ran.load(std::sync::atomic::Ordering::Relaxed));
    assert!(!file.exists(), "nothing is recorded");
    assert!(
        failure.message.starts_with(
            "the waitsim harness was called from inside a tokio runtime (a `#[tokio::test]`?)"
        ) && failure
            .message
            .ends_with("so call it from a plain `#[test]`"),
        "{}",
        failure.message
    );
    let report = failure.to_string();
    assert!(report.contains("could not run"), "{report}");
    assert!(!report.contains("failed at seed"), "{report}");
    let blocking = Harness::new()
        .regressions_file(&file)
        .try_each_seed(|_, _| ())
        .unwrap_err();
    assert_eq!(blocking.message, failure.message);
    assert!(!file.exists());
}

/// The environment variables of a printed replay command.
pub(crate) fn replay_vars(report: &str) -> Vec<(String, String)> {
    let line = report
        .lines()
        .find_map(|l| l.strip_prefix("replay it with: "))
        .expect(report);
    line.split_whitespace()
        .map_while(|word| word.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_replay_of_a_failure_found_by_the_environment_turns_the_same_settings_on() {
    let dir = fresh_dir("harness-replay-settings");
    let name = "harness::victim_selects_at_random";
    let checked = victim(
        name,
        &dir,
        &[
            ("WAITSIM_CASES", "8"),
            ("WAITSIM_CHECK_DETERMINISM", "1"),
            ("WAITSIM_RNG", "cpython"),
        ],
    );
    let report = text(&checked);
    let vars = replay_vars(&report);
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["WAITSIM_SEED", "WAITSIM_RNG", "WAITSIM_CHECK_DETERMINISM"],
        "{report}"
    );
    // Run as printed, it fails the same way.
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let replayed = text(&victim(name, &dir, &vars));
    assert!(replayed.contains("not deterministic"), "{replayed}");
    assert!(
        replayed.contains("failed at seed 0 (generator cpython"),
        "{replayed}"
    );
}

/// Fails at seed 2 of whatever range it runs, recording the seeds it saw.
fn fails_at_seed_2(harness: Harness, seen: &std::sync::Mutex<Vec<u64>>) -> harness::Failure {
    harness
        .seeds(waitsim::SeedRange::new(0, 4).unwrap())
        .kind(waitsim::GeneratorKind::ChaCha)
        .check_determinism(false)
        .try_run(async |sim: Sim| {
            seen.lock().unwrap().push(sim.seed);
            if sim.seed == 2 {
                Err("planted")
            } else {
                Ok(())
            }
        })
        .unwrap_err()
}

#[test]
fn a_named_harness_records_under_its_name_in_its_own_file_and_tries_that_seed_first() {
    let dir = fresh_dir("harness-named");
    let file = dir.join("seeds.txt");
    let seen = std::sync::Mutex::new(Vec::new());
    let failure = fails_at_seed_2(Harness::new().name("named").regressions_file(&file), &seen);
    assert_eq!((failure.test.as_str(), failure.seed), ("named", Some(2)));
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2]);
    let recorded = std::fs::read_to_string(&file).unwrap();
    assert!(
        recorded
            .lines()
            .any(|line| line.starts_with("named chacha 2 target=test:it #")),
        "{recorded}"
    );
    assert!(
        failure
            .to_string()
            .contains("test `named` failed at seed 2")
    );

    // The next run reads the same file and starts with the recorded seed.
    seen.lock().unwrap().clear();
    let again = fails_at_seed_2(Harness::new().name("named").regressions_file(&file), &seen);
    assert_eq!(*seen.lock().unwrap(), [2]);
    // It says where the seed is kept, and keeps it once.
    assert_eq!(again.recorded.as_deref(), Some(file.as_path()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), recorded);
}

#[test]
fn without_a_regressions_file_nothing_is_read_or_written() {
    let dir = fresh_dir("harness-without-file");
    let file = dir.join("seeds.txt");
    std::fs::write(&file, "named chacha 3 # planted\n").unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let failure = fails_at_seed_2(
        Harness::new()
            .name("named")
            .regressions_file(&file)
            .without_regressions_file(),
        &seen,
    );
    assert_eq!(failure.recorded, None);
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2], "seed 3 is not read");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "named chacha 3 # planted\n"
    );
}

#[test]
fn a_body_may_wait_decades_of_virtual_time_but_not_forever() {
    let harness = || {
        Harness::new()
            .seeds(waitsim::SeedRange::new(0, 1).unwrap())
            .without_regressions_file()
    };
    let decades = Duration::from_secs(29 * 365 * 24 * 3600);
    harness().run(async |_sim: Sim| {
        let start = tokio::time::Instant::now();
        tokio::time::sleep(decades).await;
        let waited = start.elapsed();
        if waited < decades {
            Err(format!("woke after {waited:?}"))
        } else {
            Ok(())
        }
    });
    let failure = harness()
        .try_run(async |_sim: Sim| std::future::pending::<()>().await)
        .unwrap_err();
    assert_eq!(failure.seed, Some(0));
    assert_eq!(
        failure.message,
        "the body did not finish within 30 virtual years: it waits on something that never comes"
    );
}

#[test]
fn a_harness_that_asks_for_the_determinism_check_gets_it() {
    let calls = std::sync::atomic::AtomicU64::new(0);
    let counting =
        async |_sim: Sim| Ok::<_, String>(calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let harness = || {
        Harness::new()
            .seeds(waitsim::SeedRange::new(0, 4).unwrap())
            .without_regressions_file()
    };
    let failure = harness()
        .check_determinism(true)
        .try_run(counting)
        .unwrap_err();
    assert_eq!(failure.seed, Some(0));
    assert_eq!(
        failure.message,
        "not deterministic: two runs of the same seed differed in the value returned, first at \
         byte 0: `0` against `1`"
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2);
    assert_eq!(
        harness()
            .check_determinism(false)
            .try_run(counting)
            .unwrap(),
        4
    );
}

#[test]
fn each_seed_runs_every_seed_and_panics_with_the_report_at_the_first_failure() {
    let harness = || {
        Harness::new()
            .name("blocking")
            .seeds(waitsim::SeedRange::new(0, 5).unwrap())
            .kind(waitsim::GeneratorKind::Cpython)
            .check_determinism(false)
            .without_regressions_file()
    };
    let seen = std::sync::Mutex::new(Vec::new());
    harness().each_seed(|seed, kind| {
        seen.lock().unwrap().push((seed, kind));
    });
    let all: Vec<_> = (0..5)
        .map(|s| (s, waitsim::GeneratorKind::Cpython))
        .collect();
    assert_eq!(*seen.lock().unwrap(), all);
    let panic = std::panic::catch_unwind(|| {
        harness().each_seed(|seed, _| if seed == 3 { Err("planted") } else { Ok(()) });
    })
    .unwrap_err();
    let report = panic.downcast_ref::<String>().unwrap();
    assert!(
        report.contains("test `blocking` failed at seed 3"),
        "{report}"
    );
    assert!(report.contains("planted"), "{report}");
}

#[test]
fn a_victim_fails_unless_its_variable_names_it() {
    let unset = Command::new(victims_binary())
        .env_remove("WAITSIM_TEST_VICTIM")
        .output()
        .unwrap();
    assert!(!unset.status.success());
    assert!(
        text(&unset).contains("WAITSIM_TEST_VICTIM is not set"),
        "{}",
        text(&unset)
    );
    let unknown = Command::new(victims_binary())
        .env("WAITSIM_TEST_VICTIM", "1")
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("no victim `1`"),
        "{}",
        text(&unknown)
    );
}
