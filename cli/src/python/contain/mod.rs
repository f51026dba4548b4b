//! Containment of the code under test, in one place:
//!
//! - [`warden`]: the process between waitsim and each Python process, which applies the limits
//!   and the sandbox and kills the whole tree at the end;
//! - [`tree`]: process trees read from `/proc`, and the killing of a whole subtree;
//! - [`paths`]: what the sandbox lets Python read;
//! - [`env`](mod@env): the environment Python gets.
//!
//! Outside this folder, only [`kill_children_but`] is for the rest of the command (the
//! interruption handler's sweep of orphans), and [`run_queue_wait`] for the drive loop's
//! deadlines.

pub(super) mod env;
pub(super) mod paths;
mod tree;
pub(super) mod warden;

/// Kills every child of waitsim's whose id `keep` does not hold, and everything below each:
/// the children killed, for the caller to reap. (Linux; elsewhere, none.)
pub fn kill_children_but(keep: &[u32]) -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        let orphans: Vec<u32> = tree::children(std::process::id())
            .into_iter()
            .filter(|pid| !keep.contains(pid))
            .collect();
        for &orphan in &orphans {
            tree::kill_descendants(orphan);
            tree::kill(orphan);
        }
        orphans
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = keep;
        Vec::new()
    }
}

/// How long the tree from `root` down has waited for a CPU while ready to run, for the drive
/// loop's deadlines: see [`tree::run_queue_wait`].
pub(super) fn run_queue_wait(root: u32) -> Option<std::time::Duration> {
    tree::run_queue_wait(root)
}
