//! Panics. Each is a bug, but one must not take a connection or a job worker down with it,
//! nor put input in the log: a panic's message often quotes it (`byte index 12 is not a char
//! boundary; it is inside 'é' of `01712345678é``), and input is personal data. The hook here
//! logs where a panic happened, never its message, and counts it (`sheba_panics_total`); the
//! request-context middleware, the unit of work and the job runner answer for what it stopped.

use std::cell::Cell;
use std::panic::Location;

thread_local! {
    /// Where the last panic on this thread happened, for whoever catches it.
    static LOCATION: Cell<Option<String>> = const { Cell::new(None) };
}

/// Replaces the default hook, which prints the message, for the whole process.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| noted(info.location())));
}

/// Counts a panic and logs and remembers where it happened (and a backtrace when
/// `RUST_BACKTRACE` asks for one: frames are code, not data).
pub(crate) fn noted(location: Option<&Location<'_>>) {
    crate::metrics::count_panic();
    let at = location.map_or_else(|| "an unknown place".to_owned(), |l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    let thread = std::thread::current();
    log::error!("thread {} panicked at {at} (the message is not logged: it may quote input)", thread.name().unwrap_or("-"));
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        log::error!("backtrace of the panic at {at}:\n{backtrace}");
    }
    LOCATION.set(Some(at));
}

/// Where the last panic on this thread happened, once (the hook noted it; `None` without the hook).
pub fn take_location() -> String {
    LOCATION.take().unwrap_or_else(|| "an unknown place".to_owned())
}

/// For tests: the hook's counting and noting, then the default hook's message (a failing
/// test's panic must still say why). Installed once per test process.
#[cfg(test)]
pub(crate) fn install_test_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            noted(info.location());
            default(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hook_counts_and_locates_a_panic() {
        super::install_test_hook();
        let before = crate::metrics::panics_counted();
        let caught = std::panic::catch_unwind(|| panic!("account {}", std::hint::black_box("01712345678é")));
        assert!(caught.is_err());
        assert!(super::take_location().starts_with(file!()), "the location is this file");
        assert!(crate::metrics::panics_counted() > before);
    }
}
