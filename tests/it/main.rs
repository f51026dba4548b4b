//! All integration tests, in one binary.

mod cpython;
mod laws;
mod snapshots;
mod stats;
mod sweeps;
mod tidy;
