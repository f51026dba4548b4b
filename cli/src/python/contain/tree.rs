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
