//! `Slot`: a one-item mailbox any thread may fill or empty, one `swap` each.
//!
//! Where an unlocked mutex keeps its value, and where `unlock` hands it to a
//! starving waiter (`sync/lock_core.rs`): any goroutine may put or take, so
//! every access must be an exchange. (A parked goroutine's task waited in
//! one too, until `wake.rs` showed that its protocol already serialises
//! the two parties.) The slot replaced a `Mutex<Option<T>>`, two locked
//! RMWs per access (the lock's CAS and the unlock's swap); one `AtomicPtr`
//! gives the same ownership transfer with one. It is the `runnext` idea (`runnext.rs`) without the owner: every
//! write, by anyone, is an atomic exchange, so an item is taken out at most
//! once whatever the callers race.
//!
//! Orderings: `put` is an AcqRel swap (its Release publishes the item's
//! contents, its Acquire reads a displaced item); `take_now` is an AcqRel
//! swap whose Acquire pairs with the `put` that stored what it takes. The
//! empty check of `take` before that swap is a Relaxed load: reading null only means the slot was
//! empty at some point of its modification order, which a caller racing
//! with a `put` cannot tell from the `take` having run first.

use super::item::Raw;
use super::sync::{AtomicPtr, Ordering};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// A one-item mailbox (module docs).
pub(crate) struct Slot<T: Raw> {
    item: AtomicPtr<()>,
    /// Owns a `T`, and has a `Mutex<T>`'s auto traits: `Send` and `Sync`
    /// when `T: Send`. Derived rather than declared with `unsafe impl`s: a
    /// declared impl bounded on `T: Send` makes the compiler prove it
    /// inductively, and for a goroutine's task that proof runs in a cycle
    /// (the task holds the descriptor that holds this slot); the derived
    /// auto-trait check accepts the cycle.
    _owns: PhantomData<std::sync::Mutex<T>>,
}

impl<T: Raw> Slot<T> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        Slot {
            item: AtomicPtr::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// Puts `t` in the slot; returns the item it displaced, if any.
    pub(crate) fn put(&self, t: T) -> Option<T> {
        // AcqRel: the Release publishes `t` to the `take` whose Acquire swap
        // reads it; the Acquire reads a displaced item's contents (stored by
        // another thread's Release `put`).
        let old = self.item.swap(t.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: every non-null value in the slot came from `into_raw` in
        // this function, and every removal is an atomic swap, so this
        // thread alone takes `old` back, once.
        NonNull::new(old).map(|raw| unsafe { T::from_raw(raw) })
    }

    /// Empties the slot; returns its item, if any. An empty slot costs no
    /// locked swap (module docs); a full one is emptied by `take_now`.
    pub(crate) fn take(&self) -> Option<T> {
        if !self.looks_full() {
            return None;
        }
        self.take_now()
    }

    /// [`take`](Slot::take) without the empty check: always one swap, so
    /// it reads the slot's latest value and is ordered with every other
    /// swap on it (a mutex's registration relies on this:
    /// `sync/lock_core.rs`). AcqRel: the Acquire pairs with the `put` that
    /// stored the item; the Release orders the caller's earlier writes
    /// before any later `put`, which reads this swap's null.
    pub(crate) fn take_now(&self) -> Option<T> {
        let old = self.item.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `put`: the swap removed `old` atomically.
        NonNull::new(old).map(|raw| unsafe { T::from_raw(raw) })
    }

    /// Whether an item is in the slot (a hint: Relaxed).
    pub(crate) fn looks_full(&self) -> bool {
        !self.item.load(Ordering::Relaxed).is_null()
    }
}

impl<U> Slot<Box<U>> {
    /// The boxed value in the slot, borrowed in place: `&mut self` rules
    /// out every other access.
    pub(crate) fn get_mut(&mut self) -> Option<&mut U> {
        // Relaxed: `&mut self` is exclusive, so no other thread writes.
        let raw = NonNull::new(self.item.load(Ordering::Relaxed))?;
        // SAFETY: a non-null pointer in the slot came from `into_raw` of a
        // `Box<U>` (`item.rs`), so it points to a live, owned `U`; the
        // slot keeps ownership, and the borrow is tied to `&mut self`, so
        // nothing can take or drop the box while it lives.
        Some(unsafe { &mut *raw.cast::<U>().as_ptr() })
    }
}

impl<T: Raw> Default for Slot<T> {
    fn default() -> Self {
        Slot::new()
    }
}

impl<T: Raw> std::fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Relaxed: a hint for the reader of the debug output.
        let full = !self.item.load(Ordering::Relaxed).is_null();
        f.debug_struct("Slot").field("full", &full).finish()
    }
}

impl<T: Raw> Drop for Slot<T> {
    fn drop(&mut self) {
        // An item still inside goes with the slot.
        drop(self.take());
    }
}
