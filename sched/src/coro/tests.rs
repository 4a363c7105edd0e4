//! Unit tests of `Coro`: resume/suspend order, results and panics coming
//! back from `resume`, migration between OS threads, dropping unfinished
//! coroutines, stack recycling and nesting.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};

use super::*;
use crate::stack::{GuardMode, StackConfig, StackPool};

fn pool() -> StackPool {
    StackPool::new(StackConfig::with_size(64 * 1024)).unwrap()
}

fn coro(pool: &StackPool, f: impl FnOnce() + Send + 'static) -> Coro {
    Coro::new(pool.alloc().unwrap(), Box::new(f))
}

#[test]
fn resume_runs_until_suspend_then_to_the_end() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    let mut c = coro(&pool(), move || {
        l.lock().unwrap().push(1);
        suspend();
        l.lock().unwrap().push(3);
    });
    assert!(!c.is_started());
    assert!(matches!(c.resume(), CoroState::Suspended));
    log.lock().unwrap().push(2);
    assert!(matches!(c.resume(), CoroState::Finished(Ok(()))));
    assert!(c.is_finished());
    assert_eq!(*log.lock().unwrap(), [1, 2, 3]);
}

#[test]
fn panic_inside_comes_back_from_resume() {
    let mut c = coro(&pool(), || {
        suspend();
        panic!("boom {}", std::hint::black_box(7));
    });
    assert!(matches!(c.resume(), CoroState::Suspended));
    match c.resume() {
        CoroState::Finished(Err(payload)) => {
            assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 7");
        }
        other => panic!("expected a caught panic, got {other:?}"),
    }
    // The resumer's state is intact: we are not inside a coroutine.
    assert!(!in_coroutine());
}

#[test]
#[should_panic(expected = "finished coroutine")]
fn resuming_a_finished_coroutine_panics() {
    let mut c = coro(&pool(), || {});
    let _ = c.resume();
    let _ = c.resume();
}

#[test]
#[should_panic(expected = "outside a coroutine")]
fn suspend_outside_a_coroutine_panics() {
    suspend();
}

#[test]
fn in_coroutine_tells_inside_from_outside() {
    assert!(!in_coroutine());
    let mut c = coro(&pool(), || assert!(in_coroutine()));
    assert!(matches!(c.resume(), CoroState::Finished(Ok(()))));
}

#[test]
fn resumed_alternately_from_two_threads() {
    const ROUNDS: usize = 100;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let c = coro(&pool(), move || {
        for _ in 0..ROUNDS {
            s.lock().unwrap().push(std::thread::current().id());
            suspend();
        }
    });
    let (to_b, on_b) = mpsc::channel::<Coro>();
    let (to_a, on_a) = mpsc::channel::<Coro>();
    let b = std::thread::spawn(move || {
        while let Ok(mut c) = on_b.recv() {
            let done = matches!(c.resume(), CoroState::Finished(_));
            to_a.send(c).unwrap();
            if done {
                break;
            }
        }
        std::thread::current().id()
    });
    let a_id = std::thread::current().id();
    let mut c = c;
    loop {
        if let CoroState::Finished(r) = c.resume() {
            r.unwrap();
            break;
        }
        to_b.send(c).unwrap();
        c = on_a.recv().unwrap();
        if c.is_finished() {
            break;
        }
    }
    drop(to_b);
    let b_id = b.join().unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), ROUNDS);
    for (i, id) in seen.iter().enumerate() {
        assert_eq!(*id, if i % 2 == 0 { a_id } else { b_id }, "round {i}");
    }
}

struct CountDrop(Arc<AtomicUsize>);
impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn dropping_an_unfinished_coroutine_runs_its_destructors() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (d1, d2) = (CountDrop(Arc::clone(&drops)), CountDrop(Arc::clone(&drops)));
    let pool = pool();
    let mut c = coro(&pool, move || {
        let _on_stack = d1;
        suspend();
        unreachable!("never resumed");
    });
    assert!(matches!(c.resume(), CoroState::Suspended));
    drop(c);
    assert_eq!(
        drops.load(SeqCst),
        1,
        "the suspended frame's local was dropped"
    );
    // Never started: the closure (and what it captured) is dropped too.
    drop(coro(&pool, move || drop(d2)));
    assert_eq!(drops.load(SeqCst), 2);
    assert_eq!(
        pool.stats().handed_out,
        0,
        "both stacks went back to the pool"
    );
}

#[test]
fn into_stack_recycles_finished_and_unwinds_unfinished() {
    let pool = pool();
    let mut c = coro(&pool, || {});
    let base = c.stack_info().base;
    assert!(matches!(c.resume(), CoroState::Finished(Ok(()))));
    let stack = c.into_stack();
    assert_eq!(stack.info().base, base);
    let drops = Arc::new(AtomicUsize::new(0));
    let d = CountDrop(Arc::clone(&drops));
    let mut c = Coro::new(
        stack,
        Box::new(move || {
            let _d = d;
            suspend();
        }),
    );
    assert!(matches!(c.resume(), CoroState::Suspended));
    let stack = c.into_stack();
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(stack.info().base, base);
}

#[test]
fn nested_coroutines_suspend_to_their_own_resumer() {
    let pool = pool();
    let p = pool.clone();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    let mut outer = coro(&pool, move || {
        let l2 = Arc::clone(&l);
        let mut inner = coro(&p, move || {
            l2.lock().unwrap().push("inner 1");
            suspend();
            l2.lock().unwrap().push("inner 2");
        });
        assert!(matches!(inner.resume(), CoroState::Suspended));
        l.lock().unwrap().push("outer 1");
        suspend();
        assert!(matches!(inner.resume(), CoroState::Finished(Ok(()))));
        l.lock().unwrap().push("outer 2");
    });
    assert!(matches!(outer.resume(), CoroState::Suspended));
    log.lock().unwrap().push("main");
    assert!(matches!(outer.resume(), CoroState::Finished(Ok(()))));
    assert_eq!(
        *log.lock().unwrap(),
        ["inner 1", "outer 1", "main", "inner 2", "outer 2"]
    );
}

#[test]
fn every_guard_mode_runs_coroutines() {
    let mut modes = vec![
        GuardMode::Mprotect,
        GuardMode::Canary,
        GuardMode::MprotectThenCanary { guarded: 1 },
    ];
    if crate::stack::guard_install_supported() {
        modes.push(GuardMode::MadviseGuard);
    }
    for guard in modes {
        let pool = StackPool::new(StackConfig {
            guard,
            ..StackConfig::with_size(64 * 1024)
        })
        .unwrap();
        let mut cs: Vec<Coro> = (0..3)
            .map(|i| {
                coro(&pool, move || {
                    let buf = std::hint::black_box([i as u8; 8 * 1024]);
                    suspend();
                    assert_eq!(buf[100], i as u8);
                })
            })
            .collect();
        for c in &mut cs {
            assert!(matches!(c.resume(), CoroState::Suspended), "{guard:?}");
        }
        for c in &mut cs {
            assert!(
                matches!(c.resume(), CoroState::Finished(Ok(()))),
                "{guard:?}"
            );
        }
    }
}

#[test]
fn handles_are_send_where_goroutines_migrate() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Coro>();
    send::<crate::stack::Stack>();
    send::<crate::stack::StackCache>();
    send::<StackPool>();
    sync::<StackPool>();
}

#[test]
fn label_travels_with_the_coroutine() {
    let at = std::panic::Location::caller();
    let label = crate::stack::GoroutineLabel::new(9, at);
    let c = Coro::with_label(pool().alloc().unwrap(), label, Box::new(|| {}));
    assert_eq!(c.label(), Some(label));
    assert_eq!(coro(&pool(), || {}).label(), None);
}
