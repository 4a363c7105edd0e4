//! The deterministic engine's detectors: panics, deadlocks, leaks, data
//! races (with and without happens-before edges), and uncontrolled calls.

use model::chooser::{FirstChooser, RandomChooser};
use model::event::Ordering;
use model::trace::Scope;
use model::{GId, OpKind};
use sched::det::probe::{ProbeAtomic, ProbeCell, ProbeLock};
use sched::det::{self, Config, Failure, Outcome};
use std::sync::{Arc, Mutex};

fn random<T: Send + 'static>(seed: u64, main: impl FnOnce() -> T + Send + 'static) -> Outcome<T> {
    det::run(
        &Config::new().seed(seed),
        &mut RandomChooser::new(seed),
        main,
    )
}

#[test]
fn a_panic_in_a_child_names_it_and_its_spawn_site() {
    let spawn_line = line!() + 2;
    let out = random(1, || {
        let h = sched::go(|| panic!("boom in the child"));
        let _ = h.join();
    });
    let Err(Failure::Panic {
        goroutine,
        spawned_at,
        message,
        at,
    }) = &out.result
    else {
        panic!("expected a panic, got {:?}", out.result);
    };
    assert_eq!(*goroutine, GId(1));
    assert_eq!(spawned_at.line, spawn_line);
    assert!(spawned_at.file.ends_with("det_detect.rs"));
    assert_eq!(message, "boom in the child");
    assert_eq!(at.as_ref().unwrap().line, spawn_line);
    let text = out.result.unwrap_err().to_string();
    assert!(
        text.contains("goroutine 1") && text.contains("boom in the child"),
        "{text}"
    );
}

#[test]
fn a_failed_assertion_in_main_is_a_panic_of_goroutine_0() {
    let out = random(2, || assert_eq!(1 + 1, 3, "arithmetic"));
    match out.result {
        Err(Failure::Panic {
            goroutine, message, ..
        }) => {
            assert_eq!(goroutine, GId(0));
            assert!(message.contains("arithmetic"), "{message}");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
}

/// A takes L1 then L2, B takes L2 then L1; main joins both.
fn lock_order() {
    let (l1, l2) = (Arc::new(ProbeLock::new()), Arc::new(ProbeLock::new()));
    let (a1, a2, b1, b2) = (l1.clone(), l2.clone(), l1, l2);
    let a = sched::go(move || {
        let _x = a1.lock();
        let _y = a2.lock();
    });
    let b = sched::go(move || {
        let _y = b2.lock();
        let _x = b1.lock();
    });
    a.join().unwrap();
    b.join().unwrap();
}

#[test]
fn a_lock_order_deadlock_is_found_and_lists_every_goroutine() {
    let found = (0..300).find_map(|seed| match random(seed, lock_order).result {
        Err(Failure::Deadlock { goroutines }) => Some((seed, goroutines)),
        Err(other) => panic!("seed {seed}: unexpected {other}"),
        Ok(()) => None,
    });
    let (seed, gs) = found.expect("no deadlock in 300 random schedules");
    let kinds: Vec<(GId, OpKind)> = gs.iter().map(|b| (b.id, b.op)).collect();
    assert_eq!(
        kinds,
        [
            (GId(0), OpKind::Join),
            (GId(1), OpKind::Lock),
            (GId(2), OpKind::Lock)
        ],
        "seed {seed}"
    );
    assert_ne!(
        gs[1].blocked_at, gs[2].blocked_at,
        "each blocks at its own site"
    );
    assert_ne!(gs[1].object, gs[2].object, "on each other's lock");
    assert!(gs
        .iter()
        .all(|b| b.spawned_at.file.ends_with("det_detect.rs")));
    let text = Failure::Deadlock { goroutines: gs }.to_string();
    assert!(
        text.contains("deadlock") && text.contains("goroutine 2"),
        "{text}"
    );
}

#[test]
fn two_goroutines_joining_each_other_deadlock() {
    type Slot = Arc<Mutex<Option<sched::JoinHandle<()>>>>;
    let program = || {
        let (sa, sb): (Slot, Slot) = Default::default();
        let (sa2, sb2) = (sa.clone(), sb.clone());
        let take = |s: &Slot| loop {
            if let Some(h) = s.lock().unwrap().take() {
                return h;
            }
            sched::yield_now();
        };
        let a = sched::go(move || take(&sb2).join().unwrap());
        let b = sched::go(move || take(&sa2).join().unwrap());
        *sa.lock().unwrap() = Some(a);
        *sb.lock().unwrap() = Some(b);
        sched::time::sleep(std::time::Duration::from_secs(60));
        // main itself waits on a lock nobody will release.
        let gate = ProbeLock::new();
        let held = gate.lock();
        std::mem::forget(held);
        let _never = gate.lock();
    };
    for seed in 0..20 {
        match random(seed, program).result {
            Err(Failure::Deadlock { goroutines }) => {
                let ops: Vec<_> = goroutines.iter().map(|b| (b.id.0, b.op)).collect();
                assert_eq!(
                    ops,
                    [(0, OpKind::Lock), (1, OpKind::Join), (2, OpKind::Join)]
                );
            }
            other => panic!("seed {seed}: expected a deadlock, got {other:?}"),
        }
    }
}

#[test]
fn a_goroutine_blocked_when_main_returns_is_a_leak() {
    let cfg = Config::new().procs(1).scope(Scope::PolicyFaithful);
    let lock_line = line!() + 6;
    let out = det::run(&cfg, &mut FirstChooser, || {
        let lock = Arc::new(ProbeLock::new());
        std::mem::forget(lock.lock());
        let l = lock.clone();
        sched::go(move || {
            let _g = l.lock();
        });
        sched::time::sleep(std::time::Duration::from_millis(1));
    });
    let Err(Failure::Leak { goroutines }) = &out.result else {
        panic!("expected a leak, got {:?}", out.result);
    };
    assert_eq!(goroutines.len(), 1);
    assert_eq!(goroutines[0].id, GId(1));
    assert_eq!(goroutines[0].op, OpKind::Lock);
    assert_eq!(goroutines[0].blocked_at.line, lock_line);
    assert_eq!(goroutines[0].spawned_at.line, lock_line - 1);
    assert!(out.result.unwrap_err().to_string().contains("leak"));
}

#[test]
fn unsynchronised_writes_race() {
    for seed in 0..50 {
        let out = random(seed, || {
            let cell = Arc::new(ProbeCell::new(0));
            let c = cell.clone();
            let h = sched::go(move || c.with_mut(|v| *v += 1));
            cell.with_mut(|v| *v += 1);
            h.join().unwrap();
        });
        match out.result {
            Err(Failure::Race { first, second, .. }) => {
                assert!(first.write && second.write);
                assert_ne!(first.g, second.g);
                assert_ne!(first.location, second.location);
            }
            other => panic!("seed {seed}: expected a race, got {other:?}"),
        }
    }
}

#[test]
fn spawn_and_join_order_accesses() {
    for seed in 0..100 {
        let out = random(seed, || {
            let cell = Arc::new(ProbeCell::new(0));
            cell.with_mut(|v| *v = 1);
            let c = cell.clone();
            let h = sched::go(move || c.with_mut(|v| *v += 1));
            h.join().unwrap();
            cell.with(|v| *v)
        });
        assert_eq!(out.result.unwrap(), 2, "seed {seed}");
    }
}

/// The child writes the cell then sets the flag; main waits for the flag
/// and reads the cell.
fn flag_handoff(store: Ordering, load: Ordering) -> impl FnOnce() -> u64 + Send + 'static {
    move || {
        let cell = Arc::new(ProbeCell::new(0));
        let flag = Arc::new(ProbeAtomic::new(0));
        let (c, f) = (cell.clone(), flag.clone());
        let h = sched::go(move || {
            c.with_mut(|v| *v = 42);
            f.store(1, store);
        });
        while flag.load(load) == 0 {
            sched::yield_now();
        }
        let v = cell.with(|v| *v);
        h.join().unwrap();
        v
    }
}

#[test]
fn release_acquire_orders_the_handoff() {
    for seed in 0..100 {
        let out = random(seed, flag_handoff(Ordering::Release, Ordering::Acquire));
        assert_eq!(out.result.unwrap(), 42, "seed {seed}");
    }
}

#[test]
fn a_relaxed_flag_does_not_order() {
    for seed in 0..100 {
        let out = random(seed, flag_handoff(Ordering::Relaxed, Ordering::Relaxed));
        match out.result {
            Err(Failure::Race {
                first,
                second,
                object,
            }) => {
                assert!(first.write && !second.write, "write then read");
                assert_eq!((first.g, second.g), (GId(1), GId(0)));
                let text = Failure::Race {
                    first,
                    second,
                    object,
                }
                .to_string();
                assert!(
                    text.contains("data race") && text.contains("det_detect.rs"),
                    "{text}"
                );
            }
            other => panic!("seed {seed}: expected a race, got {other:?}"),
        }
    }
}

#[test]
fn a_lock_orders_accesses() {
    for seed in 0..100 {
        let out = random(seed, || {
            let lock = Arc::new(ProbeLock::new());
            let cell = Arc::new(ProbeCell::new(0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (l, c) = (lock.clone(), cell.clone());
                    sched::go(move || {
                        let _g = l.lock();
                        c.with_mut(|v| *v += 1);
                    })
                })
                .collect();
            hs.into_iter().for_each(|h| h.join().unwrap());
            cell.with(|v| *v)
        });
        assert_eq!(out.result.unwrap(), 2, "seed {seed}");
    }
}

#[test]
fn a_blocking_call_is_uncontrolled_unless_allowed() {
    let out = random(0, || sched::blocking(|| 5));
    match out.result {
        Err(Failure::Uncontrolled { what }) => assert!(what.contains("sched::blocking"), "{what}"),
        other => panic!("expected uncontrolled, got {other:?}"),
    }
    let cfg = Config::new().allow_blocking(true);
    let out = det::run(&cfg, &mut RandomChooser::new(0), || sched::blocking(|| 5));
    assert_eq!(out.result.unwrap(), 5);
}

#[test]
fn a_wake_from_an_os_thread_is_uncontrolled() {
    let cfg = Config::new().procs(1).scope(Scope::PolicyFaithful);
    let out = det::run(&cfg, &mut FirstChooser, || {
        let lock = Arc::new(ProbeLock::new());
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let l = lock.clone();
        // An OS thread holds the lock until told to release it.
        let t = std::thread::spawn(move || {
            let _g = l.lock();
            held_tx.send(()).unwrap();
            go_rx.recv().unwrap();
        });
        held_rx.recv().unwrap();
        let l = lock.clone();
        let h = sched::go(move || {
            let _g = l.lock();
        });
        sched::time::sleep(std::time::Duration::from_millis(1));
        // The goroutine is parked on the lock; the thread's unlock wakes it
        // from outside the run.
        go_tx.send(()).unwrap();
        t.join().unwrap();
        h.join().unwrap();
    });
    match out.result {
        Err(Failure::Uncontrolled { what }) => {
            assert!(
                what.contains("goroutine 1") && what.contains("OS thread"),
                "{what}"
            )
        }
        other => panic!("expected uncontrolled, got {other:?}"),
    }
}

#[test]
fn a_spin_loop_hits_the_step_limit() {
    let cfg = Config::new().step_limit(500);
    let out = det::run(&cfg, &mut RandomChooser::new(0), || loop {
        sched::yield_now();
    });
    match out.result {
        Err(Failure::StepLimit { steps }) => assert_eq!(steps, 500),
        other => panic!("expected the step limit, got {other:?}"),
    }
}
