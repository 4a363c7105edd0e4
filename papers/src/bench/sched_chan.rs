//! The channel workloads on `sched`, written against the fixed channel API
//! (`sched::chan::<T>(cap) -> (Sender<T>, Receiver<T>)`, `send(&self, v)`,
//! `recv(&self)`, both ends `Clone`, `cap == 0` unbuffered) and `select!`.
//! Compiled with the `chan` feature (default on).
//!
//! The channel kinds follow the Go program one for one: `pingpong` and
//! `idle_memory` are unbuffered, `skynet` uses 10 slots per node,
//! `chan_throughput` 128, and the one-slot channels of tokio's
//! micro-benchmarks (`oneshot` there) have one slot here.

use super::common::Outcome;
use sched::chan::{chan, Receiver, Sender};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

/// The channel workload called `workload`.
pub(super) fn body(workload: &str) -> Result<fn(u64) -> Outcome, String> {
    Ok(match workload {
        "pingpong" => pingpong,
        "skynet" => skynet,
        "idle_memory" => idle_memory,
        "chan_throughput" => chan_throughput,
        "chained_spawn" => chained_spawn,
        "ping_pong" => ping_pong,
        "select" => select,
        other => return Err(format!("unknown workload {other}")),
    })
}

fn send<T>(tx: &Sender<T>, v: T) {
    assert!(tx.send(v).is_ok(), "receiver gone");
}

fn recv<T>(rx: &Receiver<T>) -> T {
    match rx.recv() {
        Ok(v) => v,
        Err(_) => panic!("senders gone"),
    }
}

/// pingpong: two goroutines, two unbuffered channels, `n` round trips.
fn pingpong(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (ping_tx, ping_rx) = chan::<u64>(0);
    let (pong_tx, pong_rx) = chan::<u64>(0);
    // Exactly n messages each way: nothing here relies on a channel closing
    // when its last sender is dropped.
    let echo = sched::go(move || {
        for _ in 0..n {
            let v = recv(&ping_rx);
            send(&pong_tx, v + 1);
        }
    });
    let mut sum = 0;
    for i in 0..n {
        send(&ping_tx, i);
        sum += recv(&pong_rx);
    }
    echo.join().unwrap();
    Outcome::new(t0.elapsed(), n, sum)
}

/// skynet: `n` leaves, 10 children per node, sums back over channels.
fn skynet(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (tx, rx) = chan(1);
    sched::go(move || skynet_node(tx, 0, n));
    let sum = recv(&rx);
    Outcome::new(t0.elapsed(), 1, sum)
}

fn skynet_node(out: Sender<u64>, num: u64, size: u64) {
    if size == 1 {
        send(&out, num);
        return;
    }
    let (tx, rx) = chan(10);
    let sub = size / 10;
    for i in 0..10 {
        let tx = tx.clone();
        sched::go(move || skynet_node(tx, num + i * sub, sub));
    }
    let sum = (0..10).map(|_| recv(&rx)).sum();
    send(&out, sum);
}

/// idle_memory: `n` goroutines blocked on one unbuffered receive; RSS growth
/// per goroutine, then all released with a value each. `ns_per_op` is the
/// spawn-until-all-started time per goroutine.
fn idle_memory(n: u64) -> Outcome {
    let before = super::common::status_kb("VmRSS");
    let t0 = Instant::now();
    let (tx, rx) = chan::<u64>(0);
    let started = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..n)
        .map(|_| {
            let rx = rx.clone();
            let started = started.clone();
            sched::go(move || {
                started.fetch_add(1, Relaxed);
                recv(&rx)
            })
        })
        .collect();
    while started.load(Relaxed) < n {
        sched::yield_now();
    }
    let spawn = t0.elapsed();
    let after = super::common::status_kb("VmRSS");
    for i in 0..n {
        send(&tx, i);
    }
    let sum = hs.into_iter().map(|h| h.join().unwrap()).sum();
    let mut o = Outcome::new(spawn, n, sum);
    o.bytes_per_g = Some(after.saturating_sub(before) as f64 * 1024.0 / n as f64);
    o
}

/// chan_throughput: one producer, one consumer, 128 slots, `n` messages.
fn chan_throughput(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (tx, rx) = chan::<u64>(128);
    sched::go(move || (0..n).for_each(|i| send(&tx, i)));
    let sum = (0..n).map(|_| recv(&rx)).sum();
    Outcome::new(t0.elapsed(), n, sum)
}

/// chained_spawn (tokio): each goroutine spawns the next; the last signals.
fn chained_spawn(n: u64) -> Outcome {
    fn iter(done: Sender<u64>, k: u64) {
        if k == 0 {
            send(&done, 1);
        } else {
            sched::go(move || iter(done, k - 1));
        }
    }
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..super::common::MICRO_REPS {
        let (tx, rx) = chan(1);
        sched::go(move || iter(tx, n));
        total += recv(&rx);
    }
    Outcome::new(t0.elapsed(), super::common::MICRO_REPS, total)
}

/// ping_pong (tokio): `n` pairs exchange one message each way over one-slot
/// channels; the last pair to finish signals.
fn ping_pong(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..super::common::MICRO_REPS {
        let (done_tx, done_rx) = chan(1);
        let rem = Arc::new(AtomicU64::new(n));
        sched::go(move || {
            for _ in 0..n {
                let (rem, done) = (rem.clone(), done_tx.clone());
                sched::go(move || {
                    let (tx1, rx1) = chan::<()>(1);
                    let (tx2, rx2) = chan::<()>(1);
                    sched::go(move || {
                        recv(&rx1);
                        send(&tx2, ());
                    });
                    send(&tx1, ());
                    recv(&rx2);
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        send(&done, n);
                    }
                });
            }
        });
        total += recv(&done_rx);
    }
    Outcome::new(t0.elapsed(), super::common::MICRO_REPS, total)
}

/// select: two producers on two unbuffered channels, one consumer selecting
/// over both arms; `n` messages in total.
fn select(n: u64) -> Outcome {
    let half = n / 2;
    let t0 = Instant::now();
    let (a_tx, a) = chan::<u64>(0);
    let (b_tx, b) = chan::<u64>(0);
    // Keep a sender of each open, as Go's benchmark never closes its
    // channels: here the last `Sender` dropping closes the channel, and a
    // closed channel's arm is always ready (it would end the loop early).
    let _open = (a_tx.clone(), b_tx.clone());
    let producers = [a_tx, b_tx].map(|tx| sched::go(move || (0..half).for_each(|i| send(&tx, i))));
    let mut sum = 0;
    for _ in 0..2 * half {
        sched::select! {
            recv(a) -> v => sum += v.ok().unwrap_or_default(),
            recv(b) -> v => sum += v.ok().unwrap_or_default(),
        }
    }
    let elapsed = t0.elapsed();
    // Untimed, as Go's benchmark does not wait for its producers: a
    // producer whose last send was taken may not have exited yet, and
    // main returning then reports it as a possible leak.
    for p in producers {
        p.join().expect("select: a producer panicked");
    }
    Outcome::new(elapsed, 2 * half, sum)
}

#[cfg(test)]
mod tests {
    use super::super::common::{Args, MICRO_REPS};
    use super::super::sched_workloads::run;

    fn run_small(workload: &str, n: u64, procs: usize) -> u64 {
        let args = Args {
            workload: workload.into(),
            n,
            procs,
            policy: None,
        };
        run(&args, n).unwrap().0.result
    }

    #[test]
    fn channel_results_are_the_closed_forms() {
        for procs in [1, 2] {
            assert_eq!(run_small("pingpong", 1000, procs), 1000 * 1001 / 2);
            assert_eq!(run_small("skynet", 1000, procs), 999 * 1000 / 2);
            assert_eq!(run_small("idle_memory", 500, procs), 499 * 500 / 2);
            assert_eq!(run_small("chan_throughput", 1000, procs), 999 * 1000 / 2);
            assert_eq!(run_small("chained_spawn", 20, procs), MICRO_REPS);
            assert_eq!(run_small("ping_pong", 10, procs), 10 * MICRO_REPS);
        }
    }

    /// Every message sent is received once (both channels stay open).
    #[test]
    fn select_sums_every_message() {
        for procs in [1, 2] {
            assert_eq!(run_small("select", 20_000, procs), 2 * (9_999 * 10_000 / 2));
        }
    }
}
