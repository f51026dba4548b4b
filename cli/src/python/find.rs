//! Finding the exercise: a folder that holds any of its five files is one; a folder that holds
//! none, such as a repository of many exercises, is searched a few levels down, and one copy
//! of the exercise is chosen by a rule (see [`choose`]).

use std::path::{Path, PathBuf};

use waitsim::Routine;

use super::catalogue::ROUTINES;
use super::failure::Failure;

/// A folder to grade: its path, why it cannot be read if it cannot, and what the report
/// should say of how it was chosen.
pub struct Folder {
    pub path: PathBuf,
    pub unreadable: Option<String>,
    pub notes: Vec<String>,
}

impl Folder {
    fn new(path: PathBuf) -> Folder {
        Folder {
            path,
            unreadable: None,
            notes: Vec::new(),
        }
    }
}

/// The folders to grade, in the order given: each `DIR` that holds the exercise, or the one
/// copy of the exercise below it that [`choose`] takes; folders below it that could not be
/// read when no copy was found (each gets a report that says so, and fails).
pub fn folders(dirs: &[PathBuf], only: Option<Routine>) -> Result<Vec<Folder>, Failure> {
    let mut folders = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Failure::Usage(format!(
                "cannot check `{}`: not a directory",
                dir.display()
            )));
        }
        if holds_exercise(dir) {
            folders.push(Folder::new(dir.clone()));
            continue;
        }
        let found = exercises_below(dir);
        if found.exercises.is_empty() && found.unreadable.is_empty() {
            let files: Vec<_> = ROUTINES.iter().map(|(_, file)| *file).collect();
            return Err(Failure::Submission(format!(
                "`{}` holds none of the exercise's files ({}), and neither does any folder up to {} levels below it (hidden folders and virtual environments are not searched)",
                dir.display(),
                files.join(", "),
                DEPTH
            )));
        }
        if found.exercises.is_empty() {
            folders.extend(found.unreadable.into_iter().map(|(path, why)| Folder {
                unreadable: Some(format!("cannot read the folder: {why}")),
                ..Folder::new(path)
            }));
            continue;
        }
        let mut folder = choose(dir, found.exercises, only)?;
        folder.notes.extend(
            found
                .unreadable
                .iter()
                .map(|(path, why)| format!("`{}` could not be searched: {why}", path.display())),
        );
        folders.push(folder);
    }
    Ok(folders)
}

/// The one copy of the exercise a submission is graded by, among `copies` found below `dir`:
/// the copy whose files are all present (only the routine's, with `--routine`); among those,
/// the one named like the exercise (`0x01-python_async_function`, or any name that ends with
/// `python_async_function`). Several copies that no rule tells apart are refused, each named.
fn choose(dir: &Path, copies: Vec<PathBuf>, only: Option<Routine>) -> Result<Folder, Failure> {
    if copies.len() == 1 {
        return Ok(Folder::new(copies.into_iter().next().unwrap_or_default()));
    }
    let complete = |copy: &Path| {
        ROUTINES
            .iter()
            .filter(|(routine, _)| only.is_none_or(|only| only == *routine))
            .all(|(_, file)| copy.join(file).is_file())
    };
    let named = |copy: &Path| {
        copy.file_name()
            .is_some_and(|name| name.to_string_lossy().ends_with("python_async_function"))
    };
    let rank = |copy: &Path| (complete(copy), named(copy));
    let best = copies.iter().map(|c| rank(c)).max().unwrap_or_default();
    let chosen: Vec<&PathBuf> = copies.iter().filter(|c| rank(c) == best).collect();
    let names = |copies: &mut dyn Iterator<Item = &PathBuf>| {
        copies
            .map(|copy| format!("`{}`", copy.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let [one] = chosen.as_slice() else {
        return Err(Failure::Submission(format!(
            "`{}` holds {} copies of the exercise, and no rule chooses one: {} (give the folder to grade)",
            dir.display(),
            copies.len(),
            names(&mut copies.iter())
        )));
    };
    let why = match best {
        (true, true) => "its files are all present and it is named like the exercise",
        (true, false) => "its files are all present",
        (false, true) => "it is named like the exercise",
        (false, false) => "no other",
    };
    let others = names(&mut copies.iter().filter(|c| c != one));
    Ok(Folder {
        notes: vec![format!(
            "graded `{}`, one of {} copies of the exercise in `{}`, because {why}; not graded: {others}",
            one.display(),
            copies.len(),
            dir.display()
        )],
        ..Folder::new((*one).clone())
    })
}

/// How many levels below a given folder the search looks.
pub const DEPTH: usize = 3;

/// Folders never searched: caches and dependencies, which hold no learner's exercise.
const SKIPPED: [&str; 4] = ["__pycache__", "node_modules", "site-packages", "target"];

/// Whether `dir` holds any of the exercise's files.
pub fn holds_exercise(dir: &Path) -> bool {
    ROUTINES.iter().any(|(_, file)| dir.join(file).exists())
}

/// What a search found: the folders that hold the exercise, and those it could not read,
/// with why.
#[derive(Debug, Default)]
pub struct Found {
    pub exercises: Vec<PathBuf>,
    pub unreadable: Vec<(PathBuf, String)>,
}

/// The folders at most [`DEPTH`] levels below `dir` (not `dir` itself) that hold the exercise,
/// in path order, and the folders that could not be read. Hidden folders, virtual
/// environments (a folder with a `pyvenv.cfg`), caches and symbolic links are not searched,
/// nor is the inside of a folder found.
pub fn exercises_below(dir: &Path) -> Found {
    let mut found = Found::default();
    search(dir, DEPTH, &mut found);
    found
}

fn search(dir: &Path, levels: usize, found: &mut Found) {
    if levels == 0 {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            found.unreadable.push((dir.to_path_buf(), err.to_string()));
            return;
        }
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        // `file_type` does not follow symbolic links: a link is not a folder here.
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && !SKIPPED.contains(&name.as_ref())
        })
        .map(|entry| entry.path())
        .filter(|path| !path.join("pyvenv.cfg").exists())
        .collect();
    folders.sort();
    for folder in folders {
        if holds_exercise(&folder) {
            found.exercises.push(folder);
        } else {
            search(&folder, levels - 1, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str, files: &[&str]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("waitsim-find-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        root
    }

    #[test]
    fn exercises_are_found_down_to_the_depth_and_not_in_hidden_folders_or_venvs() {
        let root = tree(
            "search",
            &[
                "b-exercise/1-concurrent_coroutines.py",
                "a/0x01-python_async_function/0-basic_async_syntax.py",
                "a/0x01-python_async_function/deeper/2-measure_runtime.py",
                "one/two/three/four/0-basic_async_syntax.py",
                ".git/0-basic_async_syntax.py",
                "venv/pyvenv.cfg",
                "venv/lib/0-basic_async_syntax.py",
                "__pycache__/0-basic_async_syntax.py",
                "README.md",
            ],
        );
        let found = exercises_below(&root);
        assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
        let found: Vec<String> = found
            .exercises
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a/0x01-python_async_function", "b-exercise"]);
        assert!(!holds_exercise(&root));
        assert!(holds_exercise(&root.join("b-exercise")));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_folder_that_cannot_be_read_is_reported_not_skipped() {
        let gone = std::env::temp_dir().join(format!("waitsim-find-gone-{}", std::process::id()));
        let found = exercises_below(&gone);
        assert!(found.exercises.is_empty());
        assert_eq!(found.unreadable.len(), 1);
        assert_eq!(found.unreadable[0].0, gone);
    }
}
