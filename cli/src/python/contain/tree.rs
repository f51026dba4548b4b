//! Process trees, read from `/proc` (Linux): who is below whom, and killing a whole subtree,
//! whatever sessions and process groups its members moved to.

use std::collections::HashMap;

/// Each process's parent, for every process `/proc` shows.
fn parents() -> HashMap<u32, u32> {
    let mut parents = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return parents;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(parent) = parent_in_stat(&stat) {
            parents.insert(pid, parent);
        }
    }
    parents
}

/// The parent's id in a `/proc/PID/stat` line: the second field after the command, which
/// is in parentheses and may hold spaces and parentheses of its own.
fn parent_in_stat(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// The processes below `root`, found in one reading of `/proc`.
pub fn descendants(root: u32) -> Vec<u32> {
    let parents = parents();
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&pid, &parent) in &parents {
        children.entry(parent).or_default().push(pid);
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(pid) = next.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            if child != root && !found.contains(&child) {
                found.push(child);
                next.push(child);
            }
        }
    }
    found
}

/// How long `root` and the processes below it have waited for a CPU while ready to run: the
/// sum, over their threads, of the second field of `/proc/PID/task/TID/schedstat`. The tree is
/// walked through each thread's `children`, which reads a few files where a scan of `/proc`
/// would read every process's. A thread that has ended no longer counts, so the sum can fall;
/// callers look at its growth. `None` where the kernel keeps no such count, or `/proc` hides
/// the tree.
pub fn run_queue_wait(root: u32) -> Option<std::time::Duration> {
    let mut total = 0u64;
    let mut seen = false;
    let mut next = vec![root];
    let mut visited = 0;
    while let Some(pid) = next.pop() {
        // However the tree grows while it is read, the walk ends.
        visited += 1;
        if visited > 4096 {
            break;
        }
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let path = task.path();
            let waited = std::fs::read_to_string(path.join("schedstat"))
                .ok()
                .and_then(|line| waited_in_schedstat(&line));
            if let Some(waited) = waited {
                total = total.saturating_add(waited);
                seen = true;
            }
            if let Ok(children) = std::fs::read_to_string(path.join("children")) {
                next.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
    }
    seen.then(|| std::time::Duration::from_nanos(total))
}

/// The nanoseconds spent waiting on a run queue, in a `schedstat` line: `run wait slices`.
fn waited_in_schedstat(line: &str) -> Option<u64> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The direct children of `parent`.
pub fn children(parent: u32) -> Vec<u32> {
    parents()
        .into_iter()
        .filter(|&(_, p)| p == parent)
        .map(|(pid, _)| pid)
        .collect()
}

/// Sends SIGKILL to every process below `root`, as one reading of `/proc` finds them. A
/// process forked meanwhile is found by the next reading: callers repeat until nothing is
/// left.
#[cfg(unix)]
pub fn kill_descendants(root: u32) -> usize {
    let found = descendants(root);
    for &pid in &found {
        kill(pid);
    }
    found.len()
}

/// Sends SIGKILL to one process.
#[cfg(unix)]
pub fn kill(pid: u32) {
    signal(pid, nix::sys::signal::Signal::SIGKILL);
}

/// Sends `signal` to one process; one that is gone already needs nothing.
#[cfg(unix)]
fn signal(pid: u32, signal: nix::sys::signal::Signal) {
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_past_a_command_with_parentheses() {
        assert_eq!(parent_in_stat("12 (a) b) c) S 34 12 12 0"), Some(34));
        assert_eq!(parent_in_stat("12 (sleep) S 1 12 12"), Some(1));
        assert_eq!(parent_in_stat("garbage"), None);
    }

    #[test]
    fn the_wait_is_the_second_field_of_schedstat() {
        assert_eq!(waited_in_schedstat("120119 2362416 2\n"), Some(2362416));
        assert_eq!(waited_in_schedstat("120119"), None);
        assert_eq!(waited_in_schedstat("a b c"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn threads_that_outnumber_the_cpus_are_seen_waiting() {
        let me = std::process::id();
        let before = run_queue_wait(me).expect("this process's own schedstat is readable");
        // Twice as many busy threads as CPUs, spinning for 50 ms: some must wait.
        let busy = 2 * std::thread::available_parallelism().map_or(1, usize::from) + 1;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let threads: Vec<_> = (0..busy)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(50));
        // Read while they run: an ended thread no longer counts.
        let during = run_queue_wait(me).expect("readable");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(during > before, "{during:?} after {before:?}");
        assert_eq!(run_queue_wait(u32::MAX), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_is_among_the_descendants() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id();
        assert!(descendants(me).contains(&child.id()));
        assert!(children(me).contains(&child.id()));
        kill(child.id());
        child.wait().unwrap();
    }
}
