//! `waitsim sweep` and `waitsim sweep-merge`: `measure_time` over many seeds.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, IsTerminal};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use waitsim::{MaxDelay, Progress, RngKind, SeedResult, Summary};

use crate::{Failure, Options, SweepArgs, emit, plot, print_json, with_progress_bar};

/// The most seeds one sweep runs; spread more over shards with `--partition`.
const MAX_SEEDS: u64 = 10_000_000;

/// Seeds run between two writes of JSON lines.
const BLOCK: usize = 4096;

/// One seed's line of `sweep --json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedLine {
    seed: u64,
    n: usize,
    max_delay: MaxDelay,
    rng: RngKind,
    elapsed: f64,
    measure_time: f64,
}

/// The last line of `sweep --json`, and the output of `sweep-merge --json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryLine {
    rng: RngKind,
    summary: Summary,
}

fn usage(message: String) -> Failure {
    Failure { message, status: 2 }
}

/// Refuses the options that mean nothing to a sweep.
fn check_options(command: &str, options: &Options) -> Result<(), Failure> {
    if options.seed.is_some() {
        return Err(usage(format!(
            "`{command}` takes no --seed: its seeds come from --seeds A..B"
        )));
    }
    if options.clock != waitsim::Clock::Virtual {
        return Err(usage(format!(
            "`{command}` runs on the virtual clock only, not `{}`",
            options.clock
        )));
    }
    Ok(())
}

pub fn run(args: &SweepArgs, options: &Options) -> Result<(), Failure> {
    check_options("sweep", options)?;
    let (n, max_delay) = (args.many.n, args.many.max_delay);
    let count = args.seeds.end - args.seeds.start;
    if count > MAX_SEEDS {
        return Err(usage(format!(
            "invalid seed range `{}..{}`: expected at most {MAX_SEEDS} seeds in one run (spread \
             more over shards with --partition K/N)",
            args.seeds.start, args.seeds.end
        )));
    }
    let seeds: Vec<u64> = args.partition.seeds(args.seeds.clone()).collect();
    if seeds.is_empty() {
        return Err(usage(format!(
            "the sweep holds no seeds: `{}..{}` (shard {}) is empty",
            args.seeds.start, args.seeds.end, args.partition
        )));
    }
    let threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);

    let show = std::io::stderr().is_terminal() && (!options.json || args.progress);
    let started = Instant::now();
    // Only sweeps that last more than a second get a bar.
    let results = with_progress_bar(
        seeds.len() as u64,
        "seeds",
        show,
        Duration::from_secs(1),
        |progress| sweep_blocks(&seeds, n, max_delay, options, threads, progress),
    );
    let results = results?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "swept {} seeds in {seconds:.2} s ({:.0} seeds/s on {threads} threads)",
        results.len(),
        results.len() as f64 / seconds.max(1e-9)
    );
    let summary = Summary::of(&results, n, max_delay);
    finish(
        &results,
        summary,
        options,
        args.svg.as_ref(),
        &title(args, options),
    )
}

/// Runs the seeds in blocks, writing each block's JSON lines as soon as it is done.
fn sweep_blocks(
    seeds: &[u64],
    n: usize,
    max_delay: MaxDelay,
    options: &Options,
    threads: NonZeroUsize,
    progress: &Progress,
) -> Result<Vec<SeedResult>, Failure> {
    let mut results = Vec::with_capacity(seeds.len());
    for block in seeds.chunks(BLOCK) {
        let done = waitsim::sweep(block, n, max_delay, options.rng, threads, Some(progress))?;
        if options.json {
            emit(|out| {
                for r in &done {
                    let line = SeedLine {
                        seed: r.seed,
                        n,
                        max_delay,
                        rng: options.rng,
                        elapsed: r.elapsed,
                        measure_time: r.measure_time,
                    };
                    serde_json::to_writer(&mut *out, &line)?;
                    writeln!(out)?;
                }
                Ok(())
            })?;
        }
        results.extend(done);
    }
    Ok(results)
}

fn title(args: &SweepArgs, options: &Options) -> String {
    format!(
        "measure_time({}, {}) over seeds {}..{} (shard {}), {}",
        args.many.n,
        args.many.max_delay,
        args.seeds.start,
        args.seeds.end,
        args.partition,
        options.rng
    )
}

/// Prints the summary (and draws the histogram) of a sweep or of merged shards.
fn finish(
    results: &[SeedResult],
    summary: Option<Summary>,
    options: &Options,
    svg: Option<&PathBuf>,
    title: &str,
) -> Result<(), Failure> {
    let Some(summary) = summary else {
        return Err(usage(
            "the sweep holds no seeds: give a larger --seeds range".to_string(),
        ));
    };
    if let Some(path) = svg {
        plot::sweep_svg(path, results, &summary, title).map_err(|err| Failure {
            message: format!("cannot draw `{}`: {err}", path.display()),
            status: 1,
        })?;
    }
    if options.json {
        return print_json(&SummaryLine {
            rng: options.rng,
            summary,
        });
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
    text.push_str(&plot::sweep_text(results, &summary));
    emit(|out| out.write_all(text.as_bytes()))
}

pub fn merge(files: &[PathBuf], options: &Options) -> Result<(), Failure> {
    check_options("sweep-merge", options)?;
    let mut results = Vec::new();
    let mut seen = BTreeSet::new();
    let mut shape: Option<(usize, MaxDelay, RngKind)> = None;
    for path in files {
        let cannot = |err: &dyn std::fmt::Display| Failure {
            message: format!("cannot read `{}`: {err}", path.display()),
            status: 2,
        };
        let file = std::fs::File::open(path).map_err(|err| cannot(&err))?;
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|err| cannot(&err))?;
            if line.trim().is_empty() || serde_json::from_str::<SummaryLine>(&line).is_ok() {
                continue;
            }
            let at = format!("{}:{}", path.display(), number + 1);
            let seed: SeedLine = serde_json::from_str(&line)
                .map_err(|err| usage(format!("{at}: not a line of `sweep --json`: {err}")))?;
            let this = (seed.n, seed.max_delay, seed.rng);
            match shape {
                None => shape = Some(this),
                Some(first) if first != this => {
                    return Err(usage(format!(
                        "{at}: a sweep of n {}, max_delay {}, rng {} cannot merge with one of n {}, \
                         max_delay {}, rng {}",
                        this.0, this.1, this.2, first.0, first.1, first.2
                    )));
                }
                Some(_) => {}
            }
            if !seen.insert(seed.seed) {
                return Err(usage(format!("{at}: seed {} appears twice", seed.seed)));
            }
            results.push(SeedResult {
                seed: seed.seed,
                elapsed: seed.elapsed,
                measure_time: seed.measure_time,
            });
        }
    }
    let Some((n, max_delay, rng)) = shape else {
        return Err(usage(
            "the files hold no seed lines of `sweep --json`".to_string(),
        ));
    };
    let options = Options {
        rng,
        ..options.clone()
    };
    let title = format!(
        "measure_time({n}, {max_delay}) over {} merged seeds, {rng}",
        results.len()
    );
    finish(
        &results,
        Summary::of(&results, n, max_delay),
        &options,
        None,
        &title,
    )
}
