//! The lock-free fast path of [`Mutex`](super::Mutex): the value's presence
//! is the lock.
//!
//! Go's `sync.Mutex` locks with one CAS on its state word and unlocks with
//! one atomic add when nobody waits. Ours did it under an internal OS lock
//! (a CAS and a swap to lock, the same to unlock: four locked RMWs per
//! critical section). Here the protected value (`Box<T>`) sits in a
//! one-item [`Slot`] while the mutex is unlocked:
//!
//! - **lock** = take the value out (one `swap`; an empty slot means held);
//! - **unlock** = put it back (one `swap`), then read the waiter count; only
//!   if someone is registered does the unlocker take the mutex's queue lock
//!   to wake one (Go's `unlockSlow`).
//!
//! ## No lost wake-up
//!
//! A goroutine that found the slot empty *registers* before it parks:
//! it adds itself to `nwait` (under the queue lock), then tries once more
//! with an unconditional swap ([`LockCore::register`]). Both that retry and
//! every unlock's put are RMWs on the slot, so they are totally ordered in
//! its modification order, and each reads the value the other left:
//!
//! - if the retry comes after a put, it reads that put's value: the lock
//!   is taken (or, if another goroutine took it in between, that goroutine's
//!   own put comes later still, and the next case applies to it);
//! - if a put comes after the retry, it reads the retry's write: the
//!   retry's swap (Release) synchronises with the put (Acquire), so the
//!   registration, sequenced before the retry, happens before the unlocker
//!   reads `nwait`, which it therefore sees as non-zero: it wakes a waiter.
//!
//! `lock_core_loom.rs` checks this file under loom (a release racing a
//! registration; two contenders and a holder).
//!
//! ## Starvation mode
//!
//! `starving` is Go's `mutexStarving`: while it is set, newcomers do not
//! take the value from the slot ([`LockCore::try_take`] refuses) and the
//! unlocker hands the value to the oldest waiter through a second slot
//! (`handed`) instead of putting it back. Registration ([`LockCore::register`])
//! ignores the flag: a value found in the slot is always taken, so one
//! left there while the mode changed can never be stranded.

use super::lock_sync::{AtomicBool, AtomicUsize, Ordering::*, Slot};
use crate::queue::Raw;

/// The mutex's value slot, its waiter count and its mode (module docs).
#[derive(Debug)]
pub(crate) struct LockCore<T: Raw> {
    /// The value while unlocked.
    value: Slot<T>,
    /// The value handed to a waiter in starvation mode.
    handed: Slot<T>,
    /// Goroutines registered to be woken: incremented by [`register`],
    /// decremented when a waiter is taken off the queue (both under the
    /// mutex's queue lock); read without it by every unlock.
    ///
    /// [`register`]: LockCore::register
    nwait: AtomicUsize,
    starving: AtomicBool,
    /// Go's `mutexWoken`: a competitor that needs no wake-up is running (a
    /// woken waiter, or a spinner). Written under the mutex's queue lock;
    /// read without it by every unlock, so that an unlock with waiters
    /// parked but a competitor in flight stays on the fast path (Go reads
    /// the bit from the word its unlock just added to).
    woken: AtomicBool,
}

impl<T: Raw> LockCore<T> {
    /// An unlocked core holding `value`.
    pub(crate) fn new(value: T) -> Self {
        let core = LockCore {
            value: Slot::new(),
            handed: Slot::new(),
            nwait: AtomicUsize::new(0),
            starving: AtomicBool::new(false),
            woken: AtomicBool::new(false),
        };
        let none = core.value.put(value);
        debug_assert!(none.is_none());
        core
    }

    /// Go's fast path: takes the value if it is there and the mutex is not
    /// in starvation mode.
    pub(crate) fn try_take(&self) -> Option<T> {
        // Relaxed: a fairness hint; correctness rests on the slot's swaps.
        if self.starving.load(Relaxed) {
            return None;
        }
        self.value.take()
    }

    /// [`try_take`](LockCore::try_take) for a first attempt: one swap
    /// without the empty check, as Go's fast path is one CAS. The check
    /// saves a spinner's retries from pulling the line away from the
    /// holder; a first attempt usually finds the value, and the extra load
    /// cost the uncontended lock ~1 ns (mutex at 1 P).
    pub(crate) fn take_first(&self) -> Option<T> {
        // Relaxed: see `try_take`.
        if self.starving.load(Relaxed) {
            return None;
        }
        self.value.take_now()
    }

    /// Whether the value looks taken (a spinner's poll; a hint).
    pub(crate) fn looks_held(&self) -> bool {
        !self.value.looks_full()
    }

    /// Registers the caller as a waiter, then retries once: returns the
    /// value (and undoes the registration) if it was there. Call with the
    /// mutex's queue lock held, and queue the waiter before releasing it.
    pub(crate) fn register(&self) -> Option<T> {
        // Relaxed: ordered before the swap below by that swap's Release
        // half, which is what an unlocker synchronises with (module docs).
        self.nwait.fetch_add(1, Relaxed);
        let got = self.value.take_now();
        if got.is_some() {
            self.unregister();
        }
        got
    }

    /// A registered waiter left the queue (woken, or handed the value).
    /// Called under the queue lock.
    pub(crate) fn unregister(&self) {
        // Relaxed: only ever changed under the queue lock, which orders it.
        self.nwait.fetch_sub(1, Relaxed);
    }

    /// Unlocks: puts the value back. True if a waiter is registered and no
    /// competitor is in flight: the caller must then (under the queue lock,
    /// re-checking) wake one. Module docs: the put's swap has read any
    /// registration's retry, so that registration, and the `woken = false`
    /// its registrant wrote before it, are visible here.
    #[must_use]
    pub(crate) fn put_back(&self, value: T) -> bool {
        let displaced = self.value.put(value);
        debug_assert!(displaced.is_none(), "a mutex unlocked twice");
        // Relaxed, both: the put's swap (Acquire) synchronised with the
        // retry of any registration it must see (module docs).
        self.nwait.load(Relaxed) > 0 && !self.woken.load(Relaxed)
    }

    /// Whether goroutines are registered (a hint for spinners).
    pub(crate) fn has_waiters(&self) -> bool {
        // Relaxed: a hint; the caller re-checks under the queue lock.
        self.nwait.load(Relaxed) > 0
    }

    /// See the field. Read it under the queue lock to decide; outside it,
    /// a hint.
    pub(crate) fn woken(&self) -> bool {
        // Relaxed: written under the queue lock, which orders it there.
        self.woken.load(Relaxed)
    }

    /// Sets or clears `woken`; call under the queue lock, and clear it
    /// before [`register`](LockCore::register), whose swap publishes it.
    pub(crate) fn set_woken(&self, on: bool) {
        // Relaxed: ordered by the queue lock and, for unlockers outside
        // it, by `register`'s swap (module docs).
        self.woken.store(on, Relaxed);
    }

    /// Whether the mutex is in starvation mode (a hint outside the queue
    /// lock: `release` decides under it).
    pub(crate) fn starving(&self) -> bool {
        // Relaxed: see `try_take`.
        self.starving.load(Relaxed)
    }

    pub(crate) fn set_starving(&self, on: bool) {
        // Relaxed: see `try_take`.
        self.starving.store(on, Relaxed);
    }

    /// Starvation mode: gives the value to the waiter about to be granted
    /// (who takes it with [`take_handed`](LockCore::take_handed)).
    pub(crate) fn hand(&self, value: T) {
        let displaced = self.handed.put(value);
        debug_assert!(displaced.is_none(), "one hand-over at a time");
    }

    /// The value handed to this (granted) waiter.
    pub(crate) fn take_handed(&self) -> Option<T> {
        self.handed.take_now()
    }

    /// The value, when nobody can hold the lock (`&mut self`).
    pub(crate) fn into_value(self) -> Option<T> {
        self.value.take_now().or_else(|| self.handed.take_now())
    }
}

impl<U> LockCore<Box<U>> {
    /// The value in place, when nobody can hold the lock (`&mut self`; a
    /// granted waiter would hold `&self`, so `handed` is empty).
    pub(crate) fn get_mut(&mut self) -> Option<&mut U> {
        self.value.get_mut()
    }
}
