//! Known-buggy programs, in the shape of bugs that happen in real services,
//! written with the real primitives. Each must be caught by the
//! deterministic engine with the right diagnosis, and its trace must replay
//! to the same failure 100 times out of 100.

use model::chooser::RandomChooser;
use sched::det::{self, Config, Failure, Outcome};
use sched::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use sched::sync::{Mutex, RaceCell, WaitGroup};
use sched::{chan, go, select};
use std::sync::Arc;

/// Explores seeds until `main()` fails; returns the failing config and run.
fn find_bug<T: Send + 'static>(
    seeds: u64,
    main: impl Fn() -> Box<dyn FnOnce() -> T + Send> + Copy,
) -> (Config, Outcome<T>) {
    for seed in 0..seeds {
        let config = Config::new().seed(seed);
        let out = det::run(&config, &mut RandomChooser::new(seed), main());
        if out.result.is_err() {
            return (config, out);
        }
    }
    panic!("no failure in {seeds} seeds");
}

/// A failure report without the main goroutine's spawn site, which is the
/// caller of `det::run` or `det::replay` (two different lines here).
fn report(f: &Failure) -> String {
    let text = f.to_string();
    let Some(start) = text.find("goroutine 0 (spawned at ") else {
        return text;
    };
    let end = start + text[start..].find(')').expect("closing parenthesis");
    format!("{}goroutine 0 (main{}", &text[..start], &text[end..])
}

/// Replays the failing trace 100 times: the same failure (kind and report) each time.
fn replays_100_times<T: Send + 'static>(
    config: &Config,
    out: &Outcome<T>,
    main: impl Fn() -> Box<dyn FnOnce() -> T + Send>,
) {
    let want = report(out.result.as_ref().err().expect("a failure"));
    for _ in 0..100 {
        let again = det::replay(config, &out.trace, main());
        let got = again.result.as_ref().err().map(report);
        assert_eq!(got.as_deref(), Some(want.as_str()));
        assert_eq!(again.trace.entries, out.trace.entries);
    }
}

fn lost_update() -> Box<dyn FnOnce() -> u32 + Send> {
    // Two request handlers bump a shared hit counter with a read, then a
    // write: a classic lost update.
    Box::new(|| {
        let hits = Arc::new(RaceCell::new(0u32));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let hits = hits.clone();
                go(move || {
                    let n = hits.with(|v| *v);
                    hits.with_mut(|v| *v = n + 1);
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
        hits.with(|v| *v)
    })
}

#[test]
fn a_lost_update_through_a_race_cell_is_reported_as_a_race() {
    let (config, out) = find_bug(50, lost_update);
    let Err(Failure::Race { first, second, .. }) = &out.result else {
        panic!("expected a race, got {:?}", out.result);
    };
    assert!(first.write || second.write);
    assert!(
        first.location.file.ends_with("det_bugs.rs")
            && second.location.file.ends_with("det_bugs.rs")
    );
    replays_100_times(&config, &out, lost_update);
}

fn check_then_act() -> Box<dyn FnOnce() + Send> {
    // "Initialise once" with a load then a store instead of a CAS: both
    // initialisers can see 0.
    Box::new(|| {
        let state = Arc::new(AtomicUsize::new(0));
        let inits = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (state, inits) = (state.clone(), inits.clone());
                go(move || {
                    if state.load(Ordering::SeqCst) == 0 {
                        state.store(1, Ordering::SeqCst);
                        inits.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        hs.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(inits.load(Ordering::SeqCst), 1, "initialised twice");
    })
}

#[test]
fn check_then_act_on_atomics_fails_its_assertion() {
    let (config, out) = find_bug(300, check_then_act);
    match &out.result {
        Err(Failure::Panic { message, .. }) => {
            assert!(message.contains("initialised twice"), "{message}")
        }
        other => panic!("expected the assertion, got {other:?}"),
    }
    replays_100_times(&config, &out, check_then_act);
}

fn lock_order_inversion() -> Box<dyn FnOnce() + Send> {
    // Transfer between two accounts, each locking "from" then "to".
    Box::new(|| {
        let a = Arc::new(Mutex::new(100));
        let b = Arc::new(Mutex::new(100));
        let t1 = {
            let (a, b) = (a.clone(), b.clone());
            go(move || {
                let mut from = a.lock();
                let mut to = b.lock();
                *from -= 10;
                *to += 10;
            })
        };
        let t2 = go(move || {
            let mut from = b.lock();
            let mut to = a.lock();
            *from -= 5;
            *to += 5;
        });
        t1.join().unwrap();
        t2.join().unwrap();
    })
}

#[test]
fn lock_order_inversion_is_a_deadlock_naming_both_sites() {
    let (config, out) = find_bug(300, lock_order_inversion);
    let Err(Failure::Deadlock { goroutines }) = &out.result else {
        panic!("expected a deadlock, got {:?}", out.result);
    };
    let lock_waiters: Vec<_> = goroutines
        .iter()
        .filter(|g| g.reason == model::BlockReason::Lock)
        .collect();
    assert_eq!(lock_waiters.len(), 2, "{goroutines:?}");
    assert_ne!(
        lock_waiters[0].blocked_at.line,
        lock_waiters[1].blocked_at.line
    );
    replays_100_times(&config, &out, lock_order_inversion);
}

fn leak_after_early_return() -> Box<dyn FnOnce() -> Option<sched::chan::Receiver<u32>> + Send> {
    // A handler starts a lookup, times out early and returns; the lookup's
    // result channel is kept by the caller (for a retry that never comes),
    // so the lookup goroutine stays blocked on its unbuffered send.
    Box::new(|| {
        let (tx, rx) = chan::<u32>(0);
        go(move || {
            let _ = tx.send(42);
        });
        let timed_out = true;
        if timed_out {
            return Some(rx);
        }
        rx.recv().ok();
        None
    })
}

#[test]
fn a_goroutine_left_on_an_unbuffered_send_is_a_leak() {
    let (config, out) = find_bug(50, leak_after_early_return);
    let Err(Failure::Leak { goroutines }) = &out.result else {
        panic!("expected a leak, got {:?}", out.result);
    };
    assert_eq!(goroutines.len(), 1);
    assert_eq!(goroutines[0].reason, model::BlockReason::ChanSend);
    replays_100_times(&config, &out, leak_after_early_return);
}

fn add_races_wait() -> Box<dyn FnOnce() -> u32 + Send> {
    // `wg.add(1)` inside the worker instead of before `go`: `wait` may
    // return before the worker registered, and main reads its result early.
    Box::new(|| {
        let wg = Arc::new(WaitGroup::new());
        let result = Arc::new(RaceCell::new(0u32));
        {
            let (wg, result) = (wg.clone(), result.clone());
            go(move || {
                wg.add(1);
                result.with_mut(|r| *r = 7);
                wg.done();
            });
        }
        wg.wait();
        result.with(|r| *r)
    })
}

#[test]
fn waitgroup_add_racing_wait_is_caught() {
    let (config, out) = find_bug(300, add_races_wait);
    assert!(
        matches!(out.result, Err(Failure::Race { .. })),
        "{:?}",
        out.result
    );
    replays_100_times(&config, &out, add_races_wait);
}

fn missing_acquire() -> Box<dyn FnOnce() + Send> {
    // Publish a config through a "ready" flag with Relaxed ordering.
    Box::new(|| {
        let config = Arc::new(RaceCell::new(String::new()));
        let ready = Arc::new(AtomicBool::new(false));
        {
            let (config, ready) = (config.clone(), ready.clone());
            go(move || {
                config.with_mut(|c| c.push_str("timeout=5s"));
                ready.store(true, Ordering::Relaxed);
            });
        }
        while !ready.load(Ordering::Relaxed) {
            sched::yield_now();
        }
        config.with(|c| assert_eq!(c, "timeout=5s"));
    })
}

#[test]
fn a_message_published_without_acquire_is_a_race() {
    let (config, out) = find_bug(50, missing_acquire);
    assert!(
        matches!(out.result, Err(Failure::Race { .. })),
        "{:?}",
        out.result
    );
    replays_100_times(&config, &out, missing_acquire);
}

fn select_drops_pending_work() -> Box<dyn FnOnce() + Send> {
    // A worker loop that stops on "quit" even if a job is already queued:
    // the bug needs select to pick the quit arm while the job arm is ready.
    Box::new(|| {
        let (jobs, job_rx) = chan::<u32>(1);
        let (quit, quit_rx) = chan::<()>(1);
        jobs.send(1).unwrap();
        quit.send(()).unwrap();
        let done = go(move || {
            let mut handled = 0;
            loop {
                select! {
                    recv(job_rx) -> j => { if j.is_ok() { handled += 1 } },
                    recv(quit_rx) -> _ => break,
                }
            }
            handled
        });
        assert_eq!(done.join().unwrap(), 1, "a queued job was dropped on quit");
    })
}

#[test]
fn a_select_bug_that_needs_one_arm_choice_is_found() {
    let (config, out) = find_bug(100, select_drops_pending_work);
    match &out.result {
        Err(Failure::Panic { message, .. }) => {
            assert!(message.contains("dropped on quit"), "{message}")
        }
        other => panic!("expected the assertion, got {other:?}"),
    }
    replays_100_times(&config, &out, select_drops_pending_work);
}
