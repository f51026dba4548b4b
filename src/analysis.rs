//! Analyses of runs, for studying the routines rather than calling them: a [`Case`] of a
//! [`Scenario`] and its [`Report`]; a [`timeline`] of when each wait ended; seed [`sweep`]s of
//! `measure_time` with their [`Stats`] and [`Summary`] against the theory; [`measure`], the
//! routine timed on either clock; and the [`demo`] programs.
//!
//! ```
//! use waitsim::analysis::{Case, Scenario};
//! use waitsim::MaxDelay;
//!
//! # fn main() -> Result<(), waitsim::Error> {
//! let case = Case::new(Scenario::WaitN { n: 3, max_delay: MaxDelay::new(2.0)? }, 7);
//! let report = case.run()?;
//! assert_eq!(report.delays.len(), 3);
//! # Ok(())
//! # }
//! ```

pub mod demo;

pub use crate::measure::{Measurement, measure};
pub use crate::scenario::{Case, Report, Scenario};
pub use crate::sweep::{SeedResult, Stats, Summary, SweepOptions, sweep};
pub use crate::timeline::{Span, Timeline, timeline};
