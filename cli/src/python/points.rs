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
//!
//! [visibility.routines] # when Gradescope shows a routine's tests to the learner
//! task_wait_n = "after_due_date"
//!
//! [visibility.checks.wait_n]  # a check's own, over its routine's
//! concurrent = "hidden"
//! ```
//!
//! A check that passes earns its points; one that fails or is skipped earns none; a missing
//! file earns none of its routine's. A routine or check the exercise does not have is refused.
//! Visibility is Gradescope's: `visible` (the default), `hidden`, `after_due_date` or
//! `after_published`; any other value is refused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use waitsim::Routine;

use super::catalogue::{ROUTINES, reported_checks};
use super::model::{Row, Verdict};
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
    #[serde(default)]
    visibility: VisibilityFile,
}

/// The `[visibility]` table of a points file, as read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityFile {
    #[serde(default)]
    routines: BTreeMap<String, String>,
    #[serde(default)]
    checks: BTreeMap<String, BTreeMap<String, String>>,
}

/// When Gradescope shows a test to the learner: its four values, by their names there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Visibility {
    /// Always.
    #[default]
    Visible,
    /// Never (course staff see it).
    Hidden,
    /// Once the assignment's due date has passed.
    AfterDueDate,
    /// Once the grades are published.
    AfterPublished,
}

impl Visibility {
    const ALL: [Visibility; 4] = [
        Visibility::Hidden,
        Visibility::AfterDueDate,
        Visibility::AfterPublished,
        Visibility::Visible,
    ];

    /// The value as Gradescope's `results.json` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDueDate => "after_due_date",
            Visibility::AfterPublished => "after_published",
        }
    }

    /// Reads a value of the points file, refusing any Gradescope does not have.
    fn parse(what: &str, value: &str) -> Result<Visibility, Exit> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.name() == value)
            .ok_or_else(|| {
                Exit::usage(format!(
                    "invalid visibility `{value}` for {what}: expected `hidden`, `after_due_date`, `after_published` or `visible`"
                ))
            })
    }
}

/// The weights, checked against the exercise.
#[derive(Clone, Debug)]
pub struct Points {
    total: f64,
    routines: Vec<(Routine, f64)>,
    checks: Vec<(Routine, &'static str, f64)>,
    visibility: Visibilities,
}

/// The visibilities a points file sets: of routines, and of checks (`None` for a routine's).
#[derive(Clone, Debug, Default)]
pub struct Visibilities(Vec<(Routine, Option<&'static str>, Visibility)>);

impl Visibilities {
    /// A check's visibility: its own, else its routine's, else visible. `None` asks for the
    /// routine's (as a missing file's test does).
    pub fn of(&self, routine: Routine, check: Option<&str>) -> Visibility {
        let set = |wanted: Option<&str>| {
            self.0
                .iter()
                .find(|(r, c, _)| *r == routine && *c == wanted)
                .map(|&(_, _, v)| v)
        };
        check
            .and_then(|check| set(Some(check)))
            .or_else(|| set(None))
            .unwrap_or_default()
    }
}

impl Default for Points {
    fn default() -> Self {
        Points {
            total: 100.0,
            routines: Vec::new(),
            checks: Vec::new(),
            visibility: Visibilities::default(),
        }
    }
}

/// The names of a routine's checks, as reported (the comparison included).
fn check_names(routine: Routine) -> Vec<&'static str> {
    reported_checks(routine).iter().map(|c| c.name()).collect()
}

/// The check of `routine` named `check`, or a usage error that lists its checks.
fn known_check(routine: Routine, name: &str, check: &str) -> Result<&'static str, Exit> {
    let names = check_names(routine);
    names.iter().find(|n| **n == check).copied().ok_or_else(|| {
        Exit::usage(format!(
            "unknown check `{check}` of `{name}` (its checks are {})",
            names.join(", ")
        ))
    })
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
            for (check, value) in weights {
                let known = known_check(routine, name, check)?;
                points.checks.push((
                    routine,
                    known,
                    weight(&format!("`{name}: {check}`"), *value)?,
                ));
            }
        }
        for (name, value) in &file.visibility.routines {
            let routine: Routine = name.parse().map_err(|_| unknown_routine(name))?;
            let visibility = Visibility::parse(&format!("`{name}`"), value)?;
            points.visibility.0.push((routine, None, visibility));
        }
        for (name, values) in &file.visibility.checks {
            let routine: Routine = name.parse().map_err(|_| unknown_routine(name))?;
            for (check, value) in values {
                let known = known_check(routine, name, check)?;
                let visibility = Visibility::parse(&format!("`{name}: {check}`"), value)?;
                points.visibility.0.push((routine, Some(known), visibility));
            }
        }
        Ok(points)
    }

    /// When Gradescope shows each test.
    pub fn visibility(&self) -> &Visibilities {
        &self.visibility
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

/// Scores `rows`, the checks of `graded` (the routines graded): each row's points, what it is
/// worth and what it earned; the folder's score out of the total (a missing file's routine
/// earns nothing).
pub fn score(points: &Points, graded: &[Routine], rows: &mut [Row]) -> f64 {
    let scheme = points.scheme(graded);
    for row in rows.iter_mut() {
        row.max_points = scheme
            .iter()
            .find(|(r, c, _)| *r == row.routine && *c == row.check.name())
            .map_or(0.0, |&(_, _, p)| p);
        row.points = if row.verdict == Verdict::Pass {
            row.max_points
        } else {
            0.0
        };
    }
    rows.iter().map(|row| row.points).sum()
}

/// What each of `graded` (the routines graded) is worth, its checks' points together.
pub fn worth(points: &Points, graded: &[Routine]) -> Vec<(Routine, f64)> {
    let scheme = points.scheme(graded);
    graded
        .iter()
        .map(|&routine| {
            let worth = scheme
                .iter()
                .filter(|(r, _, _)| *r == routine)
                .map(|(_, _, p)| p)
                .sum();
            (routine, worth)
        })
        .collect()
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
    fn visibility_is_the_checks_own_else_its_routines_else_visible() {
        let points = Points::parse(
            "[visibility.routines]\nwait_n = \"after_due_date\"\ntask_wait_n = \"hidden\"\n[visibility.checks.wait_n]\nconcurrent = \"after_published\"\n[visibility.checks.task_wait_n]\nagrees = \"visible\"\n",
        )
        .unwrap();
        let of = |routine, check| points.visibility().of(routine, check);
        assert_eq!(
            of(Routine::WaitN, Some("concurrent")),
            Visibility::AfterPublished
        );
        assert_eq!(
            of(Routine::WaitN, Some("ascending")),
            Visibility::AfterDueDate
        );
        assert_eq!(of(Routine::WaitN, None), Visibility::AfterDueDate);
        assert_eq!(of(Routine::TaskWaitN, Some("agrees")), Visibility::Visible);
        assert_eq!(of(Routine::TaskWaitN, Some("policy")), Visibility::Hidden);
        assert_eq!(of(Routine::WaitRandom, Some("policy")), Visibility::Visible);
        assert_eq!(
            Points::default().visibility().of(Routine::WaitN, None),
            Visibility::Visible
        );
    }

    #[test]
    fn a_visibility_gradescope_does_not_have_is_refused_by_name() {
        let refused = |text: &str| Points::parse(text).unwrap_err();
        let failure = refused("[visibility.routines]\nwait_n = \"secret\"\n");
        assert_eq!(failure.status, 2);
        assert_eq!(
            failure.message,
            "invalid visibility `secret` for `wait_n`: expected `hidden`, `after_due_date`, `after_published` or `visible`"
        );
        let failure = refused("[visibility.checks.wait_n]\nascending = \"Hidden\"\n");
        assert!(
            failure
                .message
                .starts_with("invalid visibility `Hidden` for `wait_n: ascending`"),
            "{}",
            failure.message
        );
        for text in [
            "[visibility.routines]\nwait_forever = \"hidden\"\n",
            "[visibility.checks.wait_n]\nspeed = \"hidden\"\n",
            "[visibility]\nwait_n = \"hidden\"\n",
            "[visibility.routines]\nwait_n = 3\n",
        ] {
            assert_eq!(refused(text).status, 2, "{text}");
        }
        assert!(
            refused("[visibility.checks.wait_n]\nspeed = \"hidden\"\n")
                .message
                .contains("unknown check `speed` of `wait_n`")
        );
    }

    #[test]
    fn points_show_with_two_decimals_at_most() {
        assert_eq!(show(100.0), "100");
        assert_eq!(show(100.0 / 11.0), "9.09");
        assert_eq!(show(2.5), "2.5");
    }
}
