//! The seed's `0-main.py`: three random waits, on the virtual clock.
//!
//! ```text
//! cargo run --example wait_random
//! ```

use waitsim::{Clock, MaxDelay, seeded, wait_random};

fn main() -> Result<(), waitsim::Error> {
    let mut rng = seeded(0);
    // Each `block_on` is the seed's `asyncio.run`.
    println!(
        "{}",
        Clock::Virtual.block_on(wait_random(&mut rng, MaxDelay::DEFAULT))?
    );
    println!(
        "{}",
        Clock::Virtual.block_on(wait_random(&mut rng, MaxDelay::new(5.0)?))?
    );
    println!(
        "{}",
        Clock::Virtual.block_on(wait_random(&mut rng, MaxDelay::new(15.0)?))?
    );
    Ok(())
}
