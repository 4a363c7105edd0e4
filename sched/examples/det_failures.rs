//! Prints one report of each failure the deterministic engine detects, as a
//! developer sees them: `cargo run -p sched --example det_failures`.

use model::chooser::RandomChooser;
use model::event::Ordering;
use sched::det::probe::{ProbeAtomic, ProbeCell, ProbeLock};
use sched::det::{self, Config, Failure, ReplayChooser};
use std::sync::Arc;

fn first_failure<T: Send + 'static>(
    what: &str,
    program: impl Fn() -> T + Send + Clone + 'static,
) -> Option<det::Outcome<T>> {
    for seed in 0..500 {
        let out = det::run(
            &Config::new().seed(seed),
            &mut RandomChooser::new(seed),
            program.clone(),
        );
        if let Err(f) = &out.result {
            println!("--- {what} (seed {seed}, {} steps)\n{f}\n", out.steps);
            return Some(out);
        }
    }
    None
}

fn lock_order() {
    let (l1, l2) = (Arc::new(ProbeLock::new()), Arc::new(ProbeLock::new()));
    let (a1, a2) = (l1.clone(), l2.clone());
    let a = sched::go(move || {
        let _x = a1.lock();
        let _y = a2.lock();
    });
    let b = sched::go(move || {
        let _y = l2.lock();
        let _x = l1.lock();
    });
    a.join().unwrap();
    b.join().unwrap();
}

fn lost_update(extra: bool) {
    let n = Arc::new(ProbeAtomic::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            sched::go(move || {
                let v = n.load(Ordering::SeqCst);
                n.store(v + 1, Ordering::SeqCst);
            })
        })
        .collect();
    if extra {
        sched::yield_now();
    }
    hs.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
}

fn main() {
    first_failure("deadlock", lock_order);
    first_failure("leak", || {
        let lock = Arc::new(ProbeLock::new());
        std::mem::forget(lock.lock());
        let l = lock.clone();
        sched::go(move || drop(l.lock()));
        sched::time::sleep(std::time::Duration::from_millis(1));
    });
    first_failure("race", || {
        let cell = Arc::new(ProbeCell::new(0));
        let flag = Arc::new(ProbeAtomic::new(0));
        let (c, f) = (cell.clone(), flag.clone());
        let h = sched::go(move || {
            c.with_mut(|v| *v = 1);
            f.store(1, Ordering::Relaxed);
        });
        while flag.load(Ordering::Relaxed) == 0 {
            sched::yield_now();
        }
        cell.with(|v| *v);
        h.join().unwrap();
    });
    let failing = first_failure("panic", || lost_update(false)).expect("a lost update");
    println!("--- its trace\n{}", failing.trace);
    let out = det::run(
        &Config::new(),
        &mut ReplayChooser::new(&failing.trace),
        || lost_update(true),
    );
    if let Err(f @ Failure::Divergence { .. }) = &out.result {
        println!("--- divergence (replaying that trace against a changed program)\n{f}\n");
    }
    let out = det::run(
        &Config::new().step_limit(1000),
        &mut RandomChooser::new(0),
        || loop {
            sched::yield_now();
        },
    );
    println!("--- step limit\n{}\n", out.result.unwrap_err());
}
