//! `ValueSlot<T>`: a one-value mailbox for any `T`, one locked RMW per access.
//!
//! Where a blocked channel operation's value waits (`chan/waiter.rs`, Go's
//! `sudog.elem`): a blocked sender's value until a receiver takes it, or the
//! value a sender hands to a blocked receiver. The slot was a
//! `Mutex<Option<T>>`: a CAS to lock and a swap to unlock, two locked RMWs
//! per access, on the channel's hottest path. Here a state word does the
//! locking: `put` and `take` each CAS it into `BUSY` (Acquire), move the
//! value, and *store* the new state (Release) — a plain `mov` on x86.
//!
//! ```text
//!   EMPTY ──put: CAS──▶ BUSY ──write, store──▶ FULL
//!   FULL ──take: CAS──▶ BUSY ──read, store──▶ EMPTY
//! ```
//!
//! Orderings: the CAS into `BUSY` is Acquire and pairs with the Release
//! store that ended the previous access, so a `put` writes after the last
//! `take` finished reading, and a `take` reads what the last `put` wrote.
//!
//! `T` is any type, so unlike the pointer-sized items of the run queues
//! (`item.rs`) the value lives in an `UnsafeCell`; `BUSY` gives one thread
//! at a time access to it. The callers never contend (the value moves only
//! between whoever won the operation's claim and the operation's owner,
//! ordered by the claim), but the slot does not rely on that for soundness:
//! a CAS that finds `BUSY` spins until the other access ends, as a lock
//! would, and a `put` into a full slot hands the value back.
//! `loom_tests.rs` checks the hand-over under loom, with the cell's
//! accesses tracked.

use super::sync::{spin_wait, AtomicU8, Ordering, UnsafeCell};
use std::mem::MaybeUninit;

const EMPTY: u8 = 0;
const BUSY: u8 = 1;
const FULL: u8 = 2;

/// A one-value mailbox (module docs).
pub(crate) struct ValueSlot<T> {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> ValueSlot<T> {
    /// A slot holding `value`, or an empty one.
    pub(crate) fn new(value: Option<T>) -> Self {
        let state = if value.is_some() { FULL } else { EMPTY };
        let cell = match value {
            Some(v) => MaybeUninit::new(v),
            None => MaybeUninit::uninit(),
        };
        ValueSlot {
            state: AtomicU8::new(state),
            value: UnsafeCell::new(cell),
        }
    }

    /// Moves the slot from `from` to `BUSY`; returns the state it found
    /// instead when that was neither `from` nor `BUSY`.
    fn acquire(&self, from: u8) -> Result<(), u8> {
        loop {
            // Acquire: pairs with the Release store that ended the previous
            // access (`put` or `take`), so this access comes after it.
            match self
                .state
                .compare_exchange(from, BUSY, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(BUSY) => spin_wait(),
                Err(other) => return Err(other),
            }
        }
    }

    /// Puts `v` in an empty slot; gives it back if the slot is full.
    pub(crate) fn put(&self, v: T) -> Result<(), T> {
        if self.acquire(EMPTY).is_err() {
            return Err(v);
        }
        // SAFETY: this thread moved the state EMPTY → BUSY, which only one
        // thread at a time can do; every other access waits for or skips a
        // BUSY slot, so the cell is ours until the store below. It held no
        // value (EMPTY), so overwriting drops nothing.
        self.value.with_mut(|p| unsafe { (*p).write(v) });
        // Release: publishes the value to the `take` whose Acquire CAS
        // reads FULL.
        self.state.store(FULL, Ordering::Release);
        Ok(())
    }

    /// Takes the value out, if there is one.
    pub(crate) fn take(&self) -> Option<T> {
        // Relaxed: an empty slot needs no locked CAS; reading EMPTY while a
        // `put` runs is the same as taking just before it.
        if self.state.load(Ordering::Relaxed) == EMPTY {
            return None;
        }
        self.acquire(FULL).ok()?;
        // SAFETY: as in `put`, BUSY makes the cell ours; it was FULL, so it
        // holds an initialized value, which we move out and mark EMPTY.
        let v = self.value.with(|p| unsafe { (*p).assume_init_read() });
        // Release: the next `put`'s Acquire CAS writes after this read.
        self.state.store(EMPTY, Ordering::Release);
        Some(v)
    }
}

impl<T> std::fmt::Debug for ValueSlot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Relaxed: a hint for the reader of the debug output.
        let full = self.state.load(Ordering::Relaxed) == FULL;
        f.debug_struct("ValueSlot").field("full", &full).finish()
    }
}

// SAFETY: the slot moves a `T` between threads and never lends `&T`, and
// the state word admits one accessor at a time (module docs): `T: Send`
// suffices, as for `Mutex<T>`. (`Send` is derived: the cell is `Send`
// when `T` is.)
unsafe impl<T: Send> Sync for ValueSlot<T> {}

impl<T> Drop for ValueSlot<T> {
    fn drop(&mut self) {
        // A value still inside goes with the slot.
        drop(self.take());
    }
}
