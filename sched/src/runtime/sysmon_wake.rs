//! When sysmon will next wake (`WakeAt`), and the protocol that lets an M
//! entering a blocking call wake a sleeping sysmon early without a lost
//! wake-up (sysmon.rs says why it must: a backed-off sysmon sleeps up to
//! 10 ms, a blocking call should lose its P after one 20 µs tick).
//!
//! Each side writes one location, then reads the other's, with a SeqCst
//! fence between (a store-load pattern, as in `idle.rs`):
//!
//! - sysmon, at the start of a round: `wake_at = AWAKE` → fence → read
//!   every P's status ([`WakeAt::sysmon_awake`]); after the scan it
//!   publishes the end of the sleep it chose ([`WakeAt::sysmon_sleeps_until`]);
//! - an M entering a blocking call: P status `P_SYSCALL` → fence → read
//!   `wake_at` ([`WakeAt::blocking_call_must_wake`]); it unparks sysmon if
//!   that is `AWAKE` or later than the call's retake time.
//!
//! Either sysmon's scan sees the call (and sleeps one tick), or the M reads
//! `AWAKE` or the sleep chosen after the scan, and unparks sysmon; an
//! unpark before sysmon parks is kept by `std::thread` for that park. A
//! timer needs no such guarantee ([`WakeAt::must_wake_for`]): sysmon reads
//! every timer heap on each round. `loom_tests` checks this file, compiled
//! a second time against loom (`sysmon_wake_loom.rs`).

use super::sysmon_wake_sync::{fence, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};

/// `wake_at` while sysmon is awake (and before it first sleeps).
pub(crate) const AWAKE: u64 = u64::MAX;

/// When sysmon plans to wake next, ns on the timers' clock
/// (`time::Instant`), or [`AWAKE`].
#[derive(Debug)]
pub(crate) struct WakeAt(AtomicU64);

impl WakeAt {
    pub(crate) fn new() -> Self {
        WakeAt(AtomicU64::new(AWAKE))
    }

    /// sysmon starts a round; it scans the Ps after this.
    pub(crate) fn sysmon_awake(&self) {
        // SeqCst store and fence: the sysmon half of the pattern above;
        // pairs with the fence in `blocking_call_must_wake` (after the M's
        // P_SYSCALL store).
        self.0.store(AWAKE, SeqCst);
        fence(SeqCst);
    }

    /// sysmon, after its scan, will sleep until `at`.
    pub(crate) fn sysmon_sleeps_until(&self, at: u64) {
        // Relaxed: pairs with nothing; read as a hint by both callers
        // below. The blocking-call guarantee rests on the AWAKE store of
        // the same round.
        self.0.store(at, Relaxed);
    }

    /// Whether something due at `deadline` should unpark sysmon, as a hint
    /// (a new earliest timer): a stale read only leaves sysmon to its
    /// planned time.
    pub(crate) fn must_wake_for(&self, deadline: u64) -> bool {
        // Relaxed: a hint (above).
        deadline < self.0.load(Relaxed)
    }

    /// Called by an M that has just stored `P_SYSCALL` for its P: whether
    /// it must unpark sysmon for the call's retake time `deadline`.
    pub(crate) fn blocking_call_must_wake(&self, deadline: u64) -> bool {
        // The M half of the pattern: pairs with the fence in `sysmon_awake`.
        fence(SeqCst);
        self.must_wake_for(deadline)
    }
}
