//! The paths the sandbox lets the code under test read.

use std::path::PathBuf;

/// The folders and files the sandbox lets Python read: what its version check reported, the
/// system's programs and libraries, and of `/etc` only the files a program's start reads
/// (never the whole of `/etc`, with its `shadow`, nor `/usr/local` or `/opt`, where a grader
/// may keep things of their own). Never the root, a top-level folder, or a pseudo-filesystem
/// (`/proc`, `/sys`, `/dev`), nor a temporary folder, whatever the version check reported: a
/// library mapped from a file at `/` must not open the whole disk.
pub fn readable(reported: &[PathBuf]) -> Vec<PathBuf> {
    let system = [
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib32",
        "/usr/lib64",
        "/usr/libexec",
        "/usr/share/zoneinfo",
        "/lib",
        "/lib64",
        "/lib32",
        "/bin",
        "/sbin",
        "/etc/localtime",
        "/etc/ld.so.cache",
        "/etc/ld.so.preload",
    ];
    let never = [
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/tmp",
        "/var/tmp",
        "/etc/shadow",
        "/etc/gshadow",
    ];
    let reported = reported.iter().filter(|path| {
        path.is_absolute()
            && path.components().count() > 2
            && !never.iter().any(|n| path.starts_with(n))
    });
    let mut paths: Vec<PathBuf> = system.iter().map(PathBuf::from).collect();
    paths.extend(reported.cloned());
    paths.retain(|p| p.exists());
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_never_reads_the_root_or_a_pseudo_filesystem() {
        let reported = [
            "/",
            "/proc/self",
            "/tmp/x",
            "/root",
            "/usr/lib",
            "relative/dir",
            "/etc/shadow",
        ];
        let reported: Vec<PathBuf> = reported.iter().map(PathBuf::from).collect();
        let paths = readable(&reported);
        for refused in [
            "/",
            "/proc/self",
            "/tmp/x",
            "/root",
            "relative/dir",
            "/etc",
            "/etc/shadow",
            "/usr",
            "/usr/local",
        ] {
            assert!(
                !paths.contains(&PathBuf::from(refused)),
                "{refused}: {paths:?}"
            );
        }
        assert!(paths.contains(&PathBuf::from("/usr/lib")));
    }
}
