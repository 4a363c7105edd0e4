//! Measures the stack guard modes and the context switch, in release mode:
//!
//! ```text
//! cargo run -p sched --release --example stack_modes [N]     # N stacks per mode, default 100000
//! ```
//!
//! Per mode: ns per fresh allocation, map entries used, ns per free (most go
//! cold: `MADV_DONTNEED`), ns per reused allocation, and RSS per idle
//! goroutine (a coroutine suspended once on every stack). Then the first use
//! of a new stack, one at a time and in a per-P cache's batches (26 is what
//! fib(30) at 1 P needs at once), and the cost of a resume + suspend round
//! trip and of a per-P cache get + put.

use std::hint::black_box;
use std::time::Instant;

use sched::coro::{suspend, Coro, CoroState};
use sched::stack::{
    guard_install_supported, guarded_budget, map_count, resident_bytes, GuardMode, Stack,
    StackCache, StackConfig, StackPool,
};

fn ns_per(start: Instant, n: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / n as f64
}

fn measure(name: &str, guard: GuardMode, n: usize) {
    let pool = StackPool::new(StackConfig {
        guard,
        ..StackConfig::default()
    })
    .unwrap();
    let maps0 = map_count();
    let t = Instant::now();
    let mut stacks: Vec<Stack> = Vec::with_capacity(n);
    let mut failed = None;
    for _ in 0..n {
        match pool.alloc() {
            Ok(s) => stacks.push(s),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let got = stacks.len();
    let alloc_ns = ns_per(t, got);
    let maps = map_count() - maps0;
    if let Some(e) = failed {
        println!("{name:>22}: allocation {} failed: {e}", got + 1);
    }
    let t = Instant::now();
    stacks.clear();
    let free_ns = ns_per(t, got);
    let rss0 = resident_bytes();
    let t = Instant::now();
    stacks.extend((0..got).map(|_| pool.alloc().unwrap()));
    let reuse_ns = ns_per(t, got);
    let coros: Vec<Coro> = stacks
        .drain(..)
        .map(|s| {
            let mut c = Coro::new(s, Box::new(suspend));
            assert!(matches!(c.resume(), CoroState::Suspended));
            c
        })
        .collect();
    let rss = (resident_bytes() - rss0) / got;
    drop(coros);
    println!(
        "{name:>22}: {got} stacks, {alloc_ns:7.0} ns/alloc (fresh), {maps:6} maps, \
         {free_ns:6.0} ns/free, {reuse_ns:5.0} ns/alloc (reused), {rss:5} B RSS/idle goroutine",
    );
}

fn switch_cost(rounds: usize) {
    let pool = StackPool::new(StackConfig::default()).unwrap();
    let mut c = Coro::new(
        pool.alloc().unwrap(),
        Box::new(|| loop {
            suspend();
        }),
    );
    for _ in 0..1000 {
        c.resume();
    }
    let t = Instant::now();
    for _ in 0..rounds {
        black_box(c.resume());
    }
    println!(
        "resume+suspend round trip: {:.1} ns ({rounds} rounds)",
        ns_per(t, rounds)
    );
    let mut raw: corosensei::Coroutine<(), (), ()> =
        corosensei::Coroutine::new(|y: &corosensei::Yielder<(), ()>, ()| loop {
            y.suspend(());
        });
    let t = Instant::now();
    for _ in 0..rounds {
        black_box(raw.resume(()));
    }
    println!(
        "bare corosensei resume+suspend (no TLS bookkeeping): {:.1} ns",
        ns_per(t, rounds)
    );
    let mut cache = StackCache::new(&pool);
    let t = Instant::now();
    for _ in 0..rounds / 10 {
        let s = cache.get().unwrap();
        cache.put(black_box(s));
    }
    println!("per-P cache get+put: {:.1} ns", ns_per(t, rounds / 10));
    let t = Instant::now();
    for _ in 0..rounds / 10 {
        drop(black_box(pool.alloc().unwrap()));
    }
    println!(
        "shared pool alloc+free (warm): {:.1} ns",
        ns_per(t, rounds / 10)
    );
}

/// The first use of `n` new stacks, each started as a suspended coroutine
/// (so its top page is written): one at a time from the shared pool, then
/// from a per-P cache, which makes new stacks half a cache at once (one
/// guard `process_madvise` per batch, top pages touched in a row). Each
/// side gets a fresh pool, so every stack is new.
fn first_use(n: usize) {
    let start = |s: Stack| {
        let mut c = Coro::new(s, Box::new(suspend));
        assert!(matches!(c.resume(), CoroState::Suspended));
        c
    };
    let pool = StackPool::new(StackConfig::default()).unwrap();
    let t = Instant::now();
    let single: Vec<Coro> = (0..n).map(|_| start(pool.alloc().unwrap())).collect();
    let single_ns = ns_per(t, n);
    drop(single);
    let pool = StackPool::new(StackConfig::default()).unwrap();
    let mut cache = StackCache::new(&pool);
    let t = Instant::now();
    let cached: Vec<Coro> = (0..n).map(|_| start(cache.get().unwrap())).collect();
    let cached_ns = ns_per(t, n);
    drop(cached);
    println!(
        "first use of a new stack ({n} stacks, guard + first frame): \
         {single_ns:.0} ns one at a time, {cached_ns:.0} ns through a per-P cache"
    );
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N"))
        .unwrap_or(100_000);
    println!(
        "kernel MADV_GUARD_INSTALL: {}; maps in use: {}; mprotect budget under Auto: {}",
        guard_install_supported(),
        map_count(),
        guarded_budget(65530, map_count())
    );
    if guard_install_supported() {
        measure("MadviseGuard", GuardMode::MadviseGuard, n);
    }
    measure("Canary", GuardMode::Canary, n);
    measure("Mprotect", GuardMode::Mprotect, n);
    let guarded = guarded_budget(65530, map_count());
    measure(
        "MprotectThenCanary",
        GuardMode::MprotectThenCanary { guarded },
        n,
    );
    first_use(26);
    first_use(n.min(10_000));
    switch_cost(10_000_000);
}
