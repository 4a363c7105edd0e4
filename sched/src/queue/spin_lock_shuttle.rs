//! `spin_lock.rs` compiled a second time, against shuttle, with its suite.
//!
//! A spin lock is outside what loom can explore: a waiter that spins (even
//! with loom's yield in the loop) livelocks the model under any preemption
//! bound ("Model exceeded maximum number of branches"). Shuttle's schedulers
//! run it instead: random and PCT schedules, preempting at every atomic
//! access and every yield. Shuttle is sequentially consistent, so this
//! checks the protocol (mutual exclusion, no lost update, no waiter stuck),
//! not the orderings; those are the textbook pair argued in the module
//! (the Acquire swap after the last holder's Release store).

#![allow(clippy::duplicate_mod)]

mod sync {
    pub(crate) use crate::queue::sync::UnsafeCell;
    pub(crate) use shuttle::sync::atomic::{AtomicBool, Ordering};

    pub(crate) fn looks_set(flag: &AtomicBool) -> bool {
        // Relaxed: a hint, as in `sync.rs` (shuttle is sequentially
        // consistent whatever the ordering).
        flag.load(Ordering::Relaxed)
    }

    pub(crate) fn spin_backoff(_round: u32) {
        shuttle::thread::yield_now();
    }

    pub(crate) fn yield_thread() {
        shuttle::thread::yield_now();
    }
}

#[path = "spin_lock.rs"]
mod spin_lock;

#[cfg(test)]
mod shuttle_tests {
    //! Three threads update a counter under the lock, three times each, and
    //! yield inside the critical section, where a second holder would be
    //! seen (`inside`) and an update lost (the final count). 2,000 random
    //! and 2,000 PCT schedules (well under a second).

    use super::spin_lock::SpinLock;
    use shuttle::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;

    fn scenario() {
        let lock = Arc::new(SpinLock::new(0u32));
        let inside = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (lock, inside) = (lock.clone(), inside.clone());
                shuttle::thread::spawn(move || {
                    for _ in 0..3 {
                        lock.with(|n| {
                            // SeqCst: the test's own witness of two holders,
                            // not part of the protocol under test.
                            assert!(!inside.swap(true, SeqCst), "two holders at once");
                            let seen = *n;
                            shuttle::thread::yield_now();
                            *n = seen + 1;
                            inside.store(false, SeqCst);
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(lock.with(|n| *n), 9, "an update was lost");
    }

    #[test]
    fn spin_lock_excludes_its_holders_random() {
        shuttle::check_random(scenario, 2_000);
    }

    #[test]
    fn spin_lock_excludes_its_holders_pct() {
        shuttle::check_pct(scenario, 2_000, 3);
    }
}
