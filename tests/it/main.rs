//! All integration tests, in one binary.

mod book;
mod catalogue;
mod check;
mod cpython;
mod harness;
mod laws;
mod planted;
#[path = "../victims/retry.rs"]
mod planted_retry;
mod rand09;
mod readme;
// `planted_retry` finds the retry here, as the victims find it at their root.
use book::my_crate;
mod shrinking;
mod snapshots;
mod stats;
mod sweeps;
mod tidy;
