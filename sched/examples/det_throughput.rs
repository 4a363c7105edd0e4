//! Executions per second of the deterministic engine on a small program:
//! main + 2 goroutines, each locking a mutex twice to increment a counter,
//! plus one atomic store/load pair (shuttle's anchor on this machine:
//! ~150k executions/s on the same shape).
//!
//! `cargo run --release -p sched --example det_throughput [runs] [scope]`
//! (`scope`: `any` (default) or `policy`).
//!
//! The program uses the real primitives: `sched::sync::Mutex<u64>` and a
//! `sched::sync::atomic::AtomicU64`.

use model::chooser::RandomChooser;
use model::trace::Scope;
use sched::det::{self, Config};
use sched::sync::atomic::{AtomicU64, Ordering};
use sched::sync::Mutex;
use std::sync::Arc;
use std::time::Instant;

fn program() -> u64 {
    let counter = Arc::new(Mutex::new(0u64));
    let flag = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            sched::go(move || {
                for _ in 0..2 {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    flag.store(1, Ordering::Release);
    let f = flag.load(Ordering::Acquire);
    hs.into_iter().for_each(|h| h.join().unwrap());
    let n = *counter.lock();
    n + f
}

/// This thread's CPU time in seconds (`/proc/thread-self/schedstat`), so the
/// rate can be stated per CPU-second on a shared, loaded machine.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: u64 = args.next().map_or(200_000, |s| s.parse().expect("runs"));
    let scope = match args.next().as_deref() {
        Some("policy") => Scope::PolicyFaithful,
        _ => Scope::AnyInterleaving,
    };
    let cfg = Config::new().scope(scope);
    // Warm the stack cache and the allocator.
    for seed in 0..1000 {
        det::run(&cfg, &mut RandomChooser::new(seed), program);
    }
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    let mut steps = 0;
    let mut choices = 0;
    for seed in 0..runs {
        let out = det::run(&cfg, &mut RandomChooser::new(seed), program);
        assert_eq!(out.result.expect("no bug in this program"), 5);
        steps += out.steps;
        choices += out.trace.entries.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        println!(
            "{:.0} executions per CPU-second ({:.2} CPU-s of {secs:.2} s wall)",
            runs as f64 / (b - a),
            b - a
        );
    }
    println!(
        "{runs} executions ({scope:?}) in {secs:.2} s: {:.0} executions/s, {:.1} steps and {:.1} recorded choices per execution",
        runs as f64 / secs,
        steps as f64 / runs as f64,
        choices as f64 / runs as f64
    );
}
