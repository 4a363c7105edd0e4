//! `idle.rs` compiled a second time, against loom, for `loom_tests`.

#![allow(clippy::duplicate_mod)]

mod idle_sync {
    pub(crate) use loom::sync::atomic::{fence, AtomicUsize, Ordering};
}

#[path = "idle.rs"]
pub(crate) mod idle;

#[cfg(test)]
mod loom_tests {
    //! The no-lost-wake-up property of the spinning protocol, under loom.
    //!
    //! One M holds the only busy P and is spinning; it finds nothing, makes
    //! its P idle and gives up spinning, then re-checks the queue. Meanwhile
    //! a submitter publishes one runnable goroutine (a Relaxed length hint,
    //! as the real queues' `len` is) and runs the submitter half. Whatever
    //! the interleaving, the goroutine must be picked up: either the
    //! submitter claims a wake-up, or the spinner's re-check sees the work.
    //! Removing either fence of `idle.rs` makes the first test fail (checked
    //! by hand when this was written). Bounds: two threads, a handful of
    //! operations; loom explores every
    //! interleaving and memory-model outcome (`LOOM_MAX_PREEMPTIONS`
    //! unset: unbounded).

    use super::idle::Idle;
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    use loom::sync::Arc;

    #[test]
    fn a_goroutine_readied_while_the_last_spinner_gives_up_is_never_stranded() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(0));
            idle.start_spinning();
            let queued = Arc::new(AtomicUsize::new(0));
            let woke = Arc::new(AtomicBool::new(false));

            let (i, q, w) = (idle.clone(), queued.clone(), woke.clone());
            let submitter = loom::thread::spawn(move || {
                q.store(1, Relaxed);
                if i.claim_wake() {
                    w.store(true, Relaxed);
                }
            });

            idle.p_idle();
            idle.stop_spinning_and_recheck();
            let rechecked = queued.load(Relaxed) > 0;
            submitter.join().unwrap();
            assert!(
                rechecked || woke.load(Relaxed),
                "lost wake-up: work queued, the spinner saw none and no M was woken"
            );
        });
    }

    #[test]
    fn only_one_submitter_claims_the_wake_up() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(1));
            let claims = Arc::new(AtomicUsize::new(0));
            let ts: Vec<_> = (0..2)
                .map(|_| {
                    let (i, c) = (idle.clone(), claims.clone());
                    loom::thread::spawn(move || {
                        if i.claim_wake() {
                            c.fetch_add(1, Relaxed);
                        }
                    })
                })
                .collect();
            for t in ts {
                t.join().unwrap();
            }
            assert_eq!(
                claims.load(Relaxed),
                1,
                "exactly one spinner is started for one idle P"
            );
        });
    }
}
