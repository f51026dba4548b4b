//! Project policy, checked: fixtures and snapshots match one to one, CI runs the README's
//! test command, and the library's modules import each name from the module that defines it.

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

#[test]
fn the_readme_example_crate_is_run_as_written() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    // The production code, `src/lib.rs`, after its first line.
    let lib = fs::read_to_string(root().join("tests/it/readme/my_crate.rs")).unwrap();
    let (_, lib) = lib.split_once("\n\n").unwrap();
    assert!(
        readme.contains(&format!("```rust\n{lib}```")),
        "tests/it/readme/my_crate.rs differs from the README's src/lib.rs"
    );
    // The test file, after the lines that make `my_crate` a module here.
    let test = fs::read_to_string(root().join("tests/it/readme.rs")).unwrap();
    let (_, test) = test.split_once("mod my_crate;\n\n").unwrap();
    assert!(
        readme.contains(&format!("```rust,ignore\n{test}```")),
        "tests/it/readme.rs differs from the README's test file"
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

/// The output the README shows under `$ command`, up to the end of its block.
fn readme_output(command: &str) -> String {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let prompt = format!("$ {command}\n");
    let at = readme
        .find(&prompt)
        .unwrap_or_else(|| panic!("no `{command}` in the README"))
        + prompt.len();
    let end = readme[at..].find("```").unwrap();
    readme[at..at + end].to_string()
}

#[test]
fn the_readme_check_python_reports_are_the_snapshots() {
    assert_eq!(
        readme_output("waitsim check-python fixtures/python/no-sort --seeds 0..20"),
        snapshot_body("check_python@no-sort.snap")
    );
    assert_eq!(
        readme_output(
            "waitsim check-python fixtures/python/correct-gather fixtures/python/no-sort \
             fixtures/python/partial fixtures/python/correct-in-a-repository --seeds 0..10"
        ),
        snapshot_body("check_python_batch.snap")
    );
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
