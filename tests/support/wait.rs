//! Waiting for what can be observed: a condition polled every few tens of milliseconds until
//! it holds or its deadline passes, never a sleep of a guessed length.

use std::time::{Duration, Instant};

/// How often a condition is asked.
pub const POLL: Duration = Duration::from_millis(25);

/// Polls `check` every [`POLL`] until it gives a value, and returns it; fails after `timeout`
/// with `what` and what `check` last said (`Err`).
pub fn until<T, E: std::fmt::Display>(what: &str, timeout: Duration, check: impl FnMut() -> Result<T, E>) -> T {
    until_every(what, timeout, POLL, check)
}

/// As [`until`], asking every `every` (for a check that starts a process or reads much).
pub fn until_every<T, E: std::fmt::Display>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: impl FnMut() -> Result<T, E>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) => {
                assert!(
                    Instant::now() < deadline,
                    "timed out after {timeout:?} waiting for {what}; last: {last}"
                );
                std::thread::sleep(every);
            }
        }
    }
}

/// As [`until`] for a plain condition.
pub fn until_true(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    until(what, timeout, || if cond() { Ok(()) } else { Err("not yet") });
}

/// The async form of [`until`], for tests on a tokio runtime (the simulator in this process
/// answers meanwhile).
pub async fn until_async<T, E: std::fmt::Display>(
    what: &str,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => {
                assert!(
                    Instant::now() < deadline,
                    "timed out after {timeout:?} waiting for {what}; last: {last}"
                );
                tokio::time::sleep(POLL).await;
            }
        }
    }
}
