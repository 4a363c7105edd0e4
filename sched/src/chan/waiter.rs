//! `Waiter<T>`: one blocked operation's place in one channel's queue (Go's
//! `sudog`). A blocked sender's value waits in the slot until a receiver
//! takes it; a blocked receiver's slot is where a sender puts the value —
//! the direct hand-off of Go's `send`/`recv` on a waiting partner, so an
//! unbuffered send completes exactly when a receiver holds the value.
//!
//! A plain blocked operation's waiter lives in its owner's stack frame and
//! the queue holds a `queue::PinnedRef` to it ([`Entry::Lent`]); a
//! `select!`'s or a timed operation's is shared (`Arc`), since its claim is
//! shared with a timer.
//!
//! The slot is touched only by whoever won the [`Claim`] (and by the owner
//! after [`Claim::wait`]), so it is never contended: a `queue::ValueSlot`
//! (one locked CAS and a plain store per access, where a `Mutex` took two
//! locked RMWs; the `unsafe` stays in `queue/`).

use super::claim::Claim;
use crate::queue::{PinnedRef, ValueSlot};
use std::sync::Arc;

/// A waiter's claim: its own (a plain send or receive without a timeout:
/// nothing else refers to it) or shared with the other arms of a select
/// and with a timer.
#[derive(Debug)]
pub(crate) enum ClaimRef {
    Own(Claim),
    Shared(Arc<Claim>),
}

impl std::ops::Deref for ClaimRef {
    type Target = Claim;
    fn deref(&self) -> &Claim {
        match self {
            ClaimRef::Own(c) => c,
            ClaimRef::Shared(c) => c,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Waiter<T> {
    /// The operation this waiter belongs to (shared by every arm of a select).
    pub(crate) claim: ClaimRef,
    /// Which arm of the operation this waiter is (0 outside `select!`).
    pub(crate) arm: usize,
    slot: ValueSlot<T>,
}

impl<T> Waiter<T> {
    /// A waiter for `arm` of `claim`, carrying `value` if it is a sender.
    pub(crate) fn new(claim: Arc<Claim>, arm: usize, value: Option<T>) -> Arc<Self> {
        Arc::new(Waiter {
            claim: ClaimRef::Shared(claim),
            arm,
            slot: ValueSlot::new(value),
        })
    }

    /// The waiter of a plain send (with `value`) or receive of the calling
    /// goroutine, owning its claim; it lives in the caller's stack frame
    /// (`queue::Pinned`) and is queued as an [`Entry::Lent`].
    pub(crate) fn alone(value: Option<T>) -> Self {
        Waiter {
            claim: ClaimRef::Own(Claim::lone()),
            arm: 0,
            slot: ValueSlot::new(value),
        }
    }

    /// Puts a value into a receiver's slot.
    pub(crate) fn put(&self, v: T) {
        if self.slot.put(v).is_err() {
            unreachable!("a receiver's slot is filled once, by the claim's winner");
        }
    }

    /// Takes the value out of the slot (a sender's value, or a received one).
    pub(crate) fn take(&self) -> Option<T> {
        self.slot.take()
    }
}

/// A waiter as a channel's queue holds it: shared with the other arms of a
/// `select!` and with a timer, or lent from the stack frame of a plain
/// blocked send or receive (no allocation, no reference count: the frame
/// outlives the entry, `queue/pinned.rs`).
#[derive(Debug)]
pub(crate) enum Entry<T> {
    Shared(Arc<Waiter<T>>),
    Lent(PinnedRef<Waiter<T>>),
}

impl<T> std::ops::Deref for Entry<T> {
    type Target = Waiter<T>;
    fn deref(&self) -> &Waiter<T> {
        match self {
            Entry::Shared(w) => w,
            Entry::Lent(w) => w,
        }
    }
}
