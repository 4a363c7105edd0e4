//! The deterministic engine is deterministic: the same program, config and
//! chooser seed give byte-identical traces (as JSON), for every policy
//! preset and both scopes; different seeds explore different schedules.

use model::chooser::RandomChooser;
use model::event::Ordering;
use model::trace::Scope;
use model::Policy;
use sched::det::probe::{ProbeAtomic, ProbeLock};
use sched::det::{self, Config};
use std::sync::Arc;
use std::time::Duration;

/// main + 2 goroutines: a lock, an atomic, a sleep, joins.
fn program() -> u64 {
    let lock = Arc::new(ProbeLock::new());
    let flag = Arc::new(ProbeAtomic::new(0));
    let hs: Vec<_> = (0..2)
        .map(|i| {
            let (lock, flag) = (lock.clone(), flag.clone());
            sched::go(move || {
                let _g = lock.lock();
                flag.store(i + 1, Ordering::Release);
                sched::yield_now();
                i
            })
        })
        .collect();
    sched::time::sleep(Duration::from_millis(5));
    let sum: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    sum + flag.load(Ordering::Acquire)
}

fn json(policy: &Policy, scope: Scope, seed: u64) -> String {
    let cfg = Config::new()
        .policy(policy.clone())
        .scope(scope)
        .seed(seed)
        .quantum_steps(2)
        .program("det_determinism::program");
    let out = det::run(&cfg, &mut RandomChooser::new(seed), program);
    let v = out.result.expect("the program has no bug");
    assert!((2..=3).contains(&v), "sum of ids plus the last flag: {v}");
    serde_json::to_string(&out.trace).expect("traces serialise")
}

#[test]
fn same_seed_same_trace_bytes_for_every_preset_and_scope() {
    for policy in Policy::presets() {
        for scope in [Scope::PolicyFaithful, Scope::AnyInterleaving] {
            let first = json(&policy, scope, 7);
            for run in 1..100 {
                assert_eq!(
                    json(&policy, scope, 7),
                    first,
                    "policy {} {scope:?}: run {run} differs from run 0",
                    policy.name
                );
            }
            let trace: model::trace::Trace = serde_json::from_str(&first).unwrap();
            assert!(
                !trace.entries.is_empty(),
                "policy {} {scope:?}: no choice point at all",
                policy.name
            );
        }
    }
}

#[test]
fn different_seeds_explore_different_schedules() {
    for scope in [Scope::PolicyFaithful, Scope::AnyInterleaving] {
        let traces: std::collections::HashSet<String> =
            (0..40).map(|s| json(&Policy::go(), scope, s)).collect();
        assert!(
            traces.len() > 5,
            "{scope:?}: only {} distinct traces",
            traces.len()
        );
    }
}

#[test]
fn one_proc_policy_faithful_leaves_only_the_timer_to_choose() {
    let cfg = Config::new()
        .procs(1)
        .scope(Scope::PolicyFaithful)
        .quantum_steps(1000);
    let out = det::run(&cfg, &mut RandomChooser::new(3), program);
    assert!(out.result.is_ok());
    // One P: its one move (step or schedule), plus at most the timer.
    for e in &out.trace.entries {
        assert!(
            e.of == 2 && !matches!(e.decision, model::Decision::Preempt { .. }),
            "unexpected choice with one P and a long quantum: {e}"
        );
    }
}

#[test]
fn config_errors_name_the_field() {
    assert_eq!(
        Config::new().procs(0).validate().unwrap_err().field,
        "procs"
    );
    assert_eq!(
        Config::new().step_limit(0).validate().unwrap_err().field,
        "step_limit"
    );
    assert_eq!(
        Config::new().quantum_steps(0).validate().unwrap_err().field,
        "quantum_steps"
    );
    let e = Config::new().procs(1000).validate().unwrap_err();
    assert!(e.to_string().contains("`procs` = 1000"), "{e}");
}

#[test]
fn policy_faithful_preempts_only_after_the_quantum() {
    let spin = || {
        let h = sched::go(|| (0..20).for_each(|_| sched::preempt_point()));
        (0..20).for_each(|_| sched::preempt_point());
        h.join().unwrap();
    };
    let mut preempted = false;
    for seed in 0..20 {
        let cfg = Config::new()
            .procs(1)
            .scope(Scope::PolicyFaithful)
            .quantum_steps(5);
        let out = det::run(&cfg, &mut RandomChooser::new(seed), spin);
        assert!(out.result.is_ok());
        for e in &out.trace.entries {
            assert_eq!(e.of, 2, "one P: step or preempt ({e})");
            preempted |= matches!(e.decision, model::Decision::Preempt { .. });
        }
        // Preemption is an option only once the slice has taken 5 ops.
        let first = out.trace.entries.first().expect("some preemption point");
        assert!(
            first.step >= 5,
            "first preemption point at step {}",
            first.step
        );
    }
    assert!(preempted, "no seed took a preemption");
}

#[test]
fn round_robin_and_pct_choosers_drive_runs_deterministically() {
    use model::chooser::RoundRobinChooser;
    use sched::det::PctChooser;
    let cfg = Config::new().program("det_determinism::program");
    let rr = |_| det::run(&cfg, &mut RoundRobinChooser::default(), program);
    let (a, b) = (rr(0), rr(1));
    assert_eq!(a.trace.entries, b.trace.entries);
    assert!(a.result.is_ok() && !a.trace.entries.is_empty());
    let pct = |seed| det::run(&cfg, &mut PctChooser::new(seed, 3, 20), program);
    assert_eq!(pct(4).trace.entries, pct(4).trace.entries);
    assert!(pct(4).result.is_ok());
}

#[test]
fn the_environment_overrides_bounds_and_bad_values_name_the_field() {
    // One test owns these variables (tests run in parallel threads).
    std::env::set_var("SCHED_STEP_LIMIT", "1234");
    std::env::set_var("SCHED_PROCS", "3");
    let c = Config::from_env().unwrap();
    assert_eq!((c.step_limit, c.procs), (1234, 3));
    std::env::set_var("SCHED_PROCS", "many");
    let e = Config::from_env().unwrap_err();
    assert_eq!(e.field, "procs");
    assert!(e.to_string().contains("SCHED_PROCS"), "{e}");
    std::env::remove_var("SCHED_PROCS");
    std::env::remove_var("SCHED_STEP_LIMIT");
}

/// A deterministic run started inside a goroutine of the production engine
/// (on an M's thread) is the same run as on a plain thread: its goroutines
/// must not be taken for the M's (the M's context is hidden meanwhile), and
/// the goroutine carries on with its runtime afterwards.
#[test]
fn a_run_inside_a_production_goroutine_is_the_same_run() {
    let plain = json(&Policy::go(), Scope::PolicyFaithful, 3);
    let rt = sched::Runtime::builder().procs(2).build().unwrap();
    let (inside, after) = rt.block_on(|| {
        let inside = json(&Policy::go(), Scope::PolicyFaithful, 3);
        // The runtime still works for this goroutine.
        let after = sched::go(|| 40).join().unwrap() + 2;
        (inside, after)
    });
    assert_eq!(inside, plain, "the trace of a run on an M differs");
    assert_eq!(after, 42);
}

/// A mutex's unlock is a scheduling point of its own in a deterministic run
/// (production skips it: the lock already checked for preemption), so each
/// lock/unlock pair costs the explorer two steps.
#[test]
fn each_lock_and_each_unlock_is_a_step_in_a_deterministic_run() {
    let steps = |pairs: usize| {
        let cfg = Config::new().procs(1);
        let out = det::run(&cfg, &mut RandomChooser::new(1), move || {
            let m = sched::sync::Mutex::new(0u32);
            for _ in 0..pairs {
                *m.lock() += 1;
            }
        });
        assert!(out.result.is_ok());
        out.steps
    };
    assert_eq!(steps(20) - steps(10), 2 * 10);
}
