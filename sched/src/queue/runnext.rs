//! The `runnext` slot: one goroutine that runs before the ring.
//!
//! Go's `p.runnext` (`src/runtime/proc.go`: `runqput` with `next = true`,
//! `runqget`, and the `stealRunNextG` branch of `runqgrab`). Only the owner P
//! stores a non-null pointer here; the owner and thieves both take it out.
//! One `AtomicPtr` holds the slot:
//!
//! - owner `replace`: into an empty slot, a load and a `store(new,
//!   Release)` (thieves only empty the slot, so it stays empty until the
//!   store); else `swap(new, Release)` — the old G (if a thief did not
//!   take it first) comes back to be kicked to the ring's tail;
//! - owner `take`: `swap(null)`;
//! - without thieves (one P: `ring::solo`), `replace` and `take` are a
//!   load and a store, and `steal` takes nothing;
//! - thief `steal`: `load`, then `compare_exchange(seen, null)`. A failed CAS
//!   is reported (`Taken::Lost`) rather than retried here, so the thief's
//!   caller sees an explicit `Steal::Retry`.
//!
//! A thief that loaded `p` and then CASes `p → null` may succeed after the
//! owner took `p`, ran it, and put the *same* pointer back: it then takes the
//! slot's current occupant, which is exactly what a steal should take (the
//! CAS compares the value that is there now, and its Acquire pairs with the
//! swap that put it there).
//!
//! Go sleeps ~3 µs (`usleep(3)`) before stealing `runnext` from a *running*
//! victim, because that P is likely about to run it. The slot does not know
//! the victim's status and a sleep is a scheduling decision, so it takes the
//! G at once; the stealing loop owns the back-off (`runtime/worker.rs`,
//! `steal_work`: it first steals without `runnext`, then waits Go's grace
//! if the victim is running, then passes `steal_runnext = true` — in the
//! rounds the policy allows, the last one for Go).

use super::item::Item;
use super::sync::{AtomicPtr, Ordering};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// A single stealable slot.
pub(crate) struct RunNext<T: Item> {
    slot: AtomicPtr<()>,
    /// Whether thieves may take the slot. Without (a runtime of one P:
    /// `ring::solo`), only the owner ever touches it, so its `replace` and
    /// `take` are a load and a store instead of a locked `swap`, and
    /// [`RunNext::steal`] takes nothing.
    thieves: bool,
    _owns: PhantomData<T>,
}

/// What a thief's attempt on the slot got.
#[derive(Debug)]
pub(crate) enum Taken<T> {
    Got(T),
    Empty,
    /// The slot changed between our load and our CAS.
    Lost,
}

impl<T: Item> RunNext<T> {
    /// An empty slot; `thieves`: whether [`RunNext::steal`] may take it.
    pub(crate) fn new(thieves: bool) -> Self {
        RunNext {
            slot: AtomicPtr::new(ptr::null_mut()),
            thieves,
            _owns: PhantomData,
        }
    }

    /// Whether thieves may take from this slot (and from the ring around
    /// it: `ring::solo` says no for both).
    pub(crate) fn thieves(&self) -> bool {
        self.thieves
    }

    /// Owner: puts `t` in the slot and returns the G it displaced.
    pub(crate) fn replace(&self, t: T) -> Option<T> {
        if !self.thieves {
            // Relaxed: only this (owner) thread reads or writes the slot's
            // value (`steal` takes nothing); racy `is_occupied` readers get
            // no data through it.
            let old = self.slot.load(Ordering::Relaxed);
            self.slot.store(t.into_raw().as_ptr(), Ordering::Relaxed);
            // SAFETY: a non-null value came from `into_raw` here and was
            // not taken back: without thieves only the owner takes it, and
            // it just overwrote it, so this is its one taking.
            return NonNull::new(old).map(|raw| unsafe { T::from_raw(raw) });
        }
        // Relaxed: only this (owner) thread makes the slot non-null and
        // thieves only empty it, so a null read here (it cannot be older
        // than our own last store) stays null until the store below: the
        // common case of a hand-off, with no locked instruction.
        if self.slot.load(Ordering::Relaxed).is_null() {
            // Release: publishes `t` (and what it points to) to the thief
            // whose Acquire CAS in `steal` takes it.
            self.slot.store(t.into_raw().as_ptr(), Ordering::Release);
            return None;
        }
        // Release: as above. The old value needs no Acquire: only this
        // (owner) thread ever stores a non-null pointer here.
        let old = self.slot.swap(t.into_raw().as_ptr(), Ordering::Release);
        // SAFETY: a non-null value in the slot came from `into_raw` in this
        // function and was not taken back: the swap removed it atomically,
        // so no thief's CAS can also take it.
        NonNull::new(old).map(|raw| unsafe { T::from_raw(raw) })
    }

    /// Owner: empties the slot.
    pub(crate) fn take(&self) -> Option<T> {
        // Relaxed: only this (owner) thread makes the slot non-null, so an
        // empty slot stays empty; the plain load skips a locked `swap` on
        // the common path (Go's `runqget` also reads before its CAS).
        let seen = self.slot.load(Ordering::Relaxed);
        if seen.is_null() {
            return None;
        }
        if !self.thieves {
            // Relaxed: as in `replace`, only this thread uses the value.
            self.slot.store(ptr::null_mut(), Ordering::Relaxed);
            // SAFETY: as in `replace`: the owner alone takes values, and
            // it emptied the slot before handing this one out.
            return NonNull::new(seen).map(|raw| unsafe { T::from_raw(raw) });
        }
        // Relaxed: the pointer we may get back was stored by this thread.
        let old = self.slot.swap(ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: as in `replace`: the swap removed the value atomically.
        NonNull::new(old).map(|raw| unsafe { T::from_raw(raw) })
    }

    /// Thief: takes the slot's G if it is still there after one CAS.
    pub(crate) fn steal(&self) -> Taken<T> {
        if !self.thieves {
            return Taken::Empty; // the owner's alone (see `thieves`)
        }
        // Relaxed: only a hint for the CAS below, which validates it.
        let seen = self.slot.load(Ordering::Relaxed);
        if seen.is_null() {
            return Taken::Empty;
        }
        // Acquire on success: pairs with the owner's Release `swap` in
        // `replace` that stored `seen`, so the G's contents are visible.
        match self.slot.compare_exchange(
            seen,
            ptr::null_mut(),
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            // SAFETY: the CAS removed `seen` from the slot atomically, so
            // this thread alone takes it back; it came from `into_raw`.
            Ok(raw) => Taken::Got(unsafe { T::from_raw(NonNull::new_unchecked(raw)) }),
            Err(_) => Taken::Lost,
        }
    }

    /// Whether a G sits in the slot (a racy hint).
    pub(crate) fn is_occupied(&self) -> bool {
        // Relaxed: an approximation for `len`; no data is read through it.
        !self.slot.load(Ordering::Relaxed).is_null()
    }

    /// Whether the slot holds the G whose raw pointer is `raw` (owner: a
    /// thief may take it right after; the answer is then stale, which the
    /// caller's use, a wake-up hint, tolerates).
    pub(crate) fn holds(&self, raw: NonNull<()>) -> bool {
        // Relaxed: only the address is compared; no data is read through it.
        self.slot.load(Ordering::Relaxed) == raw.as_ptr().cast()
    }

    /// Test oracle: the slot's G, copied.
    #[cfg(test)]
    pub(crate) fn peek(&self) -> Option<T>
    where
        T: Copy,
    {
        let raw = NonNull::new(self.slot.load(Ordering::Acquire))?;
        // SAFETY: `T: Copy`, so a second value does not duplicate ownership.
        Some(unsafe { T::from_raw(raw) })
    }
}

// SAFETY: `RunNext` holds only an atomic pointer to `T`s it moves between
// threads and never shares `&T`; `T: Send` (an `Item` supertrait) suffices,
// as for crossbeam's `Stealer<T: Send>`.
unsafe impl<T: Item> Send for RunNext<T> {}
// SAFETY: as above.
unsafe impl<T: Item> Sync for RunNext<T> {}

impl<T: Item> Drop for RunNext<T> {
    fn drop(&mut self) {
        // The queue is going away with a G still in the slot: drop it.
        drop(self.take());
    }
}
