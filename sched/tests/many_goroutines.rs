//! Many live goroutines on a stock `vm.max_map_count` (65530): N coroutines
//! are created on default 256 KiB stacks, each runs until it suspends (so
//! all N are live at once), and then each is resumed to the end.
//!
//! - `hundred_thousand_suspended_coroutines` always runs;
//! - `million_suspended_coroutines` is `#[ignore]`d (about 4–8 GiB of RSS
//!   for a few seconds): `cargo test -p sched --release --test many_goroutines -- --ignored`.
//!
//! Both assert that the map count stays far below the limit, and print the
//! time, map entries and RSS per idle goroutine they measured.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use sched::coro::{suspend, Coro, CoroState};
use sched::stack::{map_count, resident_bytes, StackConfig, StackPool};

/// The kernel's default `vm.max_map_count`.
const STOCK_MAX_MAP_COUNT: usize = 65530;

fn run(n: usize) {
    let pool = StackPool::new(StackConfig::default()).unwrap();
    let (maps0, rss0, t0) = (map_count(), resident_bytes(), Instant::now());
    let done = Arc::new(AtomicUsize::new(0));
    let mut coros: Vec<Coro> = Vec::with_capacity(n);
    let mut chunk = Instant::now();
    for i in 0..n {
        if i % 100_000 == 0 && i > 0 {
            eprintln!("  {i}: last 100k spawned in {:?}", chunk.elapsed());
            chunk = Instant::now();
        }
        let done = Arc::clone(&done);
        let mut c = Coro::new(
            pool.alloc().unwrap(),
            Box::new(move || {
                let me = std::hint::black_box(i);
                suspend();
                assert_eq!(me, i);
                done.fetch_add(1, Relaxed);
            }),
        );
        assert!(matches!(c.resume(), CoroState::Suspended));
        coros.push(c);
    }
    let (maps, rss, spawned) = (map_count(), resident_bytes(), t0.elapsed());
    let t1 = Instant::now();
    for c in &mut coros {
        assert!(matches!(c.resume(), CoroState::Finished(Ok(()))));
    }
    let finished = t1.elapsed();
    drop(coros);
    assert_eq!(done.load(Relaxed), n);
    eprintln!(
        "{n} live coroutines ({:?}): spawn+first switch {spawned:?}, finish {finished:?}; \
         maps {maps0} -> {maps} (+{}); RSS +{} MiB ({} bytes per idle goroutine incl. Coro and closure)",
        pool.mode(),
        maps - maps0,
        (rss - rss0) >> 20,
        (rss - rss0) / n,
    );
    assert!(maps < STOCK_MAX_MAP_COUNT / 10, "{maps} map entries in use");
    assert!(
        maps - maps0 <= n / 500 + 16,
        "{} new map entries for {n} stacks",
        maps - maps0
    );
}

#[test]
fn hundred_thousand_suspended_coroutines() {
    run(100_000);
}

#[test]
#[ignore = "needs ~4-8 GiB of RAM; run with --ignored (release recommended)"]
fn million_suspended_coroutines() {
    run(1_000_000);
}

/// Through the whole runtime: `n` goroutines all blocked on one channel at
/// once (each in `recv`), then released by closing it. Returns bytes of RSS
/// per blocked goroutine.
fn blocked_goroutines(n: usize) -> f64 {
    let rt = sched::Runtime::builder().procs(2).build().unwrap();
    let maps0 = map_count();
    let per_g = rt.block_on(move || {
        let (tx, rx) = sched::chan::<()>(0);
        let started = Arc::new(sched::sync::WaitGroup::new());
        let rss0 = resident_bytes();
        started.add(n as i64);
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let (rx, started) = (rx.clone(), started.clone());
                sched::go(move || {
                    started.done();
                    rx.recv().is_err()
                })
            })
            .collect();
        started.wait();
        // Let the last ones reach their receive.
        sched::time::sleep(std::time::Duration::from_millis(50));
        let per_g = resident_bytes().saturating_sub(rss0) as f64 / n as f64;
        let maps = map_count();
        assert!(
            maps < STOCK_MAX_MAP_COUNT / 4,
            "{maps} map entries with {n} blocked goroutines"
        );
        drop(tx);
        drop(rx);
        assert!(
            hs.into_iter().all(|h| h.join().unwrap()),
            "every goroutine saw the close"
        );
        per_g
    });
    eprintln!(
        "{n} blocked goroutines: {per_g:.0} bytes of RSS each, map entries {maps0} -> {}",
        map_count()
    );
    assert!(rt.leaks().is_empty());
    per_g
}

#[test]
fn hundred_thousand_blocked_goroutines_through_the_runtime() {
    blocked_goroutines(100_000);
}

#[test]
#[ignore = "about 4.5 GiB of RSS: cargo test -p sched --release --test many_goroutines -- --ignored"]
fn million_blocked_goroutines_through_the_runtime() {
    blocked_goroutines(1_000_000);
}
