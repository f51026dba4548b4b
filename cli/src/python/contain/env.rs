//! The environment the code under test gets: an allowlist of waitsim's, and the driver's own.

use std::ffi::OsString;
use std::path::Path;

/// The variables of waitsim's environment that reach the code under test: the search path
/// for programs and the locale. Nothing else does: not a grader's token, not a proxy.
const PASSED_ENV: [&str; 2] = ["PATH", "LANG"];

/// The environment of the code under test: [`PASSED_ENV`] and the locale's `LC_*` from
/// waitsim's own, then the driver's settings and a private home and temporary folder.
pub fn environment(private: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(name, _)| {
            let name = name.to_string_lossy();
            PASSED_ENV.contains(&name.as_ref())
                || (name.starts_with("LC_")
                    && name[3..]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_'))
        })
        .collect();
    for (name, value) in [
        ("PYTHONDONTWRITEBYTECODE", OsString::from("1")),
        ("PYTHONHASHSEED", OsString::from("0")),
        // One malloc arena per thread would reserve 64 MiB of address space each: threads
        // share two, so an executor's threads fit in the limit.
        ("MALLOC_ARENA_MAX", OsString::from("2")),
        ("TMPDIR", private.as_os_str().to_owned()),
        ("HOME", private.as_os_str().to_owned()),
    ] {
        env.push((name.into(), value));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_under_test_gets_an_allowlisted_environment() {
        let env = environment(Path::new("/private/tmp"));
        let names: Vec<String> = env
            .iter()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        for name in &names {
            assert!(
                [
                    "PATH",
                    "LANG",
                    "PYTHONDONTWRITEBYTECODE",
                    "PYTHONHASHSEED",
                    "MALLOC_ARENA_MAX",
                    "TMPDIR",
                    "HOME"
                ]
                .contains(&name.as_str())
                    || name.starts_with("LC_"),
                "{name}"
            );
        }
        assert!(env.contains(&("HOME".into(), "/private/tmp".into())));
        assert!(env.contains(&("TMPDIR".into(), "/private/tmp".into())));
    }
}
