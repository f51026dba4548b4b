//! Clocks, and the one place where waitsim builds a tokio runtime.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tokio::runtime::{Builder, Handle, Runtime};

use crate::Error;

/// Which clock a simulation's waits run on.
///
/// ```
/// use waitsim::Clock;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// let answer = Clock::Virtual.block_on(async {
///     tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
///     42
/// })?; // returns at once: the hour passed on the virtual clock
/// assert_eq!(answer, 42);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// tokio's paused clock: time stands still while any task can run and jumps to the next
    /// timer when none can. Waits cost no real time and every run is reproducible.
    #[default]
    Virtual,
    /// The wall clock: every wait really waits.
    Real,
}

impl Clock {
    /// Both clocks, in the order they are listed to users.
    pub const ALL: &'static [Clock] = &[Clock::Virtual, Clock::Real];

    /// A new current-thread runtime with timers, on this clock.
    ///
    /// This is the only place waitsim builds a runtime. The virtual clock is tokio's paused
    /// clock (`start_paused`), which tokio supports on the current-thread runtime only.
    ///
    /// # Errors
    ///
    /// If the operating system refuses the runtime's resources.
    pub fn runtime(self) -> Result<Runtime, Error> {
        Builder::new_current_thread()
            .enable_time()
            .start_paused(self == Clock::Virtual)
            .build()
            .map_err(Error::runtime)
    }

    /// Runs `future` to completion on a new runtime of this clock.
    ///
    /// # Errors
    ///
    /// If called from inside a tokio runtime (where blocking on another would deadlock; use
    /// the async routines there), or if the runtime cannot be built.
    pub fn block_on<F: Future>(self, future: F) -> Result<F::Output, Error> {
        if Handle::try_current().is_ok() {
            return Err(Error::inside_runtime());
        }
        Ok(self.runtime()?.block_on(future))
    }

    fn name(self) -> &'static str {
        match self {
            Clock::Virtual => "virtual",
            Clock::Real => "real",
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Clock {
    type Err = Error;

    fn from_str(s: &str) -> Result<Clock, Error> {
        Clock::ALL
            .iter()
            .copied()
            .find(|clock| clock.name() == s)
            .ok_or_else(|| Error::unknown("clock", s, "`virtual`, `real`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &clock in Clock::ALL {
            assert_eq!(clock.to_string().parse::<Clock>().unwrap(), clock);
        }
        assert_eq!(
            "wall".parse::<Clock>().unwrap_err().to_string(),
            "unknown clock `wall`: expected one of `virtual`, `real`"
        );
    }

    #[test]
    fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
        let outcome = Clock::Virtual.block_on(async { Clock::Virtual.block_on(async {}) });
        let err = outcome.unwrap().unwrap_err();
        assert!(err.to_string().contains("inside a tokio runtime"), "{err}");
    }
}
