//! All integration tests, in one binary.

mod laws;
mod snapshots;
mod stats;
mod tidy;
