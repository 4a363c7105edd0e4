//! `Winner`: the word that says who completed a blocked operation, and the
//! rule that makes a `select!`'s claim on itself and its partner atomic.
//!
//! Two kinds, because two kinds of operation block:
//!
//! - a plain send or receive (**`Single`**) is only ever claimed by
//!   others, one at a time: one compare-and-swap `UNCLAIMED → arm` decides
//!   (Go's `sudog` needs none: it is only reachable under the channel lock;
//!   ours is also reachable from a timer);
//! - a `select!` (**`Select`**) is claimed by others too, but while it
//!   registers it must claim *itself and a partner* both-or-neither
//!   (`claim.rs`). Its word therefore changes only under its own lock:
//!   holding it, the select checks itself, then claims the partner — by
//!   CAS if the partner is `Single`, under the partner's lock too (both
//!   taken in address order) if it is another `Select` — and only then
//!   marks itself. Nobody can claim the select in between, and a partner
//!   that is gone leaves the select unclaimed.
//!
//! A plain operation never claims anything but itself being claimed, so
//! the common path — a blocked send or receive woken by its partner — costs
//! one CAS instead of a lock and an unlock. `winner_loom.rs` checks this
//! file under loom.

use super::winner_sync::{AtomicUsize, Mutex, MutexGuard, Ordering::*};

/// The word of an unclaimed `Single` operation (no arm has this index;
/// `claim::TIMED_OUT` is `usize::MAX`).
const UNCLAIMED: usize = usize::MAX - 1;

/// Who completed an operation; see the module docs.
#[derive(Debug)]
pub(crate) enum Winner {
    Single(AtomicUsize),
    Select(Mutex<Option<usize>>),
}

/// What [`Winner::claim_pair`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Both claimed: the caller completes both operations.
    Both,
    /// The caller's own operation was already claimed by someone else.
    SelfTaken,
    /// The partner was already claimed (a stale waiter): skip it.
    PartnerTaken,
}

fn lock(m: &Mutex<Option<usize>>) -> MutexGuard<'_, Option<usize>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Winner {
    /// An unclaimed plain send or receive.
    pub(crate) fn single() -> Self {
        Winner::Single(AtomicUsize::new(UNCLAIMED))
    }

    /// An unclaimed `select!`.
    pub(crate) fn select() -> Self {
        Winner::Select(Mutex::new(None))
    }

    /// Claims the operation for `arm`; false if someone else already has.
    pub(crate) fn try_claim(&self, arm: usize) -> bool {
        match self {
            // AcqRel/Acquire: the CAS alone decides (its atomicity is the
            // exclusion); no data travels through it — the value the
            // winner moves is published by `Claim::finish` (Release) to
            // `Claim::wait` (Acquire).
            Winner::Single(w) => w.compare_exchange(UNCLAIMED, arm, AcqRel, Acquire).is_ok(),
            Winner::Select(m) => {
                let mut w = lock(m);
                if w.is_some() {
                    return false;
                }
                *w = Some(arm);
                true
            }
        }
    }

    /// Claims `self` (a registering `select!`) for `arm` and `other` for
    /// `other_arm`, both or neither.
    ///
    /// # Panics
    /// If `self` is not a `Select`: only a select claims a partner.
    pub(crate) fn claim_pair(&self, arm: usize, other: &Winner, other_arm: usize) -> Pair {
        let Winner::Select(mine) = self else {
            panic!("only a select claims itself together with a partner");
        };
        match other {
            Winner::Single(theirs) => {
                let mut a = lock(mine);
                if a.is_some() {
                    return Pair::SelfTaken;
                }
                // AcqRel/Acquire: as in `try_claim`.
                if theirs
                    .compare_exchange(UNCLAIMED, other_arm, AcqRel, Acquire)
                    .is_err()
                {
                    return Pair::PartnerTaken;
                }
                *a = Some(arm);
                Pair::Both
            }
            Winner::Select(theirs) => {
                let mine_first = (mine as *const _) < (theirs as *const _);
                let (mut a, mut b) = if mine_first {
                    let a = lock(mine);
                    (a, lock(theirs))
                } else {
                    let b = lock(theirs);
                    (lock(mine), b)
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
        }
    }

    /// The arm that won, if any (final once the operation has completed).
    pub(crate) fn get(&self) -> Option<usize> {
        match self {
            // Acquire: pairs with the claiming CAS; the caller learns only
            // the arm (see `try_claim`).
            Winner::Single(w) => match w.load(Acquire) {
                UNCLAIMED => None,
                arm => Some(arm),
            },
            Winner::Select(m) => *lock(m),
        }
    }
}
