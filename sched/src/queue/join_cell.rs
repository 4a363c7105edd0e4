//! `JoinCell<R, W>`: where a goroutine's outcome waits for its one joiner,
//! and where the joiner leaves what wakes it. Lock-free: the completer does
//! one swap, the joiner one load (or a load and a CAS when it must wait).
//! It replaces a `Mutex` around the two fields, whose lock and unlock on
//! both sides were two of the three costliest steps of a spawn-and-join
//! (`JoinInner::complete`, `JoinHandle::join`: 6 % of spawn_join each).
//!
//! ```text
//!   EMPTY ──register: write waiter, CAS──▶ WAITING
//!   EMPTY ──complete: write outcome, swap──▶ DONE
//!   WAITING ──complete: write outcome, swap, take waiter──▶ DONE
//! ```
//!
//! Orderings. The completer writes the outcome, then swaps in `DONE`
//! (AcqRel): its Release half publishes the outcome to the joiner's Acquire
//! load that reads `DONE`; its Acquire half pairs with the joiner's Release
//! CAS into `WAITING`, so a completer that finds `WAITING` reads the waiter
//! the joiner wrote before that CAS. Each cell has one writer at a time:
//! the outcome is written by the completer before `DONE` and touched by the
//! joiner only after; the waiter is written by the joiner while the state
//! is `EMPTY` (the completer reads it only after finding `WAITING`, which
//! only that CAS sets) and, once `WAITING` is set, read by the completer
//! alone. `loom_tests.rs` checks the hand-over, with both cells' accesses
//! tracked: weakening the swap or the CAS fails it.
//!
//! Callers promise one completion and one joiner (a `JoinHandle` is not
//! `Clone` and `join` consumes it); `complete` twice is a bug it asserts.

use super::sync::{AtomicU8, Ordering, UnsafeCell};

const EMPTY: u8 = 0;
const WAITING: u8 = 1;
const DONE: u8 = 2;

/// A one-shot outcome and its one waiter (module docs).
pub(crate) struct JoinCell<R, W> {
    state: AtomicU8,
    outcome: UnsafeCell<Option<R>>,
    waiter: UnsafeCell<Option<W>>,
}

// SAFETY: the cells are reached only as the state machine allows (module
// docs): one thread at a time per cell, ordered by the state's atomics. The
// outcome and the waiter move between threads, hence `Send` on both.
unsafe impl<R: Send, W: Send> Sync for JoinCell<R, W> {}

impl<R, W> JoinCell<R, W> {
    pub(crate) fn new() -> Self {
        JoinCell {
            state: AtomicU8::new(EMPTY),
            outcome: UnsafeCell::new(None),
            waiter: UnsafeCell::new(None),
        }
    }

    /// Stores the outcome; returns the waiter to wake, if one registered.
    ///
    /// # Panics
    ///
    /// When called twice (in debug builds).
    pub(crate) fn complete(&self, r: R) -> Option<W> {
        // SAFETY: the completer alone writes the outcome, once, before the
        // swap below; the joiner touches it only after reading DONE.
        self.outcome.with_mut(|p| unsafe { *p = Some(r) });
        // AcqRel (module docs): Release publishes the outcome to the
        // joiner's Acquire load of DONE; Acquire pairs with the joiner's
        // Release CAS into WAITING, making its waiter visible here.
        let prev = self.state.swap(DONE, Ordering::AcqRel);
        debug_assert_ne!(prev, DONE, "a goroutine's outcome stored twice");
        if prev != WAITING {
            return None;
        }
        // SAFETY: WAITING: the joiner wrote the waiter before its CAS,
        // which the swap's Acquire ordered before this read, and no longer
        // touches the cell; the completer reads it once.
        self.waiter.with_mut(|p| unsafe { (*p).take() })
    }

    /// Whether the outcome is stored (taken or not).
    pub(crate) fn is_done(&self) -> bool {
        // Acquire: pairs with the Release half of `complete`'s swap.
        self.state.load(Ordering::Acquire) == DONE
    }

    /// The outcome, once stored and not taken yet (the joiner only).
    pub(crate) fn take(&self) -> Option<R> {
        if !self.is_done() {
            return None;
        }
        // SAFETY: DONE, read with Acquire: the completer's write of the
        // outcome happened before, and it never touches the cell again;
        // the one joiner is the only other party.
        self.outcome.with_mut(|p| unsafe { (*p).take() })
    }

    /// Leaves a waiter (`waiter()`, made only if none is registered yet)
    /// for `complete` to return. `true`: a waiter is registered, so the
    /// caller may park (again, after a wake-up that came early); `false`:
    /// the outcome is stored, and the caller takes it.
    pub(crate) fn register(&self, waiter: impl FnOnce() -> W) -> bool {
        // Relaxed: WAITING was set by this thread; after DONE the caller's
        // `take` loads again with Acquire.
        match self.state.load(Ordering::Relaxed) {
            DONE => return false,
            WAITING => return true,
            _ => {}
        }
        // SAFETY: EMPTY: nobody registered, and the completer reads this
        // cell only after finding WAITING, which only the CAS below sets;
        // the one joiner is this thread.
        self.waiter.with_mut(|p| unsafe { *p = Some(waiter()) });
        // Release: publishes the waiter to the Acquire half of
        // `complete`'s swap. Relaxed on failure: the caller's `take` loads
        // DONE again with Acquire.
        match self
            .state
            .compare_exchange(EMPTY, WAITING, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => true,
            Err(_) => {
                // DONE meanwhile: the completer found EMPTY and left the
                // waiter alone, so it is still ours to drop.
                // SAFETY: as above; the completer never reads it now.
                drop(self.waiter.with_mut(|p| unsafe { (*p).take() }));
                false
            }
        }
    }
}

impl<R, W> std::fmt::Debug for JoinCell<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Relaxed: a hint for the reader of the debug output.
        let state = match self.state.load(Ordering::Relaxed) {
            EMPTY => "empty",
            WAITING => "waiting",
            _ => "done",
        };
        write!(f, "JoinCell({state})")
    }
}
