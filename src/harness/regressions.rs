//! The regressions file: the seeds that failed, tried first by every later run of their test.
//!
//! Any number of test processes may record at once (cargo-nextest runs each test in its own
//! process): the header is written once, by whichever process creates the file, and each seed
//! is one whole line appended with one write, under the file's lock.
//!
//! A line is the test's name, the generator's kind and the seed, then marks: `shard=K/N`
//! for the shard that found it, `determinism` for a failure of the determinism check, and
//! `draws=INPUT/WORDS` for the shrunk case (the bytes the input's strategy read, and the
//! words `sim.rng` handed out as LEB128 numbers, each part in URL-safe base64 without
//! padding; `*` for words the seed's generator made); then `# ` and what failed.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
                      # Commit this file. Each line: test, generator, seed, marks, `#` and what failed.\n\
                      # Marks: target=KIND:NAME, the test binary's; shard=K/N, the shard that found it;\n\
                      # determinism, the determinism check's; draws=INPUT/WORDS, the shrunk case.\n";

/// A recorded seed, with where it was found: the shard that ran it (none for the whole
/// range, and in files written before shards were noted), whether the determinism check
/// was what failed, the shrunk case, where its draws make it again, and what failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) seed: u64,
    /// The cargo target of the test binary that recorded it (`test:it`, `lib`, `doc`), where
    /// that was known: a test of the same name in another binary does not run it.
    pub(super) target: Option<String>,
    pub(super) shard: Option<Partition>,
    pub(super) determinism: bool,
    pub(super) case: Option<StoredCase>,
    /// What failed: the line's comment (that of the line the case comes from).
    pub(super) note: String,
    /// Whether the last `draws=` recorded for the seed is malformed (then the seed runs
    /// without a case, or with an earlier one).
    pub(super) malformed: bool,
}

/// A shrunk failing case, kept beside its seed: a shrunk case cannot be made again from the
/// seed (a time budget may have stopped its shrinking, and the code may have changed since).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct StoredCase {
    /// The bytes the input's strategy read (none for a body without an input).
    pub(super) input: Vec<u8>,
    /// The words `sim.rng` handed out, then the simplest word on; `None` where the seed's
    /// generator made them (a body that drew more words than shrinking keeps).
    pub(super) words: Option<Vec<u64>>,
}

impl StoredCase {
    /// The case as its mark's value: `INPUT/WORDS`.
    fn encode(&self) -> String {
        let words = match &self.words {
            Some(words) => {
                let mut bytes = Vec::with_capacity(words.len());
                for &word in words {
                    push_leb128(&mut bytes, word);
                }
                URL_SAFE_NO_PAD.encode(bytes)
            }
            None => "*".to_string(),
        };
        format!("{}/{words}", URL_SAFE_NO_PAD.encode(&self.input))
    }

    /// The case a mark's value gives; `None` if it is malformed.
    fn decode(value: &str) -> Option<StoredCase> {
        let (input, words) = value.split_once('/')?;
        let input = URL_SAFE_NO_PAD.decode(input).ok()?;
        let words = if words == "*" {
            None
        } else {
            let mut bytes = URL_SAFE_NO_PAD.decode(words).ok()?.into_iter();
            let mut words = Vec::new();
            while bytes.len() > 0 {
                words.push(read_leb128(&mut bytes)?);
            }
            Some(words)
        };
        Some(StoredCase { input, words })
    }
}

/// Appends `value` as an unsigned LEB128 number: seven bits a byte, low bits first, the high
/// bit set on every byte but the last. A shrunk case's words are mostly small: one byte each.
fn push_leb128(bytes: &mut Vec<u8>, mut value: u64) {
    loop {
        // The low seven bits: the cast keeps exactly them.
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            bytes.push(low);
            return;
        }
        // (`low` has its high bit clear, so `^` would do as well as `|`.)
        bytes.push(low | 0x80);
    }
}

/// Reads one unsigned LEB128 number; `None` if the bytes end inside it or it overflows 64
/// bits.
fn read_leb128(bytes: &mut impl Iterator<Item = u8>) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = bytes.next()?;
        let low = u64::from(byte & 0x7f);
        // The tenth byte holds the top bit only.
        if shift == 63 && low > 1 {
            return None;
        }
        value |= low << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

impl Entry {
    /// A seed not recorded: found now, in no shard yet, with no case.
    pub(super) fn fresh(seed: u64) -> Entry {
        Entry {
            seed,
            target: None,
            shard: None,
            determinism: false,
            case: None,
            note: String::new(),
            malformed: false,
        }
    }

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
        if let Some(target) = &self.target {
            marks += &format!(" target={target}");
        }
        if let Some(shard) = self.shard.filter(|&shard| shard != Partition::WHOLE) {
            marks += &format!(" shard={shard}");
        }
        if self.determinism {
            marks += " determinism";
        }
        if let Some(case) = &self.case {
            marks += " draws=";
            marks += &case.encode();
        }
        marks
    }
}

/// The regressions file of the crate under test, if cargo says where that is.
fn default_path() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(|dir| PathBuf::from(dir).join(REGRESSIONS_FILE))
}

/// The cargo target a replay names (`--test it`, `--lib`) as a mark's value: `test:it`, `lib`.
pub(super) fn target_mark(target: &str) -> String {
    target.trim_start_matches("--").replace(' ', ":")
}

/// The seeds recorded for `test` with generators of `kind`, whatever binary recorded them.
#[cfg(test)]
pub(super) fn recorded(path: &Path, test: &str, kind: GeneratorKind) -> Vec<Entry> {
    recorded_for(path, test, kind, None)
}

/// The seeds recorded for `test` with generators of `kind` by the test binary of `target`
/// (or by one not known, as older files have them; where `target` is not known, by any), in
/// the order they were first recorded, each once: where and how its first line says it was
/// found, with the last shrunk case recorded for it (a seed recorded again, with a new case,
/// after its old case passed).
pub(super) fn recorded_for(
    path: &Path,
    test: &str,
    kind: GeneratorKind,
    target: Option<&str>,
) -> Vec<Entry> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    // Shared with other readers, not with a writer: no line is read half written. (Where
    // the file system has no locks, lines are read as they are.)
    let _ = file.lock_shared();
    let mut text = String::new();
    if file.read_to_string(&mut text).is_err() {
        return Vec::new();
    }
    let mut entries: Vec<Entry> = Vec::new();
    // A comment's first word starts with `#`, which no test's name does, and a blank line has
    // no words: neither names a test.
    for line in text.lines() {
        let (line, note) = line.split_once(" #").unwrap_or((line, ""));
        let mut words = line.split_whitespace();
        if let (Some(name), Some(recorded), Some(seed)) = (words.next(), words.next(), words.next())
            && name == test
            && recorded == kind.to_string()
            && let Some(seed) = parse_digits::<u64>(seed)
        {
            let mut entry = Entry {
                note: note.trim().to_string(),
                ..Entry::fresh(seed)
            };
            for mark in words {
                if let Some(binary) = mark.strip_prefix("target=") {
                    entry.target = Some(binary.to_string());
                } else if let Some(shard) = mark.strip_prefix("shard=") {
                    entry.shard = shard.parse().ok();
                } else if mark == "determinism" {
                    entry.determinism = true;
                } else if let Some(case) = mark.strip_prefix("draws=") {
                    entry.case = StoredCase::decode(case);
                    entry.malformed = entry.case.is_none();
                }
            }
            if let (Some(own), Some(recorded)) = (target, &entry.target)
                && own != recorded
            {
                continue;
            }
            match entries.iter_mut().find(|first| first.seed == seed) {
                Some(first) if entry.case.is_some() => {
                    first.case = entry.case;
                    first.note = entry.note;
                    first.malformed = false;
                }
                Some(first) => first.malformed |= entry.malformed,
                None => entries.push(entry),
            }
        }
    }
    entries
}

/// The comment of a recorded seed: `note` on one line, whole.
pub(super) fn one_line(note: &str) -> String {
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

/// Appends a failing seed, with its note as its comment.
///
/// # Errors
///
/// Where the file cannot be made, opened or written.
pub(super) fn record(
    path: &Path,
    test: &str,
    kind: GeneratorKind,
    entry: &Entry,
) -> std::io::Result<()> {
    create_with_header(path)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)?;
    // The file's own lock, held until it is closed: no other process writes or reads
    // meanwhile, so its last byte is where the last line ended. (Where the file system has no
    // locks, lines are still written whole.)
    let _ = file.lock();
    // A file edited by hand may end without a newline: the line starts on a line of its own.
    let mut last = [0];
    let unended = file.seek(SeekFrom::End(-1)).is_ok()
        && file.read_exact(&mut last).is_ok()
        && last[0] != b'\n';
    let note = one_line(&entry.note);
    let line = format!(
        "{}{test} {kind} {}{}{}{note}\n",
        if unended { "\n" } else { "" },
        entry.seed,
        entry.marks(),
        if note.is_empty() { "" } else { " # " },
    );
    // One write of one line, in append mode: lines of processes appending at once do not
    // interleave, even without the lock.
    file.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(seed: u64) -> Entry {
        Entry::fresh(seed)
    }

    /// Whether `entry` was recorded.
    fn recorded_ok(path: &Path, test: &str, kind: GeneratorKind, entry: &Entry) -> bool {
        record(path, test, kind, entry).is_ok()
    }

    /// `entry` with `note` as what failed.
    fn noted(entry: &Entry, note: &str) -> Entry {
        Entry {
            note: note.to_string(),
            ..entry.clone()
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
            assert!(recorded_ok(
                &path,
                test,
                kind,
                &noted(&whole(seed), "failed\nsecond line")
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
        assert!(recorded_ok(
            &path,
            "t",
            GeneratorKind::ChaCha,
            &noted(&whole(4), &long)
        ));
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
        assert!(recorded_ok(
            &path,
            "t",
            GeneratorKind::ChaCha,
            &noted(&from_shard, "odd")
        ));
        assert!(recorded_ok(
            &path,
            "t",
            GeneratorKind::ChaCha,
            &noted(&from_check, "twice")
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
        assert_eq!(
            entries,
            [
                noted(&from_shard, "odd"),
                noted(&from_check, "twice"),
                noted(&whole(4), "input 3: failed # twice")
            ]
        );
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
    fn a_shrunk_case_is_kept_whole_beside_its_seed_and_read_back() {
        let path = std::env::temp_dir().join(format!("waitsim-cases-{}", std::process::id()));
        let both = StoredCase {
            input: vec![0, 1, 2, 255, 7],
            words: Some(vec![0, 1, 127, 128, 300, u64::MAX, u64::from(u32::MAX)]),
        };
        let seeded_words = StoredCase {
            input: vec![9; 4000],
            words: None,
        };
        let no_input = StoredCase {
            input: Vec::new(),
            words: Some(vec![11]),
        };
        let with = |seed, case: &StoredCase| Entry {
            case: Some(case.clone()),
            note: format!("failed {seed}"),
            ..whole(seed)
        };
        for entry in [
            with(1, &both),
            with(2, &seeded_words),
            with(3, &no_input),
            // A seed recorded again with a new case: the last case is the one read.
            with(1, &no_input),
            // A seed recorded first without a case takes the case recorded after.
            whole(4),
            with(4, &both),
        ] {
            assert!(recorded_ok(&path, "t", GeneratorKind::ChaCha, &entry));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\nt chacha 3 draws=/Cw # failed 3\n"),
            "{text}"
        );
        assert!(text.contains("\nt chacha 2 draws=CQkJ"), "{text}");
        assert!(text.contains("/* # failed 2\n"), "{text}");
        let entries = recorded(&path, "t", GeneratorKind::ChaCha);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            entries,
            [
                with(1, &no_input),
                with(2, &seeded_words),
                with(3, &no_input),
                with(4, &both)
            ]
        );
    }

    #[test]
    fn a_seed_belongs_to_the_test_binary_that_recorded_it() {
        let path = std::env::temp_dir().join(format!("waitsim-targets-{}", std::process::id()));
        let of = |seed, target: Option<&str>| Entry {
            target: target.map(str::to_string),
            ..whole(seed)
        };
        for entry in [
            of(1, Some("test:it")),
            of(2, Some("test:other")),
            of(3, None),
            of(4, Some("lib")),
        ] {
            assert!(recorded_ok(&path, "t", GeneratorKind::ChaCha, &entry));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let seeds = |target| -> Vec<u64> {
            recorded_for(&path, "t", GeneratorKind::ChaCha, target)
                .iter()
                .map(|entry| entry.seed)
                .collect()
        };
        let (it, other, unknown) = (
            seeds(Some("test:it")),
            seeds(Some("test:other")),
            seeds(None),
        );
        std::fs::remove_file(&path).unwrap();
        assert!(text.contains("\nt chacha 1 target=test:it\n"), "{text}");
        // A line without a target, as older files have them, is every binary's.
        assert_eq!(it, [1, 3]);
        assert_eq!(other, [2, 3]);
        assert_eq!(unknown, [1, 2, 3, 4]);
        assert_eq!(target_mark("--test it"), "test:it");
        assert_eq!(target_mark("--lib"), "lib");
        assert_eq!(target_mark("--example retry"), "example:retry");
    }

    #[test]
    fn a_malformed_case_is_marked_and_an_earlier_one_kept() {
        let path = std::env::temp_dir().join(format!("waitsim-malformed-{}", std::process::id()));
        std::fs::write(
            &path,
            "t chacha 1 draws=/Cw # good\n\
             t chacha 1 draws=!! # bad\n\
             t chacha 2 draws=AA/gA # bad\n\
             t chacha 2 draws=/Cw # good again\n",
        )
        .unwrap();
        let entries = recorded(&path, "t", GeneratorKind::ChaCha);
        std::fs::remove_file(&path).unwrap();
        let case = StoredCase {
            input: Vec::new(),
            words: Some(vec![11]),
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].case.as_ref(), Some(&case));
        assert!(entries[0].malformed);
        assert_eq!(entries[0].note, "good");
        assert_eq!(entries[1].case.as_ref(), Some(&case));
        assert!(!entries[1].malformed);
        assert_eq!(entries[1].note, "good again");
    }

    #[test]
    fn a_line_is_appended_on_a_line_of_its_own_after_a_file_without_a_last_newline() {
        let path = std::env::temp_dir().join(format!("waitsim-unended-{}", std::process::id()));
        std::fs::write(&path, "# edited by hand\nt chacha 1 # no newline").unwrap();
        assert!(recorded_ok(&path, "t", GeneratorKind::ChaCha, &whole(2)));
        assert!(recorded_ok(&path, "t", GeneratorKind::ChaCha, &whole(3)));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            text,
            "# edited by hand\nt chacha 1 # no newline\nt chacha 2\nt chacha 3\n"
        );
    }

    #[test]
    fn a_malformed_case_leaves_its_seed_without_one() {
        for value in [
            "",
            "AAEC",
            "A/B",
            "!!/AQ",
            "AA/!!",
            "AA/gA",
            "AA/gICAgICAgICAgAE",
            "AA/AQ/AQ",
        ] {
            assert_eq!(StoredCase::decode(value), None, "{value}");
        }
        // The largest number takes ten bytes, the last holding its top bit.
        let mut bytes = Vec::new();
        push_leb128(&mut bytes, u64::MAX);
        assert_eq!(bytes.len(), 10);
        assert_eq!(read_leb128(&mut bytes.iter().copied()), Some(u64::MAX));
        *bytes.last_mut().unwrap() = 2;
        assert_eq!(read_leb128(&mut bytes.iter().copied()), None);
    }

    proptest::proptest! {
        #[test]
        fn a_case_reads_back_as_it_was_written(
            input in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            words in proptest::option::of(proptest::collection::vec(proptest::num::u64::ANY, 0..64)),
        ) {
            let case = StoredCase { input, words };
            let encoded = case.encode();
            proptest::prop_assert!(!encoded.contains(char::is_whitespace));
            proptest::prop_assert_eq!(StoredCase::decode(&encoded), Some(case));
        }
    }

    #[test]
    fn a_harness_reads_and_records_in_the_crates_file_its_own_or_none() {
        assert_eq!(Regressions::CrateFile.path(), default_path());
        assert!(Regressions::CrateFile.path().is_some());
        let own = PathBuf::from("/some/where/seeds.txt");
        assert_eq!(Regressions::File(own.clone()).path(), Some(own));
        assert_eq!(Regressions::Off.path(), None);
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
        assert!(!recorded_ok(path, "t", GeneratorKind::ChaCha, &whole(1)));
    }
}
