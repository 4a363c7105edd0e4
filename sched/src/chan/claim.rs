//! `Claim`: one blocked operation — a send, a receive, or a whole `select!`
//! — that exactly one party may complete (Go's `g.selectDone` plus the
//! `sudog.success` / `gp.param` hand-back).
//!
//! A blocked operation registers one [`Waiter`](super::waiter::Waiter) per
//! channel it waits on; all of them share one `Claim`. Whoever completes the
//! operation — a sender or receiver on one of those channels, a closer, a
//! timeout — first *claims* it (`None → Some(arm)`), then moves the value,
//! then calls [`Claim::finish`]. Every other party finds it claimed and
//! skips that waiter, so a `select!` completes on exactly one channel.
//!
//! Go locks every channel of a select at once (`sellock`, in address order)
//! so that nobody can claim a select while it registers. We never hold two
//! channel locks: a select registers on its channels one at a time, and when
//! it finds a channel ready halfway through, it must claim *itself and the
//! partner* atomically — [`Claim::claim_pair`] holds the select's claim
//! lock while it claims the partner (`winner.rs`: a plain operation is one
//! word, claimed by CAS or, without a timer, under its channel's lock; a
//! select's is a locked one; two selects are locked in address order).
//! The lock order is channel lock → claim locks (by address), and no one
//! takes a channel lock while holding a claim lock, so there is no cycle.
//!
//! A plain blocked send or receive keeps its `Claim` inside its only
//! [`Waiter`](super::waiter::Waiter) (one allocation per blocked
//! operation, Go's single `sudog`); a select, or an operation with a
//! timeout, shares an `Arc<Claim>` between its waiters and its timer.

pub(crate) use super::winner::Pair;
use super::winner::Winner;
use crate::engine::{self, Handle, Op};
use crate::stack::{Anchor, AnchorTarget};
use std::sync::atomic::{AtomicBool, Ordering::*};

/// The arm index a timer claims with (no `select!` has this many arms).
pub(crate) const TIMED_OUT: usize = usize::MAX;

/// One blocked operation; see the module docs.
#[derive(Debug)]
pub(crate) struct Claim {
    /// How to wake the owner; `None` for a plain operation's claim, whose
    /// queue entry knows instead (`waiter::Entry::Lent`).
    handle: Option<Handle>,
    /// The arm that completed the operation (`TIMED_OUT` for a timer).
    winner: Winner,
    /// Set once the winner has moved its value; ends the owner's park loop.
    done: AtomicBool,
}

impl Claim {
    fn with(winner: Winner, handle: Option<Handle>) -> Claim {
        Claim {
            handle,
            winner,
            done: AtomicBool::new(false),
        }
    }

    /// A fresh, unclaimed send or receive of the calling goroutine (or
    /// thread): only others claim it, with one CAS (`winner.rs`).
    pub(crate) fn single() -> Claim {
        Claim::with(Winner::single(), Some(engine::current()))
    }

    /// [`Claim::single`] for an operation without a timer, reachable only
    /// through one channel's queue (`Winner::lone`: no CAS to claim it),
    /// in a waiter lent from the owner's stack frame. On a goroutine's own
    /// stack it holds no handle: its queue entry wakes the owner through
    /// the goroutine's anchor (`waiter::Entry::finish`).
    pub(crate) fn lone() -> Claim {
        let handle = (!crate::stack::running_anchored()).then(engine::current);
        Claim::with(Winner::lone(), handle)
    }

    /// A fresh, unclaimed `select!` of the calling goroutine (or thread),
    /// with a timer (which wakes the owner through the claim's handle).
    pub(crate) fn select() -> Claim {
        Claim::with(Winner::select(), Some(engine::current()))
    }

    /// [`Claim::select`] for a select without a timer: only its arms'
    /// waiters, lent from the owner's stack (`waiter::Entry::Arm`), can
    /// complete it, and each wakes the owner through the anchor of that
    /// stack, as a plain operation's does ([`Claim::lone`]); on a
    /// goroutine's own stack it holds no handle, one reference-count
    /// clone and drop fewer per parked select.
    pub(crate) fn select_lent() -> Claim {
        let handle = (!crate::stack::running_anchored()).then(engine::current);
        Claim::with(Winner::select(), handle)
    }

    /// Claims the operation for `arm`; false if someone else already has.
    pub(crate) fn try_claim(&self, arm: usize) -> bool {
        self.winner.try_claim(arm)
    }

    /// Claims `self` (a registering select) for `arm` and `other` for
    /// `other_arm`, both or neither.
    pub(crate) fn claim_pair(&self, arm: usize, other: &Claim, other_arm: usize) -> Pair {
        debug_assert!(!self.same(other), "a select never claims itself twice");
        self.winner.claim_pair(arm, &other.winner, other_arm)
    }

    /// Whether someone has claimed the operation (a hint once unlocked).
    pub(crate) fn is_claimed(&self) -> bool {
        self.winner.get().is_some()
    }

    /// The arm that won, once [`Claim::wait`] has returned.
    pub(crate) fn winner(&self) -> Option<usize> {
        self.winner.get()
    }

    /// Publishes the completed operation and wakes its owner. Called by the
    /// claimer after it has moved the value.
    pub(crate) fn finish(&self) {
        self.finish_anchored(None);
    }

    /// [`Claim::finish`] for a claim lent from its owner's stack: `anchor`
    /// is the goroutine it was lent from (`queue::PinnedRef::anchor`),
    /// which wakes the owner when the claim holds no handle (`lone`,
    /// `select_lent`).
    pub(crate) fn finish_anchored(&self, anchor: Option<&AnchorTarget>) {
        // Release: pairs with the Acquire load in `wait`, so the owner sees
        // the value the claimer moved into its waiter's slot.
        self.done.store(true, Release);
        match (&self.handle, anchor) {
            (Some(h), _) => h.unpark(),
            (None, Some(g)) => g.wake(),
            (None, None) => unreachable!("a claim without a handle is lent from an anchored stack"),
        }
    }

    /// Whether the operation has been completed and published.
    pub(crate) fn is_done(&self) -> bool {
        // Acquire: pairs with the Release store in `finish_anchored`.
        self.done.load(Acquire)
    }

    /// Parks the owner until the operation is complete.
    #[inline(always)]
    pub(crate) fn wait(&self, op: &Op) {
        while !self.is_done() {
            engine::park(op);
        }
    }

    /// Whether `self` and `other` are the same operation.
    pub(crate) fn same(&self, other: &Claim) -> bool {
        std::ptr::eq(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::event::Access;
    use model::OpKind;

    use std::sync::Arc;

    #[test]
    fn a_pair_is_claimed_both_or_neither() {
        let (a, b, c) = (Claim::select(), Claim::select(), Claim::select());
        assert_eq!(a.claim_pair(0, &b, 1), Pair::Both);
        assert_eq!((a.winner(), b.winner()), (Some(0), Some(1)));
        assert_eq!(c.claim_pair(2, &a, 0), Pair::PartnerTaken);
        assert_eq!(
            c.winner(),
            None,
            "nothing is claimed when the partner is taken"
        );
        assert_eq!(a.claim_pair(0, &c, 0), Pair::SelfTaken);
        assert_eq!(c.winner(), None, "nothing is claimed when self is taken");
        assert!(c.try_claim(TIMED_OUT));
        assert!(!c.try_claim(1));
        assert_eq!(c.winner(), Some(TIMED_OUT));
    }

    #[test]
    fn finish_ends_the_owners_wait() {
        let claim = Arc::new(Claim::single());
        let op = Op::new(
            OpKind::Recv,
            engine::new_object(),
            Access::ReadWrite,
            std::panic::Location::caller(),
        );
        let c = claim.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            assert!(c.try_claim(3));
            c.finish();
        });
        claim.wait(&op);
        assert!(claim.is_done());
        assert_eq!(claim.winner(), Some(3));
        t.join().unwrap();
    }
}
