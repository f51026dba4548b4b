//! Analyses of runs, for studying the routines rather than calling them: a [`Case`] of a
//! [`Scenario`] and its [`Report`]; a [`timeline`] of when each wait ended; seed [`sweep`]s of
//! `measure_time` with their [`Stats`] and [`Summary`] against the theory; [`measure`], the
//! routine timed on either clock; the [`demo`] programs; and [`secs_f64`], the seconds of a
//! duration as every record here reports them.
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
mod measure;
mod scenario;
mod sweep;
mod timeline;

pub use crate::delay::secs_f64;
pub use measure::{Measurement, measure};
pub use scenario::{Case, Report, Scenario};
pub use sweep::{SeedResult, Stats, Summary, SweepOptions, sweep};
pub use timeline::{Span, Timeline, timeline};
