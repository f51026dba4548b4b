//! The `waitsim` command: every routine from the command line, replayable from its seed.

use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::CommandFactory;
use clap::Parser;
use clap::error::ErrorKind;
use serde::Serialize;
use waitsim::analysis::{Case, Report, Scenario};
use waitsim::{Clock, GeneratorKind};

mod alloc;
mod args;
mod demo;
mod exit;
mod interrupt;
mod memory;
mod output;
mod plot;
mod python;
mod sweep;

use args::{Cli, Command, Many, Measured, Options};
use exit::{Exit, say};
use output::{OutputFile, check_stdout, emit, print_json, with_progress_bar, write_report};

/// mimalloc for the tasks, the system's allocator for the rest: see [`alloc`].
#[global_allocator]
static GLOBAL: alloc::ByAlignment = alloc::ByAlignment;

fn main() -> ExitCode {
    // `check-python`'s warden: waitsim started itself to contain one Python process.
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == python::WARDEN) {
        python::warden_main(&args[1..]);
    }
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                say(format_args!("error: {}", failure.message));
            }
            ExitCode::from(failure.status)
        }
    }
}

fn try_main() -> Result<(), Exit> {
    let outcome = dispatch();
    // A signal that came while the output was being written: it is whole now; say so.
    if outcome.is_ok() && interrupt::interrupted() {
        return Err(interrupt::stopped("after its output was complete"));
    }
    outcome
}

fn dispatch() -> Result<(), Exit> {
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
        Err(err) => return Err(Exit::usage(one_line(&err))),
    };
    interrupt::install();
    check_stdout()?;
    let options = &cli.options;
    // Every argument has been checked by now, so the seed line is never followed by a usage
    // error. The sweeps take their seeds from --seeds instead.
    let seed = || {
        args::seed_or_report(options.seed.map(|seed| seed.0), |seed| {
            say(format_args!("seed: {seed}"));
        })
    };
    let one = |scenario| -> Result<(), Exit> {
        memory::check(memory::needed(&scenario))?;
        let case = Case {
            kind: options.rng(),
            clock: options.clock,
            ..Case::new(scenario, seed()?)
        };
        let report = run_with_bar(&case, options.json)?;
        if options.json {
            print_json(&report)
        } else {
            emit(|out| write_report(out, &report))
        }
    };
    match &cli.command {
        &Command::WaitRandom { max_delay } => one(Scenario::WaitRandom { max_delay }),
        &Command::TaskWaitRandom { max_delay } => one(Scenario::TaskWaitRandom { max_delay }),
        &Command::WaitN(Many { n, max_delay }) => one(Scenario::WaitN {
            n: n.get(),
            max_delay,
        }),
        &Command::TaskWaitN(Many { n, max_delay }) => one(Scenario::TaskWaitN {
            n: n.get(),
            max_delay,
        }),
        &Command::MeasureTime(Measured { n, max_delay }) => one(Scenario::MeasureTime {
            n: n.0.get(),
            max_delay,
        }),
        Command::Demo => demo::run(seed()?, options.rng(), options.clock, options.json),
        Command::Timeline { many, svg } => {
            // Everything the arguments tell is checked before the seed and the run.
            let n = many.n.get();
            if n > plot::MAX_TERMINAL_TASKS && svg.is_none() && !options.json {
                return Err(Exit::usage(format!(
                    "a timeline of {n} tasks is too tall for the terminal (at most {}): use --svg FILE or --json",
                    plot::MAX_TERMINAL_TASKS
                )));
            }
            let file = svg.as_deref().map(OutputFile::prepare).transpose()?;
            memory::check(memory::timeline_needed(n))?;
            draw_timeline(many, file, seed()?, options)
        }
        Command::Sweep(args) => sweep::run(args, options),
        Command::SweepMerge { files } => sweep::merge(files, options),
        Command::CheckPython(args) => python::run(args, options),
    }
}

/// Runs and shows a timeline: as JSON, as an SVG picture, or as text for small `n`.
fn draw_timeline(
    many: &Many,
    svg: Option<OutputFile>,
    seed: u64,
    options: &Options,
) -> Result<(), Exit> {
    let mut rng = options.rng().generator(seed);
    let timeline = options.clock.run(waitsim::analysis::timeline(
        &mut rng,
        many.n.get(),
        many.max_delay,
    ))?;
    if let Some(file) = svg {
        let title = format!(
            "wait_n({}, {}): {} seed {}, {} clock",
            many.n.get(),
            many.max_delay,
            options.rng(),
            seed,
            options.clock
        );
        plot::timeline_svg(file.path(), &timeline, &title)
            .map_err(|err| Exit::environment(format!("cannot draw the timeline: {err}")))?;
        file.commit()?;
    }
    if options.json {
        return print_json(&TimelineReport {
            seed,
            rng: options.rng(),
            clock: options.clock,
            timeline,
        });
    }
    if timeline.n <= plot::MAX_TERMINAL_TASKS {
        emit(|out| out.write_all(plot::timeline_text(&timeline).as_bytes()))
    } else {
        // Too tall for the terminal: refused before the run unless drawn or printed as JSON.
        Ok(())
    }
}

/// A timeline with what it takes to replay it.
#[derive(Serialize)]
struct TimelineReport {
    seed: u64,
    rng: GeneratorKind,
    clock: Clock,
    #[serde(flatten)]
    timeline: waitsim::analysis::Timeline,
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

/// Runs a case, with a progress bar on stderr for real waits of a second or more when stderr
/// is a terminal.
fn run_with_bar(case: &Case, json: bool) -> Result<Report, Exit> {
    let total = case.scenario.n().unwrap_or(1) as u64;
    let show = case.clock == Clock::Real
        && !json
        && case.scenario.max_delay().as_secs_f64() >= 1.0
        && io::stderr().is_terminal();
    let report = with_progress_bar(total, "waits finished", show, Duration::ZERO, |finished| {
        case.run_with(&mut || {
            finished.fetch_add(1, Ordering::Relaxed);
        })
    });
    Ok(report?)
}
