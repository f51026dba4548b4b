//! Pictures of runs and sweeps, as SVG files (drawn with plotters) or as terminal text.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use waitsim::analysis::{Stats, Summary, Timeline, secs_f64};

/// The colour of the timeline's bars: the tests count the bars by it.
pub const BAR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ELAPSED: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const SUM: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

/// The most tasks drawn in the terminal.
pub const MAX_TERMINAL_TASKS: usize = 60;

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// A Gantt chart of a run: one bar per task, from its start to its end, sorted by delay, with
/// the elapsed time and the sum of the delays marked.
pub fn timeline_svg(path: &Path, timeline: &Timeline, title: &str) -> Drawn {
    let elapsed = secs_f64(timeline.elapsed);
    let bars: Vec<Bar> = timeline
        .spans
        .iter()
        .map(|span| Bar {
            row: span.rank,
            start: secs_f64(span.start),
            end: secs_f64(span.end),
        })
        .collect();
    let marks = [
        (elapsed, ELAPSED, format!("elapsed {elapsed} s")),
        (
            timeline.sum_of_delays,
            SUM,
            format!("sum of delays {:.3} s", timeline.sum_of_delays),
        ),
    ];
    let gantt = Gantt {
        title,
        rows: timeline.n,
        x_end: timeline.sum_of_delays.max(elapsed).max(1e-3) * 1.05,
        y_desc: "tasks, by delay",
    };
    gantt.draw(path, &bars, marks)
}

/// A bar of a Gantt chart: its row, from the bottom, and its span in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub row: usize,
    pub start: f64,
    pub end: f64,
}

/// A Gantt chart's frame.
struct Gantt<'a> {
    title: &'a str,
    rows: usize,
    x_end: f64,
    y_desc: &'a str,
}

impl Gantt<'_> {
    /// Draws `bars`, in the order given, and two labelled marks.
    fn draw(&self, path: &Path, bars: &[Bar], marks: [(f64, RGBColor, String); 2]) -> Drawn {
        let height = (120 + 14 * self.rows).clamp(320, 4000) as u32;
        let root = SVGBackend::new(path, (960, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..self.x_end, 0.0..self.rows.max(1) as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("virtual time (s)")
            .y_desc(self.y_desc)
            .draw()?;
        chart.draw_series(bars.iter().map(|bar| {
            let y = bar.row as f64;
            Rectangle::new([(bar.start, y + 0.1), (bar.end, y + 0.9)], BAR.filled())
        }))?;
        let top = self.rows.max(1) as f64;
        draw_marks(&mut chart, marks, top, SeriesLabelPosition::LowerRight)?;
        root.present()?;
        Ok(())
    }
}

/// The timers a Python routine set in one case, as `check-python --svg` draws them: one bar
/// each, from when it was set to when it was due, in the order they were set (ties by when they
/// were due), with the case's elapsed time and the largest delay marked. Waits one after
/// another make a staircase; concurrent ones, bars that all start at 0.
pub fn timers_svg(
    path: &Path,
    timers: &[(f64, f64)],
    elapsed: f64,
    largest: f64,
    title: &str,
) -> Drawn {
    let mut order: Vec<(f64, f64)> = timers.to_vec();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let bars: Vec<Bar> = order
        .iter()
        .enumerate()
        .map(|(row, &(start, end))| Bar { row, start, end })
        .collect();
    let x_end = order
        .iter()
        .map(|&(_, end)| end)
        .fold(elapsed.max(largest), f64::max)
        .max(1e-3)
        * 1.05;
    let marks = [
        (elapsed, ELAPSED, format!("elapsed {elapsed} s")),
        (largest, SUM, format!("largest delay {largest} s")),
    ];
    let gantt = Gantt {
        title,
        rows: order.len(),
        x_end,
        y_desc: "timers, in the order set",
    };
    gantt.draw(path, &bars, marks)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws labelled vertical lines at the given x positions, from 0 to `top`, and their legend.
fn draw_marks<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    marks: [(f64, RGBColor, String); 2],
    top: f64,
    legend_at: SeriesLabelPosition,
) -> Drawn {
    for (x, colour, label) in marks {
        chart
            .draw_series(LineSeries::new(
                [(x, 0.0), (x, top)],
                colour.stroke_width(2),
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(legend_at)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// The timeline as text: one line per task, sorted by delay, scaled to the elapsed time.
pub fn timeline_text(timeline: &Timeline) -> String {
    const WIDTH: usize = 50;
    let elapsed = secs_f64(timeline.elapsed);
    let scale = if elapsed > 0.0 {
        WIDTH as f64 / elapsed
    } else {
        0.0
    };
    let mut spans: Vec<_> = timeline.spans.iter().collect();
    spans.sort_by_key(|span| span.rank);
    let mut out = String::new();
    for span in spans {
        let filled = ((secs_f64(span.end) * scale).round() as usize).min(WIDTH);
        out.push_str(&format!(
            "task {:>3} |{}{}| {} s\n",
            span.index,
            "=".repeat(filled),
            " ".repeat(WIDTH - filled),
            span.delay
        ));
    }
    let ratio = if elapsed > 0.0 {
        timeline.sum_of_delays / elapsed
    } else {
        0.0
    };
    out.push_str(&format!(
        "elapsed {elapsed} s; sum of delays {} s ({ratio:.1} times the elapsed time)\n",
        timeline.sum_of_delays
    ));
    out
}

/// How many bins a histogram over `[min, max]` gets: one when all values are equal.
fn bins_for(min: f64, max: f64, bins: usize) -> usize {
    if max > min { bins } else { 1 }
}

/// Counts of a sweep's values in `bins` equal bins over `[min, max]`.
pub fn histogram(stats: &Stats, bins: usize, min: f64, max: f64) -> Vec<u64> {
    let width = (max - min) / bins as f64;
    let mut counts = vec![0; bins];
    for (value, count) in stats.histogram() {
        let bin = if width > 0.0 {
            ((value - min) / width) as usize
        } else {
            0
        };
        counts[bin.min(bins - 1)] += count;
    }
    counts
}

/// A histogram of `measure_time` over a sweep, with the theory's mean marked.
pub fn sweep_svg(path: &Path, stats: &Stats, summary: &Summary, title: &str) -> Drawn {
    let bins = bins_for(summary.min, summary.max, 40);
    let counts = histogram(stats, bins, summary.min, summary.max);
    let width = ((summary.max - summary.min) / bins as f64).max(f64::MIN_POSITIVE);
    let tallest = counts.iter().copied().max().unwrap_or(1) as f64;
    let root = SVGBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            summary.min..(summary.min + width * bins as f64),
            0.0..tallest * 1.1,
        )?;
    chart
        .configure_mesh()
        .x_desc("measure_time (s)")
        .y_desc("seeds")
        .draw()?;
    chart.draw_series(counts.iter().enumerate().map(|(i, &count)| {
        let x0 = summary.min + width * i as f64;
        Rectangle::new([(x0, 0.0), (x0 + width, count as f64)], BAR.filled())
    }))?;
    let marks = [
        (summary.mean, ELAPSED, format!("mean {:.6} s", summary.mean)),
        (
            summary.theory_mean,
            SUM,
            format!("theory {:.6} s", summary.theory_mean),
        ),
    ];
    draw_marks(
        &mut chart,
        marks,
        tallest * 1.1,
        SeriesLabelPosition::UpperLeft,
    )?;
    root.present()?;
    Ok(())
}

/// The histogram as text: twenty bins, bars scaled to the fullest.
pub fn sweep_text(stats: &Stats, summary: &Summary) -> String {
    const WIDTH: usize = 50;
    let bins = bins_for(summary.min, summary.max, 20);
    let counts = histogram(stats, bins, summary.min, summary.max);
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1);
    let width = (summary.max - summary.min) / bins as f64;
    let mut out = String::new();
    for (i, count) in counts.into_iter().enumerate() {
        out.push_str(&format!(
            "{:>12.6} |{:<WIDTH$}| {count}\n",
            summary.min + width * i as f64,
            "#".repeat((count * WIDTH as u64 / tallest) as usize)
        ));
    }
    out
}
