//! Points: what each check is worth, for the grading formats and the text summary.
//!
//! By default a folder is worth 100 points, shared equally by the routines checked, and each
//! routine's share equally by its checks (`task_wait_n`'s `agrees` is one of its checks). A
//! points file (`--points FILE`, TOML) changes the total and the weights:
//!
//! ```toml
//! total = 50            # the folder's points (default 100)
//!
//! [routines]            # relative weights of the routines (default 1 each)
//! wait_n = 2
//! measure_time = 1
//!
//! [checks.wait_n]       # relative weights of a routine's checks (default 1 each)
//! concurrent = 3
//! ascending = 2
//! ```
//!
//! A check that passes earns its points; one that fails or is skipped earns none; a missing
//! file earns none of its routine's. A routine or check the exercise does not have is refused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use waitsim::Routine;

use super::catalogue::{AGREES, ROUTINES, checks};
use super::judge::Row;
use crate::exit::Exit;

/// A points file, as read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    total: Option<f64>,
    #[serde(default)]
    routines: BTreeMap<String, f64>,
    #[serde(default)]
    checks: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The weights, checked against the exercise.
#[derive(Clone, Debug)]
pub struct Points {
    total: f64,
    routines: Vec<(Routine, f64)>,
    checks: Vec<(Routine, &'static str, f64)>,
}

impl Default for Points {
    fn default() -> Self {
        Points {
            total: 100.0,
            routines: Vec::new(),
            checks: Vec::new(),
        }
    }
}

/// The names of a routine's checks, `agrees` included for `task_wait_n`.
fn check_names(routine: Routine) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = checks(routine).iter().map(|c| c.name()).collect();
    if routine == Routine::TaskWaitN {
        names.push(AGREES.name());
    }
    names
}

fn weight(what: &str, value: f64) -> Result<f64, Exit> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Exit::usage(format!(
            "invalid weight `{value}` for {what}: expected a number, 0 or more"
        )))
    }
}

impl Points {
    /// Reads a points file, refusing any routine or check the exercise does not have.
    pub fn read(path: &Path) -> Result<Points, Exit> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Exit::usage(format!(
                "cannot read the points file `{}`: {err}",
                path.display()
            ))
        })?;
        Points::parse(&text).map_err(|failure| Exit {
            message: format!("points file `{}`: {}", path.display(), failure.message),
            ..failure
        })
    }

    /// Reads the text of a points file.
    pub fn parse(text: &str) -> Result<Points, Exit> {
        let file: File =
            toml::from_str(text).map_err(|err| Exit::usage(err.message().replace('\n', " ")))?;
        let unknown_routine = |name: &str| {
            let known: Vec<&str> = ROUTINES.iter().map(|(r, _)| r.name()).collect();
            Exit::usage(format!(
                "unknown routine `{name}` (the routines are {})",
                known.join(", ")
            ))
        };
        let total = match file.total {
            Some(total) if total.is_finite() && total > 0.0 => total,
            Some(total) => {
                return Err(Exit::usage(format!(
                    "invalid total `{total}`: expected a number above 0"
                )));
            }
            None => 100.0,
        };
        let mut points = Points {
            total,
            ..Points::default()
        };
        for (name, value) in &file.routines {
            let routine: Routine = name.parse().map_err(|_| unknown_routine(name))?;
            points
                .routines
                .push((routine, weight(&format!("`{name}`"), *value)?));
        }
        for (name, weights) in &file.checks {
            let routine: Routine = name.parse().map_err(|_| unknown_routine(name))?;
            let names = check_names(routine);
            for (check, value) in weights {
                let Some(&known) = names.iter().find(|n| *n == check) else {
                    return Err(Exit::usage(format!(
                        "unknown check `{check}` of `{name}` (its checks are {})",
                        names.join(", ")
                    )));
                };
                points.checks.push((
                    routine,
                    known,
                    weight(&format!("`{name}: {check}`"), *value)?,
                ));
            }
        }
        Ok(points)
    }

    fn routine_weight(&self, routine: Routine) -> f64 {
        self.routines
            .iter()
            .find(|(r, _)| *r == routine)
            .map_or(1.0, |&(_, w)| w)
    }

    fn check_weight(&self, routine: Routine, check: &str) -> f64 {
        self.checks
            .iter()
            .find(|(r, c, _)| *r == routine && *c == check)
            .map_or(1.0, |&(_, _, w)| w)
    }

    /// The points of each check of `routines` (the routines graded), as `(routine, check,
    /// points)`, in the catalogue's order.
    pub fn scheme(&self, routines: &[Routine]) -> Vec<(Routine, &'static str, f64)> {
        let all: f64 = routines.iter().map(|&r| self.routine_weight(r)).sum();
        let mut scheme = Vec::new();
        for &routine in routines {
            let share = if all > 0.0 {
                self.total * self.routine_weight(routine) / all
            } else {
                0.0
            };
            let names = check_names(routine);
            let weights: f64 = names.iter().map(|c| self.check_weight(routine, c)).sum();
            for check in names {
                let points = if weights > 0.0 {
                    share * self.check_weight(routine, check) / weights
                } else {
                    0.0
                };
                scheme.push((routine, check, points));
            }
        }
        scheme
    }

    /// The folder's total.
    pub fn total(&self) -> f64 {
        self.total
    }
}

/// One check's points in a report: what it is worth and what it earned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    pub max: f64,
    pub earned: f64,
}

/// The score of each row, and the folder's score out of the total, for the routines graded
/// (a missing file's routine earns nothing).
pub fn score(points: &Points, graded: &[Routine], rows: &[Row]) -> (Vec<Score>, f64) {
    let scheme = points.scheme(graded);
    let scores: Vec<Score> = rows
        .iter()
        .map(|row| {
            let max = scheme
                .iter()
                .find(|(r, c, _)| *r == row.routine && *c == row.check.name())
                .map_or(0.0, |&(_, _, p)| p);
            let earned = if row.verdict == super::judge::Verdict::Pass {
                max
            } else {
                0.0
            };
            Score { max, earned }
        })
        .collect();
    let earned = scores.iter().map(|s| s.earned).sum();
    (scores, earned)
}

/// Points as reports show them: at most two decimals, no trailing zeros.
pub fn show(points: f64) -> String {
    let rounded = (points * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_each_routine_is_worth_the_same_split_over_its_checks() {
        let scheme = Points::default().scheme(&[Routine::WaitN, Routine::TaskWaitN]);
        let of = |routine| -> f64 {
            scheme
                .iter()
                .filter(|(r, _, _)| *r == routine)
                .map(|(_, _, p)| p)
                .sum()
        };
        assert!((of(Routine::WaitN) - 50.0).abs() < 1e-9);
        assert!((of(Routine::TaskWaitN) - 50.0).abs() < 1e-9);
        // `agrees` is one of task_wait_n's checks.
        assert_eq!(
            scheme
                .iter()
                .filter(|(r, _, _)| *r == Routine::TaskWaitN)
                .count(),
            12
        );
    }

    #[test]
    fn a_points_file_sets_the_total_and_the_weights() {
        let points = Points::parse(
            "total = 10\n[routines]\nwait_n = 3\nmeasure_time = 1\n[checks.wait_n]\nconcurrent = 9\n",
        )
        .unwrap();
        let scheme = points.scheme(&[Routine::WaitN, Routine::MeasureTime]);
        let total: f64 = scheme.iter().map(|(_, _, p)| p).sum();
        assert!((total - 10.0).abs() < 1e-9);
        let concurrent = scheme
            .iter()
            .find(|(r, c, _)| *r == Routine::WaitN && *c == "concurrent")
            .unwrap()
            .2;
        // wait_n has 7.5 points over 11 checks, weights 10 × 1 and 1 × 9.
        assert!((concurrent - 7.5 * 9.0 / 19.0).abs() < 1e-9);
    }

    #[test]
    fn unknown_names_and_bad_weights_are_refused_by_name() {
        let refused = |text: &str| Points::parse(text).unwrap_err();
        let failure = refused("[routines]\nwait_forever = 1\n");
        assert_eq!(failure.status, 2);
        assert!(
            failure.message.contains("unknown routine `wait_forever`"),
            "{}",
            failure.message
        );
        let failure = refused("[checks.wait_n]\nspeed = 1\n");
        assert!(
            failure
                .message
                .contains("unknown check `speed` of `wait_n`"),
            "{}",
            failure.message
        );
        assert!(
            refused("[routines]\nwait_n = -1\n")
                .message
                .contains("invalid weight")
        );
        assert!(refused("total = 0\n").message.contains("invalid total"));
        assert!(refused("bonus = 3\n").message.contains("unknown field"));
        assert!(refused("total = \n").status == 2);
    }

    #[test]
    fn points_show_with_two_decimals_at_most() {
        assert_eq!(show(100.0), "100");
        assert_eq!(show(100.0 / 11.0), "9.09");
        assert_eq!(show(2.5), "2.5");
    }
}
