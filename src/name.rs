//! Names of the enums chosen at run time (on a command line, in a fixture, in the
//! environment): written once, for every such enum, from its list of values.

use std::fmt;

use crate::error::Error;

/// An enum whose values have names, listed in [`Named::ALL`].
pub(crate) trait Named: Copy + PartialEq + 'static {
    /// What a value is called in messages, such as `clock`.
    const WHAT: &'static str;
    /// Every value, in the order they are listed to users.
    const ALL: &'static [Self];
    /// The value's name.
    fn name(self) -> &'static str;
}

/// Writes a value's name.
pub(crate) fn display<T: Named>(value: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(value.name())
}

/// The value named `s`, or an error that lists every accepted name.
pub(crate) fn parse<T: Named>(s: &str) -> Result<T, Error> {
    T::ALL
        .iter()
        .copied()
        .find(|value| value.name() == s)
        .ok_or_else(|| {
            let names: Vec<String> = T::ALL.iter().map(|v| format!("`{}`", v.name())).collect();
            Error::unknown(T::WHAT, s, names.join(", "))
        })
}

/// Implements `Display` and `FromStr` for a [`Named`] enum.
macro_rules! named {
    ($type:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::name::display(*self, f)
            }
        }

        impl std::str::FromStr for $type {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> Result<$type, $crate::error::Error> {
                $crate::name::parse(s)
            }
        }
    };
}

pub(crate) use named;
