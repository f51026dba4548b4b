//! The seed's `3-main.py`: a wait as a spawned task, and the type of its handle.
//!
//! ```text
//! cargo run --example task_wait_random
//! ```

use waitsim::{Clock, MaxDelay, seeded, task_wait_random};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    Clock::Virtual.block_on(async {
        let task = task_wait_random(&mut seeded(3), MaxDelay::new(5.0)?);
        println!("{}", std::any::type_name_of_val(&task));
        let delay = task.await?;
        println!("{delay}");
        Ok(())
    })?
}
