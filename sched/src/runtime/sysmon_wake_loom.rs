//! `sysmon_wake.rs` compiled a second time, against loom, for `loom_tests`.

#![allow(clippy::duplicate_mod)]

mod sysmon_wake_sync {
    pub(crate) use loom::sync::atomic::{fence, AtomicU64, Ordering};
}

#[path = "sysmon_wake.rs"]
pub(crate) mod sysmon_wake;

#[cfg(test)]
mod loom_tests {
    //! No lost wake-up between a blocking call and a backed-off sysmon.
    //!
    //! sysmon starts a round (its last sleep, from the round before, has
    //! passed: `wake_at` = 0), scans the one P and picks a long sleep unless
    //! the P is in a blocking call. Meanwhile an M puts that P in a call and
    //! asks whether to unpark sysmon. Whatever the interleaving, sysmon must
    //! either see the call or be unparked. Removing either fence of
    //! `sysmon_wake.rs` makes the test fail (checked by hand when this was
    //! written). Bounds: two threads, a handful of operations; loom explores
    //! every interleaving and memory-model outcome.

    use super::sysmon_wake::WakeAt;
    use loom::sync::atomic::{AtomicBool, AtomicU8, Ordering::Acquire, Ordering::Release};
    use loom::sync::Arc;

    const RUNNING: u8 = 0;
    const SYSCALL: u8 = 1;
    /// The retake time of the call, and sysmon's short and long sleeps.
    const RETAKE_AT: u64 = 20;
    const TICK_AT: u64 = 20;
    const LONG_AT: u64 = 5_000;

    #[test]
    fn a_blocking_call_either_is_seen_by_sysmon_or_wakes_it() {
        loom::model(|| {
            let wake_at = Arc::new(WakeAt::new());
            wake_at.sysmon_sleeps_until(0); // the previous round's sleep
            let status = Arc::new(AtomicU8::new(RUNNING));
            let unparked = Arc::new(AtomicBool::new(false));

            let (w, s, u) = (wake_at.clone(), status.clone(), unparked.clone());
            let m = loom::thread::spawn(move || {
                s.store(SYSCALL, Release);
                if w.blocking_call_must_wake(RETAKE_AT) {
                    u.store(true, Release);
                }
            });

            wake_at.sysmon_awake();
            let saw_call = status.load(Acquire) == SYSCALL;
            wake_at.sysmon_sleeps_until(if saw_call { TICK_AT } else { LONG_AT });
            m.join().unwrap();
            assert!(
                saw_call || unparked.load(Acquire),
                "lost wake-up: sysmon missed the blocking call and nobody unparked it"
            );
        });
    }
}
