//! `waitsim sweep` and `waitsim sweep-merge`: `measure_time` over many seeds.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use waitsim::analysis::{SeedResult, Stats, Summary, SweepOptions, secs_f64};
use waitsim::{Clock, GeneratorKind, MaxDelay};

use crate::memory;

use crate::args::{Options, SweepArgs};
use crate::exit::{Exit, say};
use crate::interrupt::{interrupted, stopped};
use crate::output::{OutputFile, emit, print_json, with_progress_bar};
use crate::plot;

/// The most seeds one sweep runs; spread more over shards with `--partition`.
const MAX_SEEDS: u64 = 10_000_000;

/// One seed's line of `sweep --json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedLine {
    seed: u64,
    n: usize,
    max_delay: MaxDelay,
    rng: GeneratorKind,
    elapsed: f64,
    measure_time: f64,
}

/// The last line of `sweep --json`, and the output of `sweep-merge --json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryLine {
    rng: GeneratorKind,
    summary: Summary,
}

/// Refuses the options that mean nothing to a sweep.
fn check_options(command: &str, options: &Options) -> Result<(), Exit> {
    if options.seed.is_some() {
        return Err(Exit::usage(format!(
            "`{command}` takes no --seed: its seeds come from --seeds A..B"
        )));
    }
    if options.clock != waitsim::Clock::Virtual {
        return Err(Exit::usage(format!(
            "`{command}` runs on the virtual clock only, not `{}`",
            options.clock
        )));
    }
    Ok(())
}

pub fn run(args: &SweepArgs, options: &Options) -> Result<(), Exit> {
    check_options("sweep", options)?;
    let (n, max_delay) = (args.many.n.0.get(), args.many.max_delay);
    let (range, shard) = (args.seeds, args.partition);
    // The limit is on what this run does: a shard of a larger range is fine.
    let count = shard.len(range);
    if count > MAX_SEEDS {
        return Err(Exit::usage(format!(
            "invalid seed range `{range}`: shard {shard} holds {count} seeds, expected at most \
             {MAX_SEEDS} in one run (spread them over more shards with --partition K/N)"
        )));
    }
    if count == 0 {
        return Err(Exit::usage(format!(
            "the sweep holds no seeds: `{range}` (shard {shard}) is empty"
        )));
    }
    let file = args.svg.as_deref().map(OutputFile::prepare).transpose()?;
    // Each thread runs one measurement at a time: as many threads as fit in memory.
    let one_run = memory::needed(&waitsim::analysis::Scenario::MeasureTime { n, max_delay });
    let wanted = SweepOptions::new(n, max_delay).threads.get();
    let threads = memory::fitting(one_run, wanted)
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| {
            memory::check(one_run).err().map_or_else(
                || Exit::environment("not enough memory for one run"),
                Exit::from,
            )
        })?;
    let options_sweep = SweepOptions::new(n, max_delay)
        .kind(options.rng())
        .threads(threads);
    let show = io::stderr().is_terminal() && (!options.json || args.progress);
    let started = Instant::now();
    if options.json {
        // Lines stream from here on: a signal stops the sweep between two of them.
        crate::interrupt::begin_output();
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let mut written: io::Result<()> = Ok(());
    let mut last = None;
    // Only sweeps that last more than a second get a bar.
    let stats = with_progress_bar(count, "seeds", show, Duration::from_secs(1), |finished| {
        waitsim::analysis::sweep(shard.seeds(range), &options_sweep, |result| {
            if interrupted() {
                return ControlFlow::Break(());
            }
            finished.fetch_add(1, Ordering::Relaxed);
            if options.json {
                written = write_line(&mut out, &result, n, max_delay, options.rng());
                if written.is_err() {
                    return ControlFlow::Break(());
                }
            }
            last = Some(result.seed);
            ControlFlow::Continue(())
        })
    })?;
    let flushed = written.and_then(|()| out.flush());
    if flushed
        .as_ref()
        .is_err_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
    {
        // The reader has gone: nothing more to say to it.
        return Ok(());
    }
    crate::output::written(flushed)?;
    if interrupted() {
        let done = stats.len();
        let covered = match last {
            Some(last) if options.json => format!(
                ": the {done} lines written are the first seeds of shard {shard} of `{range}`, up to \
                 seed {last}, and sweep-merge reads them as a partial shard"
            ),
            _ => String::new(),
        };
        return Err(stopped(format_args!(
            "after {done} of {count} seeds{covered}"
        )));
    }
    drop(out);
    let seconds = started.elapsed().as_secs_f64();
    say(format_args!(
        "swept {} seeds in {seconds:.2} s ({:.0} seeds/s on {} threads)",
        stats.len(),
        stats.len() as f64 / seconds.max(1e-9),
        options_sweep.threads
    ));
    let title = format!(
        "measure_time({n}, {max_delay}) over seeds {range} (shard {shard}), {}",
        options.rng()
    );
    finish(&stats, options.rng(), options.json, file, &title)
}

/// Writes one seed's JSON line.
fn write_line(
    out: &mut impl Write,
    result: &SeedResult,
    n: usize,
    max_delay: MaxDelay,
    rng: GeneratorKind,
) -> io::Result<()> {
    let line = SeedLine {
        seed: result.seed,
        n,
        max_delay,
        rng,
        elapsed: secs_f64(result.elapsed),
        measure_time: result.measure_time,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

/// Checks a line of `sweep --json` as strictly as `sweep` checks its arguments, and for what
/// `sweep` would have written: the elapsed time is a whole number of milliseconds, no longer
/// than `max_delay` rounded up to one, and `measure_time` is exactly elapsed / n.
fn check_line(line: &SeedLine, result: &SeedResult) -> Result<(), String> {
    waitsim::TaskCount::measured(line.n).map_err(|err| err.to_string())?;
    let elapsed = result.elapsed;
    if !elapsed.as_nanos().is_multiple_of(Clock::TICK.as_nanos()) {
        return Err(format!(
            "elapsed {} is not a whole number of milliseconds, as every elapsed time on the \
             virtual clock is",
            line.elapsed
        ));
    }
    if elapsed > Clock::wait_duration(line.max_delay.as_secs_f64()) {
        return Err(format!(
            "elapsed {} is longer than max_delay {} rounded up to the millisecond",
            line.elapsed, line.max_delay
        ));
    }
    let per_task = secs_f64(elapsed) / line.n as f64;
    if line.measure_time.to_bits() != per_task.to_bits()
        || result.measure_time.to_bits() != per_task.to_bits()
    {
        return Err(format!(
            "measure_time {} is not elapsed / n = {} / {} = {per_task}",
            line.measure_time, line.elapsed, line.n
        ));
    }
    Ok(())
}

/// Prints the summary (and draws the histogram) of a sweep or of merged shards.
fn finish(
    stats: &Stats,
    rng: GeneratorKind,
    json: bool,
    svg: Option<OutputFile>,
    title: &str,
) -> Result<(), Exit> {
    let Some(summary) = stats.summary() else {
        return Err(Exit::usage(
            "the sweep holds no seeds: give a larger --seeds range",
        ));
    };
    if let Some(file) = svg {
        plot::sweep_svg(file.path(), stats, &summary, title)
            .map_err(|err| Exit::environment(format!("cannot draw the histogram: {err}")))?;
        file.commit()?;
    }
    if json {
        return print_json(&SummaryLine { rng, summary });
    }
    let mut text = format!("{title}\n");
    let rows = [
        ("seeds", summary.seeds.to_string(), String::new()),
        (
            "mean",
            format!("{:.9}", summary.mean),
            format!("theory {:.9}", summary.theory_mean),
        ),
        (
            "std_dev",
            format!("{:.9}", summary.std_dev),
            format!("theory {:.9}", summary.theory_std_dev),
        ),
        ("min", format!("{:.9}", summary.min), String::new()),
        ("p50", format!("{:.9}", summary.p50), String::new()),
        ("p99", format!("{:.9}", summary.p99), String::new()),
        ("max", format!("{:.9}", summary.max), String::new()),
    ];
    for (key, value, theory) in rows {
        let row = format!("{key:<9}{value:<16}{theory}");
        text.push_str(row.trim_end());
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&plot::sweep_text(stats, &summary));
    emit(|out| out.write_all(text.as_bytes()))
}

pub fn merge(files: &[PathBuf], options: &Options) -> Result<(), Exit> {
    check_options("sweep-merge", options)?;
    let mut stats: Option<Stats> = None;
    let mut seen = BTreeSet::new();
    let mut shape: Option<(usize, MaxDelay, GeneratorKind)> = None;
    for path in files {
        let cannot = |err: &dyn std::fmt::Display| {
            Exit::usage(format!("cannot read `{}`: {err}", path.display()))
        };
        let file = std::fs::File::open(path).map_err(|err| cannot(&err))?;
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|err| cannot(&err))?;
            if line.trim().is_empty() || serde_json::from_str::<SummaryLine>(&line).is_ok() {
                continue;
            }
            let at = format!("{}:{}", path.display(), number + 1);
            let not_a_line = |err: serde_json::Error| {
                Exit::usage(format!("{at}: not a line of `sweep --json`: {err}"))
            };
            let seed: SeedLine = serde_json::from_str(&line).map_err(not_a_line)?;
            let result: SeedResult = serde_json::from_str(&line).map_err(not_a_line)?;
            check_line(&seed, &result).map_err(|why| Exit::usage(format!("{at}: {why}")))?;
            let this = (seed.n, seed.max_delay, seed.rng);
            match shape {
                None => shape = Some(this),
                Some(first) if first != this => {
                    return Err(Exit::usage(format!(
                        "{at}: a sweep of n {}, max_delay {}, rng {} cannot merge with one of n {}, \
                         max_delay {}, rng {}",
                        this.0, this.1, this.2, first.0, first.1, first.2
                    )));
                }
                Some(_) => {}
            }
            if !seen.insert(seed.seed) {
                return Err(Exit::usage(format!(
                    "{at}: seed {} appears twice",
                    seed.seed
                )));
            }
            stats
                .get_or_insert_with(|| Stats::new(seed.n, seed.max_delay))
                .add(result.elapsed);
        }
    }
    let (Some((n, max_delay, rng)), Some(stats)) = (shape, stats) else {
        return Err(Exit::usage(
            "the files hold no seed lines of `sweep --json`",
        ));
    };
    // The files say which generator they swept; an --rng that says otherwise is a mistake.
    if let Some(given) = options.rng
        && given != rng
    {
        return Err(Exit::usage(format!(
            "--rng {given} disagrees with the files, which were swept with `{rng}`"
        )));
    }
    let title = format!(
        "measure_time({n}, {max_delay}) over {} merged seeds, {rng}",
        stats.len()
    );
    finish(&stats, rng, options.json, None, &title)
}
