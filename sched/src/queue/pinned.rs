//! `Pinned<T>` and `PinnedRef<T>`: a value on its owner's stack, lent by
//! pointer to one other party at a time — Go's `sudog` living with its
//! goroutine, without a reference count.
//!
//! A blocked channel operation (`chan/channel.rs`) keeps its waiter in its
//! own stack frame, which stays put while the goroutine is parked, and
//! queues a `PinnedRef` to it. The `Arc<Waiter>` it replaces cost a
//! `malloc`, a `free` and three reference-count RMWs per blocked
//! operation. Here lending is one Relaxed store and the return one
//! Release store; neither is a locked instruction on x86.
//!
//! ```text
//!  owner: pin!(Pinned::new(v)) ── lend() ──▶ PinnedRef ──(queue, claimer)──▶ drop: lent = false
//!         … parks, wakes …
//!         drop(Pinned): waits until lent == false, then the frame may go
//! ```
//!
//! The protocol is that of scoped threads (`std::thread::scope`) and of
//! intrusive waiter lists (tokio's `batch_semaphore`): the owner does not
//! leave the frame — `Pinned`'s `Drop` does not return — while the
//! reference exists. `Pin` makes that sound: a pinned value is dropped
//! before its memory is reused (the drop guarantee), so the pointer in a
//! `PinnedRef` is valid until the `PinnedRef` drops. The one way out is
//! leaking the owner's frame without running its destructors (a coroutine
//! stack freed without unwinding), which `sched`'s coroutines never do: an
//! unfinished coroutine is force-unwound when dropped (`coro/mod.rs`).
//!
//! Orderings: `PinnedRef`'s drop stores `lent = false` with Release, and
//! `Pinned`'s drop loads it with Acquire, so every access made through the
//! reference happens before the owner's frame goes away. `lend` may store
//! `true` Relaxed: `Pinned` is `!Sync`, so only the owner lends, and it
//! first waits (Acquire) for the previous reference to be returned.
//!
//! The owner's wait in `drop` is normally not a wait at all: callers
//! return the reference before they could wake the owner, or the owner
//! takes it back itself (a channel waiter removed from its queue). It spins
//! only when the owner wakes spuriously on another thread while the holder
//! is still finishing (`chan/channel.rs`), for the length of an `unpark`.
//! `loom_tests.rs` checks the hand-back under loom.
//!
//! ## The cell
//!
//! Besides the shared value, a `Pinned<T, V>` has a cell for one `V` that
//! moves between the owner and the holder: a blocked channel operation's
//! value (Go's `sudog.elem`). The holder of the `PinnedRef` owns the cell
//! while the value is lent (it is the only reference, and `put`/`take` need
//! `&mut PinnedRef`); the owner owns it otherwise (`Pinned::take_cell`
//! first waits for the reference to come back). So each access is a plain
//! read or write, where the `ValueSlot` it replaces took a locked CAS per
//! access, on the other goroutine's cache line. The orderings are those of
//! the lending: the Relaxed `lend` store is published by whatever hands the
//! reference over, and the Release store of the reference's drop pairs with
//! the owner's Acquire load in `take_cell`.
//!
//! ## The anchor
//!
//! A value lent from a coroutine's stack can also name, uncounted, what
//! that coroutine is anchored to (`stack::Anchor`: the goroutine's
//! descriptor, owned by the coroutine's root frame). `lend` records the
//! running coroutine's anchor when the value lies on its stack, and
//! [`PinnedRef::anchor`] hands it out for as long as the reference lives:
//! the value is alive until the reference drops (above), it lies on that
//! stack, so the stack's frames down to the root are alive too, and the
//! root frame owns the anchor. A blocked channel operation's partner wakes
//! the owner through it: the `Arc` clone of the goroutine's descriptor
//! each blocked operation used to take and drop was two locked RMWs.
//!
//! ## The enclosing value
//!
//! [`with_outer`] pins a value that also names, uncounted, a value `O` of
//! the caller's frame ([`Outered`]): a `select!` arm's waiter naming the
//! select's claim, which lives in the frame enclosing every arm's. The
//! `Pinned` lives in `with_outer`'s own frame, inside the borrow of `O`, so
//! `O` outlives the `Pinned`, whose `Drop` outlives every `PinnedRef`: a
//! holder reaches `O` for as long as its reference lives, with no
//! reference count (the `Arc` clone and drop per arm it replaces were two
//! locked RMWs).

use super::sync::{spin_wait, yield_thread, AtomicBool, Ordering, UnsafeCell};
use crate::stack::AnchorTarget;
use std::marker::{PhantomData, PhantomPinned};
use std::ops::Deref;
use std::pin::Pin;
use std::ptr::NonNull;

/// A value on its owner's stack that can be lent to one party at a time,
/// with a cell whose `V` moves between them (module docs).
pub(crate) struct Pinned<T, V = ()> {
    value: T,
    /// The holder's while lent, the owner's otherwise (module docs).
    cell: UnsafeCell<Option<V>>,
    /// Whether a `PinnedRef` to this value exists.
    lent: AtomicBool,
    /// The pointer in a `PinnedRef` must stay valid: the value never moves.
    _pin: PhantomPinned,
    /// `!Sync`: only the owner lends (see `lend`).
    _owner: PhantomData<std::cell::Cell<()>>,
}

impl<T, V> Pinned<T, V> {
    /// A value and a cell holding `cell`.
    pub(crate) fn with_cell(value: T, cell: Option<V>) -> Self {
        Pinned {
            value,
            cell: UnsafeCell::new(cell),
            lent: AtomicBool::new(false),
            _pin: PhantomPinned,
            _owner: PhantomData,
        }
    }

    /// Lends the value: the returned reference may go to another thread,
    /// and `self` will not be dropped before it is. Waits first for a
    /// previous reference to be returned.
    pub(crate) fn lend(self: Pin<&Self>) -> PinnedRef<T, V> {
        self.wait_returned();
        // Relaxed: only this thread lends (`!Sync`), and the Acquire load in
        // `wait_returned` ordered us after the previous holder's accesses.
        // The reference reaches its holder through whatever hands it over
        // (a channel's lock), which publishes this store with it.
        self.lent.store(true, Ordering::Relaxed);
        let ptr = NonNull::from(self.get_ref());
        PinnedRef {
            ptr,
            anchor: crate::stack::anchor_at(ptr.as_ptr() as usize),
            _holds: PhantomData,
        }
    }

    /// Takes the cell's value, waiting first until no reference is out.
    pub(crate) fn take_cell(self: Pin<&Self>) -> Option<V> {
        self.wait_returned();
        // SAFETY: no `PinnedRef` exists (we just saw `lent == false` with
        // Acquire, after the last holder's accesses), only this thread can
        // lend (`!Sync`), and it does not while we hold the cell: the
        // access is exclusive, and it ends before we return.
        self.cell.with_mut(|c| unsafe { (*c).take() })
    }

    fn wait_returned(&self) {
        let mut spins = 0u32;
        // Acquire: pairs with the Release store in `PinnedRef`'s drop;
        // reading `false` orders us after the holder's last access.
        while self.lent.load(Ordering::Acquire) {
            spins += 1;
            if spins < 128 {
                spin_wait();
            } else {
                // The holder's thread was descheduled mid-access.
                yield_thread();
            }
        }
    }
}

impl<T, V> Deref for Pinned<T, V> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T, V> Drop for Pinned<T, V> {
    fn drop(&mut self) {
        // The frame must outlive every access through a `PinnedRef`.
        self.wait_returned();
    }
}

impl<T: std::fmt::Debug, V> std::fmt::Debug for Pinned<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

/// A reference to a [`Pinned`] value, valid until dropped, and the owner
/// of its cell meanwhile (module docs).
pub(crate) struct PinnedRef<T, V = ()> {
    ptr: NonNull<Pinned<T, V>>,
    /// The anchor of the coroutine on whose stack the value lies, if any
    /// (module docs).
    anchor: Option<NonNull<AnchorTarget>>,
    /// Behaves as a `&T` and a `V` for auto traits.
    _holds: PhantomData<(*const T, V)>,
}

impl<T, V> PinnedRef<T, V> {
    /// Runs `f` on the cell. `&mut self`: this is the only reference.
    fn with_cell<R>(&mut self, f: impl FnOnce(&mut Option<V>) -> R) -> R {
        // SAFETY: the pointee is alive (as in `deref`), and while this
        // reference exists the cell is its alone: the owner touches the
        // cell only after the reference is dropped (`take_cell`), and no
        // second reference exists (`lend` waits for this one to return).
        // `&mut self` keeps the borrow exclusive for the call.
        let cell = unsafe { &*std::ptr::addr_of!((*self.ptr.as_ptr()).cell) };
        // SAFETY: as above, exclusive access for the duration of `f`.
        cell.with_mut(|c| f(unsafe { &mut *c }))
    }

    /// Puts `v` into an empty cell; gives it back if the cell is full.
    pub(crate) fn put(&mut self, v: V) -> Result<(), V> {
        self.with_cell(|c| match c {
            Some(_) => Err(v),
            None => {
                *c = Some(v);
                Ok(())
            }
        })
    }

    /// Takes the cell's value, if there is one.
    pub(crate) fn take(&mut self) -> Option<V> {
        self.with_cell(Option::take)
    }

    /// What the lending coroutine is anchored to, if the value lies on an
    /// anchored coroutine's stack (module docs).
    pub(crate) fn anchor(&self) -> Option<&AnchorTarget> {
        // SAFETY: `lend` recorded the anchor only because the value lies on
        // the stack of the coroutine it anchors (`stack::anchor_at`); the
        // value is alive while `self` is (its `Drop` waits for us), so that
        // stack's frames are, down to the root frame that owns the anchor
        // (`coro::Coro::with_anchor`). The borrow ends with `&self`.
        self.anchor.map(|a| unsafe { a.as_ref() })
    }
}

impl<T, V> Deref for PinnedRef<T, V> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the owner's `Pinned` is pinned and its `Drop` waits until
        // this reference is dropped (module docs), so the pointee is alive
        // and unmoved for as long as `self` exists; the access is shared.
        unsafe { &self.ptr.as_ref().value }
    }
}

impl<T, V> Drop for PinnedRef<T, V> {
    fn drop(&mut self) {
        // SAFETY: as in `deref`: the pointee is alive until the store below
        // completes; nothing touches it after. Only the flag is borrowed
        // (not the whole `Pinned`), as `Arc`'s drop borrows only its count.
        let lent = unsafe { &*std::ptr::addr_of!((*self.ptr.as_ptr()).lent) };
        // Release: pairs with the Acquire load in `Pinned::wait_returned`;
        // this reference's accesses happen before the owner's frame goes.
        lent.store(false, Ordering::Release);
    }
}

impl<T: std::fmt::Debug, V> std::fmt::Debug for PinnedRef<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

// SAFETY: a `PinnedRef<T, V>` is a shared reference to `T` (plus the
// owner's flag, an atomic, and a shared reference to an anchor, a `Sync`
// goroutine descriptor) and the owner of a `V` (the cell, reached only through
// `&mut self`): it may move to another thread when `&T` and `V` may, that
// is when `T: Sync` and `V: Send`.
unsafe impl<T: Sync, V: Send> Send for PinnedRef<T, V> {}
// SAFETY: `&PinnedRef` reaches only the `&T` (the cell needs `&mut`), so
// sharing it needs `T: Sync` alone.
unsafe impl<T: Sync, V> Sync for PinnedRef<T, V> {}

/// A pinned value together with a reference to a value `O` that outlives
/// it (module docs: the enclosing value). Made only by [`with_outer`].
pub(crate) struct Outered<O, T> {
    outer: NonNull<O>,
    value: T,
}

impl<O, T> Outered<O, T> {
    /// The enclosing value.
    pub(crate) fn outer(&self) -> &O {
        // SAFETY: an `Outered` exists only inside the `Pinned` that
        // `with_outer` pins in its frame, while its caller's borrow of the
        // referent lasts; `&self` is reached through that `Pinned` or
        // through a `PinnedRef` to it, both of which end before the
        // `Pinned` is dropped. The access is shared, as the borrow was.
        unsafe { self.outer.as_ref() }
    }
}

impl<O, T> Deref for Outered<O, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<O, T: std::fmt::Debug> std::fmt::Debug for Outered<O, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

// SAFETY: an `Outered` is a `&O` and a `T`: shared across threads when
// both are (`&O: Sync` needs `O: Sync`).
unsafe impl<O: Sync, T: Sync> Sync for Outered<O, T> {}

/// Runs `body` on `value` pinned in this frame with a cell holding `cell`,
/// the value naming `outer` (module docs: the enclosing value).
pub(crate) fn with_outer<O, T, V, R>(
    outer: &O,
    value: T,
    cell: Option<V>,
    body: impl FnOnce(Pin<&Pinned<Outered<O, T>, V>>) -> R,
) -> R {
    let pinned = std::pin::pin!(Pinned::with_cell(
        Outered {
            outer: NonNull::from(outer),
            value,
        },
        cell,
    ));
    body(pinned.as_ref())
}
