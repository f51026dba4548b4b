//! Counting finished waits while a run is under way, for progress displays.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shared count of the waits of a run that have finished.
///
/// Pass it to [`Scenario::run_with_progress`](crate::Scenario::run_with_progress) and read it
/// from another thread while the run is under way. Clones share one count.
///
/// ```
/// use waitsim::{Progress, Routine, Scenario};
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let progress = Progress::new();
/// let mut scenario = Scenario::new(Routine::TaskWaitN, 1);
/// scenario.n = Some(50);
/// scenario.run_with_progress(&progress)?;
/// assert_eq!(progress.finished(), 50);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<AtomicUsize>);

impl Progress {
    /// A count at zero.
    #[must_use]
    pub fn new() -> Progress {
        Progress::default()
    }

    /// How many waits have finished so far.
    #[must_use]
    pub fn finished(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn finish_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
