//! Project policy, checked: fixtures and snapshots match one to one, CI runs the README's test
//! command, the examples of the README and the book are run as written, every relative link of
//! the README and the book leads somewhere, and the library's modules import each name from the
//! module that defines it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn names_in(dir: &str, suffix: &str) -> BTreeSet<String> {
    fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(suffix).map(str::to_owned))
        .collect()
}

#[test]
fn every_fixture_has_a_snapshot_and_every_snapshot_a_fixture() {
    for (folder, test) in [("scenarios", "scenario"), ("timelines", "timeline_fixture")] {
        fixtures_match_snapshots(folder, test);
    }
}

fn fixtures_match_snapshots(folder: &str, test: &str) {
    let fixtures = names_in(&format!("fixtures/{folder}"), ".json");
    let snapshots: BTreeSet<String> = names_in("snapshots", ".json.snap")
        .into_iter()
        .filter_map(|name| name.strip_prefix(&format!("{test}@")).map(str::to_owned))
        .collect();
    assert!(!fixtures.is_empty());
    let without_snapshot: Vec<_> = fixtures.difference(&snapshots).collect();
    let without_fixture: Vec<_> = snapshots.difference(&fixtures).collect();
    assert!(
        without_snapshot.is_empty(),
        "fixtures without a snapshot: {without_snapshot:?}"
    );
    assert!(
        without_fixture.is_empty(),
        "snapshots without a fixture: {without_fixture:?}"
    );
}

#[test]
fn every_python_implementation_has_a_report_and_every_report_an_implementation() {
    let dirs: BTreeSet<String> = fs::read_dir(root().join("fixtures/python"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let reports: BTreeSet<String> = names_in("snapshots", ".snap")
        .into_iter()
        .filter_map(|name| name.strip_prefix("check_python@").map(str::to_owned))
        .collect();
    assert!(!dirs.is_empty());
    assert_eq!(dirs, reports);
}

#[test]
fn every_other_snapshot_is_named_in_a_test() {
    let sources: String = ["tests/it", "cli/tests/cli"]
        .iter()
        .flat_map(|dir| fs::read_dir(root().join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| fs::read_to_string(path).unwrap())
        .collect();
    let orphans: Vec<String> = names_in("snapshots", ".snap")
        .into_iter()
        .filter(|name| !name.contains('@'))
        .filter(|name| !sources.contains(&format!("\"{name}\"")))
        .collect();
    assert!(orphans.is_empty(), "snapshots no test takes: {orphans:?}");
}

#[test]
fn the_demo_programs_each_have_a_fixture() {
    // The library's list is the one home of the seed's programs; the fixtures pin their
    // outputs, so each call of each program has one.
    let fixtures: Vec<waitsim::analysis::Scenario> =
        fs::read_dir(root().join("fixtures/scenarios"))
            .unwrap()
            .map(|entry| {
                let text = fs::read_to_string(entry.unwrap().path()).unwrap();
                serde_json::from_str::<waitsim::analysis::Case>(&text)
                    .unwrap()
                    .scenario
            })
            .collect();
    for program in waitsim::analysis::demo::PROGRAMS {
        for call in program.calls {
            assert!(
                fixtures.contains(call),
                "{}: `{call}` has no fixture",
                program.file
            );
        }
    }
}

/// A page of the book, by its path under `book/src`.
fn book_page(path: &str) -> String {
    fs::read_to_string(root().join("book/src").join(path)).unwrap()
}

#[test]
fn the_book_example_crate_is_run_as_written() {
    let page = book_page("harness/your-tests.md");
    // The production code, `src/lib.rs`, after its first comment.
    let lib = fs::read_to_string(root().join("tests/it/book/my_crate.rs")).unwrap();
    let (_, lib) = lib.split_once("\n\n").unwrap();
    assert!(
        page.contains(&format!("```rust\n{lib}```")),
        "tests/it/book/my_crate.rs differs from the book's src/lib.rs"
    );
    // The test file, after the lines that make `my_crate` a module here.
    let test = fs::read_to_string(root().join("tests/it/book.rs")).unwrap();
    let (_, test) = test.split_once("mod my_crate;\n\n").unwrap();
    assert!(
        page.contains(&format!("```rust,ignore\n{test}```")),
        "tests/it/book.rs differs from the book's test file"
    );
    // The production code names no waitsim type.
    assert!(!lib.contains("waitsim"));
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        readme.contains("\ncargo test\n"),
        "the README gives `cargo test`"
    );
    assert!(
        ci.contains("cargo test --locked"),
        "CI runs `cargo test --locked`"
    );
    assert!(ci.contains("cargo fmt --all --check"));
    assert!(ci.contains("cargo clippy --all-targets --locked -- -D warnings"));
    assert!(ci.contains("mdbook build book"), "CI builds the book");
}

/// The body of a snapshot: what follows its `---` header.
fn snapshot_body(name: &str) -> String {
    let text = fs::read_to_string(root().join("snapshots").join(name)).unwrap();
    let body = text
        .splitn(3, "---\n")
        .nth(2)
        .unwrap_or_else(|| panic!("{name} has no header"));
    body.to_string()
}

/// The output the book shows under `$ command`, up to the end of its block, on whichever page.
fn book_output(command: &str) -> String {
    let prompt = format!("$ {command}\n");
    let outputs: Vec<String> = markdown_files("book/src")
        .iter()
        .map(|path| fs::read_to_string(path).unwrap())
        .filter_map(|page| {
            let at = page.find(&prompt)? + prompt.len();
            let end = page[at..].find("```").unwrap();
            Some(page[at..at + end].to_string())
        })
        .collect();
    match &outputs[..] {
        [output] => output.clone(),
        _ => panic!("the book shows `{command}` {} times", outputs.len()),
    }
}

#[test]
fn the_book_check_python_reports_are_the_snapshots() {
    assert_eq!(
        book_output("waitsim check-python fixtures/python/no-sort --seeds 0..20"),
        snapshot_body("check_python@no-sort.snap")
    );
    assert_eq!(
        book_output(
            "waitsim check-python fixtures/python/correct-gather fixtures/python/no-sort \
             fixtures/python/partial fixtures/python/correct-in-a-repository --seeds 0..10"
        ),
        snapshot_body("check_python_batch.snap")
    );
}

#[test]
fn the_readme_check_python_excerpts_are_lines_of_the_snapshots() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let reports: BTreeSet<String> = ["check_python@no-sort.snap", "check_python_batch.snap"]
        .iter()
        .flat_map(|name| {
            snapshot_body(name)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut excerpts = 0;
    // Every text block but the harness's failure, which `readme.rs` checks.
    for block in readme.split("```text\n").skip(1) {
        let (block, _) = block.split_once("```").unwrap();
        if block.starts_with("waitsim: test") {
            continue;
        }
        excerpts += 1;
        for line in block.lines() {
            assert!(
                reports.contains(line),
                "the README shows a line no report has:\n{line}"
            );
        }
    }
    assert_eq!(excerpts, 2, "the README's two excerpts of reports");
}

#[test]
fn the_changelog_keeps_an_unreleased_section_in_keep_a_changelogs_categories() {
    let changelog = fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    let unreleased = changelog
        .split("\n## ")
        .find(|section| section.starts_with("[Unreleased]"))
        .expect("an Unreleased section");
    let known = [
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    ];
    for heading in unreleased.lines().filter_map(|l| l.strip_prefix("### ")) {
        assert!(
            known.contains(&heading),
            "`{heading}` is not a Keep a Changelog category"
        );
    }
}

/// The argument lists in `source` that run on the real clock (`"--clock", "real"`), each as
/// the text between its brackets.
fn real_clock_argument_lists(source: &str) -> Vec<&str> {
    let mut lists = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("\"--clock\"") {
        let after = &rest[at + "\"--clock\"".len()..];
        let value = after.trim_start_matches([',', ' ', '\n']);
        if value.starts_with("\"real\"") {
            let start = rest[..at].rfind('[').map_or(0, |i| i + 1);
            let end = at
                + after
                    .find(']')
                    .map_or(after.len(), |i| i + "\"--clock\"".len());
            lists.push(&rest[start..end]);
        }
        rest = after;
    }
    lists
}

#[test]
fn every_test_on_the_real_clock_names_its_seed() {
    // A real wait of a drawn length makes a test's outcome depend on the draw and on the
    // machine's load: a short draw can end before the test acts. A seed fixes the length.
    let mut checked = 0;
    for dir in ["tests/it", "cli/tests/cli"] {
        for entry in fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            // This file holds the rule's own examples.
            if path.extension().is_none_or(|ext| ext != "rs") || path.ends_with("tidy.rs") {
                continue;
            }
            let source = fs::read_to_string(&path).unwrap();
            for list in real_clock_argument_lists(&source) {
                checked += 1;
                assert!(
                    list.contains("\"--seed\"") || list.contains("\"--seeds\""),
                    "{}: a test runs on the real clock with no seed: [{list}]",
                    path.display()
                );
            }
        }
    }
    assert!(checked >= 2, "the tests on the real clock were not found");
}

#[test]
fn real_clock_argument_lists_are_found_whole() {
    let source = r#"run(&["wait-n", "5", "--clock", "real", "--seed", "1"]); x(&["--clock", "wall"]);
        y(&[
            "wait-random",
            "--clock",
            "real",
        ])"#;
    let lists = real_clock_argument_lists(source);
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert!(lists[0].contains("\"--seed\""));
    assert!(lists[1].contains("wait-random") && !lists[1].contains("--seed"));
}

/// The item of `source` whose first line starts with `head` (`fn name`, `struct Name`, ...),
/// with its doc comment and attributes, up to its closing brace at the start of a line.
fn item<'a>(source: &'a str, head: &str) -> Option<&'a str> {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines.iter().position(|line| {
        let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
        line.strip_prefix(head)
            .is_some_and(|rest| rest.starts_with(['(', '<', ' ', '{']))
    })?;
    let start = (0..at)
        .rev()
        .take_while(|&i| lines[i].starts_with("///") || lines[i].starts_with("#["))
        .last()
        .unwrap_or(at);
    let end = at + lines[at..].iter().position(|line| *line == "}")?;
    let offset = |i: usize| lines[i].as_ptr() as usize - source.as_ptr() as usize;
    Some(&source[offset(start)..=offset(end)])
}

#[test]
fn the_shrinking_benchmark_runs_the_tests_planted_bugs_as_they_are() {
    let bench = fs::read_to_string(root().join("benches/shrinking/shrinking.rs")).unwrap();
    for (file, heads) in [
        (
            "tests/victims/retry.rs",
            &["struct Retry", "fn retries", "async fn retry_past_the_cap"][..],
        ),
        (
            "tests/it/shrinking.rs",
            &[
                "struct Load",
                "fn loads",
                "async fn send_batches",
                "async fn batches_at_most_max",
                "struct Calls",
                "fn calls",
                "struct Breaker",
                "impl Breaker",
                "async fn no_call_within_the_cool_down",
                "async fn draws_at_most_ten",
            ],
        ),
    ] {
        let test = fs::read_to_string(root().join(file)).unwrap();
        for head in heads {
            // The tests' items may be public to their crate; the benchmark's need not be.
            let item =
                |source: &str| item(source, head).map(|item| item.replace("pub(crate) ", ""));
            let copied = item(&bench);
            assert!(copied.is_some(), "no `{head}` in the benchmark");
            assert_eq!(copied, item(&test), "`{head}` differs from {file}'s");
        }
    }
}

#[test]
fn an_item_is_found_whole_with_its_docs() {
    let source = "use x;\n\n/// Docs.\n#[derive(Debug)]\nstruct A {\n    a: u8,\n}\n\nfn ab() {}\n\
                  async fn a(x: u8) -> u8 {\n    x\n}\n";
    assert_eq!(
        item(source, "struct A"),
        Some("/// Docs.\n#[derive(Debug)]\nstruct A {\n    a: u8,\n}")
    );
    assert_eq!(
        item(source, "async fn a"),
        Some("async fn a(x: u8) -> u8 {\n    x\n}")
    );
    assert_eq!(item(source, "fn b"), None);
}

/// Every `.md` file below `dir` (relative to the repository), sorted.
fn markdown_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root().join(dir)];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A page's text with its fenced code blocks blanked out, line for line, so that what they
/// hold is neither a link nor a heading.
fn without_fenced_code(text: &str) -> String {
    let mut fence: Option<&str> = None;
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(open) if trimmed.starts_with(open) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `text` without its code spans (a run of backticks up to the next run of the same length,
/// across lines too).
fn without_code_spans(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('`') {
        out.push_str(&rest[..at]);
        let ticks = rest[at..].len() - rest[at..].trim_start_matches('`').len();
        let after = &rest[at + ticks..];
        let mut search = after;
        let mut close = None;
        while let Some(next) = search.find('`') {
            let run = search[next..].len() - search[next..].trim_start_matches('`').len();
            let offset = after.len() - search.len() + next;
            if run == ticks {
                close = Some(offset + run);
                break;
            }
            search = &search[next + run..];
        }
        match close {
            Some(end) => rest = &after[end..],
            // An unclosed run is literal text.
            None => {
                out.push_str(&rest[at..at + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The targets of a Markdown file's inline links and images, `[text](target)`, outside code.
fn link_targets(text: &str) -> Vec<String> {
    let prose = without_code_spans(&without_fenced_code(text));
    let mut targets = Vec::new();
    let mut rest = prose.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        // A title after the address (`[a](b "title")`) is not part of it.
        let target = after[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.to_string());
        rest = &after[end..];
    }
    targets
}

/// The anchors mdBook gives a page's headings (`mdbook-html`'s `id_from_content` and
/// `unique_id`): the heading's text without its Markdown, lowercased, spaces as `-`, only
/// letters, digits, `_` and `-` kept; a repeated anchor gets `-1`, `-2`, ... Pages included
/// whole (`{{#include FILE}}`) give their headings to the page that includes them.
fn anchors(path: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(path).unwrap();
    let mut expanded = String::new();
    for line in text.lines() {
        match included(line) {
            Some(file) => {
                expanded.push_str(&fs::read_to_string(path.parent().unwrap().join(file)).unwrap())
            }
            None => expanded.push_str(line),
        }
        expanded.push('\n');
    }
    let mut used = BTreeSet::new();
    for line in without_fenced_code(&expanded).lines() {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let heading = line[hashes..].trim().replace(['`', '*'], "");
        let id: String = heading
            .to_lowercase()
            .chars()
            .filter_map(|ch| match ch {
                ch if ch.is_alphanumeric() || ch == '_' || ch == '-' => Some(ch),
                ch if ch.is_whitespace() => Some('-'),
                _ => None,
            })
            .collect();
        let mut unique = id.clone();
        let mut counter = 0;
        while !used.insert(unique.clone()) {
            counter += 1;
            unique = format!("{id}-{counter}");
        }
    }
    used
}

/// What is wrong with each relative link of `file`: a file that does not exist, an anchor that
/// is no heading of its page, or, from a page of the book whose sources are in `book`, a file
/// outside it (which the rendered book does not have).
fn broken_links(file: &Path, book: &Path) -> Vec<String> {
    let text = fs::read_to_string(file).unwrap();
    let mut broken = Vec::new();
    for target in link_targets(&text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (address, anchor) = match target.split_once('#') {
            Some((address, anchor)) => (address, Some(anchor)),
            None => (target.as_str(), None),
        };
        let linked = if address.is_empty() {
            file.to_path_buf()
        } else if address.starts_with('/') {
            broken.push(format!("`{target}`: not a relative link"));
            continue;
        } else {
            file.parent().unwrap().join(address)
        };
        let Ok(linked) = linked.canonicalize() else {
            broken.push(format!("`{target}`: no such file"));
            continue;
        };
        if file.starts_with(book) && !linked.starts_with(book.canonicalize().unwrap()) {
            broken.push(format!("`{target}`: outside the book"));
            continue;
        }
        if let Some(anchor) = anchor
            && (linked.extension().is_none_or(|ext| ext != "md")
                || !anchors(&linked).contains(anchor))
        {
            broken.push(format!("`{target}`: no heading has the anchor `#{anchor}`"));
        }
    }
    broken
}

#[test]
fn every_relative_link_of_the_readme_and_the_book_leads_somewhere() {
    let mut files = vec![root().join("README.md")];
    files.extend(markdown_files("book/src"));
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in &files {
        checked += link_targets(&fs::read_to_string(file).unwrap()).len();
        for problem in broken_links(file, &root().join("book/src")) {
            let name = file.strip_prefix(root()).unwrap().display().to_string();
            broken.push(format!("{name}: {problem}"));
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 50, "only {checked} links were found");
}

#[test]
fn broken_links_are_found() {
    let dir = std::env::temp_dir().join(format!("waitsim-links-{}", std::process::id()));
    let book = dir.join("book/src");
    fs::create_dir_all(&book).unwrap();
    fs::write(dir.join("outside.md"), "# Outside\n").unwrap();
    let page = book.join("page.md");
    fs::write(
        &page,
        "# A page\n\n## Its `second` part\n\n[fine](page.md#its-second-part) and \
         [missing](gone.md), [no anchor](#nowhere), [split\nlines](page.md#a-page),\n\
         `[in code](gone.md)` and\n\n```text\n[in a block](gone.md)\n```\n\
         [the web](https://example.org/gone.md), [out](../../outside.md), \
         ![a picture](page.md)\n",
    )
    .unwrap();
    let problems = broken_links(&page, &book);
    // Outside the book, the same file's links only need their files and headings.
    let outside = dir.join("outside.md");
    fs::write(&outside, "[in](book/src/page.md#its-second-part)\n").unwrap();
    let from_outside = broken_links(&outside, &book);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        problems,
        [
            "`gone.md`: no such file",
            "`#nowhere`: no heading has the anchor `#nowhere`",
            "`../../outside.md`: outside the book",
        ]
    );
    assert!(from_outside.is_empty(), "{from_outside:?}");
}

#[test]
fn anchors_are_mdbooks() {
    let dir = std::env::temp_dir().join(format!("waitsim-anchors-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let page = dir.join("page.md");
    fs::write(
        &page,
        "# `run`, `check` or plain proptest?\n## JSON, exit status and options\n## Options\n\
         ## Options\n```sh\n# not a heading\n```\n#not a heading either\n",
    )
    .unwrap();
    let found = anchors(&page);
    fs::remove_dir_all(&dir).unwrap();
    let expected = [
        "run-check-or-plain-proptest",
        "json-exit-status-and-options",
        "options",
        "options-1",
    ];
    assert_eq!(found, expected.iter().map(|a| a.to_string()).collect());
}

/// A `{{#include FILE}}` line's file.
fn included(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("{{#include ")
        .and_then(|rest| rest.strip_suffix("}}"))
}

#[test]
fn every_page_of_the_book_is_in_its_summary_and_a_doc_test() {
    let summary = book_page("SUMMARY.md");
    // The files `book/doctests.rs` makes doc tests of, each `Item = "path",` from `book/`.
    let doctests: BTreeSet<std::path::PathBuf> =
        fs::read_to_string(root().join("book/doctests.rs"))
            .unwrap()
            .lines()
            .filter_map(|line| line.trim().strip_suffix("\",")?.split_once(" = \""))
            .map(|(_, path)| root().join("book").join(path).canonicalize().unwrap())
            .collect();
    let src = root().join("book/src");
    let mut pages = 0;
    for path in markdown_files("book/src") {
        let page = path.strip_prefix(&src).unwrap().to_str().unwrap();
        pages += 1;
        assert!(
            doctests.contains(&path.canonicalize().unwrap()),
            "book/doctests.rs does not run book/src/{page}"
        );
        if page != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("]({page})")),
                "book/src/SUMMARY.md does not list {page}"
            );
        }
        // A file the page includes whole is run where it lives.
        for file in fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter_map(included)
        {
            let file = path.parent().unwrap().join(file).canonicalize().unwrap();
            assert!(
                doctests.contains(&file),
                "book/doctests.rs does not run {}, which book/src/{page} includes",
                file.display()
            );
        }
    }
    assert!(pages > 20, "only {pages} pages were found");
}

/// The names the crate root re-exports (`pub use module::{A, B};`).
fn root_reexports(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|line| line.strip_prefix("pub use ")?.strip_suffix(';'))
        .filter_map(|path| path.split_once("::").map(|(_, names)| names))
        .flat_map(|names| names.trim_matches(['{', '}']).split(','))
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The root's re-exported names that `source` takes through the root (`use crate::{Error,
/// MaxDelay};`, `use crate::Clock;`, `$crate::Error`), outside comments and its unit tests.
fn imported_through_the_root(source: &str, reexported: &BTreeSet<String>) -> Vec<String> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or_default(),
            None => rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or_default(),
        };
        for name in names.split(',').map(str::trim) {
            let first = name.split("::").next().unwrap_or_default();
            if name == first && reexported.contains(first) {
                found.push(first.to_string());
            }
        }
    }
    found
}

#[test]
fn the_library_imports_each_name_from_its_module_and_has_one_module_file_style() {
    let src = root().join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let reexported = root_reexports(&lib);
    assert!(reexported.contains("MaxDelay") && reexported.contains("Error"));
    let mut folders = vec![src.clone()];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                assert!(
                    path.with_extension("rs").exists(),
                    "{}: a folder of modules beside no `{}.rs`",
                    path.display(),
                    path.file_name().unwrap().to_string_lossy()
                );
                folders.push(path);
                continue;
            }
            assert!(
                !path.ends_with("mod.rs"),
                "{}: the crate's modules are `foo.rs` beside `foo/`",
                path.display()
            );
            if path == src.join("lib.rs") {
                continue;
            }
            files += 1;
            let source = fs::read_to_string(&path).unwrap();
            let upward = imported_through_the_root(&source, &reexported);
            assert!(
                upward.is_empty(),
                "{}: imports {upward:?} through the crate root: import from the module that \
                 defines it",
                path.display()
            );
        }
    }
    assert!(files > 20, "the library's modules were not found");
}

#[test]
fn imports_through_the_root_are_found() {
    let reexported =
        root_reexports("pub use delay::{MaxDelay, TaskCount};\npub use error::Error;\n");
    assert_eq!(reexported.len(), 3);
    let source = "use crate::{Clock, Error, MaxDelay};\nuse crate::delay::TaskCount;\n\
                  use crate::Error;\nfn f() -> $crate::MaxDelay {}\nmod x { use crate::error::Error; }\n\
                  /// [`MaxDelay`](crate::MaxDelay)\n\
                  #[cfg(test)]\nmod tests { use crate::TaskCount; }";
    assert_eq!(
        imported_through_the_root(source, &reexported),
        ["Error", "MaxDelay", "Error", "MaxDelay"]
    );
}
