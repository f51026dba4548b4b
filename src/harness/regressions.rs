//! The regressions file: the seeds that failed, tried first by every later run of their test.
//!
//! Any number of test processes may record at once (cargo-nextest runs each test in its own
//! process): the header is written once, by whichever process creates the file, and each seed
//! is one whole line appended with one write.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::RngKind;
use crate::seeds::parse_u64;

/// The file's first lines.
const HEADER: &str = "# Seeds that failed a waitsim harness test, tried first by every later run of it.\n\
                      # Commit this file. Each line: test name, generator, seed, and what failed.\n";

/// The regressions file of the crate under test, if cargo says where that is.
pub(super) fn default_path() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| PathBuf::from(dir).join(super::REGRESSIONS_FILE))
}

/// The seeds recorded for `test` with generators of `kind`, in the order they were recorded.
pub(super) fn recorded_seeds(path: &Path, test: &str, kind: RngKind) -> Vec<u64> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut seeds = Vec::new();
    // A comment's first word starts with `#`, which no test's name does, and a blank line has
    // no words: neither names a test.
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(recorded), Some(seed)) = (words.next(), words.next(), words.next())
            && name == test
            && recorded == kind.to_string()
            && let Some(seed) = parse_u64(seed)
            && !seeds.contains(&seed)
        {
            seeds.push(seed);
        }
    }
    seeds
}

/// The comment of a recorded seed: `note` on one line, at most 300 characters.
fn one_line(note: &str) -> String {
    let flat: String = note.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
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
pub(super) fn record(path: &Path, test: &str, kind: RngKind, seed: u64, note: &str) -> bool {
    if create_with_header(path).is_err() {
        return false;
    }
    let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path) else {
        return false;
    };
    let line = format!("{test} {kind} {seed} # {}\n", one_line(note));
    // One write of one line, in append mode: lines of processes appending at once do not
    // interleave.
    file.write_all(line.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_seeds_are_this_tests_of_this_kind_once_each_in_file_order() {
        let path = std::env::temp_dir().join(format!("waitsim-recorded-{}", std::process::id()));
        for (test, kind, seed) in [
            ("t", RngKind::ChaCha, 7),
            ("t", RngKind::Cpython, 8),
            ("other", RngKind::ChaCha, 9),
            ("t", RngKind::ChaCha, 3),
            ("t", RngKind::ChaCha, 7),
        ] {
            assert!(record(&path, test, kind, seed, "failed\nsecond line"));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert_eq!(text.matches("# Seeds that failed").count(), 1, "{text}");
        assert!(
            text.contains("\nt chacha 7 # failed second line\n"),
            "{text}"
        );
        std::fs::write(&path, text + "\n  \nt chacha x # malformed\n#t chacha 5\n").unwrap();
        assert_eq!(recorded_seeds(&path, "t", RngKind::ChaCha), [7, 3]);
        assert_eq!(recorded_seeds(&path, "t", RngKind::Cpython), [8]);
        assert_eq!(
            recorded_seeds(&path, "#", RngKind::ChaCha),
            Vec::<u64>::new()
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            recorded_seeds(&path, "t", RngKind::ChaCha),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn a_note_is_one_line_of_at_most_300_characters() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let long = "é".repeat(400);
        assert_eq!(one_line(&long), format!("{}…", "é".repeat(300)));
    }

    #[test]
    fn a_file_that_cannot_be_made_records_nothing() {
        let path = Path::new("/nonexistent-waitsim-dir/waitsim-regressions.txt");
        assert!(!record(path, "t", RngKind::ChaCha, 1, "x"));
    }
}
