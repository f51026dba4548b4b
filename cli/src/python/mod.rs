//! `waitsim check-python DIR...`: grades Python implementations of the exercise on a virtual
//! clock, against the laws and against the delays CPython's `random` gives.
//!
//! The pipeline, in the order a folder goes through it, and in the order of this file:
//!
//! 1. [`find`]: which folder of a submission holds the exercise, searching a repository a
//!    few levels down; one copy is chosen by a rule;
//! 2. [`probe`]: the Python to grade with, checked once, and how this machine can contain it;
//! 3. [`copy`]: for each routine, a private copy of the folder to run from;
//! 4. [`drive`]: each routine in a contained `python3` process of its own, driven by
//!    `driver.py` through [`protocol`]'s exchange, behind [`contain`]'s warden;
//! 5. [`judge`]: a verdict for each check from the exchange;
//! 6. [`points`]: what each check is worth, and the score;
//! 7. [`model`]: the report of one folder, made in one place, the one model every format
//!    renders;
//! 8. [`render`]: every format, from the model (text, JSON Lines, Gradescope, JUnit);
//!    [`picture`]: one case drawn as SVG (`--svg`).
//!
//! [`catalogue`] is the exercise as data, for both sides: its routines, files, signatures,
//! checks and cases, and the spec `driver.py` is given. A failure that stops grading short of
//! a report is a [`failure::Failure`], typed by whose it is; it becomes an exit status only at
//! the edge. Folders are graded concurrently (`--jobs`), and reported in the order they were
//! given.

mod catalogue;
pub(crate) mod contain;
mod copy;
mod drive;
mod failure;
mod find;
mod judge;
mod model;
mod picture;
mod points;
mod probe;
mod protocol;
mod render;

pub use contain::warden::{SUBCOMMAND as WARDEN, main as warden_main};

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use waitsim::{GeneratorKind, Routine, SeedRange};

use crate::args::{CheckPythonArgs, Format, Jobs, Options};
use crate::exit::{Exit, say};
use crate::interrupt;
use crate::output::{OutputFile, emit, with_progress_bar};
use catalogue::ROUTINES;
use drive::{Job, Limits};
use failure::Failure;
use find::Folder;
use judge::{Policy, Results};
use model::{Batch, FolderReport, Row};
use points::Points;
use probe::Python;

/// What grading one folder needs besides the folder.
struct Grading<'a> {
    python: &'a Python,
    seeds: SeedRange,
    only: Option<Routine>,
    limits: Limits,
    policy: Policy,
    points: Points,
    /// What every report shares.
    batch: Batch,
}

/// `check-python`: checks the arguments, grades the folders, and writes the report in its
/// format, whole.
pub fn run(args: &CheckPythonArgs, options: &Options) -> Result<(), Exit> {
    let format = checked_format(args, options)?;
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
    let (text, passes) = match (grade_folders(args, points, svg), format) {
        (Ok(reports), _) => (
            render::render(format, &reports, &args.seeds.to_string(), &visibility)
                .map_err(Exit::environment)?,
            reports.iter().all(FolderReport::passes),
        ),
        // A submission that cannot be graded as handed in is the learner's to fix: Gradescope
        // shows them why, with a score of 0, and grading itself succeeded. Any other failure
        // is the grader's: it goes to stderr with a status that is not 0, which Gradescope's
        // `run_autograder` turns into "tell your course staff".
        (Err(Failure::Submission(message)), Format::Gradescope) => {
            (render::ungraded(&message), true)
        }
        (Err(failure), _) => return Err(failure.exit()),
    };
    write_output(output, &text)?;
    if format == Format::Gradescope || passes {
        // Gradescope reads the score from the file: the run succeeded whatever it is.
        Ok(())
    } else {
        // The report has said what failed, or which files are missing.
        Err(Exit::quiet(1))
    }
}

/// The format to write, once the arguments are checked against each other.
fn checked_format(args: &CheckPythonArgs, options: &Options) -> Result<Format, Exit> {
    if options.seed.is_some()
        || options.clock != waitsim::Clock::Virtual
        || options.rng.is_some_and(|rng| rng != GeneratorKind::Cpython)
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
    Ok(format)
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

/// Finds the folders, probes the Python, and grades them all.
/// With `svg`, also draws one case of the folder (see [`picture`]).
fn grade_folders(
    args: &CheckPythonArgs,
    points: Points,
    svg: Option<OutputFile>,
) -> Result<Vec<FolderReport>, Failure> {
    let folders = find::folders(&args.dirs, args.routine)?;
    let python = probe_python(args.python.as_deref())?;
    let batch = Batch {
        sandbox: python.sandbox.describe(),
        seeds: args.seeds.to_string(),
        max_score: points.total(),
    };
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
        batch,
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
            (args.routine, first_seed),
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

/// The Python to grade with (`python3` unless given), probed, with a warning when this
/// machine contains it less than others can.
fn probe_python(python: Option<&std::path::Path>) -> Result<Python, Failure> {
    let python = python.map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let python = probe::check_python_version(&python)?;
    interrupt::adopt_orphans();
    if let Some(shortfalls) = python.sandbox.shortfalls() {
        say(format_args!(
            "warning: the code under test is less contained than waitsim can contain it on other systems: {shortfalls} (sandbox: {})",
            python.sandbox.describe()
        ));
    }
    Ok(python)
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
                    let graded = grade(folder, grading);
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

/// Grades one folder: each routine whose file is there, in its own Python process (copy,
/// drive, judge); then the comparison of two routines, and the score. A folder that could not
/// be read gets a report that fails and says why.
fn grade(folder: &Folder, grading: &Grading<'_>) -> Result<FolderReport, Failure> {
    let started = Instant::now();
    let dir = &folder.path;
    let mut report = FolderReport::new(dir, &grading.batch);
    report.notes.clone_from(&folder.notes);
    if let Some(why) = &folder.unreadable {
        report.unreadable = Some(why.clone());
        return Ok(report);
    }
    let graded: Vec<(Routine, &str)> = ROUTINES
        .iter()
        .filter(|(routine, _)| grading.only.is_none_or(|only| only == *routine))
        .copied()
        .collect();
    let mut rows = Vec::new();
    let mut results: Vec<(Routine, Results)> = Vec::new();
    // What the first private copy that left anything out left out: the others' are the same.
    let mut left_out_noted = false;
    for &(routine, file) in &graded {
        if !dir.join(file).is_file() {
            report.missing.push(file);
            continue;
        }
        let one = match grade_routine(folder, routine, file, grading) {
            Ok(one) => one,
            Err(Failure::Submission(why)) => {
                // The exercise's own files cannot be read: the report says so.
                report.unreadable = Some(why);
                break;
            }
            Err(failure) => return Err(failure),
        };
        if !left_out_noted && !one.left_out.is_empty() {
            report.notes.extend(left_out_note(&one.left_out));
            left_out_noted = true;
        }
        report.routine_seconds.push((routine, one.seconds));
        report.python = report.python.take().or(one.python);
        report.virtual_seconds += one.virtual_seconds;
        rows.extend(one.rows);
        results.push((routine, one.values));
    }
    let seeds: Vec<u64> = grading.seeds.range().collect();
    rows.extend(judge::comparison(&results, dir, &seeds));
    let routines: Vec<Routine> = graded.iter().map(|&(routine, _)| routine).collect();
    report.score = points::score(&grading.points, &routines, &mut rows);
    report.missing_points = points::worth(&grading.points, &routines);
    report.set_rows(rows);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What one routine's process gave, judged.
struct RoutineGraded {
    rows: Vec<Row>,
    values: Results,
    /// What the private copy left out.
    left_out: Vec<String>,
    /// The Python's version, as the driver said it.
    python: Option<String>,
    /// The virtual time its cases waited, and the real time it took.
    virtual_seconds: f64,
    seconds: f64,
}

/// One routine of a folder: a private copy, the driven process, and the verdicts.
fn grade_routine(
    folder: &Folder,
    routine: Routine,
    file: &str,
    grading: &Grading<'_>,
) -> Result<RoutineGraded, Failure> {
    let started = Instant::now();
    let inputs: Vec<_> = grading
        .seeds
        .range()
        .enumerate()
        .map(|(case, seed)| catalogue::input(routine, case, seed))
        .collect();
    let copy = copy::private(&folder.path)?;
    let job = Job {
        routine,
        file,
        record: false,
    };
    let run = drive::drive(grading.python, &copy, job, &inputs, grading.limits)?;
    let seconds = started.elapsed().as_secs_f64();
    let (rows, values) = judge::judge(routine, &folder.path, &inputs, &run, grading.policy);
    let exchange = &run.exchange;
    Ok(RoutineGraded {
        rows,
        values,
        left_out: copy.left_out.clone(),
        python: exchange.policy.as_ref().map(|(version, _)| version.clone()),
        virtual_seconds: exchange
            .answered
            .iter()
            .map(|answered| answered.elapsed)
            .filter(|secs| secs.is_finite())
            .sum(),
        seconds,
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
