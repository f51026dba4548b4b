//! The seed's five example programs, `0-main.py` to `4-main.py`: the one list the command
//! line's `demo`, the examples and the fixtures are checked against.

use super::scenario::Scenario;
use crate::delay::MaxDelay;

/// One of the seed's example programs: its file name and the calls it makes, in order.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Program {
    /// The program's file in the seed, such as `1-main.py`.
    pub file: &'static str,
    /// The calls it makes, in order.
    pub calls: &'static [Scenario],
}

const fn secs(value: f64) -> MaxDelay {
    match MaxDelay::from_const(value) {
        Some(max_delay) => max_delay,
        None => panic!("a demo bound out of range"),
    }
}

/// The seed's five programs, in order.
///
/// ```
/// use waitsim::analysis::demo::PROGRAMS;
///
/// assert_eq!(PROGRAMS.len(), 5);
/// assert_eq!(PROGRAMS[1].file, "1-main.py");
/// assert_eq!(PROGRAMS[1].calls[0].to_string(), "wait_n(5, 5)");
/// ```
pub const PROGRAMS: &[Program] = &[
    Program {
        file: "0-main.py",
        calls: &[
            Scenario::WaitRandom {
                max_delay: MaxDelay::DEFAULT,
            },
            Scenario::WaitRandom {
                max_delay: secs(5.0),
            },
            Scenario::WaitRandom {
                max_delay: secs(15.0),
            },
        ],
    },
    Program {
        file: "1-main.py",
        calls: &[
            Scenario::WaitN {
                n: 5,
                max_delay: secs(5.0),
            },
            Scenario::WaitN {
                n: 10,
                max_delay: secs(7.0),
            },
            Scenario::WaitN {
                n: 10,
                max_delay: MaxDelay::ZERO,
            },
        ],
    },
    Program {
        file: "2-main.py",
        calls: &[Scenario::MeasureTime {
            n: 5,
            max_delay: secs(9.0),
        }],
    },
    Program {
        file: "3-main.py",
        calls: &[Scenario::TaskWaitRandom {
            max_delay: secs(5.0),
        }],
    },
    Program {
        file: "4-main.py",
        calls: &[Scenario::TaskWaitN {
            n: 5,
            max_delay: secs(6.0),
        }],
    },
];

/// The calls of the program named `file`, such as `1-main.py`; `None` for a file the seed
/// does not have.
#[must_use]
pub fn calls(file: &str) -> Option<&'static [Scenario]> {
    PROGRAMS.iter().find(|p| p.file == file).map(|p| p.calls)
}
