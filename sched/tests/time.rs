//! Timers after Go's `time` package tests: `After`, `Timer.Stop/Reset`
//! return values (Go 1.23), `AfterFunc`, `Ticker`, plus `timeout`.

use sched::time::{after, after_func, timeout, Elapsed, Ticker, Timer};
use sched::{chan, go, Runtime};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Waits (up to 5 s) until the timer's value is buffered, unreceived.
fn until_fired(c: &sched::chan::Receiver<sched::time::Instant>) {
    let t0 = Instant::now();
    while c.is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the timer never fired"
        );
        std::thread::sleep(ms(1));
    }
}

#[test]
fn after_delivers_once_after_the_duration() {
    let t0 = Instant::now();
    let rx = after(ms(20));
    let at = rx.recv().unwrap();
    assert!(t0.elapsed() >= ms(20));
    assert!(at <= sched::time::Instant::now());
    assert!(rx.recv().is_err(), "after's channel closes after its value");
}

#[test]
fn timers_fire_in_deadline_order() {
    let rt = Runtime::builder().procs(1).build().unwrap();
    let order = rt.block_on(|| {
        let (tx, rx) = chan::<u64>(10);
        let timers: Vec<_> = [60u64, 15, 45, 30, 75]
            .into_iter()
            .map(|d| {
                let tx = tx.clone();
                after_func(ms(d), move || tx.send(d).unwrap())
            })
            .collect();
        let order: Vec<u64> = (0..5).map(|_| rx.recv().unwrap()).collect();
        drop(timers);
        order
    });
    assert_eq!(order, vec![15, 30, 45, 60, 75]);
}

#[test]
fn stop_reports_whether_it_stopped_an_active_timer() {
    let t = Timer::new(ms(50));
    assert!(t.stop(), "stopping an active timer");
    assert!(!t.stop(), "already stopped");
    assert!(
        t.c.recv_timeout(ms(80)).is_err(),
        "a stopped timer never fires"
    );

    let t = Timer::new(ms(5));
    until_fired(&t.c);
    assert!(!t.stop(), "already fired");
    assert!(
        t.c.try_recv().is_err(),
        "Go 1.23: no stale value after Stop"
    );
}

#[test]
fn reset_reports_whether_the_timer_was_active_and_rearms() {
    let t = Timer::new(Duration::from_secs(3600));
    let t0 = Instant::now();
    assert!(t.reset(ms(10)), "was active");
    t.receiver().recv().unwrap();
    assert!(t0.elapsed() >= ms(10));
    assert!(!t.reset(ms(10)), "had fired");
    t.c.recv_timeout(Duration::from_secs(5)).unwrap();
    // Fired but not received, then reset: the stale value is gone.
    assert!(!t.reset(ms(1)));
    until_fired(&t.c);
    assert!(!t.reset(Duration::from_secs(3600)));
    assert!(t.c.try_recv().is_err());
    assert!(t.stop());
}

#[test]
fn after_func_runs_in_a_goroutine_unless_stopped() {
    sched::run(|| {
        let (tx, rx) = chan::<bool>(1);
        let _t = after_func(ms(10), move || {
            tx.send(sched::current().is_some()).unwrap();
        });
        assert_eq!(rx.recv(), Ok(true), "f ran on a goroutine");

        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let t = after_func(ms(20), move || r.store(true, SeqCst));
        assert!(t.stop());
        sched::time::sleep(ms(40));
        assert!(!ran.load(SeqCst));
    });
}

#[test]
fn after_func_outside_a_runtime_runs_on_a_thread() {
    let (tx, rx) = chan::<bool>(1);
    let _t = after_func(ms(5), move || {
        tx.send(sched::current().is_none()).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
}

#[test]
fn ticker_ticks_every_period_and_stops() {
    let ticker = Ticker::new(ms(10));
    let t0 = Instant::now();
    for _ in 0..5 {
        ticker.c.recv().unwrap();
    }
    assert!(t0.elapsed() >= ms(50), "{:?}", t0.elapsed());
    ticker.stop();
    assert!(ticker.c.recv_timeout(ms(40)).is_err(), "no tick after stop");
    ticker.reset(ms(5));
    ticker.c.recv_timeout(Duration::from_secs(5)).unwrap();
}

#[test]
fn ticker_drops_ticks_for_a_slow_receiver() {
    let ticker = Ticker::new(ms(2));
    std::thread::sleep(ms(50));
    until_fired(&ticker.c);
    assert_eq!(ticker.c.len(), 1, "one tick buffered, the rest dropped");
    ticker.c.recv().unwrap();
    let t0 = Instant::now();
    ticker.c.recv().unwrap();
    assert!(t0.elapsed() < ms(500), "ticking goes on");
}

#[test]
fn timeout_returns_the_value_or_elapsed() {
    sched::run(|| {
        assert_eq!(timeout(Duration::from_secs(5), || 6 * 7), Ok(42));
        let finished = Arc::new(AtomicBool::new(false));
        let f = finished.clone();
        let t0 = Instant::now();
        let r = timeout(ms(20), move || {
            sched::time::sleep(ms(60));
            f.store(true, SeqCst);
        });
        assert_eq!(r, Err(Elapsed));
        assert!(t0.elapsed() >= ms(20) && !finished.load(SeqCst));
        sched::time::sleep(ms(100));
        assert!(finished.load(SeqCst), "the closure keeps running");
    });
}

#[test]
fn timeout_re_raises_a_panic() {
    let r = std::panic::catch_unwind(|| timeout(Duration::from_secs(5), || panic!("inner")));
    assert_eq!(r.unwrap_err().downcast_ref::<&str>(), Some(&"inner"));
}

#[test]
fn sleeping_goroutines_do_not_hold_the_thread() {
    let rt = Runtime::builder().procs(1).build().unwrap();
    let t0 = Instant::now();
    let woke = Arc::new(AtomicUsize::new(0));
    let w = woke.clone();
    rt.block_on(move || {
        let hs: Vec<_> = (0..200)
            .map(|_| {
                let w = w.clone();
                go(move || {
                    sched::time::sleep(ms(50));
                    w.fetch_add(1, SeqCst);
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
    });
    assert_eq!(woke.load(SeqCst), 200);
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}
