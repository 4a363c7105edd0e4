//! Time on the engine's clock (Go's `time` package): [`Instant`],
//! [`sleep`], [`after`], [`Timer`], [`after_func`], [`Ticker`], [`timeout`].
//!
//! The production engine reads the monotonic clock; the deterministic engine
//! reads its virtual clock. Everything builds on the engine's one-shot
//! timers (`engine::timer`), whose callbacks run on a scheduler thread and
//! never block: they send with `offer` into one-slot channels, or start a
//! goroutine.

mod instant;
mod ticker;
mod timeout;
mod timer;

pub use instant::Instant;
pub use ticker::Ticker;
pub use timeout::{timeout, Elapsed};
pub use timer::{after, after_func, Timer};

use crate::engine::{self, Op};
use model::event::Access;
use model::OpKind;
use std::panic::Location;
use std::time::Duration;

/// Parks the calling goroutine (not its OS thread) for at least `d`.
#[track_caller]
pub fn sleep(d: Duration) {
    let op = Op::new(
        OpKind::Sleep,
        engine::new_object(),
        Access::None,
        Location::caller(),
    );
    engine::visible(&op);
    engine::sleep_until(engine::now() + d, &op);
}

/// Parks the calling goroutine until `deadline` on the engine's clock.
#[track_caller]
pub fn sleep_until(deadline: Instant) {
    let op = Op::new(
        OpKind::Sleep,
        engine::new_object(),
        Access::None,
        Location::caller(),
    );
    engine::visible(&op);
    engine::sleep_until(deadline, &op);
}
