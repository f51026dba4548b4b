//! The seed's `2-main.py`: the time of `wait_n(5, 9)`, per task.
//!
//! ```text
//! cargo run --example measure_time
//! ```
//!
//! The call is the program's, from `waitsim::demo`, the one list of the seed's programs.

use waitsim::analysis::{Scenario, demo};
use waitsim::{Clock, measure_time, seeded};

fn main() -> Result<(), waitsim::Error> {
    for call in demo::calls("2-main.py").unwrap_or_default() {
        if let &Scenario::MeasureTime { n, max_delay } = call {
            println!(
                "{}",
                measure_time(&mut seeded(2), n, max_delay, Clock::Virtual)?
            );
        }
    }
    Ok(())
}
