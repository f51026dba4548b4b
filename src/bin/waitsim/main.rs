//! The `waitsim` command: every routine from the command line, replayable from its seed.

use std::fmt::Display;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::TryRng;
use serde::Serialize;
use waitsim::{
    Clock, MAX_TASKS, MaxDelay, Partition, Progress, Report, RngKind, Routine, Scenario,
};

mod plot;
mod sweep;

/// mimalloc, because a million spawned tasks are a million 128-byte-aligned allocations: with
/// it `task-wait-n 1000000` takes a quarter of the time and 60% of the memory it takes with the
/// system allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Seeded, virtual-clock simulations of concurrent random waits.
///
/// Every run draws its delays from a seeded generator; without --seed, a seed is drawn from the
/// operating system and printed on stderr, so any run can be replayed exactly.
#[derive(Debug, Parser)]
#[command(name = "waitsim", version, allow_negative_numbers = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    options: Options,
}

#[derive(Clone, Debug, Args)]
struct Options {
    /// The generator's seed, an integer in [0, 2^64 - 1] [default: drawn from the OS]
    #[arg(long, global = true, value_parser = parse_seed)]
    seed: Option<u64>,

    /// The clock the waits run on: `virtual` (instant, reproducible) or `real`
    #[arg(long, global = true, default_value_t, value_parser = clap::builder::ValueParser::new(parse_clock))]
    clock: Clock,

    /// The random generator: `chacha`, or `cpython` for the delays Python's `random.seed(SEED)`
    /// gives
    #[arg(long, global = true, default_value_t, value_parser = clap::builder::ValueParser::new(parse_rng))]
    rng: RngKind,

    /// Print JSON on stdout and nothing else there: one object (for `sweep`, one line per seed
    /// and a summary line)
    #[arg(long, global = true)]
    json: bool,
}

/// Every subcommand takes numbers, so `-1` is a value (to be refused with its range), not a flag.
#[derive(Debug, Subcommand)]
enum Command {
    /// Wait a random delay in [0, MAX_DELAY] seconds and print it
    #[command(allow_negative_numbers = true)]
    WaitRandom {
        /// The longest delay, in seconds
        #[arg(default_value_t = MaxDelay::DEFAULT, value_parser = parse_max_delay)]
        max_delay: MaxDelay,
    },
    /// Run N random waits concurrently and print their delays in ascending order
    #[command(allow_negative_numbers = true)]
    WaitN(Many),
    /// Time N concurrent random waits and print the elapsed time divided by N
    #[command(allow_negative_numbers = true)]
    MeasureTime(Many),
    /// Wait a random delay as a spawned task and print it
    #[command(allow_negative_numbers = true)]
    TaskWaitRandom {
        /// The longest delay, in seconds
        #[arg(value_parser = parse_max_delay)]
        max_delay: MaxDelay,
    },
    /// Run N random waits as spawned tasks and print their delays in ascending order
    #[command(allow_negative_numbers = true)]
    TaskWaitN(Many),
    /// Run the seed's five example programs, in order
    #[command(allow_negative_numbers = true)]
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
    /// Run measure-time N MAX_DELAY for every seed of a range, on both cores, and summarise it
    /// next to the theory
    #[command(allow_negative_numbers = true)]
    Sweep(SweepArgs),
    /// Combine the JSON lines of sweep shards (--partition) into the summary of the whole range
    SweepMerge {
        /// Files of JSON lines written by `sweep --json`
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct SweepArgs {
    #[command(flatten)]
    many: Many,
    /// The seeds: A..B runs every seed from A up to, not including, B
    #[arg(long, value_name = "A..B", value_parser = parse_seeds)]
    seeds: Range<u64>,
    /// Run only the K-th of N shards of the seeds
    #[arg(long, value_name = "K/N", default_value = "1/1", value_parser = parse_partition)]
    partition: Partition,
    /// Draw the histogram of measure_time as an SVG picture in FILE
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Show the progress bar even with --json
    #[arg(long)]
    progress: bool,
}

impl Command {
    /// The scenario this command runs with `seed`, for the commands that run one routine.
    fn scenario(&self, seed: u64, options: &Options) -> Option<Scenario> {
        let (routine, n, max_delay) = match *self {
            Command::WaitRandom { max_delay } => (Routine::WaitRandom, None, max_delay),
            Command::TaskWaitRandom { max_delay } => (Routine::TaskWaitRandom, None, max_delay),
            Command::WaitN(Many { n, max_delay }) => (Routine::WaitN, Some(n), max_delay),
            Command::MeasureTime(Many { n, max_delay }) => {
                (Routine::MeasureTime, Some(n), max_delay)
            }
            Command::TaskWaitN(Many { n, max_delay }) => (Routine::TaskWaitN, Some(n), max_delay),
            Command::Demo
            | Command::Timeline { .. }
            | Command::Sweep(_)
            | Command::SweepMerge { .. } => {
                return None;
            }
        };
        Some(Scenario {
            routine,
            seed,
            rng: options.rng,
            clock: options.clock,
            n,
            max_delay,
        })
    }
}

#[derive(Debug, Args)]
struct Many {
    /// The number of waits
    #[arg(value_parser = parse_n)]
    n: usize,
    /// The longest delay, in seconds
    #[arg(value_parser = parse_max_delay)]
    max_delay: MaxDelay,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| {
        format!(
            "invalid seed `{s}`: expected an integer in [0, {}]",
            u64::MAX
        )
    })
}

fn parse_n(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_TASKS => Ok(n),
        _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Err(format!(
            "invalid n `{s}`: expected at most {MAX_TASKS} waits (each holds a timer entry in \
             memory, and this many would not fit)"
        )),
        _ => Err(format!(
            "invalid n `{s}`: expected a whole number in [0, {MAX_TASKS}]"
        )),
    }
}

fn parse_max_delay(s: &str) -> Result<MaxDelay, String> {
    s.parse().map_err(|err: waitsim::Error| err.to_string())
}

fn parse_seeds(s: &str) -> Result<Range<u64>, String> {
    waitsim::parse_seed_range(s).map_err(|err| err.to_string())
}

fn parse_partition(s: &str) -> Result<Partition, String> {
    s.parse().map_err(|err: waitsim::Error| err.to_string())
}

fn parse_clock(s: &str) -> Result<Clock, String> {
    s.parse().map_err(|err: waitsim::Error| err.to_string())
}

fn parse_rng(s: &str) -> Result<RngKind, String> {
    s.parse().map_err(|err: waitsim::Error| err.to_string())
}

/// Why the command stopped: the one line to print and the exit status.
struct Failure {
    message: String,
    status: u8,
}

impl From<waitsim::Error> for Failure {
    fn from(err: waitsim::Error) -> Failure {
        let status = if err.is_invalid_input() { 2 } else { 1 };
        Failure {
            message: err.to_string(),
            status,
        }
    }
}

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

fn try_main() -> Result<(), Failure> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            // Help and version go to stdout with status 0; nothing can be done if that fails.
            let _ = err.print();
            return Ok(());
        }
        Err(err) => {
            return Err(Failure {
                message: one_line(&err),
                status: 2,
            });
        }
    };
    // Without the handler, Ctrl-C still ends the process, only less tidily.
    let _ = ctrlc::set_handler(|| {
        if io::stderr().is_terminal() {
            // Erase a progress bar that may be on the line.
            eprint!("\r\x1b[2K");
        }
        eprintln!("error: interrupted");
        std::process::exit(130);
    });
    let options = cli.options;
    match &cli.command {
        Command::Sweep(args) => return sweep::run(args, &options),
        Command::SweepMerge { files } => return sweep::merge(files, &options),
        _ => {}
    }
    // Refuse bad input before drawing and printing a seed, so the error is the only line.
    if let Some(scenario) = cli.command.scenario(0, &options) {
        scenario.check()?;
    }
    let seed = match options.seed {
        Some(seed) => seed,
        None => {
            let seed = rand::rngs::SysRng.try_next_u64().map_err(|err| Failure {
                message: format!("cannot draw a seed from the operating system: {err}"),
                status: 1,
            })?;
            eprintln!("seed: {seed}");
            seed
        }
    };
    if let Some(scenario) = cli.command.scenario(seed, &options) {
        let report = run_with_bar(&scenario, options.json)?;
        return if options.json {
            print_json(&report)
        } else {
            emit(|out| write_report(out, &report))
        };
    }
    match cli.command {
        Command::Timeline { many, svg } => draw_timeline(&many, svg.as_deref(), seed, &options),
        _ => {
            let base = Scenario {
                rng: options.rng,
                clock: options.clock,
                ..Scenario::new(Routine::WaitRandom, seed)
            };
            demo(&base, options.json)
        }
    }
}

/// Runs and shows a timeline: as JSON, as an SVG picture, or as text for small `n`.
fn draw_timeline(
    many: &Many,
    svg: Option<&Path>,
    seed: u64,
    options: &Options,
) -> Result<(), Failure> {
    let mut rng = options.rng.seeded(seed);
    let timeline =
        options
            .clock
            .block_on(waitsim::timeline(&mut rng, many.n, many.max_delay))??;
    if let Some(path) = svg {
        let title = format!(
            "wait_n({}, {}): {} seed {}, {} clock",
            many.n, many.max_delay, options.rng, seed, options.clock
        );
        plot::timeline_svg(path, &timeline, &title).map_err(|err| Failure {
            message: format!("cannot draw `{}`: {err}", path.display()),
            status: 1,
        })?;
    }
    if options.json {
        return print_json(&TimelineReport {
            seed,
            rng: options.rng,
            clock: options.clock,
            timeline,
        });
    }
    if timeline.n <= plot::MAX_TERMINAL_TASKS {
        emit(|out| out.write_all(plot::timeline_text(&timeline).as_bytes()))
    } else if svg.is_some() {
        Ok(())
    } else {
        Err(Failure {
            message: format!(
                "a timeline of {} tasks is too tall for the terminal (at most {}): use --svg FILE or --json",
                timeline.n,
                plot::MAX_TERMINAL_TASKS
            ),
            status: 2,
        })
    }
}

/// A timeline with what it takes to replay it.
#[derive(Serialize)]
struct TimelineReport {
    seed: u64,
    rng: RngKind,
    clock: Clock,
    #[serde(flatten)]
    timeline: waitsim::Timeline,
}

/// Reduces a usage error to one line: its message and details, without usage or tips.
fn one_line(err: &clap::Error) -> String {
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|command| format!("`{}`", command.get_name()))
            .collect();
        return format!(
            "no command given: expected one of {} (see `waitsim --help`)",
            names.join(", ")
        );
    }
    let rendered = err.render().to_string();
    let text = rendered.split("\nUsage:").next().unwrap_or_default();
    let words: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("tip:")
                && !line.starts_with("For more information")
        })
        .collect();
    let line = words.join(" ");
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}

/// Runs a scenario, with a progress bar on stderr for real waits of a second or more when
/// stderr is a terminal.
fn run_with_bar(scenario: &Scenario, json: bool) -> Result<Report, Failure> {
    let total = scenario.n.unwrap_or(1) as u64;
    let show = scenario.clock == Clock::Real
        && !json
        && scenario.max_delay.as_secs_f64() >= 1.0
        && io::stderr().is_terminal();
    let report = with_progress_bar(total, "waits finished", show, Duration::ZERO, |progress| {
        scenario.run_with_progress(progress)
    });
    Ok(report?)
}

/// Runs `work` beside a progress bar on stderr that shows the count `work` keeps in its
/// [`Progress`]: drawn only if `show`, and only once the work has lasted `after`.
fn with_progress_bar<T>(
    total: u64,
    unit: &str,
    show: bool,
    after: Duration,
    work: impl FnOnce(&Progress) -> T,
) -> T {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    let progress = Progress::new();
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let outcome = std::thread::scope(|scope| {
        if show {
            scope.spawn(|| {
                let mut drawn = false;
                while !done.load(Ordering::Relaxed) {
                    if !drawn && started.elapsed() >= after {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                        drawn = true;
                    }
                    bar.set_position(progress.finished() as u64);
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        let outcome = work(&progress);
        done.store(true, Ordering::Relaxed);
        outcome
    });
    bar.finish_and_clear();
    outcome
}

fn write_report(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let row =
        |out: &mut dyn Write, key: &str, value: &dyn Display| writeln!(out, "{key:<13}{value}");
    row(out, "routine", &report.routine)?;
    row(out, "seed", &report.seed)?;
    row(out, "rng", &report.rng)?;
    row(out, "clock", &report.clock)?;
    row(out, "max_delay", &report.max_delay)?;
    if let Some(n) = report.n {
        row(out, "n", &n)?;
    }
    match report.delays.split_first() {
        Some((first, rest)) => {
            row(out, "delays", first)?;
            for delay in rest {
                row(out, "", delay)?;
            }
        }
        None => row(out, "delays", &"")?,
    }
    row(out, "elapsed", &format_args!("{} s", report.elapsed))?;
    if let Some(per_task) = report.measure_time {
        row(out, "measure_time", &format_args!("{per_task} s"))?;
    }
    Ok(())
}

/// One call of the demo: the seed's expression and what it gave.
#[derive(Serialize)]
struct DemoCall {
    program: &'static str,
    call: String,
    #[serde(flatten)]
    report: Report,
}

/// The whole demo, as one JSON object.
#[derive(Serialize)]
struct DemoReport {
    routine: &'static str,
    seed: u64,
    rng: RngKind,
    clock: Clock,
    calls: Vec<DemoCall>,
}

/// The calls of the seed's `0-main.py` to `4-main.py`, in order.
const DEMO: &[(&str, Routine, Option<usize>, Option<f64>)] = &[
    ("0-main.py", Routine::WaitRandom, None, None),
    ("0-main.py", Routine::WaitRandom, None, Some(5.0)),
    ("0-main.py", Routine::WaitRandom, None, Some(15.0)),
    ("1-main.py", Routine::WaitN, Some(5), Some(5.0)),
    ("1-main.py", Routine::WaitN, Some(10), Some(7.0)),
    ("1-main.py", Routine::WaitN, Some(10), Some(0.0)),
    ("2-main.py", Routine::MeasureTime, Some(5), Some(9.0)),
    ("3-main.py", Routine::TaskWaitRandom, None, Some(5.0)),
    ("4-main.py", Routine::TaskWaitN, Some(5), Some(6.0)),
];

/// Runs the seed's example programs. Call `k` (from 0) is seeded with `seed + k`, so each
/// line can be replayed alone with its subcommand.
fn demo(base: &Scenario, json: bool) -> Result<(), Failure> {
    let mut calls = Vec::new();
    let mut program = "";
    for (k, &(file, routine, n, max_delay)) in (0u64..).zip(DEMO) {
        let scenario = Scenario {
            routine,
            n,
            seed: base.seed.wrapping_add(k),
            max_delay: max_delay.map_or(Ok(MaxDelay::DEFAULT), MaxDelay::new)?,
            ..base.clone()
        };
        let args: Vec<String> = n
            .iter()
            .map(usize::to_string)
            .chain(max_delay.map(|m| m.to_string()))
            .collect();
        let call = format!("{routine}({})", args.join(", "));
        let report = scenario.run()?;
        if !json {
            let mut out = String::new();
            if file != program {
                out.push_str(&format!("{file}\n"));
                program = file;
            }
            out.push_str(&format!("  {call:<22}{}\n", render_result(&report)));
            emit(|stdout| stdout.write_all(out.as_bytes()))?;
        }
        calls.push(DemoCall {
            program: file,
            call,
            report,
        });
    }
    if json {
        print_json(&DemoReport {
            routine: "demo",
            seed: base.seed,
            rng: base.rng,
            clock: base.clock,
            calls,
        })?;
    }
    Ok(())
}

/// A result as the seed's Python programs print it: a float, or a list of floats.
fn render_result(report: &Report) -> String {
    match report.routine {
        Routine::WaitRandom => format!("{:?}", report.delays[0]),
        Routine::WaitN | Routine::TaskWaitN => format!("{:?}", report.delays),
        Routine::MeasureTime => format!("{:?}", report.measure_time.unwrap_or_default()),
        Routine::TaskWaitRandom => format!(
            "{} -> {:?}",
            std::any::type_name::<tokio::task::JoinHandle<f64>>(),
            report.delays[0]
        ),
    }
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    emit(|out| {
        serde_json::to_writer(&mut *out, value)?;
        writeln!(out)
    })
}

/// Streams output to stdout through a buffer, so that no large output is built in memory
/// first; a closed pipe (as with `| head`) ends the command quietly.
fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let mut out = BufWriter::new(io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure {
            message: format!("cannot write to stdout: {err}"),
            status: 1,
        }),
    }
}
