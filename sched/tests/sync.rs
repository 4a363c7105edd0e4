//! `sync` semantics after Go's `sync` package tests: wait groups, mutex
//! exclusion and starvation mode, RWMutex writer preference, Once, Cond,
//! atomics, RaceCell.

mod common;

use sched::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use sched::sync::{Cond, Mutex, Once, RaceCell, RwLock, WaitGroup};
use sched::{go, yield_now, Runtime};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn waitgroup_waits_for_every_done_and_is_reusable() {
    sched::run(|| {
        let wg = Arc::new(WaitGroup::new());
        let n = Arc::new(AtomicUsize::new(0));
        for round in 1..=3 {
            wg.add(100);
            for _ in 0..100 {
                let (wg, n) = (wg.clone(), n.clone());
                go(move || {
                    sched::time::sleep(Duration::from_micros(100));
                    n.fetch_add(1, SeqCst);
                    wg.done();
                });
            }
            wg.wait();
            assert_eq!(n.load(SeqCst), 100 * round);
            assert_eq!(wg.count(), 0);
        }
        wg.wait(); // zero: returns at once
    });
}

#[test]
fn waitgroup_releases_every_waiter() {
    sched::run(|| {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1);
        let ws: Vec<_> = (0..10)
            .map(|_| {
                let wg = wg.clone();
                go(move || wg.wait())
            })
            .collect();
        sched::time::sleep(ms(10));
        wg.done();
        ws.into_iter().for_each(|w| w.join().unwrap());
    });
}

#[test]
fn negative_waitgroup_counter_panics_with_gos_message() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    let err = std::panic::catch_unwind(|| wg.done()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<&str>(),
        Some(&"sync: negative WaitGroup counter")
    );
    assert_eq!(wg.count(), 0);
}

/// 2000 goroutines increment a counter with a read, a yield and a write:
/// without mutual exclusion increments are lost.
fn mutex_counter(rt: &Runtime, n: usize) {
    let total = rt.block_on(move || {
        let m = Arc::new(Mutex::new(0usize));
        let inside = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let (m, inside) = (m.clone(), inside.clone());
                go(move || {
                    let mut g = m.lock();
                    assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders");
                    let v = *g;
                    yield_now();
                    *g = v + 1;
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
        let v = *m.lock();
        v
    });
    assert_eq!(total, n, "{rt:?}");
}

#[test]
fn stress_mutex_counter_on_every_policy() {
    for rt in common::every_runtime() {
        mutex_counter(&rt, 2000);
    }
}

/// Goroutines that each take the lock many times, sometimes yielding while
/// they hold it (so others queue and are woken to compete) and sometimes
/// after: a lost wake-up in `unlock`'s "one woken competitor at a time"
/// rule would leave a waiter parked for ever; the watchdog turns that hang
/// into a failure.
#[test]
fn a_hammered_mutex_loses_no_wake_up_on_every_policy() {
    for rt in common::every_runtime() {
        let label = format!("{rt:?}");
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let total = rt.block_on(|| {
                let m = Arc::new(Mutex::new(0u64));
                let hs: Vec<_> = (0..16u64)
                    .map(|i| {
                        let m = m.clone();
                        go(move || {
                            for k in 0..300u64 {
                                let mut g = m.lock();
                                *g += 1;
                                if (k + i) % 7 == 0 {
                                    yield_now();
                                }
                                drop(g);
                                if k % 5 == 0 {
                                    yield_now();
                                }
                            }
                        })
                    })
                    .collect();
                hs.into_iter().for_each(|h| h.join().unwrap());
                let v = *m.lock();
                v
            });
            done_tx.send(total).unwrap();
        });
        let total = done_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("lost wake-up: the mutex test hung on {label}"));
        t.join().unwrap();
        assert_eq!(total, 16 * 300, "{label}");
    }
}

#[test]
fn try_lock_fails_while_held() {
    let m = Mutex::new(1);
    let g = m.lock();
    assert!(m.try_lock().is_none());
    drop(g);
    *m.try_lock().unwrap() += 1;
    assert_eq!(m.into_inner(), 2);
}

#[test]
fn a_long_waiter_gets_the_lock_while_others_hammer_it() {
    let rt = Runtime::builder().procs(2).build().unwrap();
    rt.block_on(|| {
        let m = Arc::new(Mutex::new(()));
        let stop = Arc::new(AtomicBool::new(false));
        let hammers: Vec<_> = (0..3)
            .map(|_| {
                let (m, stop) = (m.clone(), stop.clone());
                go(move || {
                    while !stop.load(SeqCst) {
                        let _g = m.lock();
                        let t = Instant::now();
                        while t.elapsed() < Duration::from_micros(50) {
                            std::hint::spin_loop();
                        }
                    }
                })
            })
            .collect();
        sched::time::sleep(ms(5));
        let t0 = Instant::now();
        drop(m.lock()); // the long waiter
        let waited = t0.elapsed();
        stop.store(true, SeqCst);
        hammers.into_iter().for_each(|h| h.join().unwrap());
        assert!(waited < Duration::from_secs(2), "waited {waited:?}");
    });
}

#[test]
fn starvation_mode_hands_off_to_the_oldest_waiter_in_fifo_order() {
    // One P, so the steps interleave exactly as written.
    Runtime::builder().procs(1).build().unwrap().block_on(|| {
        let m = Arc::new(Mutex::new(()));
        let (order_tx, order_rx) = sched::chan::<&str>(2);
        let g = m.lock();
        let spawn = |name: &'static str| {
            let (m, tx) = (m.clone(), order_tx.clone());
            go(move || {
                let _g = m.lock();
                tx.send(name).unwrap();
            })
        };
        let v = spawn("victim"); // queues behind main
        sched::time::sleep(ms(5)); // the victim has now waited > 1 ms
        drop(g); // wakes the victim (normal mode) ...
        let g = m.lock(); // ... but main barges in first
        sched::time::sleep(ms(5)); // victim wakes, loses: starvation mode
        let b = spawn("newcomer"); // may not barge: queues at the tail
        sched::time::sleep(ms(5));
        assert_eq!(m.handoffs(), 0);
        drop(g); // hands the lock to the victim, then to the newcomer
        v.join().unwrap();
        b.join().unwrap();
        assert_eq!(order_rx.recv(), Ok("victim"));
        assert_eq!(order_rx.recv(), Ok("newcomer"));
        assert_eq!(m.handoffs(), 2, "both waiters were handed the lock");
        assert!(
            m.try_lock().is_some(),
            "normal mode again once the queue drained"
        );
    });
}

#[test]
fn rwlock_admits_many_readers() {
    let l = RwLock::new(5);
    let a = l.read();
    let b = l.try_read().expect("a second reader gets in");
    assert_eq!(*a + *b, 10);
    assert!(l.try_write().is_none());
    drop((a, b));
    *l.write() += 1;
    assert_eq!(*l.read(), 6);
}

#[test]
fn a_waiting_writer_blocks_new_readers() {
    // One P: each spawned goroutine runs (and parks) while main sleeps.
    Runtime::builder().procs(1).build().unwrap().block_on(|| {
        let l = Arc::new(RwLock::new(0));
        let r1 = l.read();
        let lw = l.clone();
        let writer = go(move || *lw.write() = 1);
        sched::time::sleep(ms(20));
        // Go's rule: the writer waits, so no new reader may enter — a
        // recursive read lock here would deadlock, as in Go.
        assert!(l.try_read().is_none());
        let lr = l.clone();
        let reader = go(move || *lr.read());
        sched::time::sleep(ms(20));
        assert_eq!(*r1, 0);
        drop(r1);
        writer.join().unwrap();
        // The reader arrived before the write but reads after it.
        assert_eq!(reader.join().unwrap(), 1);
    });
}

#[test]
fn once_runs_once_and_others_wait_for_it() {
    sched::run(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..100)
            .map(|_| {
                let (once, runs) = (once.clone(), runs.clone());
                go(move || {
                    once.call_once(|| {
                        sched::time::sleep(ms(20));
                        runs.fetch_add(1, SeqCst);
                    });
                    // Every caller returns only after the call finished.
                    runs.load(SeqCst)
                })
            })
            .collect();
        for h in hs {
            assert_eq!(h.join().unwrap(), 1);
        }
        assert!(once.is_completed());
    });
}

#[test]
fn a_panicking_once_counts_as_done() {
    let once = Once::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        once.call_once(|| panic!("first"))
    }));
    assert!(r.is_err());
    let mut ran = false;
    once.call_once(|| ran = true);
    assert!(!ran && once.is_completed());
}

#[test]
fn cond_signal_wakes_one_and_broadcast_wakes_all() {
    Runtime::builder().procs(1).build().unwrap().block_on(|| {
        let state = Arc::new((Mutex::new(0u32), Cond::new()));
        let waiters: Vec<_> = (0..5)
            .map(|_| {
                let s = state.clone();
                go(move || {
                    let (m, c) = &*s;
                    let mut g = m.lock();
                    while *g == 0 {
                        g = c.wait(g);
                    }
                    *g -= 1;
                })
            })
            .collect();
        sched::time::sleep(ms(20));
        let (m, c) = &*state;
        *m.lock() = 1;
        c.signal();
        sched::time::sleep(ms(20));
        assert_eq!(*m.lock(), 0, "one waiter took the token");
        *m.lock() = 4;
        c.broadcast();
        waiters.into_iter().for_each(|w| w.join().unwrap());
        assert_eq!(*m.lock(), 0);
    });
}

static HITS: AtomicU64 = AtomicU64::new(0);

#[test]
fn atomics_keep_the_std_api() {
    sched::run(|| {
        let hs: Vec<_> = (0..1000)
            .map(|_| go(|| HITS.fetch_add(1, Relaxed)))
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    assert_eq!(HITS.load(SeqCst), 1000);
    let a = AtomicUsize::new(5);
    assert_eq!(a.compare_exchange(4, 9, AcqRel, Acquire), Err(5));
    assert_eq!(a.compare_exchange(5, 9, AcqRel, Acquire), Ok(5));
    assert_eq!(a.fetch_update(SeqCst, SeqCst, |v| Some(v * 2)), Ok(9));
    assert_eq!(a.swap(1, SeqCst), 18);
    assert_eq!(a.fetch_max(7, SeqCst), 1);
    assert_eq!(a.into_inner(), 7);
    let b = AtomicBool::new(false);
    assert!(!b.fetch_or(true, SeqCst));
    assert!(b.load(SeqCst));
}

#[test]
fn race_cell_reads_and_writes_through_closures() {
    sched::run(|| {
        let cell = Arc::new(RaceCell::new(Vec::new()));
        let lock = Arc::new(Mutex::new(()));
        let hs: Vec<_> = (0..50)
            .map(|i| {
                let (cell, lock) = (cell.clone(), lock.clone());
                go(move || {
                    let _g = lock.lock();
                    cell.with_mut(|v| v.push(i));
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(cell.with(|v| v.len()), 50);
    });
}

#[test]
fn stress_rwlock_and_waitgroup_on_every_policy() {
    for rt in common::every_runtime() {
        rt.block_on(|| {
            let l = Arc::new(RwLock::new((0u64, 0u64)));
            let wg = Arc::new(WaitGroup::new());
            wg.add(1000);
            for i in 0..1000u64 {
                let (l, wg) = (l.clone(), wg.clone());
                go(move || {
                    if i % 10 == 0 {
                        let mut g = l.write();
                        g.0 += 1;
                        yield_now();
                        g.1 += 1;
                    } else {
                        let g = l.read();
                        yield_now();
                        assert_eq!(g.0, g.1, "a reader saw a half-done write");
                    }
                    wg.done();
                });
            }
            wg.wait();
            assert_eq!(*l.read(), (100, 100));
        });
    }
}
