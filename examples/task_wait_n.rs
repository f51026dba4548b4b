//! The seed's `4-main.py`: `wait_n` built from spawned tasks.
//!
//! ```text
//! cargo run --example task_wait_n
//! ```
//!
//! The call is the program's, from `waitsim::demo`, the one list of the seed's programs.

use waitsim::analysis::{Scenario, demo};
use waitsim::{Clock, seeded, task_wait_n};

fn main() -> Result<(), waitsim::Error> {
    for call in demo::calls("4-main.py").unwrap_or_default() {
        if let &Scenario::TaskWaitN { n, max_delay } = call {
            println!(
                "{:?}",
                Clock::Virtual.run(task_wait_n(&mut seeded(4), n, max_delay))?
            );
        }
    }
    Ok(())
}
