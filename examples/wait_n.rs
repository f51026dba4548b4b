//! The seed's `1-main.py`: `n` concurrent waits, delays in ascending order.
//!
//! ```text
//! cargo run --example wait_n
//! ```
//!
//! The calls are the program's, from `waitsim::demo`, the one list of the seed's programs.

use waitsim::analysis::{Scenario, demo};
use waitsim::{Clock, seeded, wait_n};

fn main() -> Result<(), waitsim::Error> {
    let mut rng = seeded(1);
    for call in demo::calls("1-main.py").unwrap_or_default() {
        if let &Scenario::WaitN { n, max_delay } = call {
            // `Clock::run` is the seed's `asyncio.run`.
            println!("{:?}", Clock::Virtual.run(wait_n(&mut rng, n, max_delay))?);
        }
    }
    Ok(())
}
