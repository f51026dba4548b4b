//! Where a failure's replay runs: the test binary, the cargo target and package it was built
//! from, and the settings of the environment that the replay must repeat.

use std::path::{Path, PathBuf};

use super::failure::Replay;

/// The variables, beside the seed, the generator and the determinism check, whose values
/// change what a failing seed reports.
const SHRINK_VARS: [&str; 2] = ["WAITSIM_SHRINK_RUNS", "WAITSIM_SHRINK_SECS"];

/// The replay of this test process: its binary, target and package, and the shrinking
/// budgets the environment sets (unless the test sets its own: `budgets_from_env` false).
pub(super) fn find(budgets_from_env: bool) -> Replay {
    let binary = std::env::current_exe().ok();
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let package = std::env::var("CARGO_PKG_NAME").ok();
    let target = binary
        .as_deref()
        .and_then(|binary| target(binary, manifest.as_deref(), package.as_deref()));
    let vars = if budgets_from_env {
        SHRINK_VARS
            .iter()
            .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
            .collect()
    } else {
        Vec::new()
    };
    Replay {
        // A doctest's binary is gone when it ends: its replay is `cargo test --doc`.
        binary: binary.filter(|_| target.as_deref() != Some("--doc")),
        target,
        package,
        manifest_dir: manifest,
        vars,
    }
}

/// The cargo target a test binary was built from: cargo names it `NAME-HASH` in a `deps`
/// folder, after the target, with `-` written `_`; rustdoc builds a doctest's elsewhere.
fn target(binary: &Path, manifest: Option<&Path>, package: Option<&str>) -> Option<String> {
    let folder = binary.parent().and_then(Path::file_name)?.to_str()?;
    let stem = binary.file_stem()?.to_str()?;
    if folder == "examples" {
        return Some(format!("--example {stem}"));
    }
    if folder.starts_with("rustdoctest") || stem == "rust_out" {
        return Some("--doc".to_string());
    }
    if folder != "deps" {
        return None;
    }
    let (name, hash) = stem.rsplit_once('-')?;
    if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let exists = |path: &str| manifest.is_some_and(|dir| dir.join(path).exists());
    let dashed = name.replace('_', "-");
    for candidate in [name, dashed.as_str()] {
        if exists(&format!("tests/{candidate}.rs")) || exists(&format!("tests/{candidate}/main.rs"))
        {
            return Some(format!("--test {candidate}"));
        }
    }
    if package.is_some_and(|package| package.replace('-', "_") == name) && exists("src/lib.rs") {
        return Some("--lib".to_string());
    }
    for candidate in [name, dashed.as_str()] {
        if exists(&format!("src/bin/{candidate}.rs"))
            || exists(&format!("src/bin/{candidate}/main.rs"))
            || (package == Some(candidate) && exists("src/main.rs"))
        {
            return Some(format!("--bin {candidate}"));
        }
    }
    // A target declared elsewhere in the manifest: integration tests are the likeliest.
    Some(format!("--test {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_found_from_the_binary_and_the_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let deps = root.join("target/debug/deps");
        let of = |name: &str| target(&deps.join(name), Some(root), Some("waitsim"));
        assert_eq!(of("it-0123abcd").as_deref(), Some("--test it"));
        assert_eq!(of("waitsim-0123abcd").as_deref(), Some("--lib"));
        assert_eq!(of("other-0123abcd").as_deref(), Some("--test other"));
        assert_eq!(of("nohash").as_deref(), None);
        assert_eq!(of("it-xyz").as_deref(), None);
        assert_eq!(
            target(Path::new("/tmp/rustdoctest1/rust_out"), Some(root), None).as_deref(),
            Some("--doc")
        );
        let examples = root.join("target/debug/examples/retry");
        assert_eq!(
            target(&examples, Some(root), None).as_deref(),
            Some("--example retry")
        );
        assert_eq!(target(Path::new("/usr/bin/retry"), Some(root), None), None);
    }

    #[test]
    fn a_target_is_found_under_either_of_its_names_and_either_of_its_layouts() {
        let root = std::env::temp_dir().join(format!("waitsim-targets-{}", std::process::id()));
        for file in [
            "tests/my-test.rs",
            "tests/by_folder/main.rs",
            "src/bin/tool-a.rs",
            "src/bin/tool_b/main.rs",
            "src/main.rs",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let deps = root.join("target/debug/deps");
        let of = |name: &str| target(&deps.join(name), Some(&root), Some("my-app"));
        let found = [
            of("my_test-0123abcd"),
            of("by_folder-0123abcd"),
            of("tool_a-0123abcd"),
            of("tool_b-0123abcd"),
            of("my_app-0123abcd"),
            of("other_app-0123abcd"),
        ];
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            found.map(Option::unwrap),
            [
                "--test my-test",
                "--test by_folder",
                "--bin tool-a",
                "--bin tool_b",
                "--bin my-app",
                "--test other_app",
            ]
        );
        // A doctest runs from a folder rustdoc makes, or as `rust_out`.
        for binary in ["/tmp/rustdoctestAb12/doctest", "/tmp/elsewhere/rust_out"] {
            assert_eq!(
                target(Path::new(binary), Some(&root), None).as_deref(),
                Some("--doc")
            );
        }
    }

    #[test]
    fn this_test_binary_is_the_librarys() {
        let replay = find(false);
        assert_eq!(replay.target.as_deref(), Some("--lib"));
        assert_eq!(replay.package.as_deref(), Some("waitsim"));
        assert_eq!(
            replay.manifest_dir.as_deref(),
            Some(Path::new(env!("CARGO_MANIFEST_DIR")))
        );
        assert!(replay.binary.is_some_and(|binary| binary.exists()));
        assert!(replay.vars.is_empty());
    }
}
