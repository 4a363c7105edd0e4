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
//! partner* atomically — [`Claim::claim_pair`] takes both claim locks in
//! address order. The lock order is channel lock → claim locks (by address),
//! and no one takes a channel lock while holding a claim lock, so there is
//! no cycle.

use crate::engine::{self, Handle, Op};
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex};

/// The arm index a timer claims with (no `select!` has this many arms).
pub(crate) const TIMED_OUT: usize = usize::MAX;

/// One blocked operation; see the module docs.
#[derive(Debug)]
pub(crate) struct Claim {
    handle: Handle,
    /// The arm that completed the operation (`TIMED_OUT` for a timer).
    winner: Mutex<Option<usize>>,
    /// Set once the winner has moved its value; ends the owner's park loop.
    done: AtomicBool,
}

/// What [`Claim::claim_pair`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Both claimed: the caller completes both operations.
    Both,
    /// The caller's own operation was already claimed by someone else.
    SelfTaken,
    /// The partner was already claimed (a stale waiter): skip it.
    PartnerTaken,
}

impl Claim {
    /// A fresh, unclaimed operation of the calling goroutine (or thread).
    pub(crate) fn new() -> Arc<Claim> {
        Arc::new(Claim {
            handle: engine::current(),
            winner: Mutex::new(None),
            done: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<usize>> {
        self.winner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Claims the operation for `arm`; false if someone else already has.
    pub(crate) fn try_claim(&self, arm: usize) -> bool {
        let mut w = self.lock();
        if w.is_some() {
            return false;
        }
        *w = Some(arm);
        true
    }

    /// Claims `self` for `arm` and `other` for `other_arm`, both or neither.
    pub(crate) fn claim_pair(&self, arm: usize, other: &Claim, other_arm: usize) -> Pair {
        let mine_first = (self as *const Claim) < (other as *const Claim);
        let (mut a, mut b) = if mine_first {
            let a = self.lock();
            (a, other.lock())
        } else {
            let b = other.lock();
            (self.lock(), b)
        };
        if a.is_some() {
            return Pair::SelfTaken;
        }
        if b.is_some() {
            return Pair::PartnerTaken;
        }
        *a = Some(arm);
        *b = Some(other_arm);
        Pair::Both
    }

    /// Whether someone has claimed the operation (a hint once unlocked).
    pub(crate) fn is_claimed(&self) -> bool {
        self.lock().is_some()
    }

    /// The arm that won, once [`Claim::wait`] has returned.
    pub(crate) fn winner(&self) -> Option<usize> {
        *self.lock()
    }

    /// Publishes the completed operation and wakes its owner. Called by the
    /// claimer after it has moved the value.
    pub(crate) fn finish(&self) {
        // Release: pairs with the Acquire load in `wait`, so the owner sees
        // the value the claimer moved into its waiter's slot.
        self.done.store(true, Release);
        self.handle.unpark();
    }

    /// Whether the operation has been completed and published.
    pub(crate) fn is_done(&self) -> bool {
        // Acquire: pairs with the Release store in `finish`.
        self.done.load(Acquire)
    }

    /// Parks the owner until the operation is complete.
    pub(crate) fn wait(&self, op: &Op) {
        while !self.is_done() {
            engine::park(op);
        }
    }

    /// Whether `self` and `other` are the same operation.
    pub(crate) fn same(self: &Arc<Self>, other: &Arc<Claim>) -> bool {
        Arc::ptr_eq(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::event::Access;
    use model::OpKind;

    #[test]
    fn a_pair_is_claimed_both_or_neither() {
        let (a, b, c) = (Claim::new(), Claim::new(), Claim::new());
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
        let claim = Claim::new();
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
