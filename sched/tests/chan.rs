//! Channel semantics, after the Go spec and Go's `chan_test.go`.

mod common;

use common::Counted;

use sched::chan::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use sched::{chan, go, Runtime};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn rt(procs: usize) -> Runtime {
    Runtime::builder().procs(procs).build().unwrap()
}

#[test]
fn buffered_values_come_out_in_fifo_order() {
    let (tx, rx) = chan::<u32>(100);
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    assert_eq!((tx.len(), tx.cap()), (100, 100));
    assert_eq!(tx.try_send(100), Err(TrySendError::Full(100)));
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn unbuffered_send_completes_only_when_received() {
    rt(2).block_on(|| {
        let (tx, rx) = chan::<u32>(0);
        let sent = Arc::new(AtomicBool::new(false));
        let s = sent.clone();
        let h = go(move || {
            tx.send(7).unwrap();
            s.store(true, SeqCst);
        });
        sched::time::sleep(ms(30));
        assert!(
            !sent.load(SeqCst),
            "unbuffered send completed without a receiver"
        );
        assert_eq!(rx.recv(), Ok(7));
        h.join().unwrap();
        assert!(sent.load(SeqCst));
    });
}

#[test]
fn unbuffered_try_send_needs_a_waiting_receiver() {
    let (tx, rx) = chan::<u32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let t = std::thread::spawn(move || rx.recv());
    // Retry until the receiver is parked; then the hand-off succeeds.
    let mut v = 2;
    while let Err(TrySendError::Full(back)) = tx.try_send(v) {
        v = back;
        std::thread::yield_now();
    }
    assert_eq!(t.join().unwrap(), Ok(2));
}

#[test]
fn blocked_receivers_are_served_in_fifo_order() {
    // One P: while main sleeps, the new receiver is the only goroutine to
    // run, so it parks before the next one is spawned.
    rt(1).block_on(|| {
        let (tx, rx) = chan::<usize>(0);
        let (out_tx, out_rx) = chan::<(usize, usize)>(10);
        for i in 0..10 {
            let (rx, out) = (rx.clone(), out_tx.clone());
            go(move || out.send((i, rx.recv().unwrap())).unwrap());
            sched::time::sleep(ms(15)); // receiver i parks before i + 1 arrives
        }
        for v in 0..10 {
            tx.send(v).unwrap();
        }
        drop(out_tx);
        let got: Vec<_> = (0..10).map(|_| out_rx.recv().unwrap()).collect();
        assert!(got.iter().all(|(i, v)| i == v), "{got:?}");
    });
}

#[test]
fn close_wakes_every_blocked_receiver() {
    rt(2).block_on(|| {
        let (tx, rx) = chan::<u32>(0);
        let hs: Vec<_> = (0..20)
            .map(|_| {
                let rx = rx.clone();
                go(move || rx.recv())
            })
            .collect();
        sched::time::sleep(ms(20));
        tx.close().unwrap();
        for h in hs {
            assert_eq!(h.join().unwrap(), Err(RecvError));
        }
    });
}

#[test]
fn close_gives_every_blocked_sender_its_value_back() {
    rt(2).block_on(|| {
        let (tx, rx) = chan::<u32>(0);
        let hs: Vec<_> = (0..20)
            .map(|i| {
                let tx = tx.clone();
                go(move || tx.send(i))
            })
            .collect();
        sched::time::sleep(ms(20));
        rx.close().unwrap();
        for (i, h) in hs.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), Err(SendError(i as u32)));
        }
    });
}

#[test]
fn receive_after_close_drains_then_reports_closed() {
    let (tx, rx) = chan::<u32>(3);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    tx.close().unwrap();
    assert!(rx.is_closed());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn send_on_closed_returns_the_value_and_double_close_is_an_error() {
    let (tx, rx) = chan::<String>(1);
    rx.close().unwrap();
    assert_eq!(tx.send("v".into()), Err(SendError("v".to_string())));
    assert_eq!(
        tx.try_send("w".into()),
        Err(TrySendError::Closed("w".into()))
    );
    assert!(tx.close().is_err());
    assert!(rx.close().is_err());
}

#[test]
fn dropping_every_sender_closes_and_wakes_receivers() {
    rt(2).block_on(|| {
        let (tx, rx) = chan::<u32>(0);
        let tx2 = tx.clone();
        let h = go(move || rx.recv());
        sched::time::sleep(ms(10));
        drop(tx);
        sched::time::sleep(ms(10));
        drop(tx2);
        assert_eq!(h.join().unwrap(), Err(RecvError));
    });
}

#[test]
fn dropping_every_receiver_gives_a_blocked_sender_its_value() {
    rt(2).block_on(|| {
        let (tx, rx) = chan::<u32>(1);
        tx.send(1).unwrap();
        let h = go(move || tx.send(2));
        sched::time::sleep(ms(20));
        drop(rx);
        assert_eq!(h.join().unwrap(), Err(SendError(2)));
    });
}

#[test]
fn buffered_values_drop_once_whichever_side_goes_last() {
    rt(1).block_on(|| {
        for receiver_first in [true, false] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = chan::<Counted>(2);
            tx.send(Counted(drops.clone())).unwrap();
            tx.send(Counted(drops.clone())).unwrap();
            // The last sender finding no receiver (or the reverse) skips
            // the close: the values go with the channel itself.
            let (mut tx, mut rx) = (Some(tx), Some(rx));
            if receiver_first {
                drop(rx.take());
            } else {
                drop(tx.take());
            }
            let after_first = drops.load(SeqCst);
            // A last receiver discards the buffer at once (Go drops
            // nothing, but nobody can receive it any more).
            assert_eq!(after_first, if receiver_first { 2 } else { 0 });
            drop((tx, rx));
            assert_eq!(drops.load(SeqCst), 2, "receiver first: {receiver_first}");
        }
    });
}

#[test]
fn a_last_receiver_still_closes_for_a_sender_left_behind() {
    rt(1).block_on(|| {
        let (tx, rx) = chan::<u32>(0);
        drop(rx);
        assert_eq!(tx.send(1), Err(SendError(1)));
        assert!(tx.close().is_err(), "already closed by the receiver's drop");
    });
}

/// A blocked send or receive queues a reference to a waiter on its own
/// stack. When the runtime ends under a goroutine still blocked, its stack
/// is unwound: the entry must leave the queue with it, so the channel
/// (which outlives the runtime here) never reaches the dead frame.
#[test]
fn goroutines_blocked_when_their_runtime_ends_leave_no_waiter_behind() {
    let (tx, rx) = chan::<u32>(0);
    let (vtx, vrx) = chan::<String>(0);
    // Handles kept outside, so neither channel closes when the
    // goroutines' handles go.
    let (rx_outside, vtx_outside) = (rx.clone(), vtx.clone());
    let runtime = rt(1);
    runtime.block_on(move || {
        go(move || rx.recv());
        go(move || vtx.send("left behind".to_string()));
        // One P: both run and block while main sleeps.
        sched::time::sleep(ms(20));
    });
    drop(runtime);
    assert_eq!(
        tx.try_send(1),
        Err(TrySendError::Full(1)),
        "no receiver waits"
    );
    assert_eq!(vrx.try_recv(), Err(TryRecvError::Empty), "no sender waits");
    drop((rx_outside, vtx_outside));
}

#[test]
fn a_full_buffer_takes_the_blocked_senders_value_in_order() {
    rt(1).block_on(|| {
        let (tx, rx) = chan::<u32>(2);
        let h = go(move || (0..10).try_for_each(|i| tx.send(i)));
        sched::time::sleep(ms(20));
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.iter().collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        h.join().unwrap().unwrap();
    });
}

#[test]
fn timeouts_expire_and_give_values_back() {
    let (tx, rx) = chan::<u32>(0);
    let t0 = Instant::now();
    assert_eq!(rx.recv_timeout(ms(30)), Err(RecvTimeoutError::Timeout));
    assert!(t0.elapsed() >= ms(30));
    assert_eq!(
        tx.send_timeout(5, ms(10)),
        Err(SendTimeoutError::Timeout(5))
    );
    // A timed-out waiter is gone from the queue: a later hand-off works.
    let t = std::thread::spawn(move || rx.recv_timeout(Duration::from_secs(10)));
    std::thread::sleep(ms(10));
    assert_eq!(tx.send_timeout(6, Duration::from_secs(10)), Ok(()));
    assert_eq!(t.join().unwrap(), Ok(6));
    assert_eq!(tx.send_timeout(7, ms(1)), Err(SendTimeoutError::Closed(7)));
}

#[test]
fn iteration_ends_at_close() {
    let (tx, rx) = chan::<u32>(0);
    let t = std::thread::spawn(move || {
        for i in 0..5 {
            tx.send(i).unwrap();
        }
    });
    let mut got = Vec::new();
    for v in &rx {
        got.push(v);
    }
    t.join().unwrap();
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
}

#[test]
fn channels_connect_goroutines_and_threads() {
    let (tx, rx) = chan::<u64>(0);
    let (back_tx, back_rx) = chan::<u64>(0);
    let t = std::thread::spawn(move || {
        let mut n = 0;
        for v in rx {
            back_tx.send(v * 2).unwrap();
            n += 1;
        }
        n
    });
    let sum = rt(2).block_on(move || {
        let h = go(move || (0..100).map(|_| back_rx.recv().unwrap()).sum::<u64>());
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        h.join().unwrap()
    });
    assert_eq!(sum, 2 * (0..100).sum::<u64>());
    assert_eq!(t.join().unwrap(), 100);
}

/// Many producers and consumers; every value is received exactly once.
fn exchange(rt: &Runtime, cap: usize, producers: usize, per: usize, consumers: usize) {
    let n = producers * per;
    let hits: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let h = hits.clone();
    rt.block_on(move || {
        let (tx, rx) = chan::<usize>(cap);
        let cs: Vec<_> = (0..consumers)
            .map(|_| {
                let (rx, h) = (rx.clone(), h.clone());
                go(move || {
                    rx.iter().for_each(|v| {
                        h[v].fetch_add(1, Relaxed);
                    })
                })
            })
            .collect();
        let ps: Vec<_> = (0..producers)
            .map(|p| {
                let tx = tx.clone();
                go(move || (0..per).for_each(|i| tx.send(p * per + i).unwrap()))
            })
            .collect();
        drop((tx, rx));
        // Join everything, so the leak check below cannot race a producer
        // that is still leaving after its last send.
        ps.into_iter().chain(cs).for_each(|h| h.join().unwrap());
    });
    let bad: Vec<_> = (0..n).filter(|&i| hits[i].load(Relaxed) != 1).collect();
    assert!(bad.is_empty(), "{rt:?} cap {cap}: miscounted {bad:?}");
}

#[test]
fn stress_thousand_producers_and_consumers_on_every_policy() {
    for rt in common::every_runtime() {
        exchange(&rt, 0, 500, 4, 500);
        exchange(&rt, 16, 500, 4, 500);
        assert!(rt.leaks().is_empty(), "{rt:?}: {:?}", rt.leaks());
    }
}
