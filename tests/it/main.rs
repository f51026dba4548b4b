//! All integration tests, in one binary.

mod cli;
mod laws;
mod snapshots;
mod stats;
mod tidy;
