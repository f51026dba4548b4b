//! The command line's syntax: options, subcommands and how each value is read.

use crate::exit::Exit;
use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use waitsim::{Clock, GeneratorKind, MaxDelay, Partition, SeedRange, TaskCount, parse_digits};

/// Seeded, virtual-clock simulations of concurrent random waits.
///
/// Every run draws its delays from a seeded generator; without --seed, a seed is drawn from the
/// operating system and printed on stderr, so any run can be replayed exactly.
///
/// Numbers are written without a sign: N and seeds in decimal digits, MAX_DELAY as a decimal
/// number of seconds (`2.5`, `1e3`). A value that starts with `-` or `+` (`-1`, `-inf`, `+3`,
/// even `-0`) is read as a value and refused with its accepted range.
#[derive(Debug, Parser)]
#[command(name = "waitsim", version, allow_negative_numbers = true, after_help = EXIT_STATUSES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub options: Options,
}

/// The exit statuses, as `--help` and the book's page on the command line
/// (`book/src/reference/cli.md`) list them.
pub const EXIT_STATUSES: &str = "Exit status:
  0    success (also when the reader of stdout goes away, as with `| head`)
  1    output or resource failure: stdout closed or full, a file that cannot be written, not
       enough memory for the run; for check-python, a check that failed
  2    bad usage: a value refused with its accepted range, before any work
  130  interrupted by SIGINT, SIGTERM or SIGHUP; the output written is whole lines";

/// The options every subcommand takes.
#[derive(Clone, Debug, Args)]
pub struct Options {
    /// The generator's seed, an integer in [0, 2^64 - 1] [default: drawn from the OS]
    #[arg(long, global = true, value_parser = parsed::<Seed>, allow_hyphen_values = true)]
    pub seed: Option<Seed>,

    /// The clock the waits run on: `virtual` (instant, reproducible) or `real`
    #[arg(long, global = true, default_value_t, value_parser = parsed::<Clock>)]
    pub clock: Clock,

    /// The random generator: `chacha`, or `cpython` for the delays Python's `random.seed(SEED)`
    /// gives [default: chacha]
    #[arg(long, global = true, value_parser = parsed::<GeneratorKind>)]
    pub rng: Option<GeneratorKind>,

    /// Print JSON on stdout and nothing else there: one object (for `sweep`, one line per seed
    /// and a summary line)
    #[arg(long, global = true)]
    pub json: bool,
}

impl Options {
    /// The generator: the one given, or the default.
    pub fn rng(&self) -> GeneratorKind {
        self.rng.unwrap_or_default()
    }
}

/// The subcommands. Those that take numbers read `-1` or `-2.5` as a value (refused with its
/// accepted range), not as a flag.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Wait a random delay in [0, MAX_DELAY] seconds and print it
    #[command(allow_negative_numbers = true)]
    WaitRandom {
        /// The longest delay, in seconds
        #[arg(default_value_t = MaxDelay::DEFAULT, value_parser = parsed::<MaxDelay>, allow_hyphen_values = true)]
        max_delay: MaxDelay,
    },
    /// Run N random waits concurrently and print their delays in ascending order
    #[command(allow_negative_numbers = true)]
    WaitN(Many),
    /// Time N concurrent random waits and print the elapsed time divided by N
    #[command(allow_negative_numbers = true)]
    MeasureTime(Measured),
    /// Wait a random delay as a spawned task and print it
    #[command(allow_negative_numbers = true)]
    TaskWaitRandom {
        /// The longest delay, in seconds
        #[arg(value_parser = parsed::<MaxDelay>, allow_hyphen_values = true)]
        max_delay: MaxDelay,
    },
    /// Run N random waits as spawned tasks and print their delays in ascending order
    #[command(allow_negative_numbers = true)]
    TaskWaitN(Many),
    /// Run the seed's five example programs, in order
    Demo,
    /// Show when each of N concurrent waits started and ended: as text, JSON or an SVG picture
    #[command(allow_negative_numbers = true)]
    Timeline {
        #[command(flatten)]
        many: Many,
        /// Draw the timeline as an SVG picture in FILE
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Run measure-time N MAX_DELAY for every seed of a range, on every core, and summarise
    /// it next to the theory
    #[command(allow_negative_numbers = true)]
    Sweep(SweepArgs),
    /// Combine the JSON lines of sweep shards (--partition) into the summary of the whole range
    SweepMerge {
        /// Files of JSON lines written by `sweep --json`
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Grade Python implementations of the exercise (the five files in each DIR) on a virtual
    /// clock, against the laws and CPython's draws. A DIR that holds none of the files, such
    /// as a repository, is searched a few levels down for one copy of the exercise. The code
    /// is run contained: with time, memory, process and disk limits, and the sandbox this
    /// machine allows (no network, no secrets; the JSON's `sandbox` says what held).
    ///
    /// Exit status, by format:
    ///
    /// - text, json and junit: 0 when every folder passes; 1 when a check fails, a file is
    ///   missing or a folder cannot be read; 2 for bad usage.
    ///
    /// - gradescope: 0 once results.json is written, whatever the score (the score is in the
    ///   file, and a submission with nothing to grade scores 0 and says why); 2 for bad usage.
    ///
    /// In every format, when grading cannot run at all (no usable Python, a sandbox that
    /// cannot start, output that cannot be written), the reason is on stderr and the status is
    /// not 0: for Gradescope, run_autograder then tells the learner to ask the course staff.
    CheckPython(CheckPythonArgs),
}

/// `check-python`'s arguments.
#[derive(Debug, Args)]
pub struct CheckPythonArgs {
    /// The folders with `0-basic_async_syntax.py` ... `4-tasks.py`, or repositories that hold
    /// such folders
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The seeds: each gives every routine one case, with its own n and max_delay
    #[arg(long, value_name = "A..B", default_value = "0..50", value_parser = parsed::<SeedRange>, allow_hyphen_values = true)]
    pub seeds: SeedRange,
    /// Check only this routine
    #[arg(long, value_name = "ROUTINE", value_parser = parsed::<waitsim::Routine>)]
    pub routine: Option<waitsim::Routine>,
    /// The Python to run [default: python3]
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// The most real time one case may take, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = parsed::<Limit>, allow_hyphen_values = true)]
    pub timeout: Limit,
    /// The most address space one Python process may have, and the most memory its whole tree
    /// may use: bytes, or a number with KiB, MiB or GiB
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parsed::<Memory>, allow_hyphen_values = true)]
    pub memory: Memory,
    /// The report's format: text, json (JSON Lines, as --json), gradescope (results.json of
    /// one submission) or junit (JUnit XML)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE (whole, or not at all) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Points per routine and check, from a TOML file (default: 100, shared equally by the
    /// routines checked, each routine's share equally by its checks)
    #[arg(long, value_name = "FILE")]
    pub points: Option<PathBuf>,
    /// Draw one case of your code on the virtual clock into FILE (SVG): the first failing
    /// routine (or --routine), at its first counterexample's seed (or the first of --seeds),
    /// each timer a bar from when it was set to when it was due
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Fail `policy` for any module the exercise does not need (`os`, `sys`, ...), not only
    /// for the means of tampering with the grader
    #[arg(long)]
    pub strict_policy: bool,
    /// How many folders to grade at once [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = parsed::<Jobs>, allow_hyphen_values = true)]
    pub jobs: Option<Jobs>,
}

/// The formats `check-python --format` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (one folder), or a row per folder (many).
    Text,
    /// JSON Lines: one object per folder (`--json` is the same).
    Json,
    /// Gradescope's `results.json`, for one submission.
    Gradescope,
    /// JUnit XML: a test suite per folder, a test case per check.
    Junit,
}

/// How many folders are graded at once: 1 to 256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jobs(pub usize);

impl Jobs {
    /// One per core.
    pub fn per_core() -> Jobs {
        Jobs(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

impl FromStr for Jobs {
    type Err = String;

    fn from_str(text: &str) -> Result<Jobs, String> {
        match parse_digits::<usize>(text) {
            Some(n) if (1..=256).contains(&n) => Ok(Jobs(n)),
            _ => Err(format!(
                "invalid job count `{text}`: expected a whole number from 1 to 256"
            )),
        }
    }
}

/// An address-space limit, in bytes: at least 64 MiB (what a Python with asyncio needs to
/// start), at most 1 TiB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Memory(pub u64);

impl FromStr for Memory {
    type Err = String;

    fn from_str(text: &str) -> Result<Memory, String> {
        const MIB: u64 = 1 << 20;
        let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => text.split_at(at),
            None => (text, ""),
        };
        let scale = match unit {
            "" => Some(1),
            "KiB" => Some(1 << 10),
            "MiB" => Some(MIB),
            "GiB" => Some(1 << 30),
            _ => None,
        };
        match (parse_digits::<u64>(digits), scale) {
            (Some(n), Some(scale))
                if n.checked_mul(scale)
                    .is_some_and(|b| (64 * MIB..=(1 << 40)).contains(&b)) =>
            {
                Ok(Memory(n * scale))
            }
            _ => Err(format!(
                "invalid memory limit `{text}`: expected a size from 64MiB to 1024GiB, in bytes or \
                 with KiB, MiB or GiB"
            )),
        }
    }
}

/// A time limit: a positive, finite number of seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit(pub f64);

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(text: &str) -> Result<Limit, String> {
        // Written without a sign, as every number waitsim reads.
        match text.parse::<f64>() {
            Ok(secs) if !text.starts_with('+') && secs > 0.0 && secs <= 3600.0 => Ok(Limit(secs)),
            _ => Err(format!(
                "invalid time limit `{text}`: expected a number of seconds in (0, 3600]"
            )),
        }
    }
}

/// `N MAX_DELAY`, for the routines that run `n` waits.
#[derive(Clone, Copy, Debug, Args)]
pub struct Many {
    /// The number of waits
    #[arg(value_parser = parsed::<TaskCount>, allow_hyphen_values = true)]
    pub n: TaskCount,
    /// The longest delay, in seconds
    #[arg(value_parser = parsed::<MaxDelay>, allow_hyphen_values = true)]
    pub max_delay: MaxDelay,
}

/// `N MAX_DELAY` for a measurement, which divides by `N`.
#[derive(Clone, Copy, Debug, Args)]
pub struct Measured {
    /// The number of waits, at least 1
    #[arg(value_parser = parsed::<MeasuredCount>, allow_hyphen_values = true)]
    pub n: MeasuredCount,
    /// The longest delay, in seconds
    #[arg(value_parser = parsed::<MaxDelay>, allow_hyphen_values = true)]
    pub max_delay: MaxDelay,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub many: Measured,
    /// The seeds: A..B runs every seed from A up to, not including, B
    #[arg(long, value_name = "A..B", value_parser = parsed::<SeedRange>, allow_hyphen_values = true)]
    pub seeds: SeedRange,
    /// Run only the K-th of N shards of the seeds
    #[arg(long, value_name = "K/N", default_value = "1/1", value_parser = parsed::<Partition>)]
    pub partition: Partition,
    /// Draw the histogram of measure_time as an SVG picture in FILE
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Show the progress bar even with --json
    #[arg(long)]
    pub progress: bool,
}

/// Reads any value the way its type reads text, giving the type's own one-line message.
pub fn parsed<T>(text: &str) -> Result<T, String>
where
    T: FromStr,
    T::Err: Display,
{
    text.parse().map_err(|err: T::Err| err.to_string())
}

/// A seed: a whole number in decimal digits, in `[0, 2^64 - 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seed(pub u64);

impl FromStr for Seed {
    type Err = String;

    fn from_str(text: &str) -> Result<Seed, String> {
        match parse_digits::<u64>(text) {
            Some(seed) => Ok(Seed(seed)),
            None => Err(format!(
                "invalid seed `{text}`: expected an integer in [0, {}]",
                u64::MAX
            )),
        }
    }
}

/// The seed to run with: `given` if there is one; otherwise a fresh seed from the operating
/// system, handed to `report` before it is used, so that the run can be replayed with it.
///
/// The command line prints the drawn seed on stderr as `seed: N`: a run is never seeded from
/// entropy without saying how.
pub fn seed_or_report(given: Option<u64>, report: impl FnOnce(u64)) -> Result<u64, Exit> {
    if let Some(seed) = given {
        return Ok(seed);
    }
    let seed = rand::TryRng::try_next_u64(&mut rand::rngs::SysRng).map_err(|err| {
        Exit::environment(format!(
            "cannot draw a seed from the operating system: {err}"
        ))
    })?;
    report(seed);
    Ok(seed)
}

/// A number of waits to measure: a [`TaskCount`] of at least 1.
#[derive(Clone, Copy, Debug)]
pub struct MeasuredCount(pub TaskCount);

impl FromStr for MeasuredCount {
    type Err = String;

    fn from_str(text: &str) -> Result<MeasuredCount, String> {
        let n: TaskCount = text
            .parse()
            .map_err(|err: waitsim::Error| err.to_string())?;
        TaskCount::measured(n.get())
            .map(MeasuredCount)
            .map_err(|err| err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_from_digits_only_with_a_message_that_names_the_value() {
        assert_eq!("007".parse(), Ok(Seed(7)));
        assert_eq!("18446744073709551615".parse(), Ok(Seed(u64::MAX)));
        for text in ["", "+3", "-0", " 1", "1_0", "18446744073709551616"] {
            assert_eq!(
                text.parse::<Seed>(),
                Err(format!(
                    "invalid seed `{text}`: expected an integer in [0, 18446744073709551615]"
                ))
            );
        }
        assert_eq!("256".parse(), Ok(Jobs(256)));
        for text in ["", "0", "257", "+2", "2 "] {
            assert_eq!(
                text.parse::<Jobs>(),
                Err(format!(
                    "invalid job count `{text}`: expected a whole number from 1 to 256"
                ))
            );
        }
        assert_eq!("64MiB".parse(), Ok(Memory(64 << 20)));
        assert_eq!("1024GiB".parse(), Ok(Memory(1 << 40)));
        assert_eq!("67108864".parse(), Ok(Memory(1 << 26)));
        for text in [
            "",
            "MiB",
            "+64MiB",
            "64 MiB",
            "63MiB",
            "1025GiB",
            "64mib",
            "99999999999999999999GiB",
        ] {
            assert_eq!(
                text.parse::<Memory>(),
                Err(format!(
                    "invalid memory limit `{text}`: expected a size from 64MiB to 1024GiB, in \
                     bytes or with KiB, MiB or GiB"
                ))
            );
        }
    }
}
