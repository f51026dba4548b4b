//! The seed's five routines, by name.

use serde::{Deserialize, Serialize};

use crate::delay::MaxDelay;
use crate::name::{Named, named};

/// One of the seed's five routines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Routine {
    /// [`wait_random`](crate::wait_random).
    WaitRandom,
    /// [`wait_n`](crate::wait_n).
    WaitN,
    /// [`measure_time`](crate::measure_time).
    MeasureTime,
    /// [`task_wait_random`](crate::task_wait_random).
    TaskWaitRandom,
    /// [`task_wait_n`](crate::task_wait_n).
    TaskWaitN,
}

impl Routine {
    /// The routine's name in the seed, such as `wait_n`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Routine::WaitRandom => "wait_random",
            Routine::WaitN => "wait_n",
            Routine::MeasureTime => "measure_time",
            Routine::TaskWaitRandom => "task_wait_random",
            Routine::TaskWaitN => "task_wait_n",
        }
    }
}

impl Routine {
    /// Whether the routine runs `n` waits (and so takes an `n`): `wait_n`, `measure_time` and
    /// `task_wait_n`.
    #[must_use]
    pub fn takes_n(self) -> bool {
        match self {
            Routine::WaitN | Routine::MeasureTime | Routine::TaskWaitN => true,
            Routine::WaitRandom | Routine::TaskWaitRandom => false,
        }
    }

    /// The call of the routine as the seed writes it, with every argument: `wait_n(3, 10)`,
    /// `wait_random(10)`; `n` is left out for the routines that do not take one.
    pub(crate) fn call(self, n: usize, max_delay: MaxDelay) -> String {
        if self.takes_n() {
            format!("{self}({n}, {max_delay})")
        } else {
            format!("{self}({max_delay})")
        }
    }

    /// Every routine, in the seed's order. Each reads back from its name:
    ///
    /// ```
    /// use waitsim::Routine;
    ///
    /// for &routine in Routine::ALL {
    ///     assert_eq!(routine.to_string().parse::<Routine>().unwrap(), routine);
    /// }
    /// let err = "wait_forever".parse::<Routine>().unwrap_err();
    /// assert!(err.to_string().starts_with("unknown routine `wait_forever`"));
    /// ```
    pub const ALL: &'static [Routine] = &[
        Routine::WaitRandom,
        Routine::WaitN,
        Routine::MeasureTime,
        Routine::TaskWaitRandom,
        Routine::TaskWaitN,
    ];
}

impl Named for Routine {
    const WHAT: &'static str = "routine";
    const ALL: &'static [Routine] = Routine::ALL;

    fn name(self) -> &'static str {
        Routine::name(self)
    }
}

named!(Routine);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_routine_is_written_and_read_by_its_name() {
        for &routine in Routine::ALL {
            assert_eq!(routine.to_string(), routine.name());
            assert_eq!(routine.name().parse::<Routine>().unwrap(), routine);
        }
        assert!("wait".parse::<Routine>().unwrap_err().is_invalid_input());
    }

    #[test]
    fn a_call_names_n_only_for_the_routines_that_take_one() {
        let max_delay = MaxDelay::DEFAULT;
        let calls: Vec<String> = Routine::ALL.iter().map(|r| r.call(3, max_delay)).collect();
        assert_eq!(
            calls,
            [
                "wait_random(10)",
                "wait_n(3, 10)",
                "measure_time(3, 10)",
                "task_wait_random(10)",
                "task_wait_n(3, 10)"
            ]
        );
    }
}
