//! Whole numbers read from text: decimal digits only.

use std::str::FromStr;

/// Reads a whole number written in decimal digits only, as every number waitsim reads from
/// text: no sign, no spaces, no underscores (`str::parse` takes `+3`; this does not).
///
/// `None` for anything but digits, and for a number too large for `T`. Use it for the
/// unsigned integer types.
///
/// ```
/// use waitsim::parse_digits;
///
/// assert_eq!(parse_digits::<u64>("42"), Some(42));
/// assert_eq!(parse_digits::<u64>("+42"), None);
/// assert_eq!(parse_digits::<u8>("256"), None);
/// assert_eq!(parse_digits::<usize>(""), None);
/// ```
#[must_use]
pub fn parse_digits<T: FromStr>(text: &str) -> Option<T> {
    if is_digits(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// Whether `text` is one or more decimal digits and nothing else.
pub(crate) fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_are_read_and_a_number_past_the_type_is_refused() {
        for text in ["", " 1", "1 ", "+1", "-0", "1_000", "0x10", "1.0", "٣"] {
            assert_eq!(parse_digits::<u64>(text), None, "{text:?}");
        }
        assert_eq!(parse_digits::<u64>("0"), Some(0));
        assert_eq!(parse_digits::<u64>("007"), Some(7));
        assert_eq!(parse_digits::<u64>(&u64::MAX.to_string()), Some(u64::MAX));
        assert_eq!(parse_digits::<u64>("18446744073709551616"), None);
        assert!(is_digits("18446744073709551616"));
    }
}
