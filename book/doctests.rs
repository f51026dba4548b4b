//! The book's pages as doc tests. Each page is the documentation of an item that exists only
//! under `cfg(doctest)`, so `cargo test` compiles and runs every Rust block of the book, and
//! `cargo build` sees none of it. A tidy test (`tests/it/tidy.rs`) checks that every page of
//! `src/` is listed here.

/// One item per page, named after its path.
macro_rules! pages {
    ($($item:ident = $path:literal,)*) => {
        $(
            #[doc = include_str!($path)]
            #[cfg(doctest)]
            pub struct $item;
        )*
    };
}

pages! {
    // The files the book includes whole (`{{#include ..}}`), as the pages that include them show them.
    Benchmarks = "../BENCHMARKS.md",
    Releasing = "../RELEASING.md",
    Summary = "src/SUMMARY.md",
    ContributingCi = "src/contributing/ci.md",
    ContributingLayoutAndTests = "src/contributing/layout-and-tests.md",
    ContributingReleasing = "src/contributing/releasing.md",
    GradersBatch = "src/graders/batch.md",
    GradersCiReports = "src/graders/ci-reports.md",
    GradersClassroom = "src/graders/classroom.md",
    GradersFormats = "src/graders/formats.md",
    GradersGradescope = "src/graders/gradescope.md",
    GradersPoints = "src/graders/points.md",
    GradersThreatModel = "src/graders/threat-model.md",
    HarnessCiSharding = "src/harness/ci-sharding.md",
    HarnessDeterminism = "src/harness/determinism.md",
    HarnessEnvironment = "src/harness/environment.md",
    HarnessFailures = "src/harness/failures.md",
    HarnessIndex = "src/harness/index.md",
    HarnessLaws = "src/harness/laws.md",
    HarnessLibrary = "src/harness/library.md",
    HarnessNextest = "src/harness/nextest.md",
    HarnessRunOrCheck = "src/harness/run-or-check.md",
    HarnessShrinking = "src/harness/shrinking.md",
    HarnessSometimes = "src/harness/sometimes.md",
    HarnessYourTests = "src/harness/your-tests.md",
    Introduction = "src/introduction.md",
    LearnerChecks = "src/learner/checks.md",
    ReferenceBenchmarks = "src/reference/benchmarks.md",
    ReferenceCli = "src/reference/cli.md",
    ReferenceDeterminism = "src/reference/determinism.md",
    ReferenceLimits = "src/reference/limits.md",
    ReferencePerformance = "src/reference/performance.md",
    ReferencePythonParity = "src/reference/python-parity.md",
    ReferenceTimelinesAndSweeps = "src/reference/timelines-and-sweeps.md",
}
