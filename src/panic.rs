//! Panics: the text of a caught one, and the one precondition waitsim checks by panicking.

/// The text of a panic's payload.
pub(crate) fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// What a call from inside a tokio runtime is told, if the running thread is inside one.
pub(crate) fn inside_runtime(what: &str) -> Option<String> {
    tokio::runtime::Handle::try_current().is_ok().then(|| {
        format!(
            "{what} was called from inside a tokio runtime (a `#[tokio::test]`?): it builds a \
             fresh virtual-clock runtime for every run, so call it from a plain `#[test]`"
        )
    })
}

/// Panics with [`inside_runtime`]'s message if the running thread is inside a tokio runtime.
pub(crate) fn outside_runtime(what: &str) {
    if let Some(message) = inside_runtime(what) {
        panic!("{message}");
    }
}
