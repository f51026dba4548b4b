//! The regressions file: the seeds that failed, tried first by every later run of their test.
//!
//! Any number of test processes may record at once (cargo-nextest runs each test in its own
//! process): the header is written once, by whichever process creates the file, and each seed
//! is one whole line appended with one write.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::digits::parse_digits;
use crate::rng::GeneratorKind;
use crate::seeds::Partition;

/// The file, at the root of the crate under test, that keeps the seeds that failed.
pub const REGRESSIONS_FILE: &str = "waitsim-regressions.txt";

/// Where a harness keeps the seeds that fail, and reads those to try first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) enum Regressions {
    /// The crate's [`REGRESSIONS_FILE`], where cargo says where the crate is.
    #[default]
    CrateFile,
    /// This file.
    File(PathBuf),
    /// None: nothing is read or recorded.
    Off,
}

impl Regressions {
    /// The file to read and record in, if there is one.
    pub(super) fn path(&self) -> Option<PathBuf> {
        match self {
            Regressions::CrateFile => default_path(),
            Regressions::File(path) => Some(path.clone()),
            Regressions::Off => None,
        }
    }
}

/// The file's first lines.
const HEADER: &str = "# Seeds that failed a waitsim harness test, tried first by every later run of it.\n\
                      # Commit this file. Each line: test name, generator, seed, and what failed.\n";

/// A recorded seed, with where it was found: the shard that ran it (none for the whole
/// range, and in files written before shards were noted), and whether the determinism check
/// was what failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) seed: u64,
    pub(super) shard: Option<Partition>,
    pub(super) determinism: bool,
}

impl Entry {
    /// Whether a run of shard `shard`, over a range starting at `start`, with the
    /// determinism check on or off, tries this seed: the whole range tries every seed; a
    /// shard tries those recorded under it, and the others its rule gives it; an entry from
    /// the determinism check is tried only with the check on.
    pub(super) fn runs_in(&self, shard: Partition, start: u64, determinism: bool) -> bool {
        let in_shard =
            shard == Partition::WHOLE || self.shard == Some(shard) || shard.holds(start, self.seed);
        in_shard && (determinism || !self.determinism)
    }

    /// The words after the seed on its line.
    fn marks(&self) -> String {
        let mut marks = String::new();
        if let Some(shard) = self.shard.filter(|&shard| shard != Partition::WHOLE) {
            marks += &format!(" shard={shard}");
        }
        if self.determinism {
            marks += " determinism";
        }
        marks
    }
}

/// The regressions file of the crate under test, if cargo says where that is.
fn default_path() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(|dir| PathBuf::from(dir).join(REGRESSIONS_FILE))
}

/// The seeds recorded for `test` with generators of `kind`, in the order they were recorded,
/// each once (its first entry).
pub(super) fn recorded(path: &Path, test: &str, kind: GeneratorKind) -> Vec<Entry> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut entries: Vec<Entry> = Vec::new();
    // A comment's first word starts with `#`, which no test's name does, and a blank line has
    // no words: neither names a test.
    for line in text.lines() {
        let line = line.split_once(" #").map_or(line, |(entry, _)| entry);
        let mut words = line.split_whitespace();
        if let (Some(name), Some(recorded), Some(seed)) = (words.next(), words.next(), words.next())
            && name == test
            && recorded == kind.to_string()
            && let Some(seed) = parse_digits::<u64>(seed)
            && !entries.iter().any(|entry| entry.seed == seed)
        {
            let mut entry = Entry {
                seed,
                shard: None,
                determinism: false,
            };
            for mark in words {
                if let Some(shard) = mark.strip_prefix("shard=") {
                    entry.shard = shard.parse().ok();
                } else if mark == "determinism" {
                    entry.determinism = true;
                }
            }
            entries.push(entry);
        }
    }
    entries
}

/// The comment of a recorded seed: `note` on one line, whole.
fn one_line(note: &str) -> String {
    note.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Makes the file with its header, unless it exists: the header appears whole, at once, or
/// not at all (it is written to a file of this process's own and linked into place, which
/// fails if another process got there first).
fn create_with_header(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let own = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    std::fs::write(&own, HEADER)?;
    let linked = std::fs::hard_link(&own, path);
    let _ = std::fs::remove_file(&own);
    match linked {
        Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => Err(err),
        _ => Ok(()),
    }
}

/// Appends a failing seed, with `note` as its comment; whether it was written.
pub(super) fn record(
    path: &Path,
    test: &str,
    kind: GeneratorKind,
    entry: Entry,
    note: &str,
) -> bool {
    if create_with_header(path).is_err() {
        return false;
    }
    let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path) else {
        return false;
    };
    let line = format!(
        "{test} {kind} {}{} # {}\n",
        entry.seed,
        entry.marks(),
        one_line(note)
    );
    // One write of one line, in append mode: lines of processes appending at once do not
    // interleave.
    file.write_all(line.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(seed: u64) -> Entry {
        Entry {
            seed,
            shard: None,
            determinism: false,
        }
    }

    fn seeds(path: &Path, test: &str, kind: GeneratorKind) -> Vec<u64> {
        recorded(path, test, kind).iter().map(|e| e.seed).collect()
    }

    #[test]
    fn recorded_seeds_are_this_tests_of_this_kind_once_each_in_file_order() {
        let path = std::env::temp_dir().join(format!("waitsim-recorded-{}", std::process::id()));
        for (test, kind, seed) in [
            ("t", GeneratorKind::ChaCha, 7),
            ("t", GeneratorKind::Cpython, 8),
            ("other", GeneratorKind::ChaCha, 9),
            ("t", GeneratorKind::ChaCha, 3),
            ("t", GeneratorKind::ChaCha, 7),
        ] {
            assert!(record(
                &path,
                test,
                kind,
                whole(seed),
                "failed\nsecond line"
            ));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert_eq!(text.matches("# Seeds that failed").count(), 1, "{text}");
        assert!(
            text.contains("\nt chacha 7 # failed second line\n"),
            "{text}"
        );
        std::fs::write(&path, text + "\n  \nt chacha x # malformed\n#t chacha 5\n").unwrap();
        assert_eq!(seeds(&path, "t", GeneratorKind::ChaCha), [7, 3]);
        assert_eq!(seeds(&path, "t", GeneratorKind::Cpython), [8]);
        assert_eq!(seeds(&path, "#", GeneratorKind::ChaCha), Vec::<u64>::new());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(seeds(&path, "t", GeneratorKind::ChaCha), Vec::<u64>::new());
    }

    #[test]
    fn a_note_is_one_line_and_a_long_one_survives_whole() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let path = std::env::temp_dir().join(format!("waitsim-long-{}", std::process::id()));
        let long = "é".repeat(2000);
        assert!(record(&path, "t", GeneratorKind::ChaCha, whole(4), &long));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(
            text.ends_with(&format!("\nt chacha 4 # {long}\n")),
            "{text}"
        );
    }

    #[test]
    fn an_entry_keeps_its_shard_and_its_determinism_mark_and_old_lines_still_read() {
        let path = std::env::temp_dir().join(format!("waitsim-marks-{}", std::process::id()));
        let half = |k| Partition::new(k, 2).unwrap();
        let from_shard = Entry {
            shard: Some(half(2)),
            ..whole(1)
        };
        let from_check = Entry {
            determinism: true,
            ..whole(6)
        };
        assert!(record(&path, "t", GeneratorKind::ChaCha, from_shard, "odd"));
        assert!(record(
            &path,
            "t",
            GeneratorKind::ChaCha,
            from_check,
            "twice"
        ));
        let mut text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\nt chacha 1 shard=2/2 # odd\n"), "{text}");
        assert!(
            text.contains("\nt chacha 6 determinism # twice\n"),
            "{text}"
        );
        // A line as older versions wrote it.
        text += "t chacha 4 # input 3: failed # twice\n";
        std::fs::write(&path, text).unwrap();
        let entries = recorded(&path, "t", GeneratorKind::ChaCha);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(entries, [from_shard, from_check, whole(4)]);
        // Seed 1, found by shard 2/2 of 0..N, is not shard 1/2's; the whole range tries it.
        assert!(!from_shard.runs_in(half(1), 0, false));
        assert!(from_shard.runs_in(half(2), 0, false));
        assert!(from_shard.runs_in(half(2), 10, false));
        // Its shard runs it even where the range's start would give the seed to another.
        assert!(!half(2).holds(1, 1));
        assert!(from_shard.runs_in(half(2), 1, false));
        assert!(from_shard.runs_in(Partition::WHOLE, 0, false));
        // An old entry runs where the shard's rule puts its seed.
        assert!(whole(4).runs_in(half(1), 0, false));
        assert!(!whole(4).runs_in(half(2), 0, false));
        // The determinism check's entry, only with the check on.
        assert!(!from_check.runs_in(Partition::WHOLE, 0, false));
        assert!(from_check.runs_in(Partition::WHOLE, 0, true));
    }

    #[test]
    fn the_default_file_is_at_the_root_of_the_crate_under_test() {
        // cargo runs a test binary with the crate's folder in `CARGO_MANIFEST_DIR`.
        assert_eq!(
            default_path(),
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("waitsim-regressions.txt"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_made_meanwhile_is_left_as_it_is_and_other_failures_are_errors() {
        let dir = std::env::temp_dir().join(format!("waitsim-header-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A name that is taken though `Path::exists` says not (a link to nowhere): as when
        // another process made the file between the look and the link.
        let taken = dir.join("taken");
        std::os::unix::fs::symlink(dir.join("nowhere"), &taken).unwrap();
        assert!(!taken.exists());
        let meanwhile = create_with_header(&taken);
        // A name no file can have.
        let unmakeable = create_with_header(&dir.join("file/"));
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(meanwhile.is_ok(), "{meanwhile:?}");
        assert!(unmakeable.is_err());
        // This process's own file is gone either way.
        assert_eq!(left, ["taken"]);
    }

    #[test]
    fn a_file_that_cannot_be_made_records_nothing() {
        let path = Path::new("/nonexistent-waitsim-dir/waitsim-regressions.txt");
        assert!(!record(path, "t", GeneratorKind::ChaCha, whole(1), "x"));
    }
}
