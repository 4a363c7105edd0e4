//! `bench-tokio --workload NAME --n N --procs P [--policy FLAVOR]`: one
//! workload of the side-by-side harness on tokio's multi-thread runtime
//! (`worker_threads` = procs), or with `--policy current_thread` (procs 1
//! only) on its single-thread runtime; prints one line
//! (`papers/bench/README.md`).
//!
//! The workload body runs in a task spawned on the runtime (awaited by
//! `block_on`), so it starts on a worker as Go's main goroutine starts on a
//! P. Unavoidable differences from Go and sched, also in RESULTS.md:
//! - tokio tasks are stackless futures: no stack per task, a yield is
//!   `tokio::task::yield_now().await`, and recursion (`fib`, `skynet`)
//!   needs boxed futures;
//! - tokio has no unbuffered (rendezvous) channel: `pingpong` and `select`
//!   use `mpsc::channel(1)`, the closest (a sender may run one message
//!   ahead); the one-slot channels of `ping_pong`, `chained_spawn` and
//!   `fib` are `oneshot`; buffered channels are `mpsc::channel(cap)`;
//! - `idle_memory` blocks tasks on a `broadcast` receive (one sender
//!   releases them all, as Go's `n` sends on one channel do);
//! - `mutex` uses `tokio::sync::Mutex` (the task-parking analogue of Go's
//!   `sync.Mutex`).

use papers::bench::common::{self, Outcome};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, oneshot};

fn main() {
    common::main_with("tokio", |args, n| {
        let rt = runtime(args.policy.as_deref(), args.procs)?;
        let name = args.workload.clone();
        rt.block_on(async move {
            rt_spawn(name, n)
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
        })
    });
}

/// tokio's runtime of `flavor` (`--policy`): `multi_thread` (the default;
/// `worker_threads` = procs, work stealing, the analogue of Go's Ps) or
/// `current_thread` (one thread, no stealing: the fastest tokio at one
/// core, so the harness measures it at `--procs 1` as a second baseline).
fn runtime(flavor: Option<&str>, procs: usize) -> Result<tokio::runtime::Runtime, String> {
    let rt = match flavor.unwrap_or("multi_thread") {
        "multi_thread" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(procs)
            .build(),
        "current_thread" if procs == 1 => tokio::runtime::Builder::new_current_thread().build(),
        "current_thread" => {
            return Err(format!(
                "the current_thread runtime has one thread: use --procs 1, not {procs}"
            ))
        }
        other => {
            return Err(format!(
                "unknown tokio runtime flavor {other:?}: use multi_thread or current_thread"
            ))
        }
    };
    rt.map_err(|e| e.to_string())
}

fn rt_spawn(name: String, n: u64) -> tokio::task::JoinHandle<Result<Outcome, String>> {
    tokio::spawn(async move {
        Ok(match name.as_str() {
            "spawn_join" => spawn_join(n).await,
            "pingpong" => pingpong(n).await,
            "yield" => yield_(n).await,
            "skynet" => skynet(n).await,
            "idle_memory" => idle_memory(n).await,
            "idle_join" => idle_join(n).await,
            "fib" => fib(n).await,
            "fib_warm" => fib_warm(n).await,
            "imbalanced" => imbalanced(n).await,
            "chan_throughput" => chan_throughput(n).await,
            "mutex" => mutex(n).await,
            "select" => select(n).await,
            "chained_spawn" => chained_spawn(n).await,
            "ping_pong" => ping_pong(n).await,
            "spawn_many" => spawn_many(n).await,
            "yield_many" => yield_many(n).await,
            other => return Err(format!("unknown workload {other}")),
        })
    })
}

async fn spawn_join(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
    let mut sum = 0;
    for h in hs {
        sum += h.await.unwrap();
    }
    Outcome::new(t0.elapsed(), n, sum)
}

async fn pingpong(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
    let echo = tokio::spawn(async move {
        while let Some(v) = ping_rx.recv().await {
            pong_tx.send(v + 1).await.unwrap();
        }
    });
    let mut sum = 0;
    for i in 0..n {
        ping_tx.send(i).await.unwrap();
        sum += pong_rx.recv().await.unwrap();
    }
    drop(ping_tx);
    echo.await.unwrap();
    Outcome::new(t0.elapsed(), n, sum)
}

async fn yield_(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(async move {
                let mut c = 0u64;
                for _ in 0..n {
                    tokio::task::yield_now().await;
                    c += 1;
                }
                c
            })
        })
        .collect();
    let mut count = 0;
    for h in hs {
        count += h.await.unwrap();
    }
    Outcome::new(t0.elapsed(), 3 * n, count)
}

async fn skynet(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (tx, mut rx) = mpsc::channel(1);
    tokio::spawn(skynet_node(tx, 0, n));
    let sum = rx.recv().await.unwrap();
    Outcome::new(t0.elapsed(), 1, sum)
}

fn skynet_node(
    out: mpsc::Sender<u64>,
    num: u64,
    size: u64,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        if size == 1 {
            out.send(num).await.unwrap();
            return;
        }
        let (tx, mut rx) = mpsc::channel(10);
        let sub = size / 10;
        for i in 0..10 {
            tokio::spawn(skynet_node(tx.clone(), num + i * sub, sub));
        }
        drop(tx);
        let mut sum = 0;
        for _ in 0..10 {
            sum += rx.recv().await.unwrap();
        }
        out.send(sum).await.unwrap();
    })
}

async fn idle_memory(n: u64) -> Outcome {
    let before = common::status_kb("VmRSS");
    let t0 = Instant::now();
    let (tx, _) = broadcast::channel::<u64>(1);
    let started = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let mut rx = tx.subscribe();
            let started = started.clone();
            tokio::spawn(async move {
                started.fetch_add(1, Relaxed);
                rx.recv().await.unwrap();
                i
            })
        })
        .collect();
    while started.load(Relaxed) < n {
        tokio::task::yield_now().await;
    }
    let spawn = t0.elapsed();
    let after = common::status_kb("VmRSS");
    tx.send(1).unwrap();
    let mut sum = 0;
    for h in hs {
        sum += h.await.unwrap();
    }
    let mut o = Outcome::new(spawn, n, sum);
    o.bytes_per_g = Some(after.saturating_sub(before) as f64 * 1024.0 / n as f64);
    o
}

/// idle_join: a chain of `n` tasks, each spawns the next and awaits its
/// `JoinHandle`; the last awaits main's release (a oneshot).
async fn idle_join(n: u64) -> Outcome {
    type Release = Arc<std::sync::Mutex<Option<oneshot::Receiver<()>>>>;
    fn link(
        k: u64,
        n: u64,
        started: Arc<AtomicU64>,
        release: Release,
    ) -> Pin<Box<dyn Future<Output = u64> + Send>> {
        Box::pin(async move {
            started.fetch_add(1, Relaxed);
            if k == n - 1 {
                let rx = release.lock().unwrap().take().unwrap();
                rx.await.unwrap();
                return k;
            }
            let child = tokio::spawn(link(k + 1, n, started, release));
            k + child.await.unwrap()
        })
    }
    let before = common::status_kb("VmRSS");
    let t0 = Instant::now();
    let started = Arc::new(AtomicU64::new(0));
    let (tx, rx) = oneshot::channel();
    let release: Release = Arc::new(std::sync::Mutex::new(Some(rx)));
    let first = tokio::spawn(link(0, n, started.clone(), release));
    while started.load(Relaxed) < n {
        tokio::task::yield_now().await;
    }
    let spawn = t0.elapsed();
    let after = common::status_kb("VmRSS");
    tx.send(()).unwrap();
    let sum = first.await.unwrap();
    let mut o = Outcome::new(spawn, n, sum);
    o.bytes_per_g = Some(after.saturating_sub(before) as f64 * 1024.0 / n as f64);
    o
}

async fn fib(n: u64) -> Outcome {
    let faults = common::minor_faults();
    let t0 = Instant::now();
    let r = fib_par(std::hint::black_box(n)).await;
    Outcome::new(t0.elapsed(), 1, r).faults_since(faults)
}

async fn fib_warm(n: u64) -> Outcome {
    let warm = fib(n).await;
    let o = fib(n).await;
    assert_eq!(warm.result, o.result, "fib_warm: the two runs disagree");
    o
}

fn fib_par(n: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        if n <= common::FIB_CUTOFF {
            return common::fib_seq(n);
        }
        let h = tokio::spawn(fib_par(n - 1));
        let b = fib_par(n - 2).await;
        h.await.unwrap() + b
    })
}

async fn imbalanced(n: u64) -> Outcome {
    let t0 = Instant::now();
    let hs: Vec<_> = (0..n)
        .map(|i| tokio::spawn(async move { common::spin((i % 100) * 1000, i + 1) }))
        .collect();
    let mut sum = 0u64;
    for h in hs {
        sum = sum.wrapping_add(h.await.unwrap());
    }
    Outcome::new(t0.elapsed(), 1, sum)
}

async fn chan_throughput(n: u64) -> Outcome {
    let t0 = Instant::now();
    let (tx, mut rx) = mpsc::channel(128);
    tokio::spawn(async move {
        for i in 0..n {
            tx.send(i).await.unwrap();
        }
    });
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
    }
    Outcome::new(t0.elapsed(), n, sum)
}

async fn mutex(n: u64) -> Outcome {
    let per = n / common::MUTEX_WORKERS;
    let t0 = Instant::now();
    let counter = Arc::new(tokio::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..common::MUTEX_WORKERS)
        .map(|_| {
            let c = counter.clone();
            tokio::spawn(async move {
                for _ in 0..per {
                    *c.lock().await += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    let total = *counter.lock().await;
    Outcome::new(t0.elapsed(), per * common::MUTEX_WORKERS, total)
}

async fn select(n: u64) -> Outcome {
    let half = n / 2;
    let t0 = Instant::now();
    let (a_tx, mut a) = mpsc::channel::<u64>(1);
    let (b_tx, mut b) = mpsc::channel::<u64>(1);
    for tx in [a_tx, b_tx] {
        tokio::spawn(async move {
            for i in 0..half {
                tx.send(i).await.unwrap();
            }
        });
    }
    let mut sum = 0;
    for _ in 0..2 * half {
        // Random arm order when both are ready, as Go's select.
        tokio::select! {
            Some(v) = a.recv() => sum += v,
            Some(v) = b.recv() => sum += v,
        }
    }
    Outcome::new(t0.elapsed(), 2 * half, sum)
}

async fn chained_spawn(n: u64) -> Outcome {
    fn iter(done: oneshot::Sender<u64>, k: u64) {
        if k == 0 {
            done.send(1).unwrap();
        } else {
            tokio::spawn(async move { iter(done, k - 1) });
        }
    }
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let (tx, rx) = oneshot::channel();
        tokio::spawn(async move { iter(tx, n) });
        total += rx.await.unwrap();
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}

async fn ping_pong(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let (done_tx, done_rx) = oneshot::channel();
        let rem = Arc::new(AtomicU64::new(n));
        tokio::spawn(async move {
            let done = Arc::new(std::sync::Mutex::new(Some(done_tx)));
            for _ in 0..n {
                let rem = rem.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    let (tx1, rx1) = oneshot::channel::<()>();
                    let (tx2, rx2) = oneshot::channel::<()>();
                    tokio::spawn(async move {
                        rx1.await.unwrap();
                        tx2.send(()).unwrap();
                    });
                    tx1.send(()).unwrap();
                    rx2.await.unwrap();
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        let tx = done.lock().unwrap().take().unwrap();
                        tx.send(n).unwrap();
                    }
                });
            }
        });
        total += done_rx.await.unwrap();
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}

async fn spawn_many(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let rem = Arc::new(AtomicU64::new(n));
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let rem = rem.clone();
                tokio::spawn(async move {
                    rem.fetch_sub(1, Relaxed);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        total += n - rem.load(Relaxed);
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}

async fn yield_many(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..common::MICRO_REPS {
        let hs: Vec<_> = (0..common::YIELD_MANY_TASKS)
            .map(|_| {
                tokio::spawn(async move {
                    for _ in 0..n {
                        tokio::task::yield_now().await;
                    }
                    n
                })
            })
            .collect();
        for h in hs {
            total += h.await.unwrap();
        }
    }
    Outcome::new(t0.elapsed(), common::MICRO_REPS, total)
}
