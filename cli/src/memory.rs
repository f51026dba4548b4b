//! Memory as a checked budget: what a run needs, what the machine allows, and a typed error
//! when the one exceeds the other, before anything is allocated.
//!
//! [`TaskCount::MAX`](waitsim::TaskCount::MAX) is the type's limit: the most waits a call
//! accepts at all.
//! What a machine allows is usually far less: every wait holds a timer entry in memory. What
//! one holds is measured once, by `benches/memory/bytes-per-wait.sh`, and recorded in
//! [`MEASURED`]; the budgets are derived from it ([`budget`]), and the figures in the book's
//! page on the command line (`book/src/reference/cli.md`) are checked against both by this
//! module's tests. [`check`] compares a run's need with the least of the cgroup's memory limit,
//! the process's address-space limit and the memory the system has available.

use waitsim::Routine;
use waitsim::analysis::Scenario;

use crate::exit::Exit;

/// What a process needs besides its waits: the runtime, the generator, buffers.
pub const BASE_BYTES: u64 = 32_000_000;

/// The bytes one wait holds at its peak, per workload, as `benches/memory/bytes-per-wait.sh`
/// measured them (release build, peak resident memory at 10^6 and 4 × 10^6 waits; see
/// BENCHMARKS.md): for `wait-n` and `measure-time`, the delay and its `Sleep` (sixteen to an
/// allocation); for `task-wait-n`, a spawned task each; for `timeline`, a span beside each.
pub const MEASURED: [(&str, u64); 4] = [
    ("wait-n", 105),
    ("measure-time", 105),
    ("task-wait-n", 281),
    ("timeline", 137),
];

/// What [`MEASURED`] says of `workload`.
fn measured(workload: &str) -> u64 {
    MEASURED
        .iter()
        .find(|(name, _)| *name == workload)
        .map_or(0, |&(_, bytes)| bytes)
}

/// The budget for a measured figure: 10% more, rounded up to a multiple of 5 bytes, for what
/// varies with the allocator and the machine.
#[must_use]
pub const fn budget(measured: u64) -> u64 {
    measured.saturating_mul(11).div_ceil(50).saturating_mul(5)
}

/// The memory one wait of `routine` is budgeted at its peak, in bytes (see [`MEASURED`]).
#[must_use]
pub fn bytes_per_wait(routine: Routine) -> u64 {
    match routine {
        Routine::TaskWaitN | Routine::TaskWaitRandom => budget(measured("task-wait-n")),
        _ => budget(measured("wait-n").max(measured("measure-time"))),
    }
}

/// The memory a timeline of `n` waits needs at its peak, in bytes: its spans beside the waits.
#[must_use]
pub fn timeline_needed(n: usize) -> u64 {
    BASE_BYTES.saturating_add((n as u64).saturating_mul(budget(measured("timeline"))))
}

/// The memory a run of `scenario` needs at its peak, in bytes.
#[must_use]
pub fn needed(scenario: &Scenario) -> u64 {
    let waits = scenario.n().unwrap_or(1) as u64;
    BASE_BYTES.saturating_add(waits.saturating_mul(bytes_per_wait(scenario.routine())))
}

/// The memory this process can still have, and what limits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Available {
    /// The bytes available.
    pub bytes: u64,
    /// What sets the figure: `the cgroup's memory limit`, `the address-space limit` or `the
    /// system's available memory`.
    pub limit: &'static str,
}

/// The least of what the cgroup's limit, the address-space limit and the system's available
/// memory leave this process; `None` where none of them can be read (outside Linux).
#[must_use]
pub fn available() -> Option<Available> {
    let mut least: Option<Available> = None;
    let mut consider = |bytes: Option<u64>, limit| {
        if let Some(bytes) = bytes
            && least.is_none_or(|least| bytes < least.bytes)
        {
            least = Some(Available { bytes, limit });
        }
    };
    consider(cgroup_room(), "the cgroup's memory limit");
    consider(address_space_room(), "the address-space limit");
    consider(meminfo("MemAvailable:"), "the system's available memory");
    least
}

/// Refuses a run that needs more memory than [`available`] says there is.
///
/// # Errors
///
/// A failure of the environment (status 1) naming both figures: the input is valid, the
/// machine is too small for it.
pub fn check(need: u64) -> Result<(), Exit> {
    match available() {
        Some(room) if need > room.bytes => Err(Exit::environment(format!(
            "not enough memory: the run needs about {}, and {} is available ({})",
            show(need),
            show(room.bytes),
            room.limit
        ))),
        _ => Ok(()),
    }
}

/// How many runs that each need `need` bytes fit in memory at once, at most `wanted`; `None`
/// when not even one does.
#[must_use]
pub fn fitting(need: u64, wanted: usize) -> Option<usize> {
    match available() {
        None => Some(wanted),
        Some(room) => {
            let fit = usize::try_from(room.bytes / need.max(1)).unwrap_or(usize::MAX);
            (fit > 0).then(|| fit.min(wanted))
        }
    }
}

/// Bytes written for people: `14.5 GB`, `310 MB`.
fn show(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{} MB", bytes.div_ceil(1_000_000))
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// A `Key:   N kB` line of a `/proc` file, in bytes.
fn kb_line(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(key))?;
    let kb: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

fn meminfo(key: &str) -> Option<u64> {
    kb_line(&read("/proc/meminfo")?, key)
}

/// The soft address-space limit less what the process has mapped already.
fn address_space_room() -> Option<u64> {
    let limits = read("/proc/self/limits")?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max address space"))?;
    let soft: u64 = line["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let mapped = kb_line(&read("/proc/self/status")?, "VmSize:").unwrap_or(0);
    Some(soft.saturating_sub(mapped))
}

/// The cgroup's memory limit less what the cgroup uses (cgroup v2, then v1).
fn cgroup_room() -> Option<u64> {
    let (limit, used) = [
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ]
    .iter()
    .find_map(|(limit, used)| {
        let limit: u64 = read(limit)?.trim().parse().ok()?;
        let used: u64 = read(used)?.trim().parse().ok().unwrap_or(0);
        Some((limit, used))
    })?;
    Some(limit.saturating_sub(used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use waitsim::MaxDelay;

    #[test]
    fn the_need_grows_with_the_waits_and_their_kind() {
        let joined = Scenario::WaitN {
            n: 1_000_000,
            max_delay: MaxDelay::DEFAULT,
        };
        let tasks = Scenario::TaskWaitN {
            n: 1_000_000,
            max_delay: MaxDelay::DEFAULT,
        };
        assert!(needed(&tasks) > 2 * needed(&joined) - BASE_BYTES);
        let max = Scenario::WaitN {
            n: waitsim::TaskCount::MAX,
            max_delay: MaxDelay::DEFAULT,
        };
        assert!(needed(&max) > 12_000_000_000);
    }

    #[test]
    fn budgets_are_the_measurements_with_their_margin() {
        assert_eq!(budget(105), 120);
        assert_eq!(budget(281), 310);
        assert_eq!(budget(137), 155);
        assert_eq!(bytes_per_wait(Routine::WaitN), budget(105));
    }

    /// The book's figures are this module's: the measurements, the budgets and the need of
    /// the largest `wait-n`.
    #[test]
    fn the_book_quotes_the_measured_figures_and_the_budgets_derived_from_them() {
        let page = include_str!("../../book/src/reference/cli.md");
        let figure = |name| measured(name);
        let quoted = format!(
            "`wait-n` and\n`measure-time` {}, `task-wait-n` {}, `timeline` {}; waitsim budgets {}, {} and {}, plus\n{} MB.",
            figure("wait-n"),
            figure("task-wait-n"),
            figure("timeline"),
            bytes_per_wait(Routine::WaitN),
            bytes_per_wait(Routine::TaskWaitN),
            budget(figure("timeline")),
            BASE_BYTES / 1_000_000
        );
        assert!(page.contains(&quoted), "the book should say:\n{quoted}");
        let largest = needed(&Scenario::WaitN {
            n: waitsim::TaskCount::MAX,
            max_delay: waitsim::MaxDelay::DEFAULT,
        });
        let need = format!("the run needs about {}", show(largest));
        assert!(page.contains(&need), "the book should say: {need}");
        let holds = format!("(10^8 waits of `wait-n` need about {})", show(largest));
        assert!(page.contains(&holds), "the book should say: {holds}");
        assert_eq!(figure("wait-n"), figure("measure-time"));
    }

    #[test]
    fn sizes_are_written_for_people() {
        assert_eq!(show(14_532_000_000), "14.5 GB");
        assert_eq!(show(309_000_001), "310 MB");
    }

    #[test]
    fn an_impossible_need_is_refused_and_a_small_one_is_not() {
        check(1_000_000).unwrap();
        if available().is_some() {
            let err = check(u64::MAX).unwrap_err();
            assert_eq!(err.status, 1);
            assert!(
                err.message
                    .starts_with("not enough memory: the run needs about"),
                "{}",
                err.message
            );
            assert_eq!(fitting(u64::MAX, 4), None);
            assert_eq!(fitting(1, 4), Some(4));
        }
    }
}
