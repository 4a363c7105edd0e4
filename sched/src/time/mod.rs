//! Time on the engine's clock: [`Instant`], [`sleep`].
//!
//! The production engine reads the monotonic clock; the deterministic engine
//! reads its virtual clock. Timers, `after`, `Ticker`, `timeout` build on the
//! engine's one-shot timers (`engine::timer`).

mod instant;

pub use instant::Instant;

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
