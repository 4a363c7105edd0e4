//! `Instant`: a point on the engine's clock.
//!
//! In the production engine it is monotonic real time; in the deterministic
//! engine it is virtual time, which jumps to the next timer when nothing can
//! run — so `sleep(Duration::from_secs(3600))` in a checked test is instant.
//! It counts nanoseconds from a process-wide epoch (the first use).

use std::ops::{Add, Sub};
use std::sync::OnceLock;
use std::time::Duration;

/// A point in time on the current engine's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    pub(crate) nanos: u64,
}

static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();

impl Instant {
    /// Now, on the current engine's clock.
    pub fn now() -> Instant {
        crate::engine::now()
    }

    /// Real monotonic time (the production clock).
    pub(crate) fn real_now() -> Instant {
        let epoch = EPOCH.get_or_init(std::time::Instant::now);
        Instant {
            nanos: epoch.elapsed().as_nanos() as u64,
        }
    }

    /// Nanoseconds since the clock's epoch.
    pub fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// Time since `earlier` (zero if `earlier` is later).
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.nanos.saturating_sub(earlier.nanos))
    }

    /// Time since `earlier` (zero if `earlier` is later).
    pub fn duration_since(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time elapsed since `self` on the engine's clock.
    pub fn elapsed(self) -> Duration {
        Instant::now().saturating_duration_since(self)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant {
            nanos: self
                .nanos
                .saturating_add(d.as_nanos().min(u64::MAX as u128) as u64),
        }
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}
