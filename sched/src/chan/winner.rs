//! `Winner`: the word that says who completed a blocked operation, and the
//! rule that makes a `select!`'s claim on itself and its partner atomic.
//!
//! Two kinds, because two kinds of operation block:
//!
//! - a plain send or receive (**`Single`**) is only ever claimed by
//!   others, one at a time: one compare-and-swap `UNCLAIMED → arm` decides
//!   when a timer may claim it too; without a timer it is reachable only
//!   under its channel's lock, as Go's `sudog` is, and a load and a store
//!   decide (`lone`, [`Winner::lone`]);
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
//! no locked instruction for the claim (one CAS with a timer) instead of a
//! lock and an unlock. A select's lock is `queue::SpinMutex` (short, never
//! waits; two are taken in address order, so nesting cannot deadlock), and
//! loom's `Mutex` in the loom copy. `winner_loom.rs` checks this file under
//! loom (the CAS and the select lock; a `lone` word is ordered by the
//! channel lock, which is not this file's).

use super::winner_sync::{lock, AtomicUsize, Mutex, Ordering::*};

/// The word of an unclaimed `Single` operation (no arm has this index;
/// `claim::TIMED_OUT` is `usize::MAX`).
const UNCLAIMED: usize = usize::MAX - 1;

/// Who completed an operation; see the module docs.
#[derive(Debug)]
pub(crate) enum Winner {
    /// `lone`: see [`Winner::lone`].
    Single {
        word: AtomicUsize,
        lone: bool,
    },
    Select(Mutex<Option<usize>>),
}

/// Claims `word` for `arm`: a CAS, or for a lone operation a load and a
/// store (its claimers are serialised by a channel lock: [`Winner::lone`]).
fn claim_word(word: &AtomicUsize, lone: bool, arm: usize) -> bool {
    if lone {
        // Relaxed: the channel lock orders every claimer (see `lone`).
        if word.load(Relaxed) != UNCLAIMED {
            return false;
        }
        // Release: pairs with the Acquire load in `get` (as the CAS's did).
        word.store(arm, Release);
        return true;
    }
    // AcqRel/Acquire: the CAS alone decides (its atomicity is the
    // exclusion); no data travels through it — the value the winner moves
    // is published by `Claim::finish` (Release) to `Claim::wait` (Acquire).
    word.compare_exchange(UNCLAIMED, arm, AcqRel, Acquire)
        .is_ok()
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

impl Winner {
    /// An unclaimed plain send or receive.
    pub(crate) fn single() -> Self {
        Winner::Single {
            word: AtomicUsize::new(UNCLAIMED),
            lone: false,
        }
    }

    /// An unclaimed plain send or receive without a timer: reachable only
    /// through its one channel's queue, so every claim of it is made under
    /// that channel's lock (a partner's `take_partner`, a registering
    /// select's `claim_pair`), or by `close` after it took the waiter out
    /// of the queue under that lock. Claimers never race, and the claim is
    /// a load and a store, not a CAS (a locked instruction fewer per
    /// blocked operation). Were the rule broken, two winners could not
    /// both move a value anyway: the value moves only through the queue
    /// entry (`Entry::Lent`, the unique `PinnedRef` to the waiter's cell),
    /// which one party at a time can hold.
    pub(crate) fn lone() -> Self {
        Winner::Single {
            word: AtomicUsize::new(UNCLAIMED),
            lone: true,
        }
    }

    /// An unclaimed `select!`.
    pub(crate) fn select() -> Self {
        Winner::Select(Mutex::new(None))
    }

    /// Claims the operation for `arm`; false if someone else already has.
    pub(crate) fn try_claim(&self, arm: usize) -> bool {
        match self {
            Winner::Single { word, lone } => claim_word(word, *lone, arm),
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
            Winner::Single { word, lone } => {
                let mut a = lock(mine);
                if a.is_some() {
                    return Pair::SelfTaken;
                }
                if !claim_word(word, *lone, other_arm) {
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
            Winner::Single { word, .. } => match word.load(Acquire) {
                UNCLAIMED => None,
                arm => Some(arm),
            },
            Winner::Select(m) => *lock(m),
        }
    }
}
