//! The points each test shows in the per-test formats (Gradescope, JUnit), in hundredths that
//! add up to the folder's.

use waitsim::Routine;

use super::super::model::{FolderReport, Verdict};

/// Each test's points as the per-test formats show them, in hundredths: the checks' rows,
/// then the missing files' tests (each worth its routine), in the report's order.
///
/// Rounding each test's points on its own makes them add up to something else than the total
/// (nine checks of 20/9 points show 2.22 each, 19.98 in all). So the hundredths are shared by
/// the largest remainder: each test gets its points rounded down, and the hundredths still
/// missing from the rounded total go one each to the tests that lost most by rounding down
/// (the first of equals first). The tests then add up to the total exactly, and none is more
/// than a hundredth away from its exact points. A test that passed earns all it shows; the
/// score is what the tests earned, so it too is their sum.
pub struct Shown {
    /// Each row's points: what it is worth and what it earned.
    pub rows: Vec<(i64, i64)>,
    /// Each missing file's test: what it is worth (it earns nothing).
    pub missing: Vec<(Routine, &'static str, i64)>,
    /// What the tests earned.
    pub score: i64,
    /// What they are worth.
    pub total: i64,
}

impl Shown {
    pub fn of(report: &FolderReport) -> Shown {
        let missing = report.missing_routines();
        let exact: Vec<f64> = report
            .rows
            .iter()
            .map(|row| row.max_points)
            .chain(missing.iter().map(|(r, _)| report.routine_points(*r)))
            .collect();
        let hundredths = largest_remainder(&exact);
        let (rows, rest) = hundredths.split_at(report.rows.len());
        let rows: Vec<(i64, i64)> = report
            .rows
            .iter()
            .zip(rows)
            .map(|(row, &worth)| {
                (
                    worth,
                    if row.verdict == Verdict::Pass {
                        worth
                    } else {
                        0
                    },
                )
            })
            .collect();
        let missing = missing
            .into_iter()
            .zip(rest)
            .map(|((routine, file), &worth)| (routine, file, worth))
            .collect();
        // A folder with no test at all (one that could not be read) is still worth its total.
        let total = if hundredths.is_empty() {
            (report.max_score * 100.0).round() as i64
        } else {
            hundredths.iter().sum()
        };
        Shown {
            score: rows.iter().map(|&(_, earned)| earned).sum(),
            total,
            rows,
            missing,
        }
    }
}

/// `values` in whole hundredths that add up to their sum's rounding, by the largest remainder
/// (see [`Shown`]).
fn largest_remainder(values: &[f64]) -> Vec<i64> {
    let scaled: Vec<f64> = values.iter().map(|v| v.max(0.0) * 100.0).collect();
    let mut shares: Vec<i64> = scaled.iter().map(|v| v.floor() as i64).collect();
    let target = scaled.iter().sum::<f64>().round() as i64;
    let short = (target - shares.iter().sum::<i64>()).clamp(0, shares.len() as i64) as usize;
    let mut order: Vec<usize> = (0..values.len()).collect();
    // A stable sort: among equal remainders, the first test first.
    order.sort_by(|&a, &b| {
        let remainder = |i: usize| scaled[i] - scaled[i].floor();
        remainder(b).total_cmp(&remainder(a))
    });
    for &i in &order[..short] {
        shares[i] += 1;
    }
    shares
}

/// Hundredths as a number of points (`222` is `2.22`).
pub fn points(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_total_and_each_is_within_a_hundredth() {
        // The default scheme's shapes: 20 points over 9, 11 and 12 checks, and a missing
        // routine's 20; odd totals and weights; zeros; one.
        let cases: Vec<Vec<f64>> = vec![
            [
                vec![20.0 / 9.0; 9],
                vec![20.0 / 11.0; 11],
                vec![20.0 / 12.0; 12],
                vec![20.0; 2],
            ]
            .concat(),
            vec![100.0 / 3.0; 3],
            vec![10.0 / 7.0; 7],
            vec![7.5 * 9.0 / 19.0, 7.5 / 19.0, 2.5, 0.0],
            vec![1.15, 2.675, 0.005, 0.0],
            vec![0.0; 4],
            vec![42.0],
            vec![],
        ];
        for values in cases {
            let shares = largest_remainder(&values);
            let exact: f64 = values.iter().sum();
            assert_eq!(
                shares.iter().sum::<i64>(),
                (exact * 100.0).round() as i64,
                "{values:?}"
            );
            for (share, value) in shares.iter().zip(&values) {
                assert!(
                    (*share as f64 - value * 100.0).abs() < 1.0 + 1e-9,
                    "{values:?}: {share} for {value}"
                );
            }
        }
        // Nine checks of 20/9: the two hundredths the rounding lost go to the first two.
        assert_eq!(
            largest_remainder(&[20.0 / 9.0; 9]),
            [223, 223, 222, 222, 222, 222, 222, 222, 222]
        );
    }
}
