//! The workloads on the `sched` runtime. Each runs as the main goroutine of a
//! runtime built before the clock starts; [`run`] picks one by name.
//!
//! Differences from the Go programs, all forced by what `sched` has today:
//! - fork-join (`fib`, `spawn_join`, `imbalanced`, `spawn_many`,
//!   `yield_many`) joins `JoinHandle`s where Go uses a `WaitGroup` or a
//!   one-slot channel;
//! - `mutex` uses `sched::sync::Mutex` with the `sync` feature (a waiter
//!   parks the goroutine, as in Go) and `std::sync::Mutex` without it (a
//!   waiter blocks its M) until sched's sync primitives are on main;
//! - channel workloads are in [`super::sched_chan`] behind the `chan`
//!   feature (with `select`, which needs `select!`).

use super::common::{self, Args, Outcome};
use sched::{Policy, Runtime, Stats};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Arc;
use std::time::Instant;

/// Builds the runtime the arguments ask for, runs the workload, and returns
/// its outcome with the runtime's counters.
pub fn run(args: &Args, n: u64) -> Result<(Outcome, Stats), String> {
    let mut b = Runtime::builder().procs(args.procs);
    if let Some(spec) = &args.policy {
        b = b.policy(Policy::parse(spec).map_err(|e| format!("--policy {spec}: {e}"))?);
    }
    let rt = b.build().map_err(|e| format!("{e:?}"))?;
    let body = body(&args.workload)?;
    let o = rt.block_on(move || body(n));
    Ok((o, rt.stats()))
}

type Body = fn(u64) -> Outcome;

fn body(workload: &str) -> Result<Body, String> {
    Ok(match workload {
        "spawn_join" => spawn_join,
        "yield" => yield_,
        "fib" => fib,
        "fib_warm" => fib_warm,
        "imbalanced" => imbalanced,
        "mutex" => mutex,
        "spawn_many" => spawn_many,
        "yield_many" => yield_many,
        "idle_join" => idle_join,
        other => return chan_body(other),
    })
}

#[cfg(feature = "chan")]
fn chan_body(workload: &str) -> Result<Body, String> {
    super::sched_chan::body(workload)
}

#[cfg(not(feature = "chan"))]
fn chan_body(workload: &str) -> Result<Body, String> {
    Err(format!(
        "{workload} needs sched channels: build papers with --features chan"
    ))
}

/// spawn_join: `n` goroutines spawned by main, then all joined; each returns i.
fn spawn_join(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..n).map(|i| sched::go(move || i)).collect();
    let sum = hs.into_iter().map(|h| h.join().unwrap()).sum();
    Outcome::new(t0.elapsed(), n, sum)
}

/// yield: 3 goroutines, `n` yields each.
fn yield_(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..3)
        .map(|_| {
            sched::go(move || {
                let mut c = 0u64;
                for _ in 0..n {
                    sched::yield_now();
                    c += 1;
                }
                c
            })
        })
        .collect();
    let count = hs.into_iter().map(|h| h.join().unwrap()).sum();
    Outcome::new(t0.elapsed(), 3 * n, count)
}

/// fib: fork-join fib(n), a goroutine per call above the cutoff.
fn fib(n: u64) -> Outcome {
    let faults = common::minor_faults();
    let t0 = Instant::now();
    let r = fib_par(std::hint::black_box(n));
    Outcome::new(t0.elapsed(), 1, r).faults_since(faults)
}

/// fib_warm: `fib` once untimed, then `fib` timed on the same runtime, so
/// the stacks (sched), task memory (tokio) and code it needs are warm. The
/// gap to `fib` is what a fresh runtime pays on first use.
fn fib_warm(n: u64) -> Outcome {
    let warm = fib(n);
    let o = fib(n);
    assert_eq!(warm.result, o.result, "fib_warm: the two runs disagree");
    o
}

fn fib_par(n: u64) -> u64 {
    if n <= common::FIB_CUTOFF {
        return common::fib_seq(n);
    }
    let h = sched::go(move || fib_par(n - 1));
    let b = fib_par(n - 2);
    h.join().unwrap() + b
}

/// imbalanced: `n` tasks of (i%100)*1000 spin iterations, all spawned by
/// main (so from one P).
fn imbalanced(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..n)
        .map(|i| sched::go(move || common::spin((i % 100) * 1000, i + 1)))
        .collect();
    let sum = hs
        .into_iter()
        .fold(0u64, |s, h| s.wrapping_add(h.join().unwrap()));
    Outcome::new(t0.elapsed(), 1, sum)
}

/// idle_join: idle memory without channels — a chain of `n` goroutines,
/// each spawns the next and joins it; the last yields until main releases
/// it. `bytes_per_g` is the RSS growth per goroutine once all have started;
/// `ns_per_op` the spawn time per goroutine.
fn idle_join(n: u64) -> Outcome {
    fn link(k: u64, n: u64, started: Arc<AtomicU64>, release: Arc<AtomicBool>) -> u64 {
        started.fetch_add(1, Relaxed);
        if k == n - 1 {
            while !release.load(Acquire) {
                sched::yield_now();
            }
            return k;
        }
        let (s, r) = (started.clone(), release.clone());
        let child = sched::go(move || link(k + 1, n, s, r));
        k + child.join().unwrap()
    }
    let before = common::status_kb("VmRSS");
    let t0 = Instant::now();
    let started = Arc::new(AtomicU64::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let first = {
        let (s, r) = (started.clone(), release.clone());
        sched::go(move || link(0, n, s, r))
    };
    while started.load(Relaxed) < n {
        sched::yield_now();
    }
    let spawn = t0.elapsed();
    let after = common::status_kb("VmRSS");
    // Release: pairs with the Acquire load of the last link.
    release.store(true, Release);
    let sum = first.join().unwrap();
    let mut o = Outcome::new(spawn, n, sum);
    o.bytes_per_g = Some(after.saturating_sub(before) as f64 * 1024.0 / n as f64);
    o
}

/// The mutex of the `mutex` workload: sched's with the `sync` feature.
#[cfg(feature = "sync")]
mod lock {
    pub(super) type Mutex<T> = sched::sync::Mutex<T>;
    pub(super) fn lock<T>(m: &Mutex<T>) -> impl std::ops::DerefMut<Target = T> + '_ {
        m.lock()
    }
}

/// The mutex of the `mutex` workload: std's until sched's is on main.
#[cfg(not(feature = "sync"))]
mod lock {
    pub(super) type Mutex<T> = std::sync::Mutex<T>;
    pub(super) fn lock<T>(m: &Mutex<T>) -> impl std::ops::DerefMut<Target = T> + '_ {
        m.lock().unwrap()
    }
}

/// mutex: 8 goroutines, `n` increments in total under one lock.
fn mutex(n: u64) -> Outcome {
    use lock::{lock, Mutex};
    let per = n / common::MUTEX_WORKERS;
    let t0 = Instant::now();
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..common::MUTEX_WORKERS)
        .map(|_| {
            let c = counter.clone();
            sched::go(move || {
                for _ in 0..per {
                    *lock(&c) += 1;
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    let total = *lock(&counter);
    Outcome::new(t0.elapsed(), per * common::MUTEX_WORKERS, total)
}

/// spawn_many (tokio's micro-benchmark): `n` goroutines each decrement a
/// counter; main joins them all. Repeated `MICRO_REPS` times.
fn spawn_many(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let rem = Arc::new(AtomicU64::new(n));
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let rem = rem.clone();
                sched::go(move || {
                    rem.fetch_sub(1, Relaxed);
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
        total += n - rem.load(Relaxed);
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}

/// yield_many (tokio's micro-benchmark): 200 goroutines × `n` yields.
fn yield_many(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let hs: Vec<_> = (0..common::YIELD_MANY_TASKS)
            .map(|_| {
                sched::go(move || {
                    for _ in 0..n {
                        sched::yield_now();
                    }
                    n
                })
            })
            .collect();
        total += hs.into_iter().map(|h| h.join().unwrap()).sum::<u64>();
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_small(workload: &str, n: u64, procs: usize) -> u64 {
        let args = Args {
            workload: workload.into(),
            n,
            procs,
            policy: Some("go".into()),
        };
        run(&args, n).unwrap().0.result
    }

    #[test]
    fn results_are_the_closed_forms() {
        for procs in [1, 2] {
            assert_eq!(run_small("spawn_join", 1000, procs), 999 * 1000 / 2);
            assert_eq!(run_small("yield", 100, procs), 300);
            assert_eq!(run_small("fib", 22, procs), 17711);
            assert_eq!(run_small("mutex", 800, procs), 800);
            assert_eq!(run_small("idle_join", 300, procs), 299 * 300 / 2);
            assert_eq!(
                run_small("spawn_many", 100, procs),
                100 * common::MICRO_REPS
            );
            assert_eq!(
                run_small("yield_many", 2, procs),
                2 * common::YIELD_MANY_TASKS * common::MICRO_REPS
            );
        }
        let spun: u64 = (0..200u64).fold(0, |s, i| {
            s.wrapping_add(common::spin((i % 100) * 1000, i + 1))
        });
        assert_eq!(run_small("imbalanced", 200, 2), spun);
    }

    #[test]
    fn unknown_policies_are_refused() {
        let args = Args {
            workload: "fib".into(),
            n: 10,
            procs: 1,
            policy: Some("go,steal=sideways".into()),
        };
        assert!(run(&args, 10).is_err());
    }
}
