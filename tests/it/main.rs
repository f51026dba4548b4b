//! All integration tests, in one binary.

mod book;
mod catalogue;
mod check;
mod cpython;
mod harness;
mod laws;
mod planted;
mod rand09;
mod readme;
mod shrinking;
mod snapshots;
mod stats;
mod sweeps;
mod tidy;
