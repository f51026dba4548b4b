//! The five routines across sizes, on the virtual clock (and a few on the real one).
//!
//! ```text
//! cargo bench --bench routines
//! ```
//!
//! Each sample builds a fresh virtual-clock runtime, as `measure_time` does, so the figures
//! include the runtime and are comparable with the command line's.

use divan::Bencher;
use waitsim::analysis::measure;
use waitsim::{Clock, MaxDelay, seeded, task_wait_n, task_wait_random, wait_n, wait_random};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[100, 1_000, 10_000, 100_000, 1_000_000];

fn on(clock: Clock) -> tokio::runtime::Runtime {
    clock.runtime().expect("a runtime")
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn wait_n_virtual(bencher: Bencher, n: usize) {
    bencher.counter(n).bench(|| {
        on(Clock::Virtual)
            .block_on(wait_n(&mut seeded(1), n, MaxDelay::DEFAULT))
            .unwrap()
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn task_wait_n_virtual(bencher: Bencher, n: usize) {
    bencher.counter(n).bench(|| {
        on(Clock::Virtual)
            .block_on(task_wait_n(&mut seeded(1), n, MaxDelay::DEFAULT))
            .unwrap()
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn measure_time_virtual(bencher: Bencher, n: usize) {
    bencher.counter(n).bench(|| {
        on(Clock::Virtual)
            .block_on(measure(&mut seeded(1), n, MaxDelay::DEFAULT))
            .unwrap()
    });
}

#[divan::bench(sample_count = 100)]
fn wait_random_virtual() -> f64 {
    on(Clock::Virtual).block_on(wait_random(&mut seeded(1), MaxDelay::DEFAULT))
}

#[divan::bench(sample_count = 100)]
fn task_wait_random_virtual() -> f64 {
    let runtime = on(Clock::Virtual);
    runtime.block_on(async {
        task_wait_random(&mut seeded(1), MaxDelay::DEFAULT)
            .await
            .unwrap()
    })
}

/// Real waits of zero seconds: the cost of the machinery with no waiting in it.
#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 5)]
fn wait_n_real_zero(bencher: Bencher, n: usize) {
    bencher.counter(n).bench(|| {
        on(Clock::Real)
            .block_on(wait_n(&mut seeded(1), n, MaxDelay::ZERO))
            .unwrap()
    });
}

/// Real waits of up to 10 ms: how far the elapsed time overshoots the largest delay.
#[divan::bench(args = [1_000, 10_000], sample_count = 5)]
fn wait_n_real_10ms(bencher: Bencher, n: usize) {
    let max_delay = MaxDelay::new(0.01).unwrap();
    bencher.counter(n).bench(|| {
        on(Clock::Real)
            .block_on(wait_n(&mut seeded(1), n, max_delay))
            .unwrap()
    });
}
