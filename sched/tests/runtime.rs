//! Behaviour of the production engine, on every policy preset.

mod common;

use sched::{go, Policy, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{runtimes, Counted};

#[test]
fn every_goroutine_runs_exactly_once() {
    for procs in [1, 2, 4] {
        for rt in runtimes(procs) {
            let n = 2_000;
            let hits: Arc<Vec<AtomicUsize>> =
                Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
            let h = hits.clone();
            rt.block_on(move || {
                let hs: Vec<_> = (0..n)
                    .map(|i| {
                        let h = h.clone();
                        go(move || h[i].fetch_add(1, Relaxed))
                    })
                    .collect();
                for j in hs {
                    j.join().unwrap();
                }
            });
            assert!(hits.iter().all(|c| c.load(Relaxed) == 1), "{rt:?}");
            let total = rt.stats().total();
            assert_eq!(
                total.runs,
                total.runnext_hits + total.local_hits + total.global_hits + total.steal_hits
            );
            assert!(rt.leaks().is_empty(), "{rt:?}: {:?}", rt.leaks());
        }
    }
}

#[test]
fn values_and_panics_come_back_through_join() {
    for rt in runtimes(2) {
        let (v, e) = rt.block_on(|| {
            let ok = go(|| 6 * 7);
            let bad = go(|| -> u32 { panic!("boom in a goroutine") });
            (ok.join().unwrap(), bad.join().unwrap_err())
        });
        assert_eq!(v, 42);
        assert_eq!(e.downcast_ref::<&str>(), Some(&"boom in a goroutine"));
    }
}

#[test]
fn a_result_is_dropped_once_whether_joined_or_detached() {
    for rt in runtimes(2) {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        rt.block_on(move || {
            // Joined: the value comes back whole, dropped by the joiner.
            let kept = go({
                let d = d.clone();
                move || Counted(d)
            })
            .join()
            .unwrap();
            assert_eq!(d.load(SeqCst), 0, "a joined result is not dropped for us");
            drop(kept);
            // Detached before it ran: nobody can take it, so it is dropped
            // when the goroutine ends.
            let (tx, rx) = sched::chan::<()>(0);
            drop(go({
                let d = d.clone();
                move || {
                    tx.send(()).unwrap();
                    Counted(d)
                }
            }));
            rx.recv().unwrap();
            // Detached after it finished: dropped with the handle's node.
            let done = go({
                let d = d.clone();
                move || Counted(d)
            });
            while !done.is_finished() {
                sched::yield_now();
            }
            drop(done);
        });
        assert_eq!(drops.load(SeqCst), 3, "{rt:?}: every result dropped once");
    }
}

#[test]
fn deep_nesting() {
    fn nest(depth: u32) -> u32 {
        if depth == 0 {
            return 0;
        }
        go(move || nest(depth - 1)).join().unwrap() + 1
    }
    for rt in runtimes(2) {
        assert_eq!(rt.block_on(|| nest(500)), 500);
    }
}

#[test]
fn fork_join_fib() {
    fn fib(n: u64) -> u64 {
        if n < 2 {
            return n;
        }
        let a = go(move || fib(n - 1));
        let b = fib(n - 2);
        a.join().unwrap() + b
    }
    for rt in runtimes(3) {
        assert_eq!(rt.block_on(|| fib(16)), 987, "{rt:?}");
    }
}

#[test]
fn a_main_panic_is_resumed_by_block_on() {
    let rt = Runtime::builder().procs(1).build().unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(|| panic!("main failed"))
    }));
    assert!(r.is_err());
}

/// Main yields to a goroutine that blocks its M for `block`, holding the
/// only P: main runs again only once sysmon has retaken that P. Returns
/// how long main waited.
fn wait_for_a_blocked_p(block: Duration) -> Duration {
    let start = Instant::now();
    let sleeper = go(move || sched::blocking(|| std::thread::sleep(block)));
    sched::yield_now();
    let waited = start.elapsed();
    sleeper.join().unwrap();
    waited
}

/// Main yields to a loop that only calls `preempt_point()`: it runs again
/// once sysmon has preempted the loop.
fn wait_for_a_preempted_loop() -> Duration {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let hog = go(move || {
        while !s.load(Relaxed) {
            sched::preempt_point();
        }
    });
    let t = Instant::now();
    sched::yield_now();
    let waited = t.elapsed();
    stop.store(true, Relaxed);
    hog.join().unwrap();
    waited
}

/// The best of three rounds of `wait`, each after 40 ms in which sysmon
/// backs off to its longest sleep.
fn best_of_three_after_sysmon_settles(wait: impl Fn() -> Duration) -> Duration {
    (0..3)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(40));
            wait()
        })
        .min()
        .unwrap()
}

#[test]
fn blocking_calls_do_not_stop_the_others_with_one_p() {
    for rt in runtimes(1) {
        let elapsed = rt.block_on(|| wait_for_a_blocked_p(Duration::from_millis(200)));
        assert!(
            elapsed < Duration::from_millis(150),
            "{rt:?}: main waited {elapsed:?} for the P"
        );
        assert!(rt.stats().total().handoffs >= 1, "{rt:?}");
    }
}

/// sysmon sleeps long while nothing blocks (sysmon.rs); a blocking call
/// wakes it, so the P is retaken after about one 20 µs tick, not after
/// sysmon's long sleep (5 ms with the default quantum, 10 ms before it was
/// tied to the quantum), which is what an unwoken sysmon would cost.
#[test]
fn a_blocking_call_wakes_a_settled_sysmon() {
    let rt = Runtime::builder().procs(1).build().unwrap();
    let best = rt.block_on(|| {
        best_of_three_after_sysmon_settles(|| wait_for_a_blocked_p(Duration::from_millis(30)))
    });
    assert!(
        best < Duration::from_millis(2),
        "main waited {best:?} for the P"
    );
    assert!(rt.stats().total().handoffs >= 3);
}

#[test]
fn preempt_point_bounds_how_long_a_loop_holds_the_only_p() {
    let policy = Policy::go().with_quantum_ns(2_000_000);
    let rt = Runtime::builder().procs(1).policy(policy).build().unwrap();
    let waited = rt.block_on(wait_for_a_preempted_loop);
    // Quantum 2 ms; sysmon sleeps at most half of it.
    assert!(waited < Duration::from_millis(60), "waited {waited:?}");
    assert!(rt.stats().total().preemptions >= 1);
}

/// sysmon's longest sleep is half the quantum, so a quantum shorter than
/// Go's 10 ms is honoured once sysmon has backed off (it used to sleep
/// 10 ms whatever the quantum: a 1 ms quantum then preempted after 10 to
/// 20 ms).
#[test]
fn a_short_quantum_holds_after_sysmon_backs_off() {
    let policy = Policy::go().with_quantum_ns(1_000_000);
    let rt = Runtime::builder().procs(1).policy(policy).build().unwrap();
    let best = rt.block_on(|| best_of_three_after_sysmon_settles(wait_for_a_preempted_loop));
    assert!(best < Duration::from_millis(8), "waited {best:?}");
}

#[test]
fn leaked_goroutines_are_reported_with_their_state_and_threads_stop() {
    let rt = Runtime::builder().procs(2).build().unwrap();
    rt.block_on(|| {
        // Two goroutines that join each other: both block forever.
        let slot: Arc<std::sync::Mutex<Option<sched::JoinHandle<()>>>> = Arc::default();
        let s = slot.clone();
        let b = go(move || loop {
            let h = s.lock().unwrap().take();
            match h {
                Some(a) => break a.join().unwrap(),
                None => sched::yield_now(),
            }
        });
        let a = go(move || b.join().unwrap());
        *slot.lock().unwrap() = Some(a);
        while slot.lock().unwrap().is_some() {
            sched::yield_now();
        }
    });
    let leaks = rt.leaks();
    assert_eq!(leaks.len(), 2, "{leaks:?}");
    for g in &leaks {
        assert!(g.location.file().ends_with("runtime.rs"), "{g:?}");
        assert_eq!(g.blocked_on, Some(model::BlockReason::Join), "{g:?}");
    }
}

/// Goroutines that never blocked (not yet started, or running a loop with
/// preemption points when main returns) are reported too, as runnable, and
/// their stacks are unwound: the registry only holds goroutines that have
/// parked, so shutdown finds these in the run queues.
#[test]
fn goroutines_that_never_blocked_are_reported_as_runnable() {
    for procs in [1, 2] {
        let rt = Runtime::builder().procs(procs).build().unwrap();
        let unwound = Arc::new(AtomicUsize::new(0));
        let u = unwound.clone();
        rt.block_on(move || {
            let running = Arc::new(AtomicUsize::new(0));
            let r = running.clone();
            let c = Counted(u.clone());
            // Spins until shutdown preempts it and drops it.
            drop(go(move || {
                let _c = c;
                r.store(1, SeqCst);
                loop {
                    sched::preempt_point();
                    std::hint::spin_loop();
                }
            }));
            while running.load(SeqCst) == 0 {
                sched::yield_now();
            }
            // Queued after the spinner; at one P it never gets to run.
            let c = Counted(u);
            drop(go(move || drop(c)));
        });
        let leaks = rt.leaks();
        assert!(!leaks.is_empty(), "procs {procs}: the spinner is alive");
        assert!(leaks.len() <= 2, "procs {procs}: {leaks:?}");
        for g in &leaks {
            assert_eq!(g.blocked_on, None, "procs {procs}: {g:?}");
            assert!(g.location.file().ends_with("runtime.rs"), "{g:?}");
        }
        assert_eq!(
            unwound.load(SeqCst),
            2,
            "procs {procs}: both closures dropped"
        );
    }
}

/// The registry survives a shutdown with leaked goroutines and exited ones
/// not yet forgotten (the Ms free registry slots in batches): a second
/// `block_on` on the same runtime reuses the slots and reports exactly its
/// own leaks.
#[test]
fn a_reused_runtime_reports_only_its_own_leaks() {
    let rt = Runtime::builder().procs(2).build().unwrap();
    let (tx, rx) = sched::chan::<()>(0);
    let keep = tx.clone();
    rt.block_on(move || {
        let hs: Vec<_> = (0..1000).map(|i| go(move || i)).collect();
        hs.into_iter().for_each(|h| drop(h.join()));
        // Blocked for good: its channel's sender lives on outside.
        go(move || {
            let _ = rx.recv();
        });
    });
    assert_eq!(rt.leaks().len(), 1, "{:?}", rt.leaks());
    for round in 0..3 {
        rt.block_on(|| {
            let hs: Vec<_> = (0..1000).map(|i| go(move || i)).collect();
            assert_eq!(
                hs.into_iter().map(|h| h.join().unwrap()).sum::<i32>(),
                499_500
            );
        });
        assert!(rt.leaks().is_empty(), "round {round}: {:?}", rt.leaks());
    }
    drop((tx, keep));
}

#[test]
fn many_runtimes_leave_no_threads_behind() {
    let threads = || std::fs::read_dir("/proc/self/task").unwrap().count();
    let before = threads();
    for _ in 0..50 {
        let rt = Runtime::builder().procs(4).build().unwrap();
        rt.block_on(|| {
            let hs: Vec<_> = (0..20).map(|i| go(move || i)).collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
        });
    }
    // Other tests run in parallel threads of this process: allow their noise.
    let after = threads();
    assert!(
        after <= before + 16,
        "threads before {before}, after {after}"
    );
}

#[test]
fn go_outside_a_runtime_panics_with_a_message() {
    let e = std::panic::catch_unwind(|| go(|| 1)).unwrap_err();
    let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("outside a sched runtime"), "{msg}");
}

#[test]
fn bad_settings_are_errors_that_name_them() {
    let e = Runtime::builder().procs(0).build().unwrap_err();
    assert_eq!(e.to_string(), "procs(0): must be in 1..=1024");
    let e = Runtime::builder().stack_size(100).build().unwrap_err();
    assert!(e.to_string().starts_with("stack_size(100)"));
    let e = Runtime::builder()
        .policy(Policy::go().with_quantum_ns(0))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("quantum_ns"), "{e}");
}

#[test]
fn sleeping_goroutines_do_not_hold_their_p() {
    for rt in runtimes(1) {
        let elapsed = rt.block_on(|| {
            let start = Instant::now();
            let hs: Vec<_> = (0..200)
                .map(|_| go(|| sched::time::sleep(Duration::from_millis(50))))
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            start.elapsed()
        });
        // 200 sleepers of 50 ms on one P: all sleep at once.
        assert!(elapsed >= Duration::from_millis(50), "{rt:?}: {elapsed:?}");
        assert!(
            elapsed < Duration::from_millis(400),
            "{rt:?}: sleeps were serialised: {elapsed:?}"
        );
    }
}

#[test]
fn sleep_outside_a_runtime_uses_the_fallback_timer() {
    let t = Instant::now();
    sched::time::sleep(Duration::from_millis(20));
    assert!(t.elapsed() >= Duration::from_millis(20));
}

#[test]
fn tracing_records_each_goroutines_life_in_order() {
    use model::event::Event;
    let rt = Runtime::builder().procs(2).tracing(true).build().unwrap();
    rt.block_on(|| {
        let hs: Vec<_> = (0..20)
            .map(|i| go(move || sched::time::sleep(Duration::from_millis(i % 3))))
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        sched::blocking(|| std::thread::sleep(Duration::from_millis(1)));
    });
    let events = rt.events();
    let count = |f: &dyn Fn(&Event) -> bool| events.iter().filter(|e| f(&e.event)).count();
    assert_eq!(
        count(&|e| matches!(e, Event::GCreated { .. })),
        21,
        "main + 20"
    );
    assert_eq!(
        count(&|e| matches!(
            e,
            Event::GEnded {
                panicked: false,
                ..
            }
        )),
        21
    );
    // The 13 goroutines that sleep 1 or 2 ms block; the 7 that sleep 0 ms
    // need not, nor does main's join of a goroutine already done (how many
    // are done depends on how soon the second M runs).
    assert!(
        count(&|e| matches!(e, Event::GBlocked { .. })) >= 13,
        "every sleeper of 1 or 2 ms blocked"
    );
    assert!(count(&|e| matches!(e, Event::GUnblocked { .. })) >= 13);
    assert_eq!(count(&|e| matches!(e, Event::SyscallEnter { .. })), 1);
    assert_eq!(count(&|e| matches!(e, Event::SyscallExit { .. })), 1);
    // Per goroutine: created, then started, ..., then ended, in time order.
    for g in 1..=21u32 {
        let mine: Vec<&Event> = events
            .iter()
            .map(|e| &e.event)
            .filter(|e| match e {
                Event::GCreated { g: x, .. }
                | Event::GStarted { g: x, .. }
                | Event::GEnded { g: x, .. } => x.0 == g,
                _ => false,
            })
            .collect();
        assert!(
            matches!(mine.first(), Some(Event::GCreated { .. })),
            "g{g}: {mine:?}"
        );
        assert!(
            matches!(mine.get(1), Some(Event::GStarted { .. })),
            "g{g}: {mine:?}"
        );
        assert!(
            matches!(mine.last(), Some(Event::GEnded { .. })),
            "g{g}: {mine:?}"
        );
    }
    assert!(Runtime::builder()
        .procs(1)
        .build()
        .unwrap()
        .events()
        .is_empty());
}

#[test]
fn a_hundred_thousand_goroutines() {
    for rt in runtimes(2) {
        let n = 100_000u64;
        let sum = rt.block_on(move || {
            let hs: Vec<_> = (0..n).map(|i| go(move || i)).collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
        });
        assert_eq!(sum, n * (n - 1) / 2, "{rt:?}");
    }
}

#[test]
fn a_locked_goroutine_stays_on_its_thread_while_others_run() {
    for rt in runtimes(1).into_iter().chain(runtimes(2)) {
        let (threads, others) = rt.block_on(|| {
            let counter = Arc::new(AtomicUsize::new(0));
            let c = counter.clone();
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    let c = c.clone();
                    go(move || {
                        for _ in 0..50 {
                            c.fetch_add(1, Relaxed);
                            sched::yield_now();
                        }
                    })
                })
                .collect();
            let locked = go(|| {
                sched::lock_os_thread();
                let mut seen = vec![std::thread::current().id()];
                for i in 0..30 {
                    if i % 3 == 0 {
                        sched::time::sleep(Duration::from_millis(1));
                    } else {
                        sched::yield_now();
                    }
                    let child = go(|| 1);
                    child.join().unwrap();
                    seen.push(std::thread::current().id());
                }
                sched::unlock_os_thread();
                seen
            });
            let seen = locked.join().unwrap();
            for w in workers {
                w.join().unwrap();
            }
            (seen, counter.load(Relaxed))
        });
        assert!(
            threads.windows(2).all(|w| w[0] == w[1]),
            "{rt:?}: the locked goroutine moved: {threads:?}"
        );
        assert_eq!(others, 8 * 50, "{rt:?}");
    }
}

/// A custom policy that overrides the two questions that fill the slot: its
/// answers are the ones the runtime follows (the built-in policy's knobs are
/// asked directly, so this checks that a custom policy still goes through
/// its own methods).
#[test]
fn a_custom_policys_own_answers_are_followed() {
    #[derive(Debug)]
    struct NoSlot(Policy);
    impl sched::SchedPolicy for NoSlot {
        fn base(&self) -> &Policy {
            &self.0
        }
        fn ready_to_runnext(&self, _spawn: bool) -> bool {
            false
        }
        fn join_promotes(&self) -> bool {
            false
        }
    }
    let spawn_and_join = |rt: &Runtime| {
        rt.block_on(|| {
            for _ in 0..200 {
                go(|| ()).join().unwrap();
            }
        });
        rt.stats().total().runnext_hits
    };
    let go_rt = Runtime::builder().procs(1).build().unwrap();
    assert!(
        spawn_and_join(&go_rt) > 0,
        "Go's policy runs spawned Gs from the slot"
    );
    let custom = Runtime::builder()
        .procs(1)
        .custom_policy(Arc::new(NoSlot(Policy::go())))
        .build()
        .unwrap();
    assert_eq!(
        spawn_and_join(&custom),
        0,
        "the custom policy never uses the slot"
    );
}

/// With one P, goroutines that yield are held by the P until it next looks
/// at the global queue (`worker.rs`). A blocking call must release them:
/// sysmon retakes a P in a blocking call at once only when it sees work,
/// and otherwise after 10 ms.
#[test]
fn yields_held_by_the_only_p_run_during_a_blocking_call() {
    let rt = Runtime::builder().procs(1).build().unwrap();
    let waited = rt.block_on(|| {
        let t0 = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let t = t0.clone();
        // Spawned first, so it runs second (the newer spawn takes runnext).
        let blocker = go(move || {
            *t.lock().unwrap() = Some(Instant::now());
            sched::blocking(|| std::thread::sleep(Duration::from_millis(100)));
        });
        let t = t0.clone();
        let yielder = go(move || {
            sched::yield_now(); // held by the P while the blocker runs
            let started = t.lock().unwrap().expect("the blocker ran first");
            started.elapsed()
        });
        let waited = yielder.join().unwrap();
        blocker.join().unwrap();
        waited
    });
    assert!(
        waited < Duration::from_millis(8),
        "the held yielder waited {waited:?}"
    );
}

/// Spawns `a` then `b` (so `b` holds the slot and `a` is the ring's newest)
/// and joins `a`, then `b`: the order they ran in.
fn join_order() -> Vec<u32> {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (oa, ob) = (order.clone(), order.clone());
    let a = go(move || oa.lock().unwrap().push(1));
    let b = go(move || ob.lock().unwrap().push(2));
    a.join().unwrap();
    b.join().unwrap();
    let v = order.lock().unwrap().clone();
    v
}

/// `Policy::join_to_runnext`: a join moves the goroutine it waits for from
/// the ring's tail into the slot, so it runs before the slot's goroutine,
/// in production and in a deterministic run alike; with `join=off` the
/// slot's goroutine runs first, as in Go.
#[test]
fn a_join_runs_the_goroutine_it_waits_for_next() {
    for (spec, want, promoted) in [("go", [1, 2], true), ("go,join=off", [2, 1], false)] {
        let policy = Policy::parse(spec).unwrap();
        let rt = Runtime::builder()
            .procs(1)
            .policy(policy.clone())
            .build()
            .unwrap();
        assert_eq!(rt.block_on(join_order), want, "production, {spec}");
        let promotions = rt.stats().total().join_promotions;
        assert_eq!(promotions > 0, promoted, "{spec}: {promotions} promotions");
        let det = det_at_one_p(policy, "runtime::join_order", join_order);
        assert_eq!(det, want, "deterministic, {spec}");
    }
}

/// `f` as a deterministic run's main goroutine, on 1 P, faithful to `policy`.
fn det_at_one_p<T: Send + 'static>(policy: Policy, program: &str, f: fn() -> T) -> T {
    let cfg = sched::det::Config::new()
        .procs(1)
        .policy(policy)
        .scope(model::trace::Scope::PolicyFaithful)
        .quantum_steps(1000)
        .program(program);
    let mut chooser = model::chooser::RandomChooser::new(1);
    sched::det::run(&cfg, &mut chooser, f).result.unwrap()
}

/// Spawns `a`, `b` and `c` (`c` holds the slot, the ring is `[a, b]`) and
/// joins `a`, which is neither next nor the ring's newest: the order in
/// which the three ran and main (0) resumed from that join.
fn join_wake_order() -> Vec<u32> {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let push = |k: u32| {
        let o = order.clone();
        move || o.lock().unwrap().push(k)
    };
    let (a, b, c) = (go(push(1)), go(push(2)), go(push(3)));
    a.join().unwrap();
    order.lock().unwrap().push(0);
    b.join().unwrap();
    c.join().unwrap();
    let v = order.lock().unwrap().clone();
    v
}

/// `Policy::join_wake_tail`: a goroutine parked joining one that was not
/// next is woken at the tail, so `b` runs before main resumes; with
/// `joinwake=runnext` main resumes in the slot as soon as `a` exits (Go's
/// `ready`), and without a slot every wake-up is at the tail. Production
/// and a deterministic run agree.
#[test]
fn a_joiner_whose_target_was_not_next_resumes_after_the_queue() {
    for (spec, want) in [
        ("go", [3, 1, 2, 0]),
        ("go,joinwake=runnext", [3, 1, 0, 2]),
        ("fifo", [1, 2, 3, 0]),
    ] {
        let policy = Policy::parse(spec).unwrap();
        let rt = Runtime::builder()
            .procs(1)
            .policy(policy.clone())
            .build()
            .unwrap();
        assert_eq!(rt.block_on(join_wake_order), want, "production, {spec}");
        let det = det_at_one_p(policy, "runtime::join_wake_order", join_wake_order);
        assert_eq!(det, want, "deterministic, {spec}");
    }
}

/// Join promotion keeps a fork-join loop's goroutines running next, within
/// one time slice, as `runnext` hand-offs do: a goroutine queued at the
/// ring's head behind such a loop still runs once the quantum is up (sysmon
/// preempts the loop at one of its `go` or `join` calls).
#[test]
fn a_promoting_join_loop_does_not_hold_the_p_past_the_quantum() {
    let policy = Policy::go().with_quantum_ns(2_000_000);
    let rt = Runtime::builder().procs(1).policy(policy).build().unwrap();
    let waited = rt.block_on(|| {
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = ran.clone();
        let t = Instant::now();
        // Into the slot, then to the ring's head when the loop spawns.
        let probe = go(move || {
            r.store(true, Relaxed);
            t.elapsed()
        });
        // Each round: `a` is the ring's newest when joined, and is promoted.
        while !ran.load(Relaxed) && t.elapsed() < Duration::from_secs(2) {
            let a = go(|| ());
            let b = go(|| ());
            a.join().unwrap();
            b.join().unwrap();
        }
        probe.join().unwrap()
    });
    let stats = rt.stats().total();
    assert!(
        stats.join_promotions > 0 && stats.preemptions > 0,
        "{stats:?}"
    );
    // Quantum 2 ms; sysmon sleeps at most half of it.
    assert!(
        waited < Duration::from_millis(60),
        "the probe waited {waited:?}"
    );
}
