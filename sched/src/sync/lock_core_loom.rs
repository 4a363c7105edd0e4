//! `lock_core.rs` compiled a second time, against loom, for `loom_tests`.

#![allow(clippy::duplicate_mod)]

mod lock_sync {
    pub(crate) use crate::queue::loom_build::slot::Slot;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
}

#[path = "lock_core.rs"]
pub(crate) mod lock_core;

#[cfg(test)]
mod loom_tests {
    //! No lost wake-up in the mutex's fast path, under loom.
    //!
    //! Each contender runs the mutex's protocol without its policy layer
    //! (no spinning, no `woken` rule, no starvation): try the fast path;
    //! else, under the queue lock, `register` (which retries) and queue
    //! itself; park until an unlocker wakes it; repeat. An unlocker puts
    //! the value back and, if `put_back` says someone is registered, wakes
    //! the oldest. A lost wake-up leaves a contender parked forever, which
    //! loom reports as a deadlock; the value's contents are a loom cell, so
    //! a hand-over without happens-before is a causality violation.
    //!
    //! Checked by hand when written: with `Slot::take_now` weakened to
    //! Acquire (dropping the Release that publishes the registration),
    //! `a_release_racing_a_registration_wakes_the_waiter` deadlocks; with
    //! `register` retrying through `Slot::take` (whose empty check is a
    //! plain load, not a swap) both tests deadlock.
    //! Bounds: two threads unbounded; three within [`PREEMPTIONS`].

    use super::lock_core::LockCore;
    use loom::cell::UnsafeCell;
    use loom::sync::{Arc, Condvar, Mutex};
    use std::collections::VecDeque;

    /// The preemption bound of the three-thread test.
    const PREEMPTIONS: usize = 3;

    /// The protected value: a counter in a loom cell.
    type Value = Box<UnsafeCell<usize>>;

    struct World {
        core: LockCore<Value>,
        /// The mutex's queue lock and its waiters (contender indices).
        queue: Mutex<VecDeque<usize>>,
        /// One wake-up flag per contender.
        flags: Vec<(Mutex<bool>, Condvar)>,
    }

    impl World {
        fn new(contenders: usize) -> Arc<World> {
            Arc::new(World {
                core: LockCore::new(Box::new(UnsafeCell::new(0))),
                queue: Mutex::new(VecDeque::new()),
                flags: (0..contenders)
                    .map(|_| (Mutex::new(false), Condvar::new()))
                    .collect(),
            })
        }

        /// `Mutex::lock`'s protocol for contender `me`.
        fn lock(&self, me: usize) -> Value {
            loop {
                if let Some(v) = self.core.try_take() {
                    return v;
                }
                let mut q = self.queue.lock().unwrap();
                if let Some(v) = self.core.register() {
                    return v;
                }
                q.push_back(me);
                drop(q);
                let (flag, cv) = &self.flags[me];
                let mut woken = flag.lock().unwrap();
                while !*woken {
                    woken = cv.wait(woken).unwrap();
                }
                *woken = false;
            }
        }

        /// `Mutex::release`'s protocol.
        fn unlock(&self, v: Value) {
            if !self.core.put_back(v) {
                return;
            }
            let mut q = self.queue.lock().unwrap();
            if let Some(w) = q.pop_front() {
                self.core.unregister();
                drop(q);
                let (flag, cv) = &self.flags[w];
                *flag.lock().unwrap() = true;
                cv.notify_one();
            }
        }

        /// Locks, increments the counter, unlocks.
        fn bump(&self, me: usize) {
            let v = self.lock(me);
            // SAFETY: holding the value is holding the lock: no other
            // thread touches the cell until `unlock` (loom checks it).
            v.with_mut(|c| unsafe { *c += 1 });
            self.unlock(v);
        }

        fn count(&self) -> usize {
            let v = self.core.try_take().expect("unlocked at the end");
            // SAFETY: as in `bump`.
            let n = v.with(|c| unsafe { *c });
            assert!(!self.core.put_back(v), "nobody waits at the end");
            n
        }
    }

    #[test]
    fn a_release_racing_a_registration_wakes_the_waiter() {
        loom::model(|| {
            let w = World::new(1);
            let held = w.core.try_take().expect("starts unlocked");
            let w2 = w.clone();
            let t = loom::thread::spawn(move || w2.bump(0));
            w.unlock(held);
            t.join().unwrap();
            assert_eq!(w.count(), 1);
        });
    }

    #[test]
    fn two_contenders_and_a_holder_all_get_the_lock() {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(PREEMPTIONS);
        }
        builder.check(|| {
            let w = World::new(2);
            let held = w.core.try_take().expect("starts unlocked");
            let ts: Vec<_> = (0..2)
                .map(|i| {
                    let w2 = w.clone();
                    loom::thread::spawn(move || w2.bump(i))
                })
                .collect();
            w.unlock(held);
            for t in ts {
                t.join().unwrap();
            }
            assert_eq!(w.count(), 2);
        });
    }
}
