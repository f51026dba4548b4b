//! The seed's `2-main.py`: the time of `wait_n(5, 9)`, per task.
//!
//! ```text
//! cargo run --example measure_time
//! ```

use waitsim::{Clock, MaxDelay, measure_time, seeded};

fn main() -> Result<(), waitsim::Error> {
    let (n, max_delay) = (5, MaxDelay::new(9.0)?);
    println!(
        "{}",
        measure_time(&mut seeded(2), n, max_delay, Clock::Virtual)?
    );
    Ok(())
}
