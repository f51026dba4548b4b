//! The seed's `0-main.py`: three random waits, on the virtual clock.
//!
//! ```text
//! cargo run --example wait_random
//! ```
//!
//! The calls are the program's, from `waitsim::demo`, the one list of the seed's programs.

use waitsim::analysis::{Scenario, demo};
use waitsim::{Clock, seeded, wait_random};

fn main() -> Result<(), waitsim::Error> {
    let mut rng = seeded(0);
    for call in demo::calls("0-main.py").unwrap_or_default() {
        if let &Scenario::WaitRandom { max_delay } = call {
            // `Clock::block_on` is the seed's `asyncio.run`; `wait_random` cannot fail.
            println!(
                "{}",
                Clock::Virtual.block_on(wait_random(&mut rng, max_delay))?
            );
        }
    }
    Ok(())
}
