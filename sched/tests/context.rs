//! Context trees after Go's `context_test.go`: cancellation propagates to
//! every descendant, never upwards; deadlines; `done()` in `select!`.

use sched::context::{self, ContextError};
use sched::{go, select};
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn background_is_never_done() {
    let bg = context::background();
    assert_eq!(bg.err(), None);
    assert_eq!(bg.deadline(), None);
    assert!(bg.done().try_recv().is_err() && !bg.done().is_closed());
}

#[test]
fn cancel_reaches_every_descendant_and_not_the_parent() {
    let bg = context::background();
    let (a, cancel_a) = context::with_cancel(&bg);
    let (b, _cancel_b) = context::with_cancel(&a);
    let (c, _cancel_c) = context::with_cancel(&b);
    let (sibling, _cs) = context::with_cancel(&bg);
    let (b2, cancel_b2) = context::with_cancel(&a);
    cancel_b2.cancel();
    assert_eq!(b2.err(), Some(ContextError::Canceled));
    assert_eq!(a.err(), None, "a child's cancel does not reach its parent");
    cancel_a.cancel();
    cancel_a.cancel(); // idempotent
    for ctx in [&a, &b, &c] {
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
        assert!(ctx.done().recv().is_err(), "done is closed");
    }
    assert_eq!(sibling.err(), None);
}

#[test]
fn a_child_of_a_cancelled_parent_starts_cancelled() {
    let (a, cancel) = context::with_cancel(&context::background());
    cancel.cancel();
    let (b, _c) = context::with_timeout(&a, Duration::from_secs(60));
    assert_eq!(b.err(), Some(ContextError::Canceled));
}

#[test]
fn deadline_cancels_the_subtree_with_deadline_exceeded() {
    let bg = context::background();
    let t0 = Instant::now();
    let (a, _ca) = context::with_timeout(&bg, ms(30));
    let (b, _cb) = context::with_cancel(&a);
    let (c, _cc) = context::with_timeout(&b, Duration::from_secs(60));
    assert_eq!(c.deadline(), a.deadline(), "the earlier deadline wins");
    assert!(c.done().recv().is_err());
    assert!(t0.elapsed() >= ms(30));
    for ctx in [&a, &b, &c] {
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    }
}

#[test]
fn cancel_before_the_deadline_reports_canceled() {
    let (a, cancel) = context::with_timeout(&context::background(), ms(20));
    cancel.cancel();
    std::thread::sleep(ms(40));
    assert_eq!(a.err(), Some(ContextError::Canceled));
}

#[test]
fn a_past_deadline_is_exceeded_at_once() {
    let now = sched::time::Instant::now();
    let (a, _c) = context::with_deadline(&context::background(), now);
    assert_eq!(a.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn dropping_a_context_does_not_close_done() {
    let done = {
        let (ctx, _cancel) = context::with_cancel(&context::background());
        ctx.done()
    };
    assert_eq!(
        done.recv_timeout(ms(10)).unwrap_err(),
        sched::chan::RecvTimeoutError::Timeout
    );
}

#[test]
fn workers_stop_on_cancel_through_select() {
    sched::run(|| {
        let (ctx, cancel) = context::with_cancel(&context::background());
        let (tx, rx) = sched::chan::<u32>(0);
        let workers: Vec<_> = (0..20)
            .map(|_| {
                let (ctx, rx) = (ctx.clone(), rx.clone());
                go(move || {
                    let mut n = 0;
                    loop {
                        select! {
                            recv(rx) -> _ => n += 1,
                            recv(ctx.done()) -> _ => return (n, ctx.err()),
                        }
                    }
                })
            })
            .collect();
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        cancel.cancel();
        let mut total = 0;
        for w in workers {
            let (n, err) = w.join().unwrap();
            assert_eq!(err, Some(ContextError::Canceled));
            total += n;
        }
        assert_eq!(total, 100);
    });
}

#[test]
fn many_children_cancelled_and_dropped_leave_nothing_behind() {
    let (root, cancel_root) = context::with_cancel(&context::background());
    for _ in 0..10_000 {
        let (c, cancel) = context::with_cancel(&root);
        cancel.cancel();
        assert!(c.is_done());
    }
    assert_eq!(root.children(), (0, 0), "cancelled children unlink");
    let (kept, _k) = context::with_cancel(&root);
    for _ in 0..10_000 {
        let _ = context::with_cancel(&root); // dropped without cancel
    }
    let (entries, live) = root.children();
    assert_eq!(live, 1);
    assert!(entries <= 4, "dead entries are pruned: {entries}");
    cancel_root.cancel();
    assert!(kept.is_done());
    assert!(root.is_done());
}
