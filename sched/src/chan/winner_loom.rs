//! `winner.rs` compiled a second time, against loom, for `loom_tests`.

#![allow(clippy::duplicate_mod)]

mod winner_sync {
    pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
    pub(crate) use loom::sync::{Mutex, MutexGuard};

    pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[path = "winner.rs"]
pub(crate) mod winner;

#[cfg(test)]
mod loom_tests {
    //! Both-or-neither claims under loom: every interleaving (and memory-
    //! model outcome) of a registering select that claims itself with a
    //! partner, against the others who may claim either of them. Bounds:
    //! three threads with one claim each, explored exhaustively.

    use super::winner::{Pair, Winner};
    use loom::sync::Arc;

    const TIMED_OUT: usize = usize::MAX;

    #[test]
    fn a_select_and_a_rival_never_both_claim_a_plain_operation() {
        loom::model(|| {
            // `select` registers and finds `plain` (a blocked receive)
            // waiting; a rival sender and the select's timer race it.
            let select = Arc::new(Winner::select());
            let plain = Arc::new(Winner::single());
            let (s, p) = (select.clone(), plain.clone());
            let registering = loom::thread::spawn(move || s.claim_pair(0, &p, 1));
            let p = plain.clone();
            let rival = loom::thread::spawn(move || p.try_claim(2));
            let timer = select.try_claim(TIMED_OUT);
            let (pair, rival) = (registering.join().unwrap(), rival.join().unwrap());

            assert_ne!(
                pair == Pair::Both,
                rival,
                "exactly one completes the receive"
            );
            assert_eq!(
                pair == Pair::Both,
                !timer,
                "exactly one completes the select"
            );
            let want_plain = if rival { 2 } else { 1 };
            assert_eq!(plain.get(), Some(want_plain));
            let want_select = if timer { TIMED_OUT } else { 0 };
            assert_eq!(select.get(), Some(want_select));
            if pair == Pair::PartnerTaken {
                assert!(timer, "a select that lost its partner stays claimable");
            }
        });
    }

    #[test]
    fn two_selects_claiming_each_other_do_not_deadlock() {
        loom::model(|| {
            // Two registering selects, each finding the other's waiter on a
            // shared channel (from opposite sides).
            let (a, b) = (Arc::new(Winner::select()), Arc::new(Winner::select()));
            let (a2, b2) = (a.clone(), b.clone());
            let t = loom::thread::spawn(move || a2.claim_pair(0, &b2, 1));
            let mine = b.claim_pair(1, &a, 0);
            let theirs = t.join().unwrap();

            let outcomes = [mine, theirs];
            assert_eq!(
                outcomes.iter().filter(|o| **o == Pair::Both).count(),
                1,
                "exactly one of them completes the pair: {outcomes:?}"
            );
            assert!(outcomes.contains(&Pair::SelfTaken), "{outcomes:?}");
            assert_eq!((a.get(), b.get()), (Some(0), Some(1)));
        });
    }

    #[test]
    fn a_plain_operation_is_claimed_once() {
        loom::model(|| {
            let w = Arc::new(Winner::single());
            let w2 = w.clone();
            let t = loom::thread::spawn(move || w2.try_claim(1));
            let mine = w.try_claim(2);
            let theirs = t.join().unwrap();
            assert_ne!(mine, theirs, "one claim wins");
            assert_eq!(w.get(), Some(if mine { 2 } else { 1 }));
        });
    }
}
