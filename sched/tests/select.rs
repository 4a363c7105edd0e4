//! `select!` semantics, after the Go spec and Go's `select_test.go` /
//! `chan_test.go` (TestSelfSelect, TestSelectFairness, TestSelectStress).

mod common;

use sched::chan::{RecvError, SendError};
use sched::{chan, go, select, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Selects per fairness test.
const FAIR_N: u64 = 10_000;

/// A channel holding `FAIR_N` copies of `v` (its sender kept alive).
fn full_of(v: u8) -> (sched::chan::Sender<u8>, sched::chan::Receiver<u8>) {
    let (tx, rx) = chan::<u8>(FAIR_N as usize);
    for _ in 0..FAIR_N {
        tx.send(v).unwrap();
    }
    (tx, rx)
}

/// Arm 0 won `first` of `FAIR_N` selects between two ready arms:
/// Binomial(N, 1/2), sigma = sqrt(N)/2 = 50; 5 sigma fails once in ~1.7e6 runs.
fn assert_one_half(first: u64) {
    assert!(
        first.abs_diff(FAIR_N / 2) <= 5 * 50,
        "arm 0 won {first} of {FAIR_N} selects"
    );
}

#[test]
fn ready_arms_are_chosen_uniformly() {
    let ((_a, a_rx), (_b, b_rx)) = (full_of(0), full_of(1));
    let mut first = 0u64;
    for _ in 0..FAIR_N {
        select! {
            recv(a_rx) -> v => { assert_eq!(v, Ok(0)); first += 1; }
            recv(b_rx) -> v => assert_eq!(v, Ok(1)),
        }
    }
    assert_one_half(first);
}

/// Two ready arms around one that never is: still one half each (an arm
/// order that merely rotated would favour the arm after the empty one 2:1,
/// 1,667 off the mean).
#[test]
fn ready_arms_are_chosen_uniformly_around_an_empty_one() {
    let ((_a, a_rx), (_c, c_rx)) = (full_of(0), full_of(2));
    let (_b_tx, b_rx) = chan::<u8>(0);
    let mut first = 0u64;
    for _ in 0..FAIR_N {
        select! {
            recv(a_rx) -> v => { assert_eq!(v, Ok(0)); first += 1; }
            recv(b_rx) -> _ => unreachable!("nothing is ever sent on b"),
            recv(c_rx) -> v => assert_eq!(v, Ok(2)),
        }
    }
    assert_one_half(first);
}

#[test]
fn default_runs_only_when_nothing_is_ready() {
    let (tx, rx) = chan::<u32>(1);
    let took_default = select! {
        recv(rx) -> _ => false,
        default => true,
    };
    assert!(took_default);
    tx.send(3).unwrap();
    let got = select! {
        recv(rx) -> v => v,
        default => unreachable!(),
    };
    assert_eq!(got, Ok(3));
}

#[test]
fn timeout_arm_runs_after_the_timeout() {
    let (_tx, rx) = chan::<u32>(0);
    let t0 = Instant::now();
    let timed_out = select! {
        recv(rx) -> _ => false,
        default(ms(30)) => true,
    };
    assert!(timed_out && t0.elapsed() >= ms(30));
    // The select's waiter is gone: a hand-off to a new receiver works.
    let (tx2, rx2) = (_tx.clone(), rx.clone());
    let t = std::thread::spawn(move || rx2.recv());
    tx2.send(1).unwrap();
    assert_eq!(t.join().unwrap(), Ok(1));
}

#[test]
fn after_channel_works_as_a_timeout_arm() {
    let (_tx, rx) = chan::<u32>(0);
    let t0 = Instant::now();
    select! {
        recv(rx) -> _ => unreachable!(),
        recv(sched::time::after(ms(20))) -> at => assert!(at.is_ok()),
    }
    assert!(t0.elapsed() >= ms(20));
}

#[test]
fn a_blocked_select_wakes_on_the_channel_that_becomes_ready() {
    sched::run(|| {
        let (a_tx, a_rx) = chan::<u32>(0);
        let (_b_tx, b_rx) = chan::<String>(0);
        let h = go(move || {
            select! {
                recv(a_rx) -> v => v.map(|v| v.to_string()),
                recv(b_rx) -> v => v,
            }
        });
        sched::time::sleep(ms(10));
        a_tx.send(9).unwrap();
        assert_eq!(h.join().unwrap(), Ok("9".to_string()));
    });
}

#[test]
fn send_arms_hand_off_to_a_waiting_receiver() {
    sched::run(|| {
        let (tx, rx) = chan::<u32>(0);
        let h = go(move || rx.recv());
        let r = select! {
            send(tx, 5) -> r => r,
            default(Duration::from_secs(10)) => unreachable!(),
        };
        assert_eq!(r, Ok(()));
        assert_eq!(h.join().unwrap(), Ok(5));
    });
}

#[test]
fn closed_channels_are_always_ready() {
    let (tx, rx) = chan::<u32>(0);
    let (otx, _orx) = chan::<u32>(0);
    tx.close().unwrap();
    select! {
        recv(rx) -> v => assert_eq!(v, Err(RecvError)),
        recv(_orx) -> _ => unreachable!(),
    }
    otx.close().unwrap();
    select! {
        send(otx, 4) -> r => assert_eq!(r, Err(SendError(4))),
    }
}

#[test]
fn a_select_never_matches_itself() {
    // Go's TestSelfSelect: a send and a receive on the same unbuffered
    // channel in one select must not pair with each other.
    let (tx, rx) = chan::<u32>(0);
    let r = select! {
        send(tx, 1) -> _ => "sent",
        recv(rx) -> _ => "received",
        default(ms(20)) => "timeout",
    };
    assert_eq!(r, "timeout");
}

#[test]
fn exactly_one_arm_completes() {
    for _ in 0..1000 {
        let (a_tx, a_rx) = chan::<u32>(1);
        let (b_tx, b_rx) = chan::<u32>(1);
        select! {
            send(a_tx, 1) -> r => r.unwrap(),
            send(b_tx, 2) -> r => r.unwrap(),
        }
        assert_eq!(a_rx.len() + b_rx.len(), 1);
    }
}

#[test]
fn temporaries_live_for_the_whole_select() {
    let (tx, rx) = chan::<u32>(1);
    tx.send(1).unwrap();
    let make = || rx.clone();
    select! {
        recv(make()) -> v => assert_eq!(v, Ok(1)),
    }
}

/// Selecting senders and selecting receivers over the same unbuffered
/// channels: every value arrives exactly once and nobody hangs (a lost
/// wake-up would hang the run).
fn select_to_select(rt: &Runtime, pairs: usize, per: usize) {
    let n = pairs * per;
    let hits: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let h = hits.clone();
    rt.block_on(move || {
        let (a_tx, a_rx) = chan::<usize>(0);
        let (b_tx, b_rx) = chan::<usize>(0);
        let mut hs = Vec::new();
        for p in 0..pairs {
            let (a, b) = (a_tx.clone(), b_tx.clone());
            hs.push(go(move || {
                for i in 0..per {
                    select! {
                        send(a, p * per + i) -> r => r.unwrap(),
                        send(b, p * per + i) -> r => r.unwrap(),
                    }
                }
            }));
            let (a, b, h) = (a_rx.clone(), b_rx.clone(), h.clone());
            hs.push(go(move || {
                for _ in 0..per {
                    let v = select! {
                        recv(a) -> v => v.unwrap(),
                        recv(b) -> v => v.unwrap(),
                    };
                    h[v].fetch_add(1, Relaxed);
                }
            }));
        }
        hs.into_iter().for_each(|h| h.join().unwrap());
    });
    let bad: Vec<_> = (0..n).filter(|&i| hits[i].load(Relaxed) != 1).collect();
    assert!(bad.is_empty(), "{rt:?}: miscounted {bad:?}");
}

#[test]
fn stress_selects_on_shared_channels_on_every_policy() {
    for rt in common::every_runtime() {
        select_to_select(&rt, 500, 10);
        assert!(rt.leaks().is_empty(), "{rt:?}: {:?}", rt.leaks());
    }
}

#[test]
fn stress_select_with_timeouts_loses_nothing() {
    // Receivers select with a short timeout and retry; senders send plainly.
    // A value handed to a receiver whose timeout won would be lost.
    sched::run(|| {
        let (tx, rx) = chan::<usize>(0);
        let got = Arc::new(AtomicUsize::new(0));
        let rs: Vec<_> = (0..50)
            .map(|_| {
                let (rx, got) = (rx.clone(), got.clone());
                go(move || loop {
                    select! {
                        recv(rx) -> v => match v {
                            Ok(_) => drop(got.fetch_add(1, Relaxed)),
                            Err(_) => break,
                        },
                        default(Duration::from_micros(50)) => {}
                    }
                })
            })
            .collect();
        for i in 0..5000 {
            tx.send(i).unwrap();
        }
        tx.close().unwrap();
        rs.into_iter().for_each(|r| r.join().unwrap());
        assert_eq!(got.load(Relaxed), 5000);
    });
}

#[test]
fn arms_accept_references_blocks_and_a_missing_last_comma() {
    let (tx, rx) = chan::<u32>(1);
    let (txr, rxr) = (&tx, &rx);
    select! {
        send(txr, 1) -> r => { r.unwrap() }
        recv(rxr) -> _ => unreachable!()
    }
    let v = select! { recv(rxr) -> v => v.unwrap() };
    assert_eq!(v, 1);
    let mut n = 0;
    for _ in 0..3 {
        select! {
            recv(rx) -> _ => break,
            default => { n += 1; continue }
        }
    }
    assert_eq!(n, 3);
}

/// A select parked when its runtime shuts down is unwound: its arms'
/// waiters, lent from its stack, leave the channels' queues first, so the
/// channels (alive after the runtime) neither point into a freed stack nor
/// keep the select's value; a later send on them finds no receiver.
#[test]
fn a_select_parked_at_shutdown_leaves_its_channels_clean() {
    for procs in [1, 2] {
        let rt = Runtime::builder().procs(procs).build().unwrap();
        let (a_tx, a_rx) = chan::<u32>(0);
        let (b_tx, b_rx) = chan::<String>(0);
        let (c_tx, c_rx) = chan::<String>(0);
        let parked = Arc::new(AtomicUsize::new(0));
        let p = parked.clone();
        rt.block_on(move || {
            drop(go(move || {
                p.store(1, SeqCst);
                select! {
                    recv(a_rx) -> _ => unreachable!("nobody sends on a"),
                    send(b_tx, "kept".to_string()) -> _ => unreachable!("nobody receives on b"),
                    recv(c_rx) -> _ => unreachable!("nobody sends on c"),
                }
            }));
            while parked.load(SeqCst) == 0 {
                sched::yield_now();
            }
            // Let it register and park.
            for _ in 0..100 {
                sched::yield_now();
            }
        });
        let leaks = rt.leaks();
        assert_eq!(leaks.len(), 1, "procs {procs}: {leaks:?}");
        assert_eq!(leaks[0].blocked_on, Some(model::BlockReason::Select));
        drop(rt);
        // The unwound select dropped its arms' ends; every queue is empty.
        assert_eq!(a_tx.try_send(1), Err(sched::chan::TrySendError::Closed(1)));
        assert!(b_rx.try_recv().is_err(), "procs {procs}");
        assert!(c_tx.try_send("x".into()).is_err(), "procs {procs}");
    }
}
