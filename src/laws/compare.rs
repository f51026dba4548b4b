//! Comparing lists of delays, bit for bit.

/// The first index where two lists of delays differ, bit for bit, or where the shorter one
/// ends: how the laws compare delays, and how a grader of other implementations can.
///
/// ```
/// use waitsim::laws::first_difference;
///
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0, 2.0]), None);
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0, 2.5]), Some(1));
/// assert_eq!(first_difference(&[1.0, 2.0], &[1.0]), Some(1));
/// // Bits, not numbers: -0.0 is not 0.0, and NaN is itself.
/// assert_eq!(first_difference(&[0.0], &[-0.0]), Some(0));
/// assert_eq!(first_difference(&[f64::NAN], &[f64::NAN]), None);
/// ```
#[must_use]
pub fn first_difference(a: &[f64], b: &[f64]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// The first delay of `few` (with its index) that `many` does not hold as often, bit for bit.
pub(super) fn not_among(few: &[f64], many: &[f64]) -> Option<(usize, f64)> {
    let sorted = |list: &[f64]| {
        let mut bits: Vec<u64> = list.iter().map(|d| d.to_bits()).collect();
        bits.sort_unstable();
        bits
    };
    let (needed, held) = (sorted(few), sorted(many));
    let mut held = held.iter().peekable();
    for bits in needed {
        while held.next_if(|&&h| h < bits).is_some() {}
        if held.next_if(|&&h| h == bits).is_none() {
            let missing = f64::from_bits(bits);
            let index = few.iter().position(|d| d.to_bits() == bits).unwrap_or(0);
            return Some((index, missing));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multiset_is_among_another_only_with_every_repeat() {
        assert_eq!(not_among(&[1.0, 2.0, 2.0], &[2.0, 3.0, 1.0, 2.0]), None);
        assert_eq!(
            not_among(&[1.0, 2.0, 2.0], &[2.0, 3.0, 1.0]),
            Some((1, 2.0))
        );
        assert_eq!(not_among(&[], &[]), None);
        assert_eq!(not_among(&[0.5], &[]), Some((0, 0.5)));
    }
}
