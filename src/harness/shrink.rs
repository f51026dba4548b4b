//! Shrinking the draws: a failing case is the sequence of draws it made (the bytes its input's
//! strategy read, and the words `sim.rng` handed out), and a simpler case is a shorter
//! sequence, or one as long whose first differing draw is smaller. Passes delete chunks of
//! draws, zero them, lower single draws by binary search and sort neighbours, and run to a
//! fixed point; every candidate is regenerated from its draws (a sequence that runs out gives
//! zeros, the simplest value) and kept only if the body still fails in the same way.

use std::time::Instant;

use super::env::Budget;

/// The parts of a sequence: the input's draws, and `sim.rng`'s.
pub(super) const PARTS: usize = 2;

/// The input's part: the bytes a proptest strategy read, four to a draw (little-endian).
pub(super) const INPUT: usize = 0;

/// `sim.rng`'s part: the words it handed out.
pub(super) const WORDS: usize = 1;

/// The draw a part gives once it runs out: one, which rand turns into the simplest value
/// (`0.0`, a range's low end) and which no rejection sampling rejects (zero words would loop
/// forever in `Uniform::sample`, as proptest's ranges use it).
pub(super) const TAIL: u64 = 1;

/// The draws of one case, part by part, without trailing draws of [`TAIL`] (a part that runs
/// out gives them, so they change nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Draws {
    pub(super) parts: [Vec<u64>; PARTS],
}

impl Draws {
    /// The draws of `parts`, trailing draws of [`TAIL`] dropped.
    pub(super) fn new(parts: [Vec<u64>; PARTS]) -> Draws {
        let mut draws = Draws { parts };
        for part in &mut draws.parts {
            while part.last() == Some(&TAIL) {
                part.pop();
            }
        }
        draws
    }

    /// How many draws there are in all.
    pub(super) fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    /// Whether `self` is simpler than `other`: fewer draws, or as many and the first that
    /// differs smaller.
    pub(super) fn simpler_than(&self, other: &Draws) -> bool {
        self.len()
            .cmp(&other.len())
            .then_with(|| {
                self.parts
                    .iter()
                    .flatten()
                    .cmp(other.parts.iter().flatten())
            })
            .is_lt()
    }

    /// `self` with `part` replaced.
    fn with(&self, part: usize, draws: Vec<u64>) -> Draws {
        let mut parts = self.parts.clone();
        parts[part] = draws;
        Draws::new(parts)
    }
}

/// The input's bytes as draws: four bytes each, little-endian, the last padded with zeros.
pub(super) fn from_bytes(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks(4)
        .map(|chunk| {
            let mut word = [0; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            u64::from(u32::from_le_bytes(word))
        })
        .collect()
}

/// The input's draws as bytes, for proptest's pass-through generator.
pub(super) fn to_bytes(draws: &[u64]) -> Vec<u8> {
    draws
        .iter()
        // Input draws are four bytes; a larger one (no pass makes one) keeps its low four.
        .flat_map(|&draw| (draw as u32).to_le_bytes())
        .collect()
}

/// What shrinking has spent of its budget, and which budget ran out, if one did.
#[derive(Debug)]
pub(super) struct Spent {
    budget: Budget,
    start: Instant,
    pub(super) runs: u64,
    pub(super) out_of_budget: Option<String>,
}

impl Spent {
    /// Nothing spent yet of `budget`; the clock starts now.
    pub(super) fn new(budget: Budget) -> Spent {
        Spent {
            budget,
            start: Instant::now(),
            runs: 0,
            out_of_budget: None,
        }
    }

    /// Whether one more run is allowed; counts it if so, and notes the budget spent if not.
    pub(super) fn take_run(&mut self) -> bool {
        if self.out_of_budget.is_some() {
            return false;
        }
        if self.runs >= self.budget.runs {
            self.out_of_budget = Some(format!(
                "{} run{}",
                self.budget.runs,
                if self.budget.runs == 1 { "" } else { "s" }
            ));
            return false;
        }
        if self.start.elapsed() >= self.budget.time {
            self.out_of_budget = Some(format!("{} s of real time", self.budget.time.as_secs()));
            return false;
        }
        self.runs += 1;
        true
    }
}

/// A failing case: its draws, and what the caller keeps of it.
#[derive(Debug)]
pub(super) struct Case<D> {
    pub(super) draws: Draws,
    pub(super) detail: D,
}

/// The shrinker: the simplest failing case so far, and the test that runs a candidate.
struct Shrinker<'a, D, T> {
    best: Case<D>,
    /// The parts that cannot change (an input not made from its draws, a body that drew
    /// more than is kept).
    fixed: [bool; PARTS],
    test: T,
    spent: &'a mut Spent,
    steps: u64,
}

impl<D, T: FnMut(&Draws) -> Option<Case<D>>> Shrinker<'_, D, T> {
    /// Runs the body on `candidate` if it is simpler than the best; keeps it (as the draws
    /// the body then made) if it fails in the same way and is still simpler. Whether it was
    /// kept.
    fn consider(&mut self, candidate: Draws) -> bool {
        if !candidate.simpler_than(&self.best.draws) || !self.spent.take_run() {
            return false;
        }
        match (self.test)(&candidate) {
            Some(case) if case.draws.simpler_than(&self.best.draws) => {
                self.best = case;
                self.steps += 1;
                true
            }
            _ => false,
        }
    }

    fn part(&self, part: usize) -> &[u64] {
        &self.best.draws.parts[part]
    }

    /// Tries each chunk of `k` draws deleted, from the end; where that passes, also with the
    /// draw before the chunk lowered by one (a collection's length, before its elements).
    fn delete_chunks(&mut self, part: usize, k: usize) {
        let mut i = self.part(part).len().saturating_sub(k);
        loop {
            let current = self.part(part);
            if i + k <= current.len() {
                let mut shorter = current.to_vec();
                shorter.drain(i..i + k);
                let kept = self.consider(self.best.draws.with(part, shorter.clone()));
                if !kept && i > 0 && shorter[i - 1] > 0 {
                    shorter[i - 1] -= 1;
                    self.consider(self.best.draws.with(part, shorter));
                }
            }
            if i == 0 || self.spent.out_of_budget.is_some() {
                break;
            }
            i -= 1;
        }
    }

    /// Tries each chunk of `k` draws set to zero.
    fn zero_chunks(&mut self, part: usize, k: usize) {
        let mut i = 0;
        while i + k <= self.part(part).len() && self.spent.out_of_budget.is_none() {
            if self.part(part)[i..i + k].iter().any(|&draw| draw != 0) {
                let mut zeroed = self.part(part).to_vec();
                zeroed[i..i + k].fill(0);
                self.consider(self.best.draws.with(part, zeroed));
            }
            i += 1;
        }
    }

    /// Lowers each draw to the smallest value that still fails, by binary search.
    fn lower_each(&mut self, part: usize) {
        let mut i = 0;
        while i < self.part(part).len() && self.spent.out_of_budget.is_none() {
            let mut high = self.part(part)[i];
            let mut low = 0;
            // `high` is always the best case's draw: `low <= high` would also try it as it is,
            // which `consider` refuses without a run, so the search would be the same.
            while low < high && self.spent.out_of_budget.is_none() {
                let mid = low + (high - low) / 2;
                let mut lowered = self.part(part).to_vec();
                lowered[i] = mid;
                if self.consider(self.best.draws.with(part, lowered)) {
                    // Go on from what the body drew, if it still drew this draw. (The
                    // harness keeps the draws a run was handed, which begin with the
                    // candidate's, so `now` is `mid` there; the guard only stops a test that
                    // returns other draws from widening the search, and making it `true`
                    // changes no result of the harness's.)
                    match self.part(part).get(i) {
                        Some(&now) if now <= mid => high = now,
                        _ => break,
                    }
                } else {
                    low = mid + 1;
                }
            }
            i += 1;
        }
    }

    /// Tries each window of `k` draws sorted, and each pair of neighbours swapped.
    fn sort_windows(&mut self, part: usize, k: usize) {
        let mut i = 0;
        while i + k <= self.part(part).len() && self.spent.out_of_budget.is_none() {
            let mut sorted = self.part(part).to_vec();
            sorted[i..i + k].sort_unstable();
            if sorted != self.part(part) {
                self.consider(self.best.draws.with(part, sorted));
            }
            i += 1;
        }
    }

    /// Moves value from each draw to the one `gap` after it: all it has, or half, or a
    /// quarter..., the first that still fails. `[3, 8]` becomes `[0, 11]` where only the sum
    /// matters.
    fn redistribute(&mut self, part: usize, gap: usize) {
        let mut i = 0;
        while i + gap < self.part(part).len() && self.spent.out_of_budget.is_none() {
            // The best case stays this one until a move is kept, which ends the search.
            let current = self.part(part).to_vec();
            // The most that may move is the most that fits in the later draw.
            let room = self.max_draw(part) - current[i + gap].min(self.max_draw(part));
            let mut amount = current[i].min(room);
            while amount > 0 && self.spent.out_of_budget.is_none() {
                let mut moved = current.clone();
                moved[i] -= amount;
                moved[i + gap] += amount;
                if self.consider(self.best.draws.with(part, moved)) {
                    break;
                }
                amount /= 2;
            }
            i += 1;
        }
    }

    /// The largest value a draw of `part` takes.
    fn max_draw(&self, part: usize) -> u64 {
        if part == INPUT {
            u64::from(u32::MAX)
        } else {
            u64::MAX
        }
    }

    /// The passes, over and over, until a round keeps nothing or the budget is spent.
    fn run(&mut self) {
        loop {
            let before = self.best.draws.clone();
            for part in 0..PARTS {
                if self.fixed[part] {
                    continue;
                }
                for k in [8, 4, 2, 1] {
                    self.delete_chunks(part, k);
                }
                for k in [8, 4, 2, 1] {
                    self.zero_chunks(part, k);
                }
                self.lower_each(part);
                for k in [8, 4, 2] {
                    self.sort_windows(part, k);
                }
                for gap in [2, 1] {
                    self.redistribute(part, gap);
                }
            }
            if self.best.draws == before || self.spent.out_of_budget.is_some() {
                break;
            }
        }
    }
}

/// Shrinks the failing case `found`: `test` runs the body on a candidate's draws and gives
/// the case it made if the body failed in the same way. Parts marked `fixed` are left as
/// they are. Returns the simplest failing case found and how many candidates were kept.
pub(super) fn shrink<D>(
    found: Case<D>,
    fixed: [bool; PARTS],
    spent: &mut Spent,
    test: impl FnMut(&Draws) -> Option<Case<D>>,
) -> (Case<D>, u64) {
    let mut shrinker = Shrinker {
        best: found,
        fixed,
        test,
        spent,
        steps: 0,
    };
    shrinker.run();
    (shrinker.best, shrinker.steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn spent(runs: u64) -> Spent {
        Spent::new(Budget {
            runs,
            time: Duration::from_secs(600),
        })
    }

    /// Shrinks `words` (the words part) against `fails`, which sees the words a case draws.
    fn shrink_words(words: Vec<u64>, fails: impl Fn(&[u64]) -> bool) -> (Vec<u64>, u64, u64) {
        let mut spent = spent(100_000);
        let found = Case {
            draws: Draws::new([Vec::new(), words]),
            detail: (),
        };
        let (best, steps) = shrink(found, [true, false], &mut spent, |draws| {
            fails(&draws.parts[WORDS]).then(|| Case {
                draws: draws.clone(),
                detail: (),
            })
        });
        (best.draws.parts[WORDS].clone(), steps, spent.runs)
    }

    #[test]
    fn a_single_draw_is_lowered_to_the_smallest_that_fails() {
        let (words, steps, runs) = shrink_words(vec![u64::MAX / 3], |w| {
            w.first().copied().unwrap_or(TAIL) > 1_000_000
        });
        assert_eq!(words, [1_000_001]);
        assert!(steps > 0 && runs > steps && runs < 200, "{steps} {runs}");
    }

    #[test]
    fn unneeded_draws_are_deleted_and_the_rest_sorted() {
        // Fails when some draw is over 100: one draw, 101, is the simplest.
        let (words, _, _) =
            shrink_words(vec![5, 900, 7, 300, 0, 12], |w| w.iter().any(|&x| x > 100));
        assert_eq!(words, [101]);
        // Fails when the first two draws sum past 10: lowering gives [8, 3], sorting [3, 8],
        // and moving the first draw's value to the second, [0, 11].
        let (words, _, _) = shrink_words(vec![40, 3, 99], |w| w.len() >= 2 && w[0] + w[1] > 10);
        assert_eq!(words, [0, 11]);
    }

    #[test]
    fn draws_that_must_change_together_are_zeroed_together() {
        // Fails when the first two draws are equal and not the tail's: lowering either alone,
        // or deleting them (which reads two draws of TAIL), passes.
        let (words, _, _) = shrink_words(vec![5, 5], |w| {
            let draw = |i: usize| w.get(i).copied().unwrap_or(TAIL);
            draw(0) == draw(1) && draw(0) != TAIL
        });
        assert_eq!(words, [0, 0]);
    }

    #[test]
    fn draws_out_of_order_are_sorted() {
        // Fails on a 3 and an 8, in either order: only sorting finds the simpler order.
        let (words, _, _) = shrink_words(vec![8, 3], |w| {
            let (mut a, mut b) = (w.first().copied(), w.get(1).copied());
            if a > b {
                (a, b) = (b, a);
            }
            w.len() == 2 && (a, b) == (Some(3), Some(8))
        });
        assert_eq!(words, [3, 8]);
    }

    #[test]
    fn value_moves_to_a_later_draw_where_only_the_sum_matters() {
        let draw = |w: &[u64], i: usize| u128::from(w.get(i).copied().unwrap_or(TAIL));
        // Neighbours, and draws two apart: neither lowering, zeroing nor sorting keeps a sum.
        let (words, _, _) = shrink_words(vec![3, 8], |w| draw(w, 0) + draw(w, 1) == 11);
        assert_eq!(words, [0, 11]);
        let (words, _, _) = shrink_words(vec![3, 5, 8], |w| {
            draw(w, 0) + draw(w, 2) == 11 && draw(w, 1) == 5
        });
        assert_eq!(words, [0, 5, 11]);
        // Where all of it may not move, half of it, then half of what is left.
        let (words, _, _) = shrink_words(vec![3, 8], |w| {
            draw(w, 0) + draw(w, 1) == 11 && draw(w, 0) > 0 && draw(w, 1) > TAIL.into()
        });
        assert_eq!(words, [1, 10]);
        // No more moves than the later draw has room for.
        let max = u64::MAX;
        let (words, _, _) = shrink_words(vec![4, max - 2], |w| {
            draw(w, 0) + draw(w, 1) == u128::from(max) + 2
        });
        assert_eq!(words, [2, max]);
    }

    #[test]
    fn a_chunk_deleted_from_a_list_takes_one_off_the_length_before_it() {
        // A list as a strategy draws it: its length, then its elements (a part that runs out
        // gives draws of TAIL). It fails when it holds a 7 and no 1: deleting the 0 before the
        // 7 alone makes the list read a TAIL, a 1, after the 7, so the length must fall with it.
        let read = |words: &[u64]| -> Vec<u64> {
            let n = words.first().copied().unwrap_or(TAIL).min(16);
            let draw = |i: u64| words.get(i as usize).copied().unwrap_or(TAIL);
            (0..=n).map(|i| if i == 0 { n } else { draw(i) }).collect()
        };
        let mut spent = spent(10_000);
        let found = Case {
            draws: Draws::new([Vec::new(), vec![2, 0, 7]]),
            detail: (),
        };
        let (best, _) = shrink(found, [true, false], &mut spent, |draws| {
            let drawn = read(&draws.parts[WORDS]);
            (drawn[1..].contains(&7) && !drawn[1..].contains(&1)).then(|| Case {
                draws: Draws::new([Vec::new(), drawn]),
                detail: (),
            })
        });
        assert_eq!(best.draws.parts[WORDS], [1, 7]);
    }

    #[test]
    fn a_part_that_is_fixed_is_left_alone() {
        let mut spent = spent(1000);
        let found = Case {
            draws: Draws::new([vec![9, 9], vec![9]]),
            detail: (),
        };
        let (best, _) = shrink(found, [true, false], &mut spent, |draws| {
            Some(Case {
                draws: draws.clone(),
                detail: (),
            })
        });
        assert_eq!(best.draws.parts, [vec![9, 9], vec![]]);
    }

    #[test]
    fn a_candidate_whose_run_drew_more_is_not_kept() {
        // Every candidate fails, but its run draws two words more than it was given: what
        // it drew is not simpler than the case it started from, so nothing is kept.
        let mut spent = spent(1000);
        let found = Case {
            draws: Draws::new([Vec::new(), vec![5]]),
            detail: (),
        };
        let (best, steps) = shrink(found, [true, false], &mut spent, |draws| {
            let mut drawn = draws.parts[WORDS].clone();
            drawn.extend([7, 7]);
            Some(Case {
                draws: Draws::new([Vec::new(), drawn]),
                detail: (),
            })
        });
        assert_eq!((best.draws.parts[WORDS].as_slice(), steps), (&[5][..], 0));
        assert!(spent.out_of_budget.is_none());
    }

    #[test]
    fn shrinking_stops_when_its_time_is_spent_and_says_so() {
        let mut spent = Spent::new(Budget {
            runs: 100,
            time: Duration::ZERO,
        });
        assert!(!spent.take_run());
        assert_eq!(spent.runs, 0);
        assert_eq!(spent.out_of_budget.as_deref(), Some("0 s of real time"));
    }

    #[test]
    fn shrinking_stops_at_its_budget_and_says_so() {
        let mut spent = spent(3);
        let found = Case {
            draws: Draws::new([Vec::new(), vec![1 << 40]]),
            detail: (),
        };
        let (best, _) = shrink(found, [true, false], &mut spent, |draws| {
            (draws.parts[WORDS].first().copied().unwrap_or(TAIL) > 7).then(|| Case {
                draws: draws.clone(),
                detail: (),
            })
        });
        assert_eq!(spent.runs, 3);
        assert_eq!(spent.out_of_budget.as_deref(), Some("3 runs"));
        assert!(best.draws.parts[WORDS][0] > 7);
        let mut once = self::spent(1);
        assert!(once.take_run());
        assert!(!once.take_run());
        assert_eq!(once.out_of_budget.as_deref(), Some("1 run"));
    }

    #[test]
    fn simpler_is_shorter_then_smaller_at_the_first_difference() {
        let d = |a: &[u64], b: &[u64]| Draws::new([a.to_vec(), b.to_vec()]);
        assert!(d(&[5], &[]).simpler_than(&d(&[3], &[2])));
        assert!(d(&[1], &[9]).simpler_than(&d(&[2], &[0, 1])));
        assert!(d(&[1, 2], &[]).simpler_than(&d(&[1, 3], &[])));
        assert!(!d(&[1, 3], &[]).simpler_than(&d(&[1, 3], &[])));
        assert_eq!(d(&[0, 1, 1], &[1]), d(&[0], &[]));
        assert_eq!(from_bytes(&[1, 0, 0, 0, 2]), [1, 2]);
        assert_eq!(to_bytes(&[1, 2]), [1, 0, 0, 0, 2, 0, 0, 0]);
    }
}
