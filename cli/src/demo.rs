//! `waitsim demo`: the seed's five programs, from the library's one list of them.

use std::fmt::Write as _;

use serde::Serialize;
use waitsim::analysis::demo::PROGRAMS;
use waitsim::analysis::{Case, Report};
use waitsim::{Clock, GeneratorKind, Routine};

use crate::exit::Exit;
use crate::interrupt::{interrupted, stopped};
use crate::output::{emit, print_json};

/// What `task_wait_random` hands back, as the seed's `3-main.py` prints its type: a
/// stable name, where `std::any::type_name` may change between compiler versions.
const TASK_TYPE: &str = "tokio::runtime::task::join::JoinHandle<f64>";

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
    rng: GeneratorKind,
    clock: Clock,
    calls: Vec<DemoCall>,
}

/// Runs the seed's example programs. Call `k` (from 0) is seeded with `seed + k`, so each
/// line can be replayed alone with its subcommand.
pub fn run(seed: u64, rng: GeneratorKind, clock: Clock, json: bool) -> Result<(), Exit> {
    let mut calls = Vec::new();
    let every = PROGRAMS
        .iter()
        .flat_map(|program| program.calls.iter().map(move |call| (program.file, *call)));
    for (k, (file, scenario)) in (0u64..).zip(every) {
        let case = Case {
            kind: rng,
            clock,
            ..Case::new(scenario, seed.wrapping_add(k))
        };
        let report = case.run()?;
        let call = scenario.to_string();
        if !json {
            let mut out = String::new();
            if calls
                .last()
                .is_none_or(|last: &DemoCall| last.program != file)
            {
                let _ = writeln!(out, "{file}");
            }
            let _ = writeln!(out, "  {call:<22}{}", render_result(&report));
            emit(|stdout| stdout.write_all(out.as_bytes()))?;
            if interrupted() {
                return Err(stopped(format_args!("after {} of the demo's calls", k + 1)));
            }
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
            seed,
            rng,
            clock,
            calls,
        })?;
    }
    Ok(())
}

/// A result as the seed's Python programs print it: a float, or a list of floats.
fn render_result(report: &Report) -> String {
    match report.routine {
        Routine::WaitN | Routine::TaskWaitN => format!("{:?}", report.delays),
        Routine::MeasureTime => format!("{:?}", report.measure_time.unwrap_or_default()),
        Routine::TaskWaitRandom => format!("{TASK_TYPE} -> {:?}", report.delays[0]),
        _ => format!("{:?}", report.delays[0]),
    }
}
