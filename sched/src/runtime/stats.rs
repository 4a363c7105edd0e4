//! Per-P counters (`Runtime::stats`).
//!
//! Each counter has one writer at a time — the M that holds the P — so it is
//! bumped with a Relaxed load and store (no locked instruction on the hot
//! path); readers in `stats()` see a recent value. The few counters written
//! by others (a thief's `stolen_out` on its victim, sysmon's `handoffs`) use
//! `fetch_add`. Nothing synchronises through these: Relaxed throughout.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Live counters of one P.
        #[derive(Default)]
        pub(crate) struct PCounters { $(pub(crate) $name: AtomicU64,)* }

        /// A snapshot of one P's counters.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct PStats { $($(#[$doc])* pub $name: u64,)* }

        impl PCounters {
            pub(crate) fn snapshot(&self) -> PStats {
                PStats { $($name: self.$name.load(Relaxed),)* }
            }
        }

        impl std::ops::Add for PStats {
            type Output = PStats;
            fn add(self, o: PStats) -> PStats {
                PStats { $($name: self.$name + o.$name,)* }
            }
        }
    };
}

counters! {
    /// Goroutine runs started (each switch-in once).
    runs,
    /// Runs taken from the `runnext` slot.
    runnext_hits,
    /// Runs taken from the local ring.
    local_hits,
    /// Runs taken from the global queue.
    global_hits,
    /// Runs of a goroutine this P had just stolen.
    steal_hits,
    /// Goroutines this P stole from others (the one run included).
    stolen_in,
    /// Goroutines others stole from this P.
    stolen_out,
    /// Steal attempts on a victim (successful or not).
    steal_attempts,
    /// Goroutines preempted at the end of their quantum.
    preemptions,
    /// Goroutines that parked (blocked) while running here.
    parks,
    /// Times an M holding this P started spinning.
    spins,
    /// Times sysmon retook this P from a blocking call and handed it off.
    handoffs,
    /// Blocking calls entered on this P.
    syscalls,
    /// Goroutines moved into `runnext` by a join waiting for them
    /// (`Policy::join_to_runnext`).
    join_promotions,
}

impl PCounters {
    /// Single-writer increment (see module docs).
    pub(crate) fn bump(c: &AtomicU64) {
        c.store(c.load(Relaxed) + 1, Relaxed);
    }

    /// Increment from a thread that does not hold the P.
    pub(crate) fn bump_shared(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Relaxed);
    }
}

/// Counters of every P.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub per_p: Vec<PStats>,
}

impl Stats {
    /// The sum over all Ps.
    pub fn total(&self) -> PStats {
        self.per_p
            .iter()
            .copied()
            .fold(PStats::default(), |a, b| a + b)
    }
}
