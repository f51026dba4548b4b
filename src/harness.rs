//! The seed loop for your own tests: run a test body once per seed, each on a fresh
//! virtual-clock runtime with a seeded generator; draw inputs from a proptest strategy and
//! shrink a failing one; replay one seed from the environment; keep failing seeds in a
//! regressions file; check that a body is deterministic; and check that the seeds reached the
//! cases the test is about.
//!
//! ```
//! use waitsim::harness::{self, Sim};
//! use waitsim::{wait_n, MaxDelay};
//!
//! // In a `#[test]`:
//! harness::run(async |mut sim: Sim| {
//!     let delays = wait_n(&mut sim.rng, 5, MaxDelay::new(2.0)?).await?;
//!     assert!(delays.is_sorted());
//!     Ok::<_, waitsim::Error>(delays)
//! });
//! ```
//!
//! # Three ways to test
//!
//! - [`run`]: the body gets a seed and a generator, and draws what it needs from `sim.rng`.
//!   A failure names the seed, and its draws are shrunk: what the body drew there is for it
//!   to say.
//! - [`check`] (with the `proptest` feature): the body also gets an input from a proptest
//!   strategy, generated from the seed. A failure is shrunk, input and `sim.rng`'s draws, to
//!   a case no simpler one of which fails (see below), each step on a fresh runtime.
//! - plain `proptest!`: for synchronous code. It has no paused clock and cannot run an async
//!   body.
//!
//! ```
//! # #[cfg(feature = "proptest")] {
//! use std::time::Duration;
//! use waitsim::harness::{self, Sim};
//!
//! harness::check((1u32..10, 0u64..5000), async |sim: Sim, (tries, base_ms)| {
//!     let waited = Duration::from_millis(base_ms) * tries;
//!     tokio::time::sleep(waited).await;
//!     sim.sometimes("it waited longer than ten seconds", waited > Duration::from_secs(10));
//!     if waited <= Duration::from_secs(45) { Ok(waited) } else { Err("too long") }
//! });
//! # }
//! ```
//!
//! # The environment
//!
//! Read once per test process; a malformed value fails the test with a message naming the
//! variable, never a silent default.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WAITSIM_SEED=S` | run exactly seed `S` (the replay) | |
//! | `WAITSIM_SEEDS=A..B` | run seeds `A` up to, not including, `B` | `0..256` |
//! | `WAITSIM_SEEDS=random:N` | run `N` seeds from a start drawn from the operating system (printed) | |
//! | `WAITSIM_CASES=N` | run seeds `0..N` | 256 |
//! | `WAITSIM_RNG=chacha\|cpython` | the generator | `chacha` |
//! | `WAITSIM_SHARD=K/N` | run only the K-th of N shards of the seeds (the rule of `sweep --partition`) | `1/1` |
//! | `WAITSIM_CHECK_DETERMINISM=1` | run each seed twice and compare the results | off |
//! | `WAITSIM_SHRINK_RUNS=N` | the most runs of the body shrinking may take (`0`: no shrinking) | 4096 |
//! | `WAITSIM_SHRINK_SECS=S` | the most real time shrinking may take | 60 |
//! | `WAITSIM_SHOW_COVERAGE=1` | print the `sometimes` counts of a passing test (seen with `--nocapture`) | off |
//!
//! # Failures, replays and the regressions file
//!
//! The loop stops at the first seed whose body panics, returns an `Err` or waits forever, and
//! fails the test with a report naming the test, the seed, the generator and the shard (and,
//! for [`check`], the shrunk input), and the commands that replay it:
//! `WAITSIM_SEED=… cargo test -p <package> --test <target> <name> -- --exact`, to be run with
//! the cargo flags of the run that failed, and the test binary's own
//! `WAITSIM_SEED=… target/debug/deps/<target>-<hash> <name> --exact`, which needs none; both
//! carry the `WAITSIM_*` settings that change the result (the generator, the determinism
//! check, the shrinking budgets). The body's panics are not printed while it runs: the report
//! gives the last one's message and location (and its backtrace, once, under
//! `RUST_BACKTRACE`), and the report itself points at the test's call of the harness. The seed
//! is also appended to `waitsim-regressions.txt` at the root of the crate under test (the
//! folder cargo runs the tests in), with the test binary's target, the shard that ran it,
//! whether the determinism check failed, and the shrunk case's draws (`draws=INPUT/WORDS`: the bytes the strategy
//! read and the words `sim.rng` handed out, in URL-safe base64). Every later run of that test
//! tries the recorded seeds first: those of its shard, and those of the determinism check only
//! with the check on. A shrunk case cannot be made again from its seed once a budget has cut
//! its shrinking short, or the code has changed: so a recorded seed runs its shrunk case as it
//! was recorded, then, if that passes, its own case, and `WAITSIM_SEED=s` does the same where
//! the file keeps a case for `s` (it says so on stderr, and the report says "on the shrunk
//! case recorded for it", or that the recorded case passed). A seed that fails with a shrunk
//! case other than its recorded one is recorded again, and its last case is the one that runs.
//! The test binary's replay sets `CARGO_MANIFEST_DIR`, which cargo sets and which locates the
//! file. Commit the file, as you would `proptest-regressions/`. Any number of test processes
//! may record into it at once (cargo-nextest runs every test in a process of its own): the
//! header is written once and every seed is one whole line, under the file's lock.
//!
//! # Inputs and shrinking
//!
//! [`check`] generates each seed's input from the seed alone (on a ChaCha stream of its own,
//! apart from `sim.rng`'s), so `WAITSIM_SEED=s` regenerates the same input under any
//! generator kind and shard, whatever the runner's `PROPTEST_*` variables say. A change of the
//! strategy, or of proptest's version in `Cargo.lock`, can change it; so can
//! `PROPTEST_MAX_DEFAULT_SIZE_RANGE`, which proptest reads when a collection strategy without
//! a size (`any::<Vec<_>>()`) is built: give collections their sizes.
//!
//! When a seed fails, its draws are shrunk, as Hypothesis shrinks its "choice sequence": the
//! bytes the strategy read (recorded by proptest's `Recorder` generator) and the words
//! `sim.rng` handed out. Passes delete chunks of draws, zero them, lower each by binary
//! search, sort neighbours and move value between neighbours, to a fixed point; each candidate
//! regenerates the input from its draws (proptest's `PassThrough` generator; a sequence that
//! runs out gives the word 1, which rand makes the simplest value of and never rejects) and
//! runs the body on a fresh runtime, and is kept if the body fails in the same way (an error,
//! a panic, or no end within the virtual-time limit) with draws no longer and smaller.
//! proptest's own shrinking then runs from the result, where it finds simpler still. An
//! input its bytes do not make again (a strategy that hands out a generator of its own, as
//! `prop_perturb` does) is shrunk by proptest's shrinking alone, and `sim.rng`'s draws by
//! the passes. proptest draws a
//! float range's values from the bound farther from zero, so a float field shrinks toward
//! that bound: map an integer strategy to a float where the low end matters. Shrinking is
//! deterministic, so the replay reproduces the shrunk input and its message as printed, unless
//! the real-time budget ran out (the report says so). [`Harness::check_one`] runs one input
//! at one seed, and `PROPTEST_CASES` is proptest's: the harness says so once when it is set.
//!
//! # Coverage: `sometimes`
//!
//! A test over 256 seeds passes just as well when none of them reaches the case it was
//! written for. [`Sim::sometimes`] names a condition and says whether it held; after the last
//! seed, every named condition must have held on at least one seed, and those given a share
//! with [`Harness::sometimes`] on at least that share of the seeds, or the test fails with
//! each condition's count. A replay (`WAITSIM_SEED`) runs one seed, which cannot be expected
//! to reach everything: its counts are printed, not judged. Under `WAITSIM_SHARD` each shard
//! is judged on its own seeds, so a condition rarer than one seed in a shard's share fails
//! there: give such a test more seeds, or a share it can meet.
//!
//! # What stays deterministic
//!
//! Each seed runs on a new current-thread runtime with tokio's paused clock. On it, time moves
//! only when every task is waiting, straight to the next timer; spawned tasks run in the order
//! they were woken; and the generator is the only source of randomness the harness hands out.
//! So a body that draws only from `sim.rng` and waits only with `tokio::time` gives the same
//! result every run. What does not stay deterministic: `tokio::select!` picks among ready
//! branches at random (unless written `biased;`), `std::time` and `thread_rng` read the world,
//! threads and `spawn_blocking` run when the operating system says. The determinism check
//! (`WAITSIM_CHECK_DETERMINISM=1`, or [`Harness::check_determinism`]) runs each seed twice and
//! compares three things: the results, serialized as JSON, byte for byte; the virtual time
//! the body took; and the number of draws it made from `sim.rng`. The report says which
//! differed, where first, and for [`check`] the input. It catches only what differs between
//! the two runs: an unbiased `select!` at a seed where two branches are ready at once and the
//! two picks differ, which varies from run to run.
//!
//! # cargo-nextest
//!
//! The harness runs under `cargo nextest run` as under `cargo test`: every test is its own
//! process there, each reads the environment on its own, and they share the regressions file
//! safely. `cargo nextest run --partition count:K/N` splits the tests over machines;
//! `WAITSIM_SHARD=K/N` splits one test's seeds. The replay is the same command, or
//! `WAITSIM_SEED=… cargo nextest run <name>`.

mod body;
mod coverage;
mod env;
mod failure;
#[cfg(feature = "proptest")]
mod inputs;
mod regressions;
mod replay;
mod seed_loop;
mod shrink;
mod sim;

pub use coverage::{Condition, Coverage};
pub use env::DEFAULT_CASES;
pub use failure::{Failure, RecordedCase, Replay, Shrunk};
pub use regressions::REGRESSIONS_FILE;
pub use seed_loop::Harness;
pub use sim::{Outcome, Sim};

/// Runs `body` over the seeds the environment gives, with a new [`Harness`]: see the module
/// docs.
///
/// # Panics
///
/// When a seed fails, a `sometimes` condition is not met, or the environment is malformed.
#[track_caller]
pub fn run<B, R>(body: B)
where
    B: AsyncFn(Sim) -> R,
    R: Outcome,
{
    Harness::new().run(body);
}

/// Runs `body` over the seeds the environment gives, with an input from `strategy` for each,
/// with a new [`Harness`]: see [`Harness::check`].
///
/// # Panics
///
/// When a seed fails, a `sometimes` condition is not met, or the environment is malformed.
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
#[track_caller]
pub fn check<S, B, R>(strategy: S, body: B)
where
    S: proptest::strategy::Strategy,
    S::Value: std::fmt::Debug,
    B: AsyncFn(Sim, S::Value) -> R,
    R: Outcome,
{
    Harness::new().check(strategy, body);
}
