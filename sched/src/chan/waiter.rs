//! `Waiter<T>`: one blocked operation's place in one channel's queue (Go's
//! `sudog`). A blocked sender's value waits in the slot until a receiver
//! takes it; a blocked receiver's slot is where a sender puts the value —
//! the direct hand-off of Go's `send`/`recv` on a waiting partner, so an
//! unbuffered send completes exactly when a receiver holds the value.
//!
//! A plain blocked operation's waiter lives in its owner's stack frame, a
//! `queue::Pinned<Claim, T>` whose cell is the slot, and the queue holds a
//! `queue::PinnedRef` to it ([`Entry::Lent`]): whoever takes the entry out
//! of the queue (the claim's winner) owns the cell until it drops the
//! entry, so moving the value is a plain read or write. A `select!` arm's
//! waiter is lent the same way, from the frame that registered the arm
//! ([`Entry::Arm`], `select/arm.rs`), naming the select's claim in the
//! enclosing frame, uncounted (`queue::with_outer`). A timed plain
//! operation's waiter is shared whole (`Arc`), since its claim is shared
//! with a timer; its slot is a
//! `queue::ValueSlot`, touched only by whoever won the [`Claim`] and by the
//! owner after [`Claim::wait`] (one locked CAS and a plain store per
//! access; the `unsafe` stays in `queue/`). A shared claim is counted by a
//! `queue::NodeRc`, its block recycled per thread.

use super::claim::Claim;
use crate::queue::{NodeRc, Outered, PinnedRef, ValueSlot};
use std::sync::Arc;

/// The waiter of a timed operation: its claim is shared with a timer.
#[derive(Debug)]
pub(crate) struct Waiter<T> {
    /// The operation this waiter belongs to.
    pub(crate) claim: NodeRc<Claim>,
    slot: ValueSlot<T>,
}

impl<T> Waiter<T> {
    /// A waiter of `claim`, carrying `value` if it is a sender.
    pub(crate) fn new(claim: NodeRc<Claim>, value: Option<T>) -> Arc<Self> {
        Arc::new(Waiter {
            claim,
            slot: ValueSlot::new(value),
        })
    }

    /// Takes the value out of the slot (a sender's value, or a received one).
    pub(crate) fn take(&self) -> Option<T> {
        self.slot.take()
    }
}

/// What a `select!` arm lends its channel's queue, with the arm's value
/// cell: which arm this is, and the select's claim, named uncounted
/// (`queue::with_outer`: the claim lives in the frame enclosing every
/// arm's).
pub(crate) type ArmWaiter = Outered<Claim, usize>;

impl ArmWaiter {
    /// Which arm of its select this waiter is.
    pub(crate) fn arm(&self) -> usize {
        **self
    }
}

/// A waiter as a channel's queue holds it: shared with a timer, or lent
/// from the stack frame of a plain blocked send or receive or of a
/// `select!` arm — its claim, and its value in the lent cell (no
/// allocation, no reference count, no locked instruction to move the value:
/// the frame outlives the entry, and the entry owns the cell while it
/// exists, `queue/pinned.rs`).
///
/// A lent entry wakes its owner through the anchor of the goroutine on
/// whose stack the waiter lies (`PinnedRef::anchor`: no reference count),
/// or, off a production goroutine's stack (a deterministic run's goroutine,
/// a plain thread), through the handle its claim took (`Claim::lone`).
#[derive(Debug)]
pub(crate) enum Entry<T> {
    Shared(Arc<Waiter<T>>),
    Lent(PinnedRef<Claim, T>),
    Arm(PinnedRef<ArmWaiter, T>),
}

impl<T> Entry<T> {
    /// Publishes the completed operation and wakes its owner (by the
    /// claim's winner, after moving the value).
    pub(crate) fn finish(&self) {
        match self {
            Entry::Shared(w) => w.claim.finish(),
            Entry::Lent(r) => r.finish_anchored(r.anchor()),
            Entry::Arm(r) => r.outer().finish_anchored(r.anchor()),
        }
    }

    /// The operation this waiter belongs to.
    pub(crate) fn claim(&self) -> &Claim {
        match self {
            Entry::Shared(w) => &w.claim,
            Entry::Lent(c) => c,
            Entry::Arm(a) => a.outer(),
        }
    }

    /// Which arm of its operation this waiter is.
    pub(crate) fn arm(&self) -> usize {
        match self {
            Entry::Shared(_) | Entry::Lent(_) => 0,
            Entry::Arm(a) => a.arm(),
        }
    }

    /// Puts a value into a receiver's slot (by the claim's winner, which
    /// took the entry out of its queue).
    pub(crate) fn put(&mut self, v: T) {
        let refused = match self {
            Entry::Shared(w) => w.slot.put(v).is_err(),
            Entry::Lent(c) => c.put(v).is_err(),
            Entry::Arm(a) => a.put(v).is_err(),
        };
        if refused {
            unreachable!("a receiver's slot is filled once, by the claim's winner");
        }
    }

    /// Takes a blocked sender's value (by the claim's winner).
    pub(crate) fn take(&mut self) -> Option<T> {
        match self {
            Entry::Shared(w) => w.take(),
            Entry::Lent(c) => c.take(),
            Entry::Arm(a) => a.take(),
        }
    }
}
