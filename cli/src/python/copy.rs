//! The private copy of a folder that each routine's process runs from: what the exercise
//! needs of the folder, in a temporary directory of waitsim's, with what was left out listed.

use std::path::{Path, PathBuf};

use super::catalogue::ROUTINES;
use super::failure::Failure;
use crate::interrupt;

/// The most a private copy of a folder may hold: what is beyond it is left out, with a note.
const COPIED_BYTES: u64 = 64 << 20;

/// The largest file other than a Python source that a private copy takes: data a learner
/// keeps beside the exercise (a recording, a dataset) is no part of it.
const SMALL_FILE: u64 = 1 << 20;

/// The most entries a private copy looks at, and how deep: a tree past either is left out.
const COPIED_ENTRIES: usize = 10_000;
const COPIED_DEPTH: usize = 8;

/// A private copy of a folder, in a temporary directory of its own that goes when this does.
pub struct PrivateCopy {
    /// The temporary directory: the copy is in `src/`, and `tmp/` is the code's `TMPDIR`.
    pub root: PathBuf,
    /// What was left out of the copy, and why, for the report.
    pub left_out: Vec<String>,
}

/// Why a private copy could not be made.
#[derive(Debug)]
pub enum CopyError {
    /// One of the exercise's own files cannot be read: the folder cannot be graded.
    Unreadable(String),
    /// The temporary directory cannot be made or written: the grader's machine is at fault.
    Environment(String),
}

/// The private copy of `dir` that one routine's process runs from: a folder whose own
/// exercise files cannot be read is the submission's failure, a temporary directory that
/// cannot be made the machine's.
pub fn private(dir: &Path) -> Result<PrivateCopy, Failure> {
    let exercise: Vec<&str> = ROUTINES.iter().map(|(_, file)| *file).collect();
    PrivateCopy::new(dir, &exercise).map_err(|err| match err {
        CopyError::Unreadable(why) => Failure::Submission(why),
        CopyError::Environment(why) => Failure::Environment(why),
    })
}

impl PrivateCopy {
    /// Copies what the exercise needs of `dir`: the exercise's files first, then the Python
    /// sources and small files of its folders, following a symbolic link only where it
    /// resolves inside `dir`. Everything else is left out and listed in
    /// [`left_out`](Self::left_out): hidden entries and `__pycache__`, virtual environments,
    /// compiled code (which is never run), files of more than 1 MiB that are not Python
    /// sources, links that lead outside, and whatever is past 64 MiB in all.
    pub fn new(dir: &Path, exercise: &[&str]) -> Result<PrivateCopy, CopyError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let environment = |err: std::io::Error| {
            CopyError::Environment(format!("cannot make a temporary directory: {err}"))
        };
        let root = std::env::temp_dir().join(format!(
            "waitsim-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&root).map_err(environment)?;
        interrupt::remove_on_signal(root.clone());
        let mut copy = PrivateCopy {
            root,
            left_out: Vec::new(),
        };
        std::fs::create_dir(copy.root.join("tmp")).map_err(environment)?;
        let top = dir.canonicalize().map_err(|err| {
            CopyError::Unreadable(format!("cannot read `{}`: {err}", dir.display()))
        })?;
        let mut walk = Walk {
            top,
            budget: COPIED_BYTES,
            entries: 0,
            copied: Vec::new(),
            left_out: Vec::new(),
        };
        std::fs::create_dir(copy.src()).map_err(environment)?;
        for file in exercise {
            let from = dir.join(file);
            if std::fs::symlink_metadata(&from).is_err() {
                continue;
            }
            walk.entry(&from, &copy.src().join(file), Path::new(file), 0)
                .map_err(CopyError::Environment)?;
            if !copy.src().join(file).is_file()
                && let Some(why) = walk.why_left_out(Path::new(file))
            {
                return Err(CopyError::Unreadable(format!("`{file}` {why}")));
            }
        }
        walk.folder(dir, &copy.src(), Path::new(""), 0)
            .map_err(CopyError::Environment)?;
        copy.left_out = walk.left_out.into_iter().map(|(_, why)| why).collect();
        Ok(copy)
    }

    pub fn src(&self) -> PathBuf {
        self.root.join("src")
    }
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        interrupt::forget_temporary(&self.root);
    }
}

/// A walk of the folder being copied.
struct Walk {
    /// The folder, as its real path: a link may lead anywhere below it, and nowhere else.
    top: PathBuf,
    budget: u64,
    entries: usize,
    /// The paths copied, relative to the folder: each is copied once.
    copied: Vec<PathBuf>,
    /// Each path left out, relative to the folder, with the note that says why.
    left_out: Vec<(PathBuf, String)>,
}

impl Walk {
    fn leave_out(&mut self, relative: &Path, why: &str) {
        let note = format!("`{}` {why}", relative.display());
        self.left_out.push((relative.to_path_buf(), note));
    }

    fn why_left_out(&self, relative: &Path) -> Option<String> {
        self.left_out
            .iter()
            .find(|(path, _)| path == relative)
            .map(|(_, note)| {
                note.split_once("` ")
                    .map_or(note.clone(), |(_, why)| why.to_string())
            })
    }

    /// Copies the entries of folder `from` into `to`, which exists.
    fn folder(
        &mut self,
        from: &Path,
        to: &Path,
        relative: &Path,
        depth: usize,
    ) -> Result<(), String> {
        let entries = match std::fs::read_dir(from) {
            Ok(entries) => entries,
            Err(err) => {
                self.leave_out(relative, &format!("cannot be read ({err})"));
                return Ok(());
            }
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            let path = relative.join(&name);
            if self.copied.contains(&path) || self.left_out.iter().any(|(p, _)| *p == path) {
                continue;
            }
            self.entries += 1;
            if self.entries > COPIED_ENTRIES {
                self.leave_out(
                    relative,
                    &format!("is left out past its first {COPIED_ENTRIES} entries"),
                );
                return Ok(());
            }
            self.entry(&from.join(&name), &to.join(&name), &path, depth)?;
        }
        Ok(())
    }

    /// Copies one entry, a file or a folder, or notes why it is left out.
    fn entry(
        &mut self,
        from: &Path,
        to: &Path,
        relative: &Path,
        depth: usize,
    ) -> Result<(), String> {
        let name = relative
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Ok(link) = std::fs::symlink_metadata(from) else {
            self.leave_out(relative, "cannot be read");
            return Ok(());
        };
        if name.starts_with('.') || name == "__pycache__" {
            // Hidden entries and caches: `.git`, editors' folders, compiled caches.
            return Ok(());
        }
        if link.file_type().is_symlink() {
            match from.canonicalize() {
                Ok(real) if real.starts_with(&self.top) => {}
                Ok(_) => {
                    self.leave_out(relative, "is a link that leads outside the folder");
                    return Ok(());
                }
                Err(_) => {
                    self.leave_out(relative, "is a link that leads nowhere");
                    return Ok(());
                }
            }
        }
        let Ok(meta) = std::fs::metadata(from) else {
            self.leave_out(relative, "cannot be read");
            return Ok(());
        };
        if meta.is_dir() {
            let linked = link.file_type().is_symlink();
            self.subfolder(from, to, relative, depth, linked)
        } else if meta.is_file() {
            self.file(from, to, relative, meta.len())
        } else {
            Ok(())
        }
    }

    /// Copies a folder met in the walk, or notes why it is left out.
    fn subfolder(
        &mut self,
        from: &Path,
        to: &Path,
        relative: &Path,
        depth: usize,
        linked: bool,
    ) -> Result<(), String> {
        if from.join("pyvenv.cfg").exists() {
            self.leave_out(relative, "is a virtual environment");
        } else if depth >= COPIED_DEPTH {
            self.leave_out(
                relative,
                &format!("is more than {COPIED_DEPTH} folders deep"),
            );
        } else if linked && self.copied.iter().any(|p| p == relative) {
            // Seen already through another link.
        } else {
            std::fs::create_dir(to).map_err(|err| format!("cannot copy the folder: {err}"))?;
            self.copied.push(relative.to_path_buf());
            self.folder(from, to, relative, depth + 1)?;
        }
        Ok(())
    }

    /// Copies a file of `size` bytes met in the walk, or notes why it is left out.
    fn file(&mut self, from: &Path, to: &Path, relative: &Path, size: u64) -> Result<(), String> {
        let extension = relative.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(extension, "pyc" | "pyo" | "so" | "pyd" | "dylib") {
            self.leave_out(
                relative,
                "is compiled code, which is never run: only Python sources are",
            );
            return Ok(());
        }
        if extension != "py" && size > SMALL_FILE {
            self.leave_out(
                relative,
                &format!("({} MiB) is left out: only Python sources and files of at most 1 MiB are copied", size >> 20),
            );
            return Ok(());
        }
        if size > self.budget {
            self.leave_out(
                relative,
                &format!(
                    "is left out: the copy holds at most {} MiB",
                    COPIED_BYTES >> 20
                ),
            );
            return Ok(());
        }
        match std::fs::copy(from, to) {
            Ok(_) => {
                self.budget -= size;
                self.copied.push(relative.to_path_buf());
            }
            Err(err)
                if to.parent().is_some_and(Path::exists) && std::fs::File::open(from).is_err() =>
            {
                self.leave_out(relative, &format!("cannot be read ({err})"));
            }
            Err(err) => return Err(format!("cannot copy `{}`: {err}", relative.display())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder for a test of the private copy, made afresh.
    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("waitsim-copy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const EXERCISE: [&str; 2] = ["0-basic_async_syntax.py", "1-concurrent_coroutines.py"];

    #[test]
    fn a_private_copy_holds_the_files_and_goes_with_its_owner() {
        let dir = folder("owner");
        std::fs::create_dir_all(dir.join("__pycache__")).unwrap();
        std::fs::create_dir_all(dir.join("helpers")).unwrap();
        std::fs::write(dir.join("0-basic_async_syntax.py"), "x = 1\n").unwrap();
        std::fs::write(dir.join("helpers/util.py"), "y = 2\n").unwrap();
        std::fs::write(dir.join("__pycache__/junk.pyc"), "z").unwrap();
        let copy = PrivateCopy::new(&dir, &EXERCISE).unwrap();
        let root = copy.root.clone();
        assert_eq!(
            std::fs::read_to_string(copy.src().join("0-basic_async_syntax.py")).unwrap(),
            "x = 1\n"
        );
        assert!(copy.src().join("helpers/util.py").is_file());
        assert!(!copy.src().join("__pycache__").exists());
        assert!(copy.left_out.is_empty(), "{:?}", copy.left_out);
        drop(copy);
        assert!(!root.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // Kept whole, over 60 lines: one folder holding every kind of entry the copy leaves out,
    // and the note said of each, read side by side.
    #[cfg(unix)]
    #[test]
    fn a_private_copy_leaves_out_what_is_no_part_of_the_exercise_and_says_so() {
        use std::os::unix::fs::symlink;
        let dir = folder("left-out");
        let outside = folder("left-out-outside");
        std::fs::write(outside.join("secret.py"), "s = 1\n").unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("venv/lib")).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("src/0-basic_async_syntax.py"), "x = 1\n").unwrap();
        symlink(
            "src/0-basic_async_syntax.py",
            dir.join("0-basic_async_syntax.py"),
        )
        .unwrap();
        symlink(outside.join("secret.py"), dir.join("secret.py")).unwrap();
        symlink(dir.join("gone.py"), dir.join("dangling.py")).unwrap();
        std::fs::write(dir.join("venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        std::fs::write(dir.join("venv/lib/evil.py"), "import ctypes\n").unwrap();
        std::fs::write(dir.join(".git/HEAD"), "ref\n").unwrap();
        std::fs::write(dir.join("5-helpers.pyc"), "compiled").unwrap();
        std::fs::write(dir.join("small.txt"), "data").unwrap();
        std::fs::File::create(dir.join("recording.bin"))
            .unwrap()
            .set_len(SMALL_FILE + 1)
            .unwrap();
        let copy = PrivateCopy::new(&dir, &EXERCISE).unwrap();
        let src = copy.src();
        // The link inside the folder is followed: the file is there, as a file.
        assert_eq!(
            std::fs::read_to_string(src.join("0-basic_async_syntax.py")).unwrap(),
            "x = 1\n"
        );
        assert!(
            !std::fs::symlink_metadata(src.join("0-basic_async_syntax.py"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(src.join("src/0-basic_async_syntax.py").is_file());
        assert!(src.join("small.txt").is_file());
        for gone in [
            "secret.py",
            "dangling.py",
            "venv",
            ".git",
            "5-helpers.pyc",
            "recording.bin",
        ] {
            assert!(!src.join(gone).exists(), "{gone} was copied");
        }
        let said = copy.left_out.join("\n");
        for note in [
            "`secret.py` is a link that leads outside the folder",
            "`dangling.py` is a link that leads nowhere",
            "`venv` is a virtual environment",
            "`5-helpers.pyc` is compiled code, which is never run",
            "`recording.bin` (1 MiB) is left out",
        ] {
            assert!(said.contains(note), "{note}: {said}");
        }
        drop(copy);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_exercise_file_that_leads_outside_the_folder_cannot_be_graded() {
        let dir = folder("outside-exercise");
        let outside = folder("outside-exercise-target");
        std::fs::write(outside.join("wait.py"), "x = 1\n").unwrap();
        std::os::unix::fs::symlink(outside.join("wait.py"), dir.join("0-basic_async_syntax.py"))
            .unwrap();
        match PrivateCopy::new(&dir, &EXERCISE) {
            Err(CopyError::Unreadable(why)) => assert_eq!(
                why,
                "`0-basic_async_syntax.py` is a link that leads outside the folder"
            ),
            other => panic!("{:?}", other.map(|copy| copy.left_out.clone())),
        }
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
