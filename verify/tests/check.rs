//! `verify::check` on the deterministic engine: a correct program passes; a
//! lost update (two goroutines doing an unsynchronised load-then-store on a
//! shared counter) is caught, its trace is saved, `SCHED_REPLAY` reproduces
//! it — 100 times out of 100 — and a changed program is reported as a
//! divergence. The same read-modify-write on a `RaceCell` is caught as a
//! data race.

use sched::sync::atomic::{AtomicU64, Ordering::SeqCst};
use sched::sync::{Mutex, RaceCell};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use verify::{Config, Replayed, Strategy};

/// Two goroutines increment a counter by load-then-store: an update is lost
/// when both load before either stores.
fn lost_update() {
    let counter = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let c = counter.clone();
            sched::go(move || {
                let v = c.load(SeqCst);
                c.store(v + 1, SeqCst);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), 2, "lost update");
}

/// The same with the read-modify-write under a lock: never loses one.
fn locked_update() {
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Mutex::new(()));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let (c, l) = (counter.clone(), lock.clone());
            sched::go(move || {
                let _g = l.lock();
                let v = c.load(SeqCst);
                c.store(v + 1, SeqCst);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), 2, "lost update");
}

/// Deterministic schedules only (the production run adds nothing to what
/// these tests look at, and `a_body_that_fails_only_once` must not spend
/// its one failure there).
fn det_only() -> Config {
    Config::new().production(false).seed(1).iterations(50)
}

#[test]
fn a_correct_program_passes_on_both_engines() {
    verify::check(|| {
        let hs: Vec<_> = (0..3u64).map(|i| sched::go(move || i * i)).collect();
        let sum: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 5);
    });
}

#[test]
fn a_locked_update_passes_every_strategy() {
    for strategy in [
        Strategy::Random,
        Strategy::RoundRobin,
        Strategy::Pct { depth: 3 },
        Strategy::Mixed { pct_depth: 2 },
    ] {
        verify::check_with(det_only().strategy(strategy), locked_update);
    }
}

/// Three goroutines take one lock three times each, yielding while they
/// hold it, so the others queue, are woken, lose to a barging holder and
/// queue again: the paths of `unlock`'s "one woken competitor at a time"
/// rule. A wake-up lost there leaves a waiter parked for ever, which the
/// deterministic engine reports as a deadlock.
#[test]
fn a_contended_lock_loses_no_wake_up() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        verify::check_with(det_only().strategy(strategy).iterations(200), || {
            let lock = Arc::new(Mutex::new(0u32));
            let hs: Vec<_> = (0..3)
                .map(|_| {
                    let l = lock.clone();
                    sched::go(move || {
                        for _ in 0..3 {
                            let mut g = l.lock();
                            sched::yield_now();
                            *g += 1;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(*lock.lock(), 9);
        });
    }
}

/// Run by the tests below (in this process and as a child process): the
/// check must find the lost update, and so fail.
#[test]
#[should_panic(expected = "lost update")]
fn lost_update_is_caught() {
    verify::check_with(det_only(), lost_update);
}

/// Runs `lost_update_is_caught` here and returns the panic message.
fn catch_lost_update() -> String {
    let cfg = det_only().name("lost_update_is_caught");
    let payload = std::panic::catch_unwind(|| verify::check_with(cfg, lost_update))
        .expect_err("the check finds the lost update");
    payload.downcast_ref::<String>().cloned().unwrap()
}

/// The trace file named in a check's panic message.
fn trace_path(message: &str) -> PathBuf {
    let start = message.find("(trace: ").unwrap() + "(trace: ".len();
    let end = start + message[start..].find(')').unwrap();
    PathBuf::from(&message[start..end])
}

fn child(test: &str, replay: Option<&PathBuf>) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    cmd.env_remove("SCHED_REPLAY");
    if let Some(path) = replay {
        cmd.env("SCHED_REPLAY", path);
    }
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn the_failure_is_saved_under_target_with_the_test_name() {
    let message = catch_lost_update();
    assert!(
        message.starts_with("verify::check: panic on schedule "),
        "{message}"
    );
    assert!(message.contains("lost update"), "{message}");
    let path = trace_path(&message);
    let dir = path.parent().unwrap();
    assert!(dir.ends_with("sched-failures"), "{}", path.display());
    assert!(
        dir.parent().unwrap().join("debug").is_dir(),
        "under the target dir: {}",
        path.display()
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("lost_update_is_caught-") && name.ends_with(".json"),
        "{name}"
    );
    let trace = replay::load(&path).unwrap();
    assert_eq!(trace.header.program, "lost_update_is_caught");
    assert!(
        trace.outcome.as_deref().unwrap().starts_with("panic"),
        "{:?}",
        trace.outcome
    );
    assert!(!trace.entries.is_empty());
}

#[test]
fn replaying_the_trace_reproduces_the_failure_100_times_out_of_100() {
    let path = trace_path(&catch_lost_update());
    let recorded = replay::load(&path).unwrap();
    for run in 0..100 {
        match verify::replay_file(&path, lost_update) {
            Err(Replayed::Failed(f, trace)) => {
                assert_eq!(f.kind, "panic", "run {run}: {}", f.message);
                assert!(
                    f.message.contains("lost update"),
                    "run {run}: {}",
                    f.message
                );
                assert_eq!(
                    trace.entries, recorded.entries,
                    "run {run}: a different schedule"
                );
            }
            other => panic!("run {run}: the failure did not reproduce: {other:?}"),
        }
    }
}

#[test]
fn a_changed_program_is_reported_as_a_divergence() {
    let path = trace_path(&catch_lost_update());
    match verify::replay_file(&path, locked_update) {
        Err(Replayed::Diverged(f)) => {
            assert!(
                f.message.starts_with("divergence at step "),
                "{}",
                f.message
            );
            assert!(f.message.contains("record a new trace"), "{}", f.message);
        }
        other => panic!("not reported as a divergence: {other:?}"),
    }
}

#[test]
fn the_report_prints_the_failure_last_decisions_and_the_replay_command() {
    let (ok, out) = child("lost_update_is_caught", None);
    assert!(ok, "the should_panic test passes:\n{out}");
    assert!(
        out.contains("verify::check: lost_update_is_caught failed on schedule "),
        "{out}"
    );
    assert!(out.contains("lost update"), "{out}");
    assert!(out.contains(" decisions:\n  step "), "{out}");
    assert!(
        out.contains(" at verify/tests/check.rs:") || out.contains(" at tests/check.rs:"),
        "source locations:\n{out}"
    );
    assert!(
        out.contains("\nreplayed once: the same failure at the same decisions\n"),
        "{out}"
    );
    assert!(out.contains("\nreplay: SCHED_REPLAY="), "{out}");
    assert!(
        out.contains(" cargo test -p verify lost_update_is_caught -- --exact\n"),
        "{out}"
    );
}

#[test]
fn sched_replay_runs_exactly_the_trace_in_the_named_test() {
    let path = trace_path(&catch_lost_update());
    let (ok, out) = child("lost_update_is_caught", Some(&path));
    assert!(
        ok,
        "the replay fails the same way (should_panic holds):\n{out}"
    );
    assert!(
        out.contains(&format!(
            "verify::check: panic replaying {}: ",
            path.display()
        )),
        "{out}"
    );
    assert!(out.contains("lost update"), "{out}");
    assert!(
        !out.contains("failed on schedule"),
        "it replayed, it did not explore:\n{out}"
    );
}

#[test]
fn the_saved_trace_reads_in_every_sched_replay_view() {
    let path = trace_path(&catch_lost_update());
    let trace = replay::load(&path).unwrap();
    let shown = replay::show(&trace);
    assert!(shown.contains("program lost_update_is_caught"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.contains(" Load obj") && l.contains(" at verify/tests/check.rs:")),
        "the load, with its source line:\n{shown}"
    );
    assert_eq!(replay::stats(&trace).decisions, trace.entries.len());
    let v = replay::perfetto(&trace);
    let events = v["traceEvents"].as_array().unwrap();
    let tracks: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tracks, ["P0", "P1"]);
    let slices: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert!(slices.iter().any(|e| e["name"] == "g1") && slices.iter().any(|e| e["name"] == "g2"));
    assert!(slices.iter().all(|e| e["dur"].as_f64().unwrap() >= 0.0));
}

#[test]
fn sched_replay_of_another_tests_trace_leaves_this_test_alone() {
    let path = trace_path(&catch_lost_update());
    let (ok, out) = child("a_correct_program_passes_on_both_engines", Some(&path));
    assert!(ok, "{out}");
    assert!(
        out.contains("was recorded by `lost_update_is_caught`, not `a_correct_program_passes_on_both_engines`: running `a_correct_program_passes_on_both_engines` normally"),
        "{out}"
    );
}

/// A body whose outcome depends on state kept between runs: the first run
/// fails, every later one passes, so its trace cannot reproduce. Run as a
/// child process by the test below.
#[test]
#[should_panic(expected = "first run")]
fn a_body_that_fails_only_once() {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    static FAILED_ONCE: AtomicBool = AtomicBool::new(false);
    verify::check_with(det_only(), || {
        let h = sched::go(|| ());
        h.join().unwrap();
        assert!(FAILED_ONCE.swap(true, Relaxed), "first run");
    });
}

#[test]
fn a_failure_that_does_not_replay_is_flagged() {
    let (ok, out) = child("a_body_that_fails_only_once", None);
    assert!(ok, "{out}");
    assert!(
        out.contains("\nreplayed once: NOT reproduced (the replay passed); the body depends on something the engine does not control"),
        "{out}"
    );
}

/// main holds the lock and joins a goroutine that waits for it: a deadlock
/// on every schedule. The deterministic runs report it, with a trace, before
/// the production run (which would hang) is reached.
#[test]
fn a_deadlock_is_reported_with_a_trace_before_the_production_run() {
    let cfg = Config::new()
        .iterations(2)
        .name("a_deadlock_is_reported_with_a_trace_before_the_production_run");
    assert!(cfg.production);
    let payload = std::panic::catch_unwind(|| {
        verify::check_with(cfg, || {
            let lock = Arc::new(Mutex::new(()));
            let _held = lock.lock();
            let l = lock.clone();
            let h = sched::go(move || drop(l.lock()));
            h.join().unwrap();
        })
    })
    .expect_err("the deadlock is found");
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("verify::check: deadlock on schedule 0 (trace: "),
        "{message}"
    );
    let trace = replay::load(trace_path(message)).unwrap();
    assert!(trace.outcome.unwrap().starts_with("deadlock"));
}

/// The lost update on a `RaceCell`: the two read-modify-writes are not
/// ordered by happens-before, so the first schedule already reports the
/// data race, whatever the interleaving.
#[test]
fn an_unsynchronised_read_modify_write_on_a_cell_is_a_data_race() {
    let cfg = det_only().name("an_unsynchronised_read_modify_write_on_a_cell_is_a_data_race");
    let payload = std::panic::catch_unwind(|| {
        verify::check_with(cfg, || {
            let cell = Arc::new(RaceCell::new(0u64));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let c = cell.clone();
                    sched::go(move || {
                        let v = c.with(|x| *x);
                        c.with_mut(|x| *x = v + 1);
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        })
    })
    .expect_err("the race is found");
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("verify::check: race on schedule 0 (trace: "),
        "{message}"
    );
    assert!(
        message.contains("verify/tests/check.rs:"),
        "both sides' source lines: {message}"
    );
    let path = trace_path(message);
    let trace = replay::load(&path).unwrap();
    assert!(trace.outcome.unwrap().starts_with("race"));
}
