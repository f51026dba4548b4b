//! The seed's `4-main.py`: `wait_n` built from spawned tasks.
//!
//! ```text
//! cargo run --example task_wait_n
//! ```

use waitsim::{Clock, MaxDelay, seeded, task_wait_n};

fn main() -> Result<(), waitsim::Error> {
    let (n, max_delay) = (5, MaxDelay::new(6.0)?);
    println!(
        "{:?}",
        Clock::Virtual.block_on(task_wait_n(&mut seeded(4), n, max_delay))??
    );
    Ok(())
}
