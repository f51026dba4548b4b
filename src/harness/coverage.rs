//! `sometimes`: named conditions a test's seeds must reach, counted across a run.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// The conditions one run of a body reached: each name, and whether it held at least once.
#[derive(Clone, Debug, Default)]
pub(super) struct Reached(Arc<Mutex<BTreeMap<String, bool>>>);

impl Reached {
    /// Records that `name` was evaluated, and whether it held.
    pub(super) fn note(&self, name: &str, held: bool) {
        let mut reached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match reached.get_mut(name) {
            Some(before) => *before |= held,
            None => {
                reached.insert(name.to_string(), held);
            }
        }
    }

    /// What was reached, emptying the record.
    pub(super) fn take(&self) -> BTreeMap<String, bool> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One named condition over a run: how many seeds it held on, and the share it must reach.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Condition {
    /// The name given to `sometimes`.
    pub name: String,
    /// On how many of the run's seeds it held at least once.
    pub hits: u64,
    /// The share of seeds it must hold on, from [`Harness::sometimes`](super::Harness::sometimes);
    /// `None` for at least one seed.
    pub min_share: Option<f64>,
    /// Whether the body evaluated it on any seed at all.
    pub evaluated: bool,
}

impl Condition {
    /// Whether it held as often as asked, over `seeds` seeds.
    #[must_use]
    pub fn met(&self, seeds: u64) -> bool {
        match self.min_share {
            None => self.hits > 0,
            Some(share) => self.hits > 0 && self.hits as f64 >= share * seeds as f64,
        }
    }
}

/// The `sometimes` conditions of a run: how many seeds ran, and each condition's count.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Coverage {
    /// How many seeds ran (each counts once, however often its body evaluated a condition).
    pub seeds: u64,
    /// Every condition evaluated or asked for, by name.
    pub conditions: Vec<Condition>,
}

impl Coverage {
    /// The count so far, with the shares the harness asks for.
    pub(super) fn new(asked: &[(String, f64)]) -> Coverage {
        Coverage {
            seeds: 0,
            conditions: asked
                .iter()
                .map(|(name, share)| Condition {
                    name: name.clone(),
                    hits: 0,
                    min_share: Some(*share),
                    evaluated: false,
                })
                .collect(),
        }
    }

    /// Adds one seed's reached conditions.
    pub(super) fn add(&mut self, reached: &BTreeMap<String, bool>) {
        self.seeds += 1;
        for (name, &held) in reached {
            let condition = match self.conditions.iter().position(|c| &c.name == name) {
                Some(at) => &mut self.conditions[at],
                None => {
                    self.conditions.push(Condition {
                        name: name.clone(),
                        hits: 0,
                        min_share: None,
                        evaluated: false,
                    });
                    self.conditions.last_mut().expect("just pushed")
                }
            };
            condition.evaluated = true;
            condition.hits += u64::from(held);
        }
    }

    /// Whether every condition held as often as asked.
    #[must_use]
    pub fn met(&self) -> bool {
        self.conditions.iter().all(|c| c.met(self.seeds))
    }
}

/// A table: one line per condition, with its count, share, what was asked and whether it was
/// met.
impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .conditions
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        let digits = self.seeds.to_string().len();
        for c in &self.conditions {
            let share = if self.seeds == 0 {
                0.0
            } else {
                100.0 * c.hits as f64 / self.seeds as f64
            };
            let asked = match c.min_share {
                None => "at least once".to_string(),
                Some(s) => format!("at least {}%", s * 100.0),
            };
            let verdict = match (c.met(self.seeds), c.evaluated) {
                (true, _) => "ok",
                (false, true) => "NOT MET",
                (false, false) => "NOT MET (never evaluated)",
            };
            writeln!(
                f,
                "  {:<width$}  {:>digits$} of {} ({share:5.1}%), asked {asked}: {verdict}",
                c.name,
                c.hits,
                plural(self.seeds, "seed")
            )?;
        }
        Ok(())
    }
}

/// `count` and `what`, with an `s` unless `count` is one: for the counts in the harness's
/// reports.
pub(super) fn plural(count: u64, what: &str) -> String {
    format!("{count} {what}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reached(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
        pairs.iter().map(|(n, h)| ((*n).to_string(), *h)).collect()
    }

    #[test]
    fn a_condition_counts_once_per_seed_and_must_hold_once_or_at_its_share() {
        let note = Reached::default();
        note.note("gave up", false);
        note.note("gave up", true);
        note.note("gave up", false);
        note.note("capped", false);
        assert_eq!(
            note.take(),
            reached(&[("gave up", true), ("capped", false)])
        );
        assert!(note.take().is_empty());

        let mut coverage = Coverage::new(&[("capped".into(), 0.5), ("asked only".into(), 0.1)]);
        coverage.add(&reached(&[("gave up", true), ("capped", true)]));
        coverage.add(&reached(&[("gave up", false), ("capped", false)]));
        coverage.add(&reached(&[("capped", false)]));
        assert_eq!(coverage.seeds, 3);
        let hits: Vec<_> = coverage
            .conditions
            .iter()
            .map(|c| (c.name.as_str(), c.hits, c.evaluated, c.met(3)))
            .collect();
        assert_eq!(
            hits,
            [
                ("capped", 1, true, false),
                ("asked only", 0, false, false),
                ("gave up", 1, true, true)
            ]
        );
        assert!(!coverage.met());
        coverage.add(&reached(&[("capped", true), ("asked only", true)]));
        assert!(coverage.met(), "{coverage}");
    }

    #[test]
    fn no_seeds_meet_no_condition() {
        let none = Coverage::new(&[("asked".into(), 0.5)]);
        assert_eq!(none.seeds, 0);
        assert!(!none.met());
        assert!(!none.conditions[0].met(0));
    }

    #[test]
    fn the_table_says_what_was_asked_and_what_was_met() {
        let mut coverage = Coverage::new(&[("never".into(), 0.25)]);
        for held in [true, false, false, false] {
            coverage.add(&reached(&[("the retry gave up", held)]));
        }
        assert_eq!(
            coverage.to_string(),
            "  never              0 of 4 seeds (  0.0%), asked at least 25%: NOT MET (never evaluated)\n  \
             the retry gave up  1 of 4 seeds ( 25.0%), asked at least once: ok\n"
        );
    }
}
