//! The wake protocol of one goroutine: park / unpark without lost wake-ups
//! (Go's `gopark`/`goready`, with the `unlockf`-after-switch idea replaced
//! by a token, as in `std::thread::park` and tokio's task state).
//!
//! ```text
//!  ACTIVE ──park()──▶ PARKING ──M, after the switch-out──▶ PARKED
//!    │                   │                                   │
//!    │ unpark()          │ unpark()                          │ unpark(): → ACTIVE, and
//!    ▼                   ▼                                   │ the unparker queues the task
//!  NOTIFIED ◀────────────┘
//!    │ the next park() (or the M finishing the switch-out) consumes the token: → ACTIVE
//! ```
//!
//! `ACTIVE` means runnable *or* running: the M never writes the state when
//! it runs or requeues a goroutine, only the parties of the protocol do.
//! `unpark` is a token: if the goroutine is not parked yet it leaves
//! `NOTIFIED`, and the next `park` (or the M finishing the switch-out)
//! consumes it. The parked task is stored in the slot *before* the M
//! publishes `PARKED`, so an unparker that wins `PARKED → ACTIVE` always
//! finds it there.
//!
//! ## Why every transition is a read-modify-write
//!
//! A waker publishes its condition (say a `done` flag, Release) and then
//! unparks; the goroutine re-checks the condition (Acquire) before parking.
//! If `unpark` merely *loaded* the state and returned on seeing a pending
//! token (or a runnable goroutine), the pair would be the store-buffering
//! pattern — waker: write `done`, read `state`; goroutine: write `state`
//! (consume the token), read `done` — which Acquire/Release does not order
//! (and x86 does reorder: the waker's store waits in its store buffer while
//! its load runs). Both could read the old value: the waker sees the stale
//! token and leaves, the goroutine consumes it, misses `done` and parks for
//! good. That is the lost wake-up the benchmark harness hit once in ~10^9
//! channel operations (a `select!` consumer at 2 Ps; `wake_loom.rs`
//! reproduces it when `unpark` goes back to a plain load).
//!
//! Here every write to the state is an RMW (AcqRel), so all of them are
//! totally ordered on the one location, and whichever of the two comes
//! second reads the first's value with Acquire: if the waker's RMW is
//! first, the goroutine's token-consuming swap synchronises with it and
//! sees `done`; if the goroutine's is first, the waker finds `ACTIVE` and
//! leaves a fresh token, which makes the next `park` return. The cost is
//! none on the hot path: `unpark` was already a CAS for a running or
//! parked goroutine, and the M no longer stores a state per run.
//! `wake_loom.rs` checks this file under loom.

use super::wake_sync::{AtomicU8, Ordering::*, Slot};
use crate::queue::Raw;

/// Runnable or running.
pub(crate) const ACTIVE: u8 = 0;
/// Called `park`; its M has not yet finished the switch-out.
pub(crate) const PARKING: u8 = 1;
/// Parked; the task waits in the slot for the unparker.
pub(crate) const PARKED: u8 = 2;
/// Not parked, with an unpark token pending.
pub(crate) const NOTIFIED: u8 = 3;
/// Finished; unparks are ignored.
pub(crate) const DONE: u8 = 4;

/// One goroutine's wake state and parked-task slot (module docs).
#[derive(Debug)]
pub(crate) struct Wake<T: Raw> {
    state: AtomicU8,
    /// The parked task: written by the M in `finish_park`, emptied by the
    /// unparker that wins `PARKED → ACTIVE` (or by the M itself when an
    /// unpark came first). One `swap` each (`queue::Slot`), not a lock.
    parked: Slot<T>,
}

impl<T: Raw> Wake<T> {
    /// A runnable goroutine's state.
    pub(crate) fn new() -> Self {
        Wake {
            state: AtomicU8::new(ACTIVE),
            parked: Slot::new(),
        }
    }

    /// Consumes a pending token if there is one; otherwise moves
    /// `ACTIVE → PARKING`. Returns whether the goroutine must switch out.
    pub(crate) fn begin_park(&self) -> bool {
        // AcqRel: on success the Release orders the caller's registration
        // (its waiter in some queue) before the state an unparker's RMW
        // reads; on failure the Acquire reads the token.
        match self
            .state
            .compare_exchange(ACTIVE, PARKING, AcqRel, Acquire)
        {
            Ok(_) => true,
            Err(NOTIFIED) => {
                self.consume_token();
                false
            }
            Err(s) => unreachable!("park from goroutine state {s}"),
        }
    }

    /// `NOTIFIED → ACTIVE`. An RMW, not a store: it reads the latest
    /// token-setting RMW (Acquire), so the caller sees what every waker so
    /// far published (module docs). Between the caller's read of
    /// `NOTIFIED` and this swap, unparkers can only rewrite `NOTIFIED`.
    fn consume_token(&self) {
        // AcqRel: pairs with the AcqRel CAS in `unpark`.
        let prev = self.state.swap(ACTIVE, AcqRel);
        debug_assert_eq!(prev, NOTIFIED, "only unparkers write a token");
    }

    /// Called by the M after the switch-out: stores the task and publishes
    /// `PARKED`. Returns the task back if an `unpark` came in the meantime
    /// (the goroutine is then `ACTIVE` and the caller requeues it).
    pub(crate) fn finish_park(&self, task: T) -> Option<T> {
        let displaced = self.parked.put(task);
        debug_assert!(displaced.is_none(), "a goroutine parked twice");
        // AcqRel: the Release publishes the stored task to the unparker
        // whose CAS reads `PARKED` (Acquire); the slot's own swaps pair too.
        match self
            .state
            .compare_exchange(PARKING, PARKED, AcqRel, Acquire)
        {
            Ok(_) => None,
            Err(NOTIFIED) => {
                self.consume_token();
                self.parked.take()
            }
            Err(s) => unreachable!("finish_park from goroutine state {s}"),
        }
    }

    /// The unpark side. Returns the task if the goroutine was parked and the
    /// caller must queue it; `None` if a token was left (or it had finished).
    pub(crate) fn unpark(&self) -> Option<T> {
        // Relaxed: only a first guess for the CAS, which validates it.
        let mut s = self.state.load(Relaxed);
        loop {
            let next = match s {
                // Even over an existing token this writes (module docs).
                ACTIVE | PARKING | NOTIFIED => NOTIFIED,
                PARKED => ACTIVE,
                _ => return None, // DONE
            };
            // AcqRel: the Release publishes what the waker wrote before
            // unparking to the goroutine's next RMW on the state; the
            // Acquire (on PARKED) pairs with `finish_park`'s Release.
            match self.state.compare_exchange_weak(s, next, AcqRel, Relaxed) {
                Ok(_) if next == ACTIVE => return self.parked.take(),
                Ok(_) => return None,
                Err(actual) => s = actual,
            }
        }
    }

    /// The goroutine finished: later unparks do nothing.
    pub(crate) fn set_done(&self) {
        // Release: pairs with the CAS loop in `unpark` (a late unparker sees DONE).
        self.state.store(DONE, Release);
    }

    /// The parked task, taken out at shutdown (nobody will unpark it).
    pub(crate) fn take_parked(&self) -> Option<T> {
        self.parked.take()
    }
}
