//! Timelines and sweeps on the command line: the pictures, the terminal text, and sharded
//! sweeps merged.

use std::path::Path;

use crate::{run, settings, stdout_of, temp};

/// The `<rect>` elements of an SVG file drawn in the bars' colour, as (x, height) in pixels.
fn bars(svg: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let number =
        |node: roxmltree::Node, name| node.attribute(name).unwrap().parse::<f64>().unwrap();
    doc.descendants()
        .filter(|node| node.has_tag_name("rect") && node.attribute("fill") == Some("#1F77B4"))
        .map(|node| (number(node, "x"), number(node, "height")))
        .collect()
}

#[test]
fn the_timeline_svg_has_one_bar_per_task() {
    for n in [1, 20, 137] {
        let svg = temp(&format!("timeline-{n}.svg"));
        let n_text = n.to_string();
        stdout_of(&[
            "timeline",
            &n_text,
            "10",
            "--seed",
            "3",
            "--svg",
            svg.to_str().unwrap(),
        ]);
        assert_eq!(bars(&svg).len(), n);
    }
}

#[test]
fn the_terminal_timeline_is_for_small_n() {
    let small = stdout_of(&["timeline", "8", "10", "--seed", "1"]);
    settings().bind(|| insta::assert_snapshot!("cli_timeline", small));
    let large = run(&["timeline", "1000", "10", "--seed", "1"]);
    assert_eq!(large.status.code(), Some(2));
    let err = String::from_utf8(large.stderr).unwrap();
    assert!(
        err.contains("too tall for the terminal") && err.contains("--svg FILE"),
        "{err}"
    );
}

#[test]
fn an_empty_timeline_sums_to_zero() {
    let text = stdout_of(&["timeline", "0", "10", "--seed", "1"]);
    assert_eq!(
        text,
        "elapsed 0 s; sum of delays 0 s (0.0 times the elapsed time)\n"
    );
}

#[test]
fn the_terminal_sweep_is_a_summary_and_a_histogram() {
    let text = stdout_of(&["sweep", "10", "5", "--seeds", "0..200"]);
    settings().bind(|| insta::assert_snapshot!("cli_sweep", text));
    // Equal values make one bin, not twenty with the same label.
    let zero = stdout_of(&["sweep", "5", "0", "--seeds", "0..3"]);
    assert_eq!(
        zero.lines().filter(|line| line.contains('|')).count(),
        1,
        "{zero}"
    );
}

#[test]
fn the_sweep_svg_is_a_histogram_of_the_seeds() {
    let svg = temp("sweep.svg");
    let args = ["sweep", "20", "5", "--seeds", "0..500"];
    let json = stdout_of(&[&args[..], &["--json"]].concat());
    stdout_of(&[&args[..], &["--svg", svg.to_str().unwrap()]].concat());
    // The counts, from the seeds' own lines, in 40 equal bins from the least to the most.
    let values: Vec<f64> = json
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["measure_time"].as_f64())
        .collect();
    assert_eq!(values.len(), 500);
    let (min, max) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let mut counts = [0u32; 40];
    for v in values {
        counts[(((v - min) / ((max - min) / 40.0)) as usize).min(39)] += 1;
    }
    let mut drawn = bars(&svg);
    drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(drawn.len(), 40);
    let tallest_count = f64::from(*counts.iter().max().unwrap());
    let tallest_bar = drawn.iter().map(|bar| bar.1).fold(0.0, f64::max);
    for (bin, (&count, &(_, height))) in counts.iter().zip(&drawn).enumerate() {
        let expected = f64::from(count) / tallest_count * tallest_bar;
        // Within a pixel: the picture's coordinates are whole pixels.
        assert!(
            (height - expected).abs() <= 1.0,
            "bin {bin}: {count} seeds, {height} px"
        );
    }
}

#[test]
fn merged_shards_equal_the_whole_sweep() {
    let whole = stdout_of(&["sweep", "30", "5", "--seeds", "0..300", "--json"]);
    let whole_summary = whole.lines().last().unwrap();
    assert_eq!(whole.lines().count(), 301);
    let mut files = Vec::new();
    for k in 1..=3 {
        let partition = format!("{k}/3");
        let shard = stdout_of(&[
            "sweep",
            "30",
            "5",
            "--seeds",
            "0..300",
            "--partition",
            &partition,
            "--json",
        ]);
        assert_eq!(shard.lines().count(), 101);
        let path = temp(&format!("shard-{k}.jsonl"));
        std::fs::write(&path, shard).unwrap();
        files.push(path.to_str().unwrap().to_owned());
    }
    // In any order of the files.
    files.reverse();
    let mut args = vec!["sweep-merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(stdout_of(&args).trim_end(), whole_summary);
    // An --rng that agrees with the files is accepted.
    args.extend(["--rng", "chacha"]);
    assert_eq!(stdout_of(&args).trim_end(), whole_summary);
}

#[test]
fn sweep_bad_input_gets_one_error_line_and_status_two() {
    let mismatched = temp("mismatched.jsonl");
    let a = stdout_of(&["sweep", "3", "5", "--seeds", "0..2", "--json"]);
    let b = stdout_of(&["sweep", "4", "5", "--seeds", "2..4", "--json"]);
    std::fs::write(&mismatched, a.clone() + &b).unwrap();
    let chacha = temp("chacha.jsonl");
    std::fs::write(&chacha, a).unwrap();
    let missing = temp("no-such-file.jsonl");
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "10", "5", "--seeds", "5..2"],
            "invalid seed range `5..2`",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--partition", "0/3"],
            "invalid partition `0/3`",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--seed", "4"],
            "takes no --seed",
        ),
        (
            &["sweep", "10", "5", "--seeds", "0..10", "--clock", "real"],
            "virtual clock only",
        ),
        (&["sweep", "0", "5", "--seeds", "0..10"], "invalid n `0`"),
        (
            &["sweep", "10", "5", "--seeds", "0..20000000"],
            "expected at most 10000000 in one run",
        ),
        (
            &["sweep", "10", "5"],
            "required arguments were not provided: --seeds",
        ),
        (&["sweep-merge", missing.to_str().unwrap()], "cannot read"),
        (
            &["sweep-merge", mismatched.to_str().unwrap()],
            "cannot merge",
        ),
        (
            &["sweep-merge", chacha.to_str().unwrap(), "--rng", "cpython"],
            "--rng cpython disagrees with the files, which were swept with `chacha`",
        ),
        (&["sweep-merge"], "required arguments were not provided"),
    ];
    for &(args, expected) in cases {
        let output = run(args);
        let err = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
    }
    // The limit is per run: a shard of a range too large for one run is fine.
    let shard = run(&[
        "sweep",
        "3",
        "5",
        "--seeds",
        "0..20000000",
        "--partition",
        "2/10000",
        "--json",
    ]);
    assert!(
        shard.status.success(),
        "{}",
        String::from_utf8_lossy(&shard.stderr)
    );
}
