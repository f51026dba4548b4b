//! Seeded, virtual-clock property testing for async Rust code, and the asyncio exercise it grew
//! from.
//!
//! waitsim's [`harness`] runs a test body once per seed, each on tokio's paused clock with a
//! generator seeded from that seed, so a ten-second wait costs microseconds and a failing seed
//! replays exactly. Its routines are the classic asyncio exercise (`wait_random`, `wait_n`,
//! `measure_time`, `task_wait_random`, `task_wait_n`), with the two things that make async code
//! hard to test put under control: every routine draws from a generator you pass in, and the
//! waits run on tokio's paused clock, so every run gives the same numbers. The repository's
//! book (`book/`) is the guide, by reader: the harness, the Python exercise's checks, grading,
//! and the reference.
//!
//! # From the top
//!
//! Seed a generator, pick a clock, run a routine:
//!
//! ```
//! use waitsim::{seeded, wait_n, Clock, MaxDelay};
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! let delays = Clock::Virtual.run(wait_n(&mut seeded(42), 5, MaxDelay::new(5.0)?))?;
//! assert_eq!(delays.len(), 5);
//! assert!(delays.is_sorted());
//! assert!(delays.iter().all(|d| (0.0..=5.0).contains(d)));
//! # Ok(())
//! # }
//! ```
//!
//! [`Clock::run`] is the seed's `asyncio.run`: it builds a runtime on that clock, runs the
//! future, and hands back one `Result`. Inside your own tokio test, pause the clock (tokio's
//! `test-util` feature, which gives `start_paused`) and call the async routines directly:
//!
//! ```
//! use waitsim::{seeded, wait_random, MaxDelay};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // With `#[tokio::test(start_paused = true)]` in a test.
//! let delay = wait_random(&mut seeded(1), MaxDelay::DEFAULT).await;
//! assert!((0.0..=10.0).contains(&delay));
//! # }
//! ```
//!
//! # Example: the seed's `measure_time`
//!
//! `measure_time` builds its own runtime, as the seed's `asyncio.run` does:
//!
//! ```
//! use waitsim::{measure_time, seeded, Clock, MaxDelay};
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! let per_task = measure_time(&mut seeded(0), 5, MaxDelay::new(9.0)?, Clock::Virtual)?;
//! // Five concurrent waits take about as long as the longest one, so per task it is
//! // at most max_delay / n, plus the timer's rounding.
//! assert!(per_task <= (9.0 + 0.001) / 5.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Example: tasks
//!
//! `task_wait_random` spawns the wait and hands back the task, like `asyncio.create_task`:
//!
//! ```
//! use waitsim::{seeded, task_wait_n, task_wait_random, wait_n, MaxDelay};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let task = task_wait_random(&mut seeded(0), MaxDelay::new(5.0)?);
//! let delay: f64 = task.await?;
//!
//! // Built from tasks or from joined futures, the same seed gives the same delays.
//! let six = MaxDelay::new(6.0)?;
//! assert_eq!(task_wait_n(&mut seeded(9), 5, six).await?, wait_n(&mut seeded(9), 5, six).await?);
//! # let _ = delay;
//! # Ok(())
//! # }
//! ```
//!
//! # Example: any generator
//!
//! To get reproducible results, seed the generator. Anything that implements [`rand::Rng`]
//! can be passed in; [`seeded`] gives the default, [`DefaultRng`] (ChaCha8).
//!
//! ```
//! use rand::SeedableRng;
//! use waitsim::{wait_n, Clock, MaxDelay};
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
//! let delays = Clock::Virtual.run(wait_n(&mut rng, 3, MaxDelay::DEFAULT))?;
//! # assert_eq!(delays.len(), 3);
//! # Ok(())
//! # }
//! ```
//!
//! # Example: the same delays as Python
//!
//! [`CpythonRandom`] is CPython's `random` module for this purpose: after
//! `CpythonRandom::seed(s)`, the routines draw exactly what the seed's Python program draws
//! after `random.seed(s)`, bit for bit.
//!
//! ```
//! use waitsim::{wait_n, Clock, CpythonRandom, MaxDelay};
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! // Python: random.seed(42); sorted(random.uniform(0, 5) for _ in range(3))
//! let delays = Clock::Virtual.run(wait_n(&mut CpythonRandom::seed(42), 3, MaxDelay::new(5.0)?))?;
//! assert_eq!(delays, [0.12505377611333468, 1.3751465918455963, 3.1971339922894186]);
//! # Ok(())
//! # }
//! ```
//!
//! # Example: your own code, over many seeds
//!
//! The [`harness`] runs a test body once per seed, each on a fresh virtual-clock runtime, with
//! the seeds, the generator and the shard taken from the environment, a replay command and a
//! regressions file for the seed that fails, an optional determinism check, and `sometimes`
//! conditions that prove the seeds reached the cases a test is about. With the `proptest`
//! feature, `harness::check` gives each seed an input from a proptest strategy and shrinks a
//! failing one to the simplest that still fails. The [`laws`] check any implementation of the
//! seed's routines; `waitsim::strategies` (with the `proptest` feature) feed them to
//! `proptest!`.
//!
//! ```
//! use waitsim::harness::Harness;
//! use waitsim::laws::{self, Input};
//!
//! // waitsim's own `task_wait_n` obeys every law of `wait_n`, for 256 seeds.
//! Harness::new()
//!     .without_regressions_file()
//!     .each_seed(|seed, kind| laws::wait_n(waitsim::task_wait_n, kind, Input::from_seed(seed)));
//! ```
//!
//! # Example: analyses of runs
//!
//! [`analysis`] holds what studies runs rather than makes them: scenarios with their reports,
//! timelines, seed sweeps with their statistics, and the demo programs.
//! [`timeline`](analysis::timeline) records when each wait of a run ended;
//! [`sweep`](analysis::sweep) runs `measure_time` over many seeds on several threads, streaming
//! each result in seed order, and its [`Stats`](analysis::Stats) give a
//! [`Summary`](analysis::Summary) beside the theory.
//!
//! ```
//! use std::ops::ControlFlow;
//! use waitsim::analysis::{sweep, timeline, SweepOptions};
//! use waitsim::{seeded, Clock, MaxDelay};
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! let max_delay = MaxDelay::new(10.0)?;
//! let t = Clock::Virtual.run(timeline(&mut seeded(1), 20, max_delay))?;
//! assert!(t.elapsed.as_secs_f64() < t.sum_of_delays / 5.0);
//!
//! let stats = sweep(0..200, &SweepOptions::new(20, max_delay), |_| ControlFlow::Continue(()))?;
//! let summary = stats.summary().unwrap();
//! assert!((summary.mean - summary.theory_mean).abs() < 0.05);
//! # Ok(())
//! # }
//! ```
//!
//! # The determinism contract
//!
//! - **Randomness is injected.** Every routine draws from the generator it is given, and only
//!   from it. The default is ChaCha8 (`rand_chacha`), seeded from a `u64` by
//!   `SeedableRng::seed_from_u64`: a named, portable algorithm.
//! - **Every delay is fixed before any wait starts.** `wait_n` and `task_wait_n` draw their `n`
//!   delays in index order, exactly as `n` successive `wait_random` calls would, before the
//!   first wait starts or the first task is spawned. So the delays depend on neither poll
//!   order, nor the runtime flavour (current-thread or multi-thread, any number of workers),
//!   nor whether the waits are joined futures or spawned tasks. The draws for `n = k` are a
//!   prefix of those for `n = k + 1`.
//! - **Same seed, same inputs, same `Cargo.lock`: the same bits.** Delays are `f64`s computed
//!   the same way on every platform; Rust prints them as the shortest string that reads back
//!   to the same bits.
//! - **Time comes only from `tokio::time`.** The virtual clock is tokio's paused clock, built in
//!   one place, [`Clock::runtime`].
//!
//! # Timer ticks
//!
//! tokio's timer counts whole milliseconds: a sleep ends on the first millisecond tick at or
//! after its deadline. A delay of `0.0004` seconds therefore lasts `0.001` seconds, and one of
//! `2.0000004` lasts `2.001`. waitsim returns the delays it drew, not the rounded durations.
//!
//! On the virtual clock this makes elapsed times exact. All `n` waits of `wait_n` start at one
//! instant, so on a fresh runtime (as [`measure_time`] and [`Case::run`](analysis::Case::run) use) the elapsed
//! time of `wait_n` is **the largest delay rounded up to the next whole millisecond**:
//! `largest <= elapsed < largest + 0.001`. So `measure_time * n` is the largest delay within
//! one millisecond, and since the largest of `n` uniform draws approaches `max_delay`,
//! `measure_time` approaches `max_delay / n`.
//!
//! # Errors and limits
//!
//! A `max_delay` must be finite, non-negative and at most [`MaxDelay::MAX`] (tokio's longest
//! sleep); `n` at most [`TaskCount::MAX`]; and `measure_time` needs `n >= 1`. Inputs outside
//! those give an [`Error`], never a panic. [`TaskCount::MAX`] is the type's limit: each wait
//! holds a timer entry (its size is measured by the repository's
//! `benches/memory/bytes-per-wait.sh`, and the book gives the figures), so whether a run fits
//! the machine's memory is the caller's question (the command line checks it before it starts).
//!
//! # Features
//!
//! None is on by default; the library alone needs tokio, rand and rand_chacha.
//!
//! - **`proptest`**: [`harness::check`], the seed loop with inputs from any proptest strategy,
//!   shrunk when a seed fails; and [`strategies`], proptest strategies for the routines' inputs
//!   (`n`, `max_delay`, seeds).
//! - **`rand09`**: [`Generator`] and [`CpythonRandom`] are also rand 0.9 generators
//!   (`rand_core` 0.9's `RngCore`), for code written against rand 0.9, with the same bits as
//!   under rand 0.10.
//!
//! docs.rs builds these docs with every feature, and marks what a feature brings.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The modules in layers, each using only those of the layers before it: `error`; `name`,
// `panic`, `digits`; `delay`; `clock`, `cpython`; `rng`, `seeds`; `wait`, `task`; `measure`,
// `routine`; `runner`; `laws`; `harness`; `analysis`; `strategies`.
pub mod analysis;
mod clock;
mod cpython;
mod delay;
mod digits;
mod error;
pub mod harness;
pub mod laws;
mod measure;
mod name;
mod panic;
mod rng;
mod routine;
mod runner;
mod seeds;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategies;
mod task;
mod wait;

// The root is for a user of the routines; the kit is in `harness`, `laws` and `strategies`,
// and what studies runs is in `analysis`.

// The seed's five routines.
pub use measure::measure_time;
pub use task::{task_wait_n, task_wait_random};
pub use wait::{wait_n, wait_random};
// Their inputs, their names and their errors.
pub use delay::{MaxDelay, TaskCount};
pub use digits::parse_digits;
pub use error::Error;
pub use routine::Routine;
// The clock and the generators they run with.
pub use clock::Clock;
pub use cpython::CpythonRandom;
pub use rng::{DefaultRng, Generator, GeneratorKind, seeded};
// Seeds for many runs, and their shards.
pub use seeds::{Partition, SeedRange};

// The README's examples run as doc tests. The book's run in the `waitsim-book` crate (`book/`),
// for the book is not part of this package.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
