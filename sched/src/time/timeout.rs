//! `timeout(d, f)`: `f`'s result if it finishes within `d`.
//!
//! `f` runs in a new goroutine of the caller's runtime (a new thread
//! outside one) while the caller waits on the result channel with a
//! deadline — Go's `select { case r := <-done: … case <-time.After(d): … }`.
//! Nothing can stop a goroutine from the outside: after a timeout `f` keeps
//! running to completion and its result is dropped. Code that must stop
//! early takes a `context::Context` and watches `done()`.
//! A panic in `f` is re-raised in the caller (if it comes before the
//! timeout).

use crate::chan::{chan, RecvTimeoutError};
use crate::engine;
use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::time::Duration;

/// `timeout` ran out of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `f` in its own goroutine; its result if it is ready within `d`.
#[track_caller]
pub fn timeout<T, F>(d: Duration, f: F) -> Result<T, Elapsed>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = chan(1);
    let body = move || {
        let r = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(r);
    };
    engine::spawner().spawn(Box::new(body), Location::caller());
    match rx.recv_timeout(d) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(panic)) => resume_unwind(panic),
        Err(RecvTimeoutError::Timeout) => Err(Elapsed),
        Err(RecvTimeoutError::Closed) => unreachable!("the goroutine always sends its result"),
    }
}
