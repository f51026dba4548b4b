//! Exact outputs for the named scenarios in `fixtures/scenarios/`, one snapshot each in
//! `snapshots/`.

use waitsim::analysis::Case;

/// The settings every snapshot of the crate is taken with: stored in the top-level
/// `snapshots/` folder, named after the test and the fixture only.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn scenario() {
    settings().bind(|| {
        insta::glob!("../../fixtures/scenarios", "*.json", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let case: Case = serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let report = case.run().unwrap();
            insta::assert_json_snapshot!(report);
        });
    });
}
