//! The seed's `1-main.py`: `n` concurrent waits, delays in ascending order.
//!
//! ```text
//! cargo run --example wait_n
//! ```

use waitsim::{Clock, MaxDelay, seeded, wait_n};

fn main() -> Result<(), waitsim::Error> {
    let mut rng = seeded(1);
    for (n, max_delay) in [(5, 5.0), (10, 7.0), (10, 0.0)] {
        let delays = Clock::Virtual.block_on(wait_n(&mut rng, n, MaxDelay::new(max_delay)?))??;
        println!("{delays:?}");
    }
    Ok(())
}
