//! `harness::check` from the outside: a planted bug in production code generic over
//! `rand::Rng` is caught under both generators and shrunk to an input no simpler one also
//! fails, the replay printed reproduces it, and the same test without the bug passes;
//! `sometimes` conditions are counted and judged; the determinism check names what differed;
//! and eight processes recording at once leave the regressions file well formed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::RngExt;
use waitsim::harness::{Harness, Sim};
use waitsim::{Clock, GeneratorKind, SeedRange};

use crate::harness::{failed_seed, fresh_dir, replay_vars, text, victim, victims_binary};
use crate::planted_retry::{Retry, retries, retry_past_the_cap, waits_at_most_the_cap};

/// The block of lines after `heading` up to the line `end` (excluded).
fn block<'a>(report: &'a str, heading: &str, end: &str) -> &'a str {
    let start = report.find(heading).expect(report) + heading.len();
    let len = report[start..].find(end).expect(report);
    &report[start..start + len]
}

#[test]
fn a_planted_bug_is_shrunk_and_its_replay_reproduces_the_shrunk_input_and_message() {
    for kind in ["chacha", "cpython"] {
        let dir = fresh_dir(&format!("check-replay-{kind}"));
        let name = "check::victim_retry_past_the_cap";
        let first = victim(name, &dir, &[("WAITSIM_RNG", kind)]);
        assert!(!first.status.success());
        let report = text(&first);
        assert!(
            report.contains(&format!("(generator {kind}, shard 1/1)")),
            "{report}"
        );
        assert!(report.contains("input, shrunk in "), "{report}");
        assert!(
            report.contains("the input first found at this seed:\nRetry {"),
            "{report}"
        );
        let shrunk = block(&report, "runs of the body):\n", "\n}\n").to_string();
        assert!(shrunk.starts_with("Retry {"), "{report}");
        let message = block(&report, "\n}\n", "\n").to_string();
        assert!(message.contains("is longer than the cap"), "{report}");
        let seed = failed_seed(&report);
        let recorded = std::fs::read_to_string(dir.join("waitsim-regressions.txt")).unwrap();
        let line = recorded
            .lines()
            .find(|line| {
                line.starts_with(&format!(
                    "{name} {kind} {seed} target=example:victims draws="
                ))
            })
            .expect(&recorded);
        assert!(line.contains(" # input Retry { tries: "), "{recorded}");

        // With the regressions file, the replay runs the shrunk case as recorded, and says so.
        let vars = replay_vars(&report);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let stored = text(&victim(name, &dir, &vars));
        assert!(
            stored.contains(&format!(
                "failed at seed {seed} (generator {kind}, shard 1/1), on the shrunk case \
                 recorded for it\n"
            )),
            "{stored}"
        );
        assert!(
            stored.contains(&format!(
                "\nrecorded in {} (commit it",
                dir.join("waitsim-regressions.txt").display()
            )),
            "{stored}"
        );
        assert!(
            stored.contains(&format!(
                "input, as recorded (no simpler input fails):\n{shrunk}\n}}\n{message}\n"
            )),
            "{stored}"
        );
        assert!(
            stored.contains(&format!(
                "seed {seed} replays first the shrunk case recorded for it"
            )),
            "{stored}"
        );

        // Without it, the seed's own case, shrunk again, gives the same.
        let replayed = text(&victim(
            name,
            &fresh_dir(&format!("check-replayed-{kind}")),
            &vars,
        ));
        assert_eq!(
            block(&replayed, "runs of the body):\n", "\n}\n"),
            shrunk,
            "{replayed}"
        );
        assert_eq!(block(&replayed, "\n}\n", "\n"), message, "{replayed}");
        assert_eq!(failed_seed(&replayed), seed);
    }
}

#[test]
fn a_recorded_case_that_makes_another_input_since_the_strategy_changed_is_named() {
    let dir = fresh_dir("check-stale");
    let name = "check::victim_changes_its_strategy";
    let first = text(&victim(name, &dir, &[]));
    assert!(first.contains("\nfirst 51\n"), "{first}");
    let seed = failed_seed(&first).to_string();
    // The strategy swaps its numbers now: the recorded draws make `(0, 51)`, which passes.
    let swapped = victim(
        name,
        &dir,
        &[("WAITSIM_SEED", &seed), ("WAITSIM_TEST_SWAPPED", "1")],
    );
    let report = text(&swapped);
    assert!(
        report.contains(&format!(
            "the draws recorded for seed {seed} make another input now than the one recorded \
             (has the strategy changed?): ( 0, 51, )"
        )),
        "{report}"
    );
    // The seed's own case still failed, shrunk to `(51, 0)` as the strategy makes it now:
    // that case is recorded too, and is the one the seed runs from then on.
    assert!(
        report.contains(", on its own case: the shrunk case recorded for it passed\n"),
        "{report}"
    );
    let file = std::fs::read_to_string(dir.join("waitsim-regressions.txt")).unwrap();
    assert_eq!(
        file.matches(&format!(
            "\n{name} chacha {seed} target=example:victims draws="
        ))
        .count(),
        2,
        "{file}"
    );
    let swapped_again = text(&victim(
        name,
        &dir,
        &[("WAITSIM_SEED", &seed), ("WAITSIM_TEST_SWAPPED", "1")],
    ));
    assert!(
        swapped_again.contains("on the shrunk case recorded for it\n"),
        "{swapped_again}"
    );
    assert!(
        !swapped_again.contains("make another input"),
        "{swapped_again}"
    );
    // Back to the strategy as it was, the last case makes another input, and that is said.
    let unswapped = text(&victim(name, &dir, &[("WAITSIM_SEED", &seed)]));
    assert!(unswapped.contains("make another input now"), "{unswapped}");
}

/// `sim.rng` as a body used it: every word it handed out, kept.
struct Recording<'a, R: ?Sized> {
    rng: &'a mut R,
    words: Vec<u64>,
}

impl<R: rand::Rng + ?Sized> rand::TryRng for Recording<'_, R> {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let word = self.rng.next_u32();
        self.words.push(word.into());
        Ok(word)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let word = self.rng.next_u64();
        self.words.push(word);
        Ok(word)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.rng.fill_bytes(dst);
        for chunk in dst.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.words.push(u64::from_le_bytes(word));
        }
        Ok(())
    }
}

/// Words, then ones: a shrunk case's draws, as the harness hands them out again.
struct Replaying<'a>(std::iter::Copied<std::slice::Iter<'a, u64>>);

impl rand::TryRng for Replaying<'_> {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.next().unwrap_or(1))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let len = chunk.len();
            chunk.copy_from_slice(&self.try_next_u64()?.to_le_bytes()[..len]);
        }
        Ok(())
    }
}

/// Whether the planted body fails on `input` with `words` as its draws, run outside the
/// harness.
fn planted_fails(words: &[u64], input: Retry) -> bool {
    let mut rng = Replaying(words.iter().copied());
    Clock::Virtual
        .block_on(async {
            let mut calls = 0;
            let waits = retry_past_the_cap(&mut rng, input.tries, input.base, input.cap, || {
                calls += 1;
                calls > input.failures
            })
            .await;
            waits.iter().any(|&wait| wait > input.cap)
        })
        .unwrap()
}

#[test]
fn the_shrunk_input_fails_and_no_input_one_step_simpler_does() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let last_failing = Mutex::new(None);
        let failure = Harness::new()
            .kind(kind)
            .seeds(SeedRange::new(0, 64).unwrap())
            .without_regressions_file()
            .try_check(retries(), async |mut sim: Sim, input: Retry| {
                let mut rng = Recording {
                    rng: &mut sim.rng,
                    words: Vec::new(),
                };
                let mut calls = 0;
                let waits =
                    retry_past_the_cap(&mut rng, input.tries, input.base, input.cap, || {
                        calls += 1;
                        calls > input.failures
                    })
                    .await;
                let words = rng.words;
                match waits.iter().find(|&&wait| wait > input.cap) {
                    Some(long) => {
                        *last_failing.lock().unwrap() = Some((input, words));
                        Err(format!("a wait of {long:?} is longer than the cap"))
                    }
                    None => Ok(waits),
                }
            })
            .unwrap_err();
        let seed = failure.seed.unwrap();
        let shrunk = failure.shrunk.as_deref().unwrap();
        let (input, words) = last_failing.lock().unwrap().clone().unwrap();
        assert_eq!(shrunk.input, format!("{input:#?}"));
        assert_eq!(failure.message, shrunk.message);
        assert!(shrunk.steps > 0 && shrunk.runs >= shrunk.steps, "{failure}");
        assert_eq!(shrunk.out_of_budget, None);
        assert!(planted_fails(&words, input));
        // Every field at its strategy's least, or one step from it: one failure before a
        // success, so that the retry waits once.
        assert_eq!(
            input,
            Retry {
                tries: 1,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(1),
                failures: 1,
            },
            "{failure}"
        );
        // With a budget of two runs, shrinking stops there and says so.
        let short = Harness::new()
            .kind(kind)
            .seeds(SeedRange::new(seed, seed + 1).unwrap())
            .without_regressions_file()
            .shrink_budget(2, Duration::from_secs(60))
            .try_check(retries(), async |mut sim: Sim, input: Retry| {
                waits_at_most_the_cap(&mut sim, input, true).await
            })
            .unwrap_err();
        let spent = short.shrunk.as_deref().unwrap();
        assert_eq!(
            (spent.runs, spent.out_of_budget.as_deref()),
            (2, Some("2 runs"))
        );
        assert!(
            short.to_string().contains("shrinking stopped after 2 runs"),
            "{short}"
        );
        let ms = |d: Duration| d.as_millis() as u64;
        let simpler = [
            (input.tries > 1).then(|| Retry {
                tries: input.tries - 1,
                ..input
            }),
            (ms(input.base) > 1).then(|| Retry {
                base: input.base - Duration::from_millis(1),
                ..input
            }),
            (ms(input.cap) > 1).then(|| Retry {
                cap: input.cap - Duration::from_millis(1),
                ..input
            }),
            (input.failures > 0).then(|| Retry {
                failures: input.failures - 1,
                ..input
            }),
        ];
        for simpler in simpler.into_iter().flatten() {
            assert!(
                !planted_fails(&words, simpler),
                "{simpler:?} also fails with the draws {words:?}, simpler than the shrunk {input:?}"
            );
        }
        // And no draw one lower fails: the jitter is the least that breaks the cap.
        for i in 0..words.len() {
            let mut lower = words.clone();
            if lower[i] > 0 {
                lower[i] -= 1;
                assert!(!planted_fails(&lower, input), "{lower:?} fails too");
            }
        }
    }
}

#[test]
fn without_the_bug_the_same_test_passes_and_reaches_a_retry_that_gives_up() {
    for kind in GeneratorKind::ALL.iter().copied() {
        let ran = Harness::new()
            .kind(kind)
            .seeds(SeedRange::new(0, 256).unwrap())
            .without_regressions_file()
            .sometimes("the retry gave up", 0.2)
            .try_check(retries(), async |mut sim: Sim, input: Retry| {
                waits_at_most_the_cap(&mut sim, input, false).await
            })
            .unwrap();
        assert_eq!(ran, 256);
    }
}

#[test]
fn a_condition_that_never_holds_fails_the_test_with_the_counts() {
    let harness = || {
        Harness::new()
            .name("never")
            .seeds(SeedRange::new(0, 40).unwrap())
            .without_regressions_file()
    };
    let failure = harness()
        .try_run(async |mut sim: Sim| {
            let u: f64 = sim.rng.random();
            sim.sometimes("a draw of 2 or more", u >= 2.0);
            sim.sometimes("a draw below a half", u < 0.5);
        })
        .unwrap_err();
    assert_eq!(failure.seed, None);
    let coverage = failure.coverage.as_deref().unwrap();
    assert_eq!(coverage.seeds, 40);
    let counts: Vec<(&str, u64)> = coverage
        .conditions
        .iter()
        .map(|c| (c.name.as_str(), c.hits))
        .collect();
    assert_eq!(counts[0], ("a draw below a half", counts[0].1));
    assert!(counts[0].1 > 10 && counts[0].1 < 30, "{counts:?}");
    assert_eq!(counts[1], ("a draw of 2 or more", 0));
    let report = failure.to_string();
    assert!(
        report.starts_with("waitsim: test `never` failed (generator chacha, shard 1/1)\n"),
        "{report}"
    );
    assert!(
        report.contains("the test may not be checking what it means to"),
        "{report}"
    );
    assert!(
        report
            .contains("a draw of 2 or more   0 of 40 seeds (  0.0%), asked at least once: NOT MET"),
        "{report}"
    );
    assert!(report.contains("asked at least once: ok"), "{report}");

    // Held on some seeds, it passes; asked for a share it does not reach, it fails.
    let half = async |mut sim: Sim| {
        let u: f64 = sim.rng.random();
        sim.sometimes("a draw below a half", u < 0.5);
    };
    assert_eq!(harness().try_run(half).unwrap(), 40);
    let asked = harness()
        .sometimes("a draw below a half", 0.9)
        .try_run(half)
        .unwrap_err();
    assert!(
        asked.to_string().contains("asked at least 90%: NOT MET"),
        "{asked}"
    );
    let unseen = harness()
        .sometimes("never evaluated", 0.1)
        .try_run(half)
        .unwrap_err();
    assert!(
        unseen.to_string().contains("NOT MET (never evaluated)"),
        "{unseen}"
    );
    // Asked twice, the last share asked is the one judged.
    let again = harness()
        .sometimes("a draw below a half", 0.9)
        .sometimes("a draw below a half", 0.1)
        .try_run(half);
    assert_eq!(again.unwrap(), 40);
    for share in [0.0, -0.5, 1.5, f64::NAN] {
        let bad = harness().sometimes("x", share).try_run(half).unwrap_err();
        assert!(bad.message.contains("a share is in (0, 1]"), "{bad}");
    }
}

#[test]
fn a_replay_shows_the_counts_without_judging_them_and_a_shard_judges_its_own_seeds() {
    let dir = fresh_dir("check-coverage");
    let name = "check::victim_rare_condition";
    // Seed 0's first draw is not below a tenth, yet its replay passes and prints the count.
    let replay = victim(name, &dir, &[("WAITSIM_SEED", "0")]);
    let report = text(&replay);
    assert!(replay.status.success(), "{report}");
    assert!(
        report.contains("a draw below a tenth  0 of 1 seed ("),
        "{report}"
    );
    // A shard of four seeds misses it.
    let shard = victim(
        name,
        &dir,
        &[("WAITSIM_SEEDS", "0..8"), ("WAITSIM_SHARD", "1/2")],
    );
    let report = text(&shard);
    assert!(!shard.status.success(), "{report}");
    assert!(report.contains("shard 1/2"), "{report}");
    assert!(report.contains("0 of 4 seeds"), "{report}");
    // The whole default run reaches it, and shows the counts when asked.
    let whole = victim(name, &dir, &[("WAITSIM_SHOW_COVERAGE", "1")]);
    let report = text(&whole);
    assert!(whole.status.success(), "{report}");
    assert!(report.contains("of 256 seeds"), "{report}");
}

#[test]
fn the_determinism_check_names_the_draws_or_the_virtual_time_that_differed() {
    let harness = || {
        Harness::new()
            .seeds(SeedRange::new(0, 3).unwrap())
            .without_regressions_file()
            .check_determinism(true)
    };
    let runs = AtomicU64::new(0);
    // The same value each run, but one more draw on the second run.
    let draws = harness()
        .try_run(async |mut sim: Sim| {
            let extra = runs.fetch_add(1, Ordering::Relaxed);
            for _ in 0..=extra {
                let _: u64 = sim.rng.random();
            }
            Ok::<_, String>(7)
        })
        .unwrap_err();
    assert_eq!(
        draws.message,
        "not deterministic: two runs of the same seed differed in the draws from sim.rng: 1 \
         against 2"
    );
    runs.store(0, Ordering::Relaxed);
    // The same value and draws, but a longer wait on the second run.
    let waits = harness()
        .try_run(async |_sim: Sim| {
            let run = runs.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(500 * (run + 1))).await;
            Ok::<_, String>(7)
        })
        .unwrap_err();
    assert_eq!(
        waits.message,
        "not deterministic: two runs of the same seed differed in the virtual time taken: 0.5 s \
         against 1 s"
    );
    // A body whose generator was moved into a spawned task is counted too.
    harness()
        .try_run(async |mut sim: Sim| {
            let rng = std::mem::replace(&mut sim.rng, GeneratorKind::ChaCha.generator(0));
            let task = tokio::spawn(async move {
                let mut rng = rng;
                rng.random::<f64>()
            });
            task.await.map_err(|err| err.to_string())
        })
        .unwrap();
}

#[test]
fn eight_processes_recording_at_once_leave_the_regressions_file_well_formed() {
    // Each round races eight new processes for a new file.
    for round in 0..4 {
        eight_processes_record_into_a_new_file(round);
    }
}

fn eight_processes_record_into_a_new_file(round: u32) {
    let dir = fresh_dir(&format!("check-recorders-{round}"));
    let file = dir.join("waitsim-regressions.txt");
    let children: Vec<_> = (0..8)
        .map(|k| {
            std::process::Command::new(victims_binary())
                .env("WAITSIM_TEST_VICTIM", "check::victim_recorder")
                .env("WAITSIM_TEST_RECORD_INTO", &file)
                .env("WAITSIM_TEST_RECORDER", k.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(file.with_extension("go"), "").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let recorded = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = recorded.lines().collect();
    // The header, once, whole, first: its four lines.
    let header = 4;
    assert_eq!(lines.len(), header + 8 * 25, "{recorded}");
    assert!(lines[0].starts_with("# Seeds that failed"), "{recorded}");
    assert!(lines[1].starts_with("# Commit this file."), "{recorded}");
    assert!(lines[2].starts_with("# Marks: "), "{recorded}");
    assert!(
        lines[3].starts_with("# determinism, the determinism check's;"),
        "{recorded}"
    );
    assert_eq!(recorded.matches("# Seeds that failed").count(), 1);
    let mut seen: Vec<(u64, u64)> = lines[header..]
        .iter()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (k, _) = words[0]
                .strip_prefix("recorder_")
                .unwrap()
                .split_once('_')
                .unwrap();
            let k: u64 = k.parse().unwrap();
            let seed: u64 = words[2].parse().unwrap();
            assert_eq!(words[1], "chacha", "{line}");
            assert_eq!(
                line.split_once(" # ").unwrap().1,
                format!("planted at {seed}")
            );
            (k, seed)
        })
        .collect();
    seen.sort_unstable();
    let expected: Vec<(u64, u64)> = (0..8)
        .flat_map(|k| (100 * k..100 * k + 25).map(move |s| (k, s)))
        .collect();
    assert_eq!(seen, expected);
    // Nothing of the processes' own is left beside it (and the go-ahead).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
}

#[test]
fn an_input_depends_on_the_seed_not_on_the_runners_proptest_variables() {
    let dir = fresh_dir("check-proptest-env");
    let name = "check::victim_shows_its_input";
    let given = |vars: &[(&str, &str)]| {
        let report = text(&victim(name, &dir, vars));
        let found = block(
            &report,
            "the input first found at this seed:\n",
            "\nwhich failed with",
        );
        let shrunk = block(&report, "runs of the body):\n", "\ngiven");
        (found.to_string(), shrunk.to_string())
    };
    let plain = given(&[("WAITSIM_SEED", "3")]);
    assert!(plain.0.matches(',').count() >= 3, "{plain:?}");
    // Shrunk to the shortest list that fails.
    assert_eq!(plain.1.matches(',').count(), 4, "{plain:?}");
    // Were the runner's settings read from the environment, this seed's even draws would be
    // too many rejects, and the strategy would give no input; and the list could not shrink
    // to fewer numbers, which takes a regeneration of the `flat_map`.
    let strict = given(&[
        ("WAITSIM_SEED", "3"),
        ("PROPTEST_MAX_LOCAL_REJECTS", "0"),
        ("PROPTEST_MAX_FLAT_MAP_REGENS", "0"),
        ("PROPTEST_CASES", "1"),
    ]);
    assert_eq!(strict, plain);
}
