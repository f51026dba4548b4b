//! Delays: the validated upper bound, the draw, and the timer deadline of one wait.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::{Instant, Sleep};

use rand::RngExt as _;

use crate::digits::{is_digits, parse_digits};
use crate::error::Error;

/// The upper bound of a random delay, in seconds: finite, non-negative, at most
/// [`MaxDelay::MAX`].
///
/// The seed's integer `max_delay` and fractional seconds are both accepted. Anything else
/// (negative, NaN, infinite, or longer than tokio can sleep) is refused with an [`Error`]
/// rather than clamped, so a simulation never silently waits for something other than what
/// was asked.
///
/// ```
/// use waitsim::MaxDelay;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// assert_eq!(MaxDelay::new(2.5)?.as_secs_f64(), 2.5);
/// assert_eq!(MaxDelay::default(), MaxDelay::DEFAULT);
/// assert_eq!("10".parse::<MaxDelay>()?, MaxDelay::DEFAULT);
/// assert!(MaxDelay::new(f64::NAN).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct MaxDelay(f64);

impl MaxDelay {
    /// The seed's default, `max_delay = 10` seconds.
    pub const DEFAULT: MaxDelay = MaxDelay(10.0);

    /// No delay at all: every draw is `0`.
    pub const ZERO: MaxDelay = MaxDelay(0.0);

    /// The longest supported delay: 946,080,000 seconds (30 years of 365 days).
    ///
    /// This is the longest sleep tokio honours: `tokio::time::sleep` shortens anything longer
    /// to exactly this. waitsim refuses a longer `max_delay` instead of letting it be shortened.
    pub const MAX: MaxDelay = MaxDelay(946_080_000.0);

    /// Validates `secs` as an upper bound for random delays.
    ///
    /// `-0.0` is taken as `0.0`.
    ///
    /// # Errors
    ///
    /// If `secs` is NaN, infinite, negative, or greater than [`MaxDelay::MAX`].
    pub fn new(secs: f64) -> Result<MaxDelay, Error> {
        if (0.0..=MaxDelay::MAX.0).contains(&secs) {
            // Adding zero turns `-0.0` into `0.0`, so that no draw prints as `-0`.
            Ok(MaxDelay(secs + 0.0))
        } else {
            Err(Error::max_delay(secs, MaxDelay::MAX.0))
        }
    }

    /// `secs` as a bound, in a constant: `None` where [`MaxDelay::new`] would refuse it.
    pub(crate) const fn from_const(secs: f64) -> Option<MaxDelay> {
        if secs >= 0.0 && secs <= MaxDelay::MAX.0 {
            Some(MaxDelay(secs + 0.0))
        } else {
            None
        }
    }

    /// The bound in seconds.
    #[must_use]
    pub const fn as_secs_f64(self) -> f64 {
        self.0
    }
}

// A `MaxDelay` is never NaN, so equality is an equivalence.
impl Eq for MaxDelay {}

impl Default for MaxDelay {
    fn default() -> MaxDelay {
        MaxDelay::DEFAULT
    }
}

impl fmt::Display for MaxDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl TryFrom<f64> for MaxDelay {
    type Error = Error;

    fn try_from(secs: f64) -> Result<MaxDelay, Error> {
        MaxDelay::new(secs)
    }
}

impl From<MaxDelay> for f64 {
    fn from(max_delay: MaxDelay) -> f64 {
        max_delay.0
    }
}

impl FromStr for MaxDelay {
    type Err = Error;

    /// Parses a decimal number of seconds, such as `10`, `0.5` or `1e3`, written without a
    /// sign: `+3` and `-0` are refused, as they are in every number waitsim reads from text.
    fn from_str(s: &str) -> Result<MaxDelay, Error> {
        if s.starts_with(['+', '-']) {
            return Err(Error::max_delay(s, MaxDelay::MAX.0));
        }
        match s.parse::<f64>() {
            Ok(secs) => MaxDelay::new(secs).map_err(|_| Error::max_delay(s, MaxDelay::MAX.0)),
            Err(_) => Err(Error::max_delay(s, MaxDelay::MAX.0)),
        }
    }
}

/// Draws one delay: `max_delay * u` for a uniform `u` in `[0, 1)`.
///
/// This is CPython's `random.uniform(0, max_delay)`, so `0` can be drawn and `max_delay` only
/// where the product rounds up to it; the result never leaves `[0, max_delay]`.
pub(crate) fn draw<R: rand::Rng + ?Sized>(rng: &mut R, max_delay: MaxDelay) -> f64 {
    max_delay.0 * rng.random::<f64>()
}

/// Draws `n` delays in index order, refusing an `n` that cannot fit before allocating.
pub(crate) fn draw_n<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, Error> {
    let mut delays = vec_for(n)?;
    delays.extend((0..n).map(|_| draw(rng, max_delay)));
    Ok(delays)
}

/// Draws `n` delays in index order, then sorts them ascending.
///
/// Every delay is a non-negative float (`max_delay * u`, never `-0.0` or NaN), and for those the
/// order of the bits as integers is the order of the values: so the delays are drawn as their
/// bits, sorted as integers (a faster sort than by `f64::total_cmp`, in place), and turned
/// back into floats in the same allocation. Equal delays are the same bits, so no order among
/// them can be seen.
pub(crate) fn draw_sorted<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, Error> {
    let mut bits: Vec<u64> = vec_for(n)?;
    bits.extend((0..n).map(|_| draw(rng, max_delay).to_bits()));
    bits.sort_unstable();
    Ok(bits.into_iter().map(f64::from_bits).collect())
}

/// Checks that `n` waits can be held: `n` at most [`TaskCount::MAX`]. Crate-internal: callers
/// outside hold a [`TaskCount`].
pub(crate) fn check_task_count(n: usize) -> Result<(), Error> {
    if n > TaskCount::MAX {
        return Err(Error::too_many_tasks(n, TaskCount::MAX));
    }
    Ok(())
}

/// A number of waits, checked: at most [`TaskCount::MAX`], and with [`TaskCount::measured`], at
/// least 1 (`measure_time` divides by it).
///
/// Read one from text with [`str::parse`]: decimal digits only, and the message of a refused
/// one names the text as it was given.
///
/// ```
/// use waitsim::TaskCount;
///
/// # fn main() -> Result<(), waitsim::Error> {
/// assert_eq!(TaskCount::new(1_000)?.get(), 1_000);
/// assert_eq!("25".parse::<TaskCount>()?.get(), 25);
/// assert!(TaskCount::new(TaskCount::MAX + 1).unwrap_err().is_invalid_input());
/// assert!(TaskCount::measured(0).unwrap_err().is_invalid_input());
/// let err = "-1".parse::<TaskCount>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid n `-1`: expected a whole number in [0, 100000000]");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskCount(usize);

impl TaskCount {
    /// The most tasks one call of [`wait_n`](crate::wait_n) or [`task_wait_n`](crate::task_wait_n)
    /// accepts: one hundred million.
    ///
    /// This is the type's limit, not the machine's: every wait holds its own entry on tokio's
    /// timer (the book gives the bytes per wait, as the repository's
    /// `benches/memory/bytes-per-wait.sh` measures them), so `TaskCount::MAX` waits need well
    /// over ten gigabytes. A larger `n` is refused with an error before anything is allocated;
    /// whether a given `n` fits this machine is the caller's question (the command line checks
    /// it before it starts).
    pub const MAX: usize = 100_000_000;

    /// `n` waits, if there can be that many.
    ///
    /// # Errors
    ///
    /// If `n` is above [`TaskCount::MAX`].
    pub fn new(n: usize) -> Result<TaskCount, Error> {
        check_task_count(n).map(|()| TaskCount(n))
    }

    /// `n` waits to measure: as [`TaskCount::new`], and at least 1.
    ///
    /// # Errors
    ///
    /// If `n` is `0` or above [`TaskCount::MAX`].
    pub fn measured(n: usize) -> Result<TaskCount, Error> {
        if n == 0 {
            return Err(Error::no_tasks());
        }
        TaskCount::new(n)
    }

    /// The number.
    #[must_use]
    pub fn get(self) -> usize {
        self.0
    }
}

impl FromStr for TaskCount {
    type Err = Error;

    /// Decimal digits, at most [`TaskCount::MAX`]; the error names the text as given.
    fn from_str(text: &str) -> Result<TaskCount, Error> {
        match parse_digits::<usize>(text) {
            Some(n) if n <= TaskCount::MAX => Ok(TaskCount(n)),
            // Digits past `usize` are past `TaskCount::MAX` too.
            _ if is_digits(text) => Err(Error::too_many_tasks(text, TaskCount::MAX)),
            _ => Err(Error::task_count(text, TaskCount::MAX)),
        }
    }
}

impl fmt::Display for TaskCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An empty vector with room for `n` items, or an error if `n` is above [`TaskCount::MAX`] or the
/// memory cannot be had.
pub(crate) fn vec_for<T>(n: usize) -> Result<Vec<T>, Error> {
    check_task_count(n)?;
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::out_of_memory(n))?;
    Ok(v)
}

/// A duration in seconds, as waitsim reports every duration: the `f64` nearest to its exact
/// value, so whole milliseconds print as such (`6.544`, where `Duration::as_secs_f64` gives
/// `6.5440000000000005`).
///
/// ```
/// use std::time::Duration;
/// use waitsim::analysis::secs_f64;
///
/// assert_eq!(secs_f64(Duration::from_millis(6544)), 6.544);
/// assert_ne!(Duration::from_millis(6544).as_secs_f64(), 6.544);
/// ```
#[must_use]
pub fn secs_f64(duration: Duration) -> f64 {
    // Parsing is correctly rounded, so the exact decimal gives the nearest float at any size.
    let exact = format!("{}.{:09}", duration.as_secs(), duration.subsec_nanos());
    exact.parse().unwrap_or(duration.as_secs_f64())
}

/// Durations in serialized records: seconds, as the `f64` nearest to the exact duration.
///
/// Every elapsed time waitsim reports (in a [`Measurement`](crate::analysis::Measurement), a
/// [`Report`](crate::analysis::Report), a [`Timeline`](crate::analysis::Timeline) and a
/// [`SeedResult`](crate::analysis::SeedResult)) is a `Duration` in the type and seconds in
/// JSON.
pub(crate) mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    use crate::delay::{duration_from_secs, secs_f64};

    pub(crate) fn serialize<S: Serializer>(
        duration: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(secs_f64(*duration))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(deserializer)?;
        duration_from_secs(secs).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "invalid duration `{secs}`: expected a finite, non-negative number of seconds"
            ))
        })
    }
}

/// The duration whose seconds, as [`secs_f64`] gives them, are `secs`: exact whenever `secs`
/// prints with at most nine decimals (every whole number of nanoseconds a float can tell
/// apart); otherwise the nearest duration. `None` for a negative, NaN or too large number.
pub(crate) fn duration_from_secs(secs: f64) -> Option<Duration> {
    // Rust prints a float as the shortest decimal that reads back to it, never in exponent
    // form, so the digits are the value `secs_f64` was rounded from.
    let text = secs.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    match (whole.parse::<u64>(), fraction.len()) {
        (Ok(whole), 0..=9) => {
            let nanos = format!("{fraction:0<9}").parse::<u32>().ok()?;
            Some(Duration::new(whole, nanos))
        }
        _ => Duration::try_from_secs_f64(secs).ok(),
    }
}

/// The timer future of one wait of `delay` seconds that starts at `start`.
///
/// The delay must come from [`draw`], which keeps it finite, non-negative and within
/// [`MaxDelay::MAX`], so the conversion to a `Duration` cannot fail.
pub(crate) fn sleep_from(start: Instant, delay: f64) -> Sleep {
    let duration = Duration::from_secs_f64(delay);
    match start.checked_add(duration) {
        Some(deadline) => tokio::time::sleep_until(deadline),
        None => tokio::time::sleep(duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_delay_accepts_its_range_and_nothing_else() {
        for ok in [0.0, -0.0, 1e-300, 0.5, 10.0, 1e6, MaxDelay::MAX.0] {
            assert!(MaxDelay::new(ok).is_ok(), "{ok} should be accepted");
        }
        let above = f64::from_bits(MaxDelay::MAX.0.to_bits() + 1);
        for bad in [
            -1e-300,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            above,
            f64::MAX,
        ] {
            assert!(MaxDelay::new(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn negative_zero_becomes_zero() {
        let zero = MaxDelay::new(-0.0).unwrap();
        assert!(zero.as_secs_f64().is_sign_positive());
        assert_eq!(zero.to_string(), "0");
    }

    #[test]
    fn parse_error_names_the_text_and_the_range() {
        let err = "abc".parse::<MaxDelay>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid max_delay `abc`: expected a finite number of seconds in [0, 946080000]"
        );
        for signed in ["+3", "-0", "-1", " 1"] {
            assert!(signed.parse::<MaxDelay>().is_err(), "{signed}");
        }
        let err = "1e400".parse::<MaxDelay>().unwrap_err();
        assert!(
            err.to_string().starts_with("invalid max_delay `1e400`"),
            "{err}"
        );
    }

    #[test]
    fn vec_for_refuses_more_than_max_tasks() {
        assert!(
            vec_for::<f64>(TaskCount::MAX + 1)
                .unwrap_err()
                .is_invalid_input()
        );
        assert!(vec_for::<f64>(usize::MAX).unwrap_err().is_invalid_input());
        assert_eq!(vec_for::<f64>(3).unwrap().capacity(), 3);
    }

    #[test]
    fn seconds_are_the_nearest_float() {
        assert_eq!(secs_f64(Duration::from_millis(6544)).to_string(), "6.544");
        assert_eq!(secs_f64(Duration::from_millis(1773)).to_string(), "1.773");
        assert_eq!(secs_f64(Duration::ZERO), 0.0);
        assert_eq!(secs_f64(Duration::from_secs(946_080_000)), 946_080_000.0);
        assert_eq!(
            secs_f64(Duration::from_millis(899_036_557_691)).to_string(),
            "899036557.691"
        );
        assert_eq!(secs_f64(Duration::new(1, 1)), 1.000000001);
    }

    #[test]
    fn durations_read_back_from_their_seconds() {
        for nanos in [
            0,
            1,
            999,
            1_000_000,
            6_544_000_000,
            899_036_557_691_000_000,
            1_000_000_001,
        ] {
            let duration = Duration::from_nanos(nanos);
            assert_eq!(
                duration_from_secs(secs_f64(duration)),
                Some(duration),
                "{nanos}"
            );
        }
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(duration_from_secs(bad), None);
        }
    }

    #[test]
    fn sorted_draws_are_the_draws_in_ascending_order() {
        for max_delay in [MaxDelay::ZERO, MaxDelay::DEFAULT, MaxDelay::MAX] {
            let mut by_value = draw_n(&mut crate::seeded(3), 1000, max_delay).unwrap();
            by_value.sort_by(f64::total_cmp);
            let sorted = draw_sorted(&mut crate::seeded(3), 1000, max_delay).unwrap();
            assert!(
                sorted
                    .iter()
                    .zip(&by_value)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
            assert_eq!(sorted.len(), 1000);
        }
        // Subnormal, zero, whole and huge delays order by their bits as by their values.
        let values: [f64; 6] = [1e300, 0.0, 5e-324, 2.5, 1e-310, 1.0];
        let mut bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        bits.sort_unstable();
        let mut by_value = values;
        by_value.sort_by(f64::total_cmp);
        assert_eq!(bits, by_value.map(f64::to_bits));
    }
}
