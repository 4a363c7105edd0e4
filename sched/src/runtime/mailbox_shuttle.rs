//! `mailbox.rs` compiled a second time, against shuttle, with its suite.

#![allow(clippy::duplicate_mod)]

mod mailbox_sync {
    pub(crate) use shuttle::sync::{Mutex, MutexGuard};
    pub(crate) use shuttle::thread::{current, park, Thread};
}

#[path = "mailbox.rs"]
pub(crate) mod mailbox;

#[cfg(test)]
mod shuttle_tests {
    //! Park, unpark and hand-off of Ps across Ms, under shuttle.
    //!
    //! Two Ms park on the idle list; a waker (sysmon or a `wakep` caller)
    //! hands each of three Ps to an idle M or, finding none, back to the
    //! idle-P list; then shutdown is requested and every parked M is nudged.
    //! Checked: every P ends up exactly once either with an M or on the
    //! idle-P list (none is lost in the mailbox of an exiting M), and no M
    //! sleeps forever (shuttle reports a deadlock if one does). Random and
    //! PCT schedules, 2,000 iterations each (a few seconds).

    use super::mailbox::{hand_to_idle, wait_for_work, Mailbox};
    use shuttle::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use shuttle::sync::Mutex;
    use std::sync::Arc;

    #[derive(Default)]
    struct Idle {
        ms: Vec<Arc<Mailbox<u32>>>,
        ps: Vec<u32>,
    }

    fn scenario() {
        let idle = Arc::new(Mutex::new(Idle::default()));
        let shutdown = Arc::new(AtomicBool::new(false));
        let got = Arc::new(Mutex::new(Vec::new()));
        let ms: Vec<_> = (0..2)
            .map(|_| {
                let (idle, shutdown, got) = (idle.clone(), shutdown.clone(), got.clone());
                shuttle::thread::spawn(move || {
                    let me = Arc::new(Mailbox::for_current_thread());
                    match wait_for_work(
                        &idle,
                        |l: &mut Idle| &mut l.ms,
                        &me,
                        || shutdown.load(SeqCst),
                    ) {
                        Ok(p) => got.lock().unwrap().push(p),
                        Err(Some(p)) => idle.lock().unwrap().ps.push(p),
                        Err(None) => {}
                    }
                })
            })
            .collect();
        for p in 0..3 {
            let handed = {
                let mut l = idle.lock().unwrap();
                hand_to_idle(&mut l.ms, p).map_err(|p| l.ps.push(p))
            };
            if let Ok(m) = handed {
                m.wake();
            }
        }
        shutdown.store(true, SeqCst);
        for m in idle.lock().unwrap().ms.iter() {
            m.nudge();
        }
        for m in ms {
            m.join().unwrap();
        }
        let mut all: Vec<u32> = got.lock().unwrap().clone();
        all.extend(idle.lock().unwrap().ps.iter().copied());
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2], "a P was lost or duplicated");
    }

    #[test]
    fn ps_handed_to_parking_ms_are_never_lost_random() {
        shuttle::check_random(scenario, 2_000);
    }

    #[test]
    fn ps_handed_to_parking_ms_are_never_lost_pct() {
        shuttle::check_pct(scenario, 2_000, 3);
    }
}
