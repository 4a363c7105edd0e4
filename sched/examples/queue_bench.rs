//! Microbenchmark of the local run queues: Go's ring vs crossbeam's
//! Chase-Lev deque (both with the `runnext` slot).
//!
//! `cargo run --release -p sched --example queue_bench [-- <scale>]`
//!
//! Single-threaded numbers are the best of 5 runs.
//!
//! - `push+pop`: the owner pushes a batch of 128 to the tail and pops it
//!   back (ns per push+pop pair), single-threaded;
//! - `runnext`: push into the slot and pop it (Go's ping-pong path);
//! - `steal`: a victim filled with 128, one thief steals half into its own
//!   queue and drains it, repeated (ns per G moved), single-threaded;
//! - `contended`: one owner pushes (every 4th into `runnext`) and pops,
//!   three thieves steal half and drain, until `10M × scale` Gs are consumed
//!   (ns per G end to end, steals, retries). Needs ≥ 4 free cores to mean
//!   much; on a shared 2-core box it measures the OS scheduler too.

use model::policy::{LocalQueueKind, GO_LOCAL_CAPACITY};
use sched::queue::{Global, LocalQueue, QueueStealer, Steal};
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

type Tok = NonZeroUsize;

const BATCH: usize = 128;
const THIEVES: usize = 3;

fn tok(i: usize) -> Tok {
    Tok::new(i + 1).expect("i + 1 is not zero")
}

fn kinds() -> [(&'static str, LocalQueueKind); 2] {
    [
        (
            "ring",
            LocalQueueKind::GoRing {
                capacity: GO_LOCAL_CAPACITY,
            },
        ),
        ("chase-lev", LocalQueueKind::ChaseLev),
    ]
}

/// The fastest of `REPS` runs: the box is shared, so the minimum is the
/// least disturbed measurement.
const REPS: usize = 5;

fn best(f: impl Fn() -> f64) -> f64 {
    (0..REPS).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn ns_per(start: Instant, ops: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / ops as f64
}

fn push_pop(kind: LocalQueueKind, rounds: usize) -> f64 {
    let global = Global::new();
    let (mut q, _s) = LocalQueue::<Tok>::new(kind);
    let start = Instant::now();
    for r in 0..rounds {
        for i in 0..BATCH {
            q.push(tok(r + i), false, &global);
        }
        for _ in 0..BATCH {
            black_box(q.pop(true));
        }
    }
    assert!(global.is_empty() && q.is_empty());
    ns_per(start, rounds * BATCH)
}

fn runnext(kind: LocalQueueKind, ops: usize) -> f64 {
    let global = Global::new();
    let (mut q, _s) = LocalQueue::<Tok>::new(kind);
    let start = Instant::now();
    for i in 0..ops {
        q.push(tok(i), true, &global);
        black_box(q.pop(true));
    }
    ns_per(start, ops)
}

fn steal(kind: LocalQueueKind, rounds: usize) -> f64 {
    let global = Global::new();
    let (mut victim, stealer) = LocalQueue::<Tok>::new(kind);
    let (mut thief, _s) = LocalQueue::<Tok>::new(kind);
    let mut moved = 0;
    let mut spent = 0_u128;
    for r in 0..rounds {
        for i in 0..BATCH {
            victim.push(tok(r + i), false, &global);
        }
        let start = Instant::now();
        while let Steal::Success(t, n) = stealer.steal_into(&mut thief, |n| n - n / 2, false) {
            black_box(t);
            moved += n;
            while let Some(t) = thief.pop(true) {
                black_box(t);
            }
        }
        spent += start.elapsed().as_nanos();
    }
    spent as f64 / moved as f64
}

struct Contended {
    ns_per_g: f64,
    stolen: usize,
    steals: usize,
    retries: usize,
    overflowed: usize,
}

fn contended(kind: LocalQueueKind, gs: usize) -> Contended {
    let global = Arc::new(Global::<Tok>::new());
    let consumed = Arc::new(AtomicUsize::new(0));
    let (mut local, stealer) = LocalQueue::<Tok>::new(kind);
    let start = Instant::now();
    let thieves: Vec<_> = (0..THIEVES)
        .map(|_| {
            let (global, consumed) = (global.clone(), consumed.clone());
            let victim: QueueStealer<Tok> = stealer.clone();
            let (mut own, _) = LocalQueue::<Tok>::new(kind);
            thread::spawn(move || {
                let (mut stolen, mut steals, mut retries) = (0, 0, 0);
                // Relaxed: loop exit only; results come back through join.
                while consumed.load(Ordering::Relaxed) < gs {
                    let mut took = 0;
                    match victim.steal_into(&mut own, |n| n - n / 2, true) {
                        Steal::Success(_, n) => {
                            (took, steals, stolen) = (1, steals + 1, stolen + n)
                        }
                        Steal::Retry => retries += 1,
                        Steal::Empty => took += usize::from(global.pop().is_some()),
                    }
                    while own.pop(true).is_some() {
                        took += 1;
                    }
                    // Relaxed: a counter.
                    consumed.fetch_add(took, Ordering::Relaxed);
                }
                (stolen, steals, retries)
            })
        })
        .collect();
    let mut overflowed = 0;
    for i in 0..gs {
        overflowed += local.push(tok(i), i % 4 == 0, &global);
        if i % 2 == 0 && local.pop(true).is_some() {
            consumed.fetch_add(1, Ordering::Relaxed);
        }
    }
    while consumed.load(Ordering::Relaxed) < gs {
        let mut took = usize::from(local.pop(true).is_some());
        took += usize::from(global.pop().is_some());
        consumed.fetch_add(took, Ordering::Relaxed);
    }
    let ns_per_g = ns_per(start, gs);
    let mut out = Contended {
        ns_per_g,
        stolen: 0,
        steals: 0,
        retries: 0,
        overflowed,
    };
    for th in thieves {
        let (stolen, steals, retries) = th.join().expect("thief panicked");
        out.stolen += stolen;
        out.steals += steals;
        out.retries += retries;
    }
    out
}

fn main() {
    let scale: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("scale is a positive integer"))
        .unwrap_or(1);
    let cores = thread::available_parallelism().map_or(1, usize::from);
    println!("queue_bench: scale {scale}, {cores} cores available");
    println!(
        "{:<10} {:>14} {:>14} {:>14} {:>14} {:>10} {:>10} {:>10} {:>10}",
        "kind",
        "push+pop ns",
        "runnext ns",
        "steal ns/G",
        "contended ns/G",
        "stolen",
        "steals",
        "retries",
        "overflow"
    );
    for (name, kind) in kinds() {
        // Warm up, then measure.
        push_pop(kind, 1_000);
        let pp = best(|| push_pop(kind, 10_000 * scale));
        let rn = best(|| runnext(kind, 1_000_000 * scale));
        let st = best(|| steal(kind, 10_000 * scale));
        let c = contended(kind, 10_000_000 * scale);
        println!(
            "{name:<10} {pp:>14.2} {rn:>14.2} {st:>14.2} {:>14.2} {:>10} {:>10} {:>10} {:>10}",
            c.ns_per_g, c.stolen, c.steals, c.retries, c.overflowed
        );
    }
}
