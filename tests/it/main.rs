//! All integration tests, in one binary.

mod cli;
mod cpython;
mod laws;
mod pictures;
mod snapshots;
mod stats;
mod tidy;
