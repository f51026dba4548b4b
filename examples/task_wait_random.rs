//! The seed's `3-main.py`: a wait as a spawned task, and the type of its handle.
//!
//! ```text
//! cargo run --example task_wait_random
//! ```
//!
//! The call is the program's, from `waitsim::demo`, the one list of the seed's programs.

use waitsim::analysis::{Scenario, demo};
use waitsim::{Clock, seeded, task_wait_random};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for call in demo::calls("3-main.py").unwrap_or_default() {
        if let &Scenario::TaskWaitRandom { max_delay } = call {
            Clock::Virtual.run(async {
                let task = task_wait_random(&mut seeded(3), max_delay);
                // `3-main.py` prints the task's class; here, the handle's type.
                println!("{}", std::any::type_name_of_val(&task));
                println!("{}", task.await?);
                Ok::<_, Box<dyn std::error::Error>>(())
            })?;
        }
    }
    Ok(())
}
