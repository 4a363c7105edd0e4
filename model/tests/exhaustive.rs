//! Exhaustive exploration of small configurations: every choice of every
//! reachable state, every invariant after every transition.
//!
//! Run with `cargo test -p model --features model-check --test exhaustive`.
//! Bounds: [`Explorer`]'s `SCHED_MODEL_MAX_STATES` (default 2 000 000) and
//! `SCHED_MODEL_MAX_STEPS` (default 10 000); every check here asserts the
//! search was complete, so lowering them makes these tests fail rather than
//! pass vacuously. Each configuration prints its state count and time.
#![cfg(feature = "model-check")]

use model::machine::{ExploreStats, Explorer, Invariant, Machine, MachineConfig};
use model::policy::{GlobalCheck, Policy};
use model::trace::Scope;
use model::workload::Workload;
use std::time::Instant;

fn explore(w: &Workload, policy: &Policy, cfg: MachineConfig) -> ExploreStats {
    let label = format!("{} {} {}P {:?}", w.name, policy.name, cfg.procs, cfg.scope);
    let m = Machine::new(w.clone(), policy.clone(), cfg.with_strategy("dfs"));
    let t = Instant::now();
    let stats = Explorer::new()
        .explore(&m)
        .unwrap_or_else(|v| panic!("{label}:\n{v}"));
    println!(
        "{label}: {} states, {} executions, depth {}, {:?}",
        stats.states,
        stats.executions,
        stats.max_depth,
        t.elapsed()
    );
    assert!(stats.complete, "{label}: state bound hit: {stats:?}");
    assert_eq!(stats.depth_limited, 0, "{label}: depth bound hit");
    assert_eq!(
        stats.deadlocks, 0,
        "{label}: these workloads cannot deadlock"
    );
    stats
}

/// Small workloads: at most 4 goroutines live in the any-interleaving scope,
/// a few more in the policy-faithful one (whose state space is far smaller).
fn workloads(scope: Scope) -> Vec<Workload> {
    let mut ws = vec![
        Workload::fib(3, 1, 1),
        Workload::tree(1, 3, 1),
        Workload::producer_consumer(1, 1, 2, 0, 1),
        Workload::producer_consumer(1, 1, 2, 1, 1),
        Workload::blocking(1, 100, 1),
        Workload::respawning_pairs(1, 1),
    ];
    if scope == Scope::PolicyFaithful {
        ws.extend([
            Workload::fib(4, 1, 1),
            Workload::tree(2, 2, 1),
            Workload::respawning_pairs(2, 1),
            // Two blocking calls at once: hand-offs to new Ms, and returns
            // that find their P retaken.
            Workload::blocking(2, 100, 1),
        ]);
    }
    ws
}

#[test]
fn every_preset_keeps_every_invariant_on_two_ps_policy_faithful() {
    for policy in Policy::presets() {
        for w in workloads(Scope::PolicyFaithful) {
            explore(&w, &policy, MachineConfig::new(2));
        }
    }
}

#[test]
fn every_preset_keeps_every_invariant_on_two_ps_any_interleaving() {
    for policy in Policy::presets() {
        for w in workloads(Scope::AnyInterleaving) {
            let cfg = MachineConfig::new(2).with_scope(Scope::AnyInterleaving);
            explore(&w, &policy, cfg);
        }
    }
}

#[test]
fn every_preset_keeps_every_invariant_on_three_ps() {
    for policy in Policy::presets() {
        explore(&Workload::fib(3, 1, 1), &policy, MachineConfig::new(3));
        explore(
            &Workload::blocking(1, 100, 1),
            &policy,
            MachineConfig::new(3),
        );
        let any = MachineConfig::new(3).with_scope(Scope::AnyInterleaving);
        explore(&Workload::tree(1, 2, 1), &policy, any);
    }
}

#[test]
fn preemption_is_explored_with_a_short_quantum() {
    // With a 2-step quantum, fib(3)'s and tree(1,3)'s goroutines are
    // preempted mid-run (and the preempted ones go where the policy says).
    for policy in Policy::presets() {
        let cfg = MachineConfig::new(2).with_quantum_steps(2);
        explore(&Workload::fib(3, 1, 1), &policy, cfg.clone());
        explore(&Workload::tree(1, 3, 1), &policy, cfg.clone());
        let any = cfg.with_scope(Scope::AnyInterleaving);
        explore(&Workload::tree(1, 3, 1), &policy, any);
    }
}

/// The unfair policy, caught: Go's check of the global queue every 61
/// ticks is turned off, the two respawning chains keep the local queue busy,
/// and the victim that yielded into the global queue waits past the bound
/// the fairness invariant derives for Go (`procs·(k − 1)` = 60 slices on one
/// P). The counterexample is printed as a decision sequence. The quantum is
/// 16 steps so that no helper is preempted into the global queue ahead of the
/// victim (the first slice, inherited through `runnext` by main, the first
/// generation and its helper, takes 10 steps; every later one 6).
#[test]
fn never_checking_the_global_queue_starves_it_and_is_caught() {
    let w = Workload::respawning_pairs(40, 1);
    let cfg = MachineConfig::new(1).with_quantum_steps(16);
    let never = Policy::go()
        .with_global_check(GlobalCheck::Never)
        .named("go,global=never");
    assert_eq!(never, Policy::parse("go,global=never").unwrap());
    let m = Machine::new(w.clone(), never, cfg.clone());
    let v = Explorer::new()
        .explore(&m)
        .expect_err("go,global=never must starve the victim");
    println!("{v}");
    assert_eq!(v.invariant, Invariant::GlobalQueueFairness);
    assert_eq!(v.invariant.name(), "global_queue_fairness");
    // g1 is the victim (main spawns it first), alone in the global queue.
    let starved = "g1 entered the global queue behind 0 Gs and has waited 61 slices";
    assert!(v.detail.contains(starved), "{}", v.detail);
    assert!(
        v.to_string().contains("Run { p: p0, g: g"),
        "a readable trace"
    );
    assert_eq!(v.trace.entries.len() as u64, v.step + 1);

    // The same check passes for Go, and is not vacuous: the victim waits all
    // 60 slices the bound allows (it is tight) and is taken at tick 61.
    let stats = explore(&w, &Policy::go(), cfg);
    assert_eq!(stats.max_global_wait, 60);
}

/// The same on two Ps, every interleaving, with a short interval so the
/// state space stays small: `go,global=2` passes and meets its bound of
/// `2·(2 − 1)` = 2 slices exactly; `never`, held to k = 2, is caught.
#[test]
fn never_is_caught_on_two_ps_and_a_short_interval_passes_everywhere() {
    let w = Workload::respawning_pairs(3, 1);
    let cfg = MachineConfig::new(2)
        .with_fairness_interval(2)
        .with_quantum_steps(16);
    let every2 = Policy::parse("go,global=2").unwrap();
    let stats = explore(&w, &every2, cfg.clone());
    assert_eq!(stats.max_global_wait, 2);
    let never = Policy::parse("go,global=never").unwrap();
    let m = Machine::new(w, never, cfg);
    let v = Explorer::new()
        .explore(&m)
        .expect_err("never must be caught");
    println!("{v}");
    assert_eq!(v.invariant, Invariant::GlobalQueueFairness);
    assert!(v.detail.contains("g1 entered"), "the victim: {}", v.detail);
}
