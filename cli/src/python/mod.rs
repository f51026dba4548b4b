//! `waitsim check-python DIR...`: grades Python implementations of the exercise on a virtual
//! clock, against the laws and against the delays CPython's `random` gives.
//!
//! The pipeline, in the order a folder goes through it:
//!
//! 1. [`find`]: which folder of a submission holds the exercise, searching a repository a
//!    few levels down; one copy is chosen by a rule (see `choose`);
//! 2. [`catalogue`]: the exercise's routines, files and checks, the cases of each seed, and the
//!    spec the driver is given (one source for both sides);
//! 3. [`process`]: each routine in a contained `python3` process of its own, from a private
//!    copy of its folder, behind a [`warden`] that kills its whole [`tree`] at the end;
//! 4. [`protocol`]: the exchange with the driver and its rules;
//! 5. [`judge`]: a verdict for each check from the exchange; [`points`]: what each is worth;
//! 6. [`report`]: the model of one folder's report; [`formats`]: every format rendered from
//!    it (text, JSON Lines, Gradescope, JUnit); [`picture`]: one case drawn as SVG.
//!
//! A failure that stops grading short of a report is a [`failure::Failure`], typed by whose it
//! is; it becomes an exit status only at the edge. Folders are graded concurrently (`--jobs`),
//! and reported in the order they were given.

mod catalogue;
mod failure;
mod find;
mod formats;
mod judge;
mod picture;
mod points;
mod process;
mod protocol;
mod report;
pub mod tree;
mod warden;

pub use warden::{SUBCOMMAND as WARDEN, main as warden_main};

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use waitsim::{RngKind, SeedRange};

use crate::args::{CheckPythonArgs, Format, Jobs, Options};
use crate::exit::{Exit, say};
use crate::interrupt;
use crate::output::{OutputFile, emit, with_progress_bar};
use catalogue::ROUTINES;
use failure::Failure;
use judge::{Policy, Results, Verdict};
use points::Points;
use process::{Job, Limits, Python};
use protocol::CaseInput;
use report::FolderReport;
use waitsim::Routine;

/// What grading one folder needs besides the folder.
struct Grading<'a> {
    python: &'a Python,
    seeds: SeedRange,
    only: Option<Routine>,
    limits: Limits,
    policy: Policy,
    points: Points,
    /// The sandbox this kernel gives, as the JSON names it.
    sandbox: String,
}

pub fn run(args: &CheckPythonArgs, options: &Options) -> Result<(), Exit> {
    if options.seed.is_some()
        || options.clock != waitsim::Clock::Virtual
        || options.rng.is_some_and(|rng| rng != RngKind::Cpython)
    {
        return Err(Exit::usage(
            "`check-python` takes its seeds from --seeds A..B, runs on Python's own event loop made virtual, and draws with CPython's generator: no --seed, --clock or --rng",
        ));
    }
    if args.seeds.is_empty() {
        return Err(Exit::usage(format!(
            "invalid seed range `{}`: it holds no seed, so nothing would be checked",
            args.seeds
        )));
    }
    let format = match (options.json, args.format) {
        (true, None | Some(Format::Json)) => Format::Json,
        (true, Some(other)) => {
            return Err(Exit::usage(format!(
                "--json is --format json: it cannot go with --format {}",
                format_name(other)
            )));
        }
        (false, format) => format.unwrap_or(Format::Text),
    };
    if args.svg.is_some() && args.dirs.len() > 1 {
        return Err(Exit::usage(
            "--svg draws one folder's code: give one folder",
        ));
    }
    if format == Format::Gradescope && args.dirs.len() > 1 {
        return Err(Exit::usage(
            "--format gradescope grades one submission: give one folder",
        ));
    }
    let points = match &args.points {
        Some(path) => Points::read(path)?,
        None => Points::default(),
    };
    let output = args
        .output
        .as_deref()
        .map(OutputFile::prepare)
        .transpose()?;
    let svg = args.svg.as_deref().map(OutputFile::prepare).transpose()?;
    let visibility = points.visibility().clone();
    let graded = grade_folders(args, points, svg);
    let reports = match (graded, format) {
        (Ok(reports), _) => reports,
        // A submission that cannot be graded as handed in is the learner's to fix: Gradescope
        // shows them why, with a score of 0, and grading itself succeeded. Any other failure
        // is the grader's: it goes to stderr with a status that is not 0, which Gradescope's
        // `run_autograder` turns into "tell your course staff".
        (Err(Failure::Submission(message)), Format::Gradescope) => {
            let results = formats::gradescope_ungraded(&message);
            write_output(output, &format!("{results:#}\n"))?;
            return Ok(());
        }
        (Err(failure), _) => return Err(failure.exit()),
    };
    if let (Format::Gradescope, [report]) = (format, reports.as_slice())
        && let Some(why) = &report.unreadable
    {
        let results = formats::gradescope_ungraded(&format!("`{}`: {why}", report.directory));
        write_output(output, &format!("{results:#}\n"))?;
        return Ok(());
    }
    let text = formats::render(format, &reports, &args.seeds.to_string(), &visibility)
        .map_err(Exit::environment)?;
    write_output(output, &text)?;
    if format == Format::Gradescope || reports.iter().all(FolderReport::passes) {
        // Gradescope reads the score from the file: the run succeeded whatever it is.
        Ok(())
    } else {
        // The report has said what failed, or which files are missing.
        Err(Exit::quiet(1))
    }
}

/// A format's name, as `--format` takes it.
fn format_name(format: Format) -> String {
    use clap::ValueEnum;
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// Writes the output whole: to `file`, or to stdout.
fn write_output(file: Option<OutputFile>, text: &str) -> Result<(), Exit> {
    match file {
        Some(file) => {
            std::fs::write(file.path(), text).map_err(|err| {
                Exit::environment(format!("cannot write `{}`: {err}", file.path().display()))
            })?;
            file.commit()
        }
        None => emit(|out| out.write_all(text.as_bytes())),
    }
}

/// Finds the folders, checks the Python, and grades them all.
/// With `svg`, also draws one case of the folder (see [`picture`]).
fn grade_folders(
    args: &CheckPythonArgs,
    points: Points,
    svg: Option<OutputFile>,
) -> Result<Vec<FolderReport>, Failure> {
    let folders = folders(&args.dirs, args.routine)?;
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    let python = process::check_python_version(&python)?;
    interrupt::adopt_orphans();
    let sandbox = python.sandbox.describe();
    if let Some(shortfalls) = python.sandbox.shortfalls() {
        say(format_args!(
            "warning: the code under test is less contained than waitsim can contain it on other systems: {shortfalls} (sandbox: {sandbox})"
        ));
    }
    let grading = Grading {
        python: &python,
        seeds: args.seeds,
        only: args.routine,
        limits: Limits {
            per_case: Duration::from_secs_f64(args.timeout.0),
            memory: args.memory.0,
        },
        policy: Policy {
            strict: args.strict_policy,
        },
        points,
        sandbox,
    };
    let jobs = args.jobs.unwrap_or_else(Jobs::per_core).0;
    let show = folders.len() > 1 && io::stderr().is_terminal();
    let reports = with_progress_bar(
        folders.len() as u64,
        "folders graded",
        show,
        Duration::ZERO,
        |finished| grade_all(&folders, &grading, jobs, finished),
    )?;
    if let (Some(svg), [report], [folder]) = (svg, reports.as_slice(), folders.as_slice())
        && folder.unreadable.is_none()
    {
        let first_seed = args.seeds.range().next().unwrap_or(0);
        picture::draw(
            svg,
            &python,
            &folder.path,
            report,
            (grading.only, first_seed),
            grading.limits,
        )
        .map_err(|exit| {
            if interrupt::interrupted() {
                Failure::Interrupted
            } else {
                Failure::Environment(exit.message)
            }
        })?;
    }
    Ok(reports)
}

/// A folder to grade: its path, why it cannot be read if it cannot, and what the report
/// should say of how it was chosen.
struct Folder {
    path: PathBuf,
    unreadable: Option<String>,
    notes: Vec<String>,
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
fn folders(dirs: &[PathBuf], only: Option<Routine>) -> Result<Vec<Folder>, Failure> {
    let mut folders = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Failure::Usage(format!(
                "cannot check `{}`: not a directory",
                dir.display()
            )));
        }
        if find::holds_exercise(dir) {
            folders.push(Folder::new(dir.clone()));
            continue;
        }
        let found = find::exercises_below(dir);
        if found.exercises.is_empty() && found.unreadable.is_empty() {
            let files: Vec<_> = ROUTINES.iter().map(|(_, file)| *file).collect();
            return Err(Failure::Submission(format!(
                "`{}` holds none of the exercise's files ({}), and neither does any folder up to {} levels below it (hidden folders and virtual environments are not searched)",
                dir.display(),
                files.join(", "),
                find::DEPTH
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

/// Grades `folders` with `jobs` threads, each taking the next folder not yet taken; counts
/// each folder done in `finished`. The reports come back in the folders' order. The first
/// error (a Python that cannot be started) stops every thread after its current folder.
fn grade_all(
    folders: &[Folder],
    grading: &Grading<'_>,
    jobs: usize,
    finished: &AtomicU64,
) -> Result<Vec<FolderReport>, Failure> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<Result<FolderReport, Failure>>>> =
        Mutex::new(folders.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, folders.len()) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) && !interrupt::interrupted() {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(folder) = folders.get(i) else {
                        break;
                    };
                    let graded = match &folder.unreadable {
                        Some(why) => Ok(unreadable_report(&folder.path, grading, why.clone())),
                        None => grade(&folder.path, grading),
                    }
                    .map(|mut report| {
                        report.notes.splice(0..0, folder.notes.iter().cloned());
                        report
                    });
                    if graded.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    slots
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(graded);
                    finished.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    if interrupt::interrupted() {
        return Err(Failure::Interrupted);
    }
    let slots = slots
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut reports = Vec::with_capacity(slots.len());
    for slot in slots {
        match slot {
            Some(graded) => reports.push(graded?),
            // Only a thread that stopped early leaves a folder ungraded, and it left an error.
            None => continue,
        }
    }
    Ok(reports)
}

/// The report of a folder that could not be read: it fails, and says why.
fn unreadable_report(dir: &Path, grading: &Grading<'_>, why: String) -> FolderReport {
    FolderReport {
        unreadable: Some(why),
        ..blank_report(dir, grading)
    }
}

/// A folder's report before anything is graded: nothing passed, failed or scored. The one
/// place a report is made; grading fills it in.
fn blank_report(dir: &Path, grading: &Grading<'_>) -> FolderReport {
    let (directory, directory_escaped) = report::directory_name(dir);
    FolderReport {
        directory,
        directory_escaped,
        python: None,
        sandbox: grading.sandbox.clone(),
        seeds: grading.seeds.to_string(),
        passed: 0,
        failed: 0,
        skipped: 0,
        missing: Vec::new(),
        unreadable: None,
        virtual_seconds: 0.0,
        score: 0.0,
        max_score: grading.points.total(),
        rows: Vec::new(),
        seconds: 0.0,
        routine_seconds: Vec::new(),
        missing_points: Vec::new(),
        notes: Vec::new(),
    }
}

/// Grades one folder: each routine whose file is there, in its own Python process.
fn grade(dir: &Path, grading: &Grading<'_>) -> Result<FolderReport, Failure> {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut python_version = None;
    let mut results: Vec<(Routine, Results)> = Vec::new();
    let mut virtual_seconds = 0.0;
    let seeds: Vec<u64> = grading.seeds.range().collect();
    let mut unreadable = None;
    let started = std::time::Instant::now();
    let mut routine_seconds = Vec::new();
    let mut graded = Vec::new();
    let mut notes = Vec::new();
    for &(routine, file) in &ROUTINES {
        if grading.only.is_some_and(|only| only != routine) {
            continue;
        }
        graded.push(routine);
        if !dir.join(file).is_file() {
            missing.push(file);
            continue;
        }
        let routine_started = std::time::Instant::now();
        let inputs: Vec<CaseInput> = seeds
            .iter()
            .enumerate()
            .map(|(i, &seed)| catalogue::input(routine, i, seed))
            .collect();
        let job = Job {
            routine,
            file,
            record: false,
        };
        let outcome = match process::drive(grading.python, dir, job, &inputs, grading.limits) {
            Ok(outcome) => outcome,
            Err(Failure::Submission(why)) => {
                // The exercise's own files cannot be read: the report says so.
                unreadable = Some(why);
                break;
            }
            Err(failure) => return Err(failure),
        };
        if notes.is_empty() && !outcome.left_out.is_empty() {
            notes = left_out_note(&outcome.left_out);
        }
        routine_seconds.push((routine, routine_started.elapsed().as_secs_f64()));
        if python_version.is_none() {
            python_version = outcome
                .exchange
                .policy
                .as_ref()
                .map(|(version, _)| version.clone());
        }
        virtual_seconds += outcome
            .exchange
            .answered
            .iter()
            .map(|answered| answered.elapsed)
            .filter(|secs| secs.is_finite())
            .sum::<f64>();
        let (routine_rows, values) = judge::judge(routine, dir, &inputs, &outcome, grading.policy);
        rows.extend(routine_rows);
        results.push((routine, values));
    }
    rows.extend(judge::agrees_with_wait_n(&results, dir, &seeds));
    let (scores, score) = points::score(&grading.points, &graded, &rows);
    for (row, points) in rows.iter_mut().zip(scores) {
        row.points = points.earned;
        row.max_points = points.max;
    }
    let scheme = grading.points.scheme(&graded);
    let missing_points = graded
        .iter()
        .map(|&routine| {
            let worth = scheme
                .iter()
                .filter(|(r, _, _)| *r == routine)
                .map(|(_, _, p)| p)
                .sum();
            (routine, worth)
        })
        .collect();
    let count = |verdict| rows.iter().filter(|row| row.verdict == verdict).count();
    Ok(FolderReport {
        python: python_version,
        passed: count(Verdict::Pass),
        failed: count(Verdict::Fail),
        skipped: count(Verdict::Skip),
        missing,
        unreadable,
        virtual_seconds,
        score,
        rows,
        seconds: started.elapsed().as_secs_f64(),
        routine_seconds,
        missing_points,
        notes,
        ..blank_report(dir, grading)
    })
}

/// The notes that say what the private copy left out: one line each, the first few only.
fn left_out_note(left_out: &[String]) -> Vec<String> {
    const SHOWN: usize = 5;
    let mut notes: Vec<String> = left_out
        .iter()
        .take(SHOWN)
        .map(|why| format!("not copied for grading: {why}"))
        .collect();
    if left_out.len() > SHOWN {
        notes.push(format!(
            "not copied for grading: {} more entries",
            left_out.len() - SHOWN
        ));
    }
    notes
}
