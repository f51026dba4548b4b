//! All integration tests, in one binary.

mod cli;
mod cpython;
mod laws;
mod snapshots;
mod stats;
mod tidy;
