//! Properties of the discrete-event simulator, over random workloads,
//! policies, numbers of Ps and seeds: determinism, conservation of work,
//! completion of every goroutine, utilisation ≤ 1, makespan ≥ work / P;
//! plus exact accounting at P = 1 and the simulator's error cases.
//!
//! The expected work and goroutine counts come from an oracle written here
//! from the workload's *text* (templates and their spawns), independent of
//! both `Program::step` and the simulator.

use model::policy::{Policy, SchedPolicy};
use model::sim::{simulate, Costs, SimConfig, SimError, SimReport, DEFAULT_MAX_EVENTS};
use model::workload::{Step, Task, Workload};
use model::workloads;
use proptest::prelude::*;

/// (compute ns, goroutines) of one goroutine running `task`, its
/// descendants included.
fn oracle(w: &Workload, task: u32) -> (u64, u64) {
    let mut work = 0;
    let mut gs = 1;
    for step in &w.tasks[task as usize].steps {
        match *step {
            Step::Compute(ns) => work += ns,
            Step::Spawn(t) => {
                let (cw, cg) = oracle(w, t);
                work += cw;
                gs += cg;
            }
            _ => {}
        }
    }
    (work, gs)
}

fn workload() -> impl Strategy<Value = Workload> {
    prop_oneof![
        (5u32..=13, 1u32..=6, 1u64..=2_000).prop_map(|(n, c, cost)| Workload::fib(n, c, cost)),
        (1u32..=4, 1u32..=4, 1u64..=20_000).prop_map(|(d, f, c)| Workload::tree(d, f, c)),
        (1u32..=40, 1u64..=20_000).prop_map(|(n, c)| Workload::chain(n, c)),
        (1u32..=300, 1u64..=2_000).prop_map(|(n, u)| Workload::imbalanced(n, u)),
        (1u32..=3, 1u32..=3, 1u32..=8, 0u32..=4, 0u64..=5_000)
            .prop_map(|(p, c, k, cap, cost)| Workload::producer_consumer(p, c, c * k, cap, cost)),
        (1u32..=20, 0u64..=60_000, 0u64..=20_000).prop_map(|(n, d, c)| Workload::blocking(n, d, c)),
        (1u32..=30, 1u64..=20_000).prop_map(|(g, c)| Workload::respawning_pairs(g, c)),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    let specs = [
        "go",
        "tokio_like",
        "steal_one",
        "fifo",
        "go,global=never",
        "go,capacity=4",
        "fifo,capacity=2,yield=local",
        "tokio_like,steal=2,victims=sequential",
        "go,quantum=20us",
        "go,runnext_steal=always,rounds=1",
        "go,queue=chase_lev",
    ];
    proptest::sample::select(specs.to_vec()).prop_map(|s| Policy::parse(s).unwrap())
}

fn procs() -> impl Strategy<Value = usize> {
    prop_oneof![8 => 1usize..=16, 1 => Just(64usize), 1 => Just(1024usize)]
}

fn run(w: &Workload, p: &Policy, procs: usize, seed: u64) -> SimReport {
    simulate(w, p, SimConfig::new(procs, seed))
        .unwrap_or_else(|e| panic!("{} under {} at P={procs}: {e}", w.name, p.name()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn a_run_is_a_function_of_its_inputs(w in workload(), p in policy(), procs in procs(), seed: u64) {
        prop_assert_eq!(run(&w, &p, procs, seed), run(&w, &p, procs, seed));
    }

    #[test]
    fn all_work_is_done_by_goroutines_that_all_finish(
        w in workload(), p in policy(), procs in procs(), seed: u64,
    ) {
        let r = run(&w, &p, procs, seed);
        let (work, gs) = oracle(&w, w.main);
        prop_assert_eq!(r.work_ns, work);
        prop_assert_eq!(r.goroutines as u64, gs);
        prop_assert_eq!(r.per_p.iter().map(|p| p.busy_ns).sum::<u64>(), work);
        prop_assert!(r.context_switches >= gs, "every G started at least once");
        prop_assert!(r.peak_live as u64 <= gs);
    }

    #[test]
    fn utilisation_and_makespan_are_bounded_by_work(
        w in workload(), p in policy(), procs in procs(), seed: u64,
    ) {
        let r = run(&w, &p, procs, seed);
        for (i, u) in r.utilisation().iter().enumerate() {
            prop_assert!(*u <= 1.0, "p{} utilisation {}", i, u);
        }
        prop_assert!(r.makespan_ns * procs as u64 >= r.work_ns);
        prop_assert!(r.steals <= r.steal_attempts && r.steals <= r.stolen);
        prop_assert!(r.latency.p50 <= r.latency.p90 && r.latency.p99 <= r.latency.max);
    }

    /// On one P with no blocking calls the P is never idle: the makespan is
    /// the work plus exactly the costs charged, and those are the counted
    /// operations times their costs.
    #[test]
    fn one_p_makespan_is_work_plus_counted_overheads(
        w in workload().prop_filter("no blocking calls", |w| !has_blocking(w)),
        p in policy(),
        seed: u64,
    ) {
        let r = run(&w, &p, 1, seed);
        let c = Costs::default();
        prop_assert_eq!(r.makespan_ns, r.work_ns + r.overhead_ns);
        let expected = (r.goroutines as u64 - 1) * c.spawn
            + r.context_switches * c.switch
            + sync_steps(&w, w.main) * c.sync_op
            + r.global_takes * c.global_access
            + r.preemptions * c.preempt;
        prop_assert_eq!(r.overhead_ns, expected);
    }
}

fn has_blocking(w: &Workload) -> bool {
    w.tasks
        .iter()
        .flat_map(|t: &Task| &t.steps)
        .any(|s| matches!(s, Step::Blocking(_)))
}

/// Join, send and receive steps executed, descendants included.
fn sync_steps(w: &Workload, task: u32) -> u64 {
    w.tasks[task as usize]
        .steps
        .iter()
        .map(|s| match *s {
            Step::JoinChildren | Step::Send(_) | Step::Recv(_) => 1,
            Step::Spawn(t) => sync_steps(w, t),
            _ => 0,
        })
        .sum()
}

#[test]
fn different_seeds_can_differ() {
    let w = Workload::fib(16, 5, 200);
    let reports: Vec<_> = (0..8).map(|s| run(&w, &Policy::go(), 8, s)).collect();
    assert!(
        reports
            .windows(2)
            .any(|p| p[0].steal_attempts != p[1].steal_attempts),
        "victim order is seeded, so steal traffic should vary with the seed"
    );
}

#[test]
fn with_free_operations_one_p_takes_exactly_the_work() {
    let w = Workload::fib(12, 4, 300);
    let zero = SimConfig::new(1, 0).with_costs(Costs::ZERO);
    let r = simulate(&w, &Policy::go(), zero).unwrap();
    assert_eq!((r.makespan_ns, r.overhead_ns), (r.work_ns, 0));
}

/// One G of 50 ms alone on a P with Go's 10 ms quantum, preempted each time
/// its slice ends and back through the global queue. The main G starts from
/// `runnext` and so inherits P0's first slice, which began at 0 when main was
/// readied (as in Go): that slice is one `switch` short, so the work needs a
/// fifth slice for its last 150 ns.
#[test]
fn quantum_preempts_a_long_computation() {
    let w = Workload {
        name: "long".into(),
        tasks: vec![Task {
            name: "long".into(),
            steps: vec![Step::Compute(50_000_000)],
        }],
        chans: vec![],
        main: 0,
    };
    let c = Costs::default();
    let r = simulate(&w, &Policy::go(), SimConfig::new(1, 0)).unwrap();
    assert_eq!(r.preemptions, 5);
    let per_preemption = c.preempt + c.switch + c.global_access;
    assert_eq!(r.makespan_ns, c.switch + 50_000_000 + 5 * per_preemption);
}

/// Two blocking calls of 1 ms on one P: sysmon hands the P off after 20 µs,
/// so the second call overlaps the first instead of waiting for it.
#[test]
fn blocking_calls_hand_the_p_off() {
    let w = Workload::blocking(2, 1_000_000, 1_000);
    let r = run(&w, &Policy::go(), 1, 0);
    assert!(r.handoffs >= 1, "{r:?}");
    assert!(
        r.makespan_ns < 2 * 1_000_000,
        "calls overlapped: {}",
        r.makespan_ns
    );
    assert!(r.makespan_ns > 1_000_000);
}

#[test]
fn more_ps_finish_fork_join_sooner() {
    let w = Workload::fib(18, 8, 100);
    let one = run(&w, &Policy::go(), 1, 3);
    let eight = run(&w, &Policy::go(), 8, 3);
    assert!(
        eight.speedup_over(&one) > 5.0,
        "{}",
        eight.speedup_over(&one)
    );
}

#[test]
fn a_workload_deadlock_is_an_error_naming_the_blocked() {
    let w = Workload {
        name: "lonely receiver".into(),
        tasks: vec![Task {
            name: "recv".into(),
            steps: vec![Step::Recv(0)],
        }],
        chans: vec![0],
        main: 0,
    };
    let e = simulate(&w, &Policy::go(), SimConfig::new(4, 0)).unwrap_err();
    assert!(
        matches!(&e, SimError::Deadlock { blocked, queued: 0, .. } if blocked.len() == 1),
        "{e:?}"
    );
    assert!(e.to_string().contains("deadlock"), "{e}");
}

#[test]
fn the_event_budget_is_an_error_not_a_hang() {
    let w = Workload::chain(100, 10);
    let cfg = SimConfig::new(2, 0).with_max_events(50);
    let e = simulate(&w, &Policy::go(), cfg).unwrap_err();
    assert!(matches!(e, SimError::EventLimit { limit: 50, .. }), "{e:?}");
}

/// The largest run of the lab's default matrix (most events) stays under 1%
/// of the default event budget, as `config.rs` says.
#[test]
fn the_default_event_budget_has_room() {
    let w = workloads::by_name("imbalanced").unwrap();
    let p = Policy::parse("steal_one,capacity=65536").unwrap();
    let r = run(&w, &p, 64, 1);
    assert!(r.events < DEFAULT_MAX_EVENTS / 100, "{}", r.events);
}

/// Join promotion in the simulator: a fork-join workload promotes under
/// `go` and never under `go,join=off`, and the work done is the same.
#[test]
fn fork_join_promotes_joined_children_only_when_the_policy_says() {
    let w = Workload::fib(12, 4, 1_000);
    for procs in [1, 4] {
        let on = run(&w, &Policy::go(), procs, 7);
        let off = run(&w, &Policy::parse("go,join=off").unwrap(), procs, 7);
        assert!(on.join_promotions > 0, "P={procs}: {on:?}");
        assert_eq!(off.join_promotions, 0, "P={procs}");
        assert_eq!(on.work_ns, off.work_ns);
        assert_eq!(on.goroutines, off.goroutines);
    }
}
