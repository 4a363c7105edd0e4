//! Property tests of the model: random small workloads under random
//! schedules keep every invariant (the machine checks them after every
//! transition) and end with every goroutine done — or, for random programs
//! that deadlock by themselves, with a deadlock of blocked goroutines only;
//! traces replay exactly; the vocabulary round-trips through serde.

use model::chooser::{RandomChooser, ScriptChooser};
use model::machine::{End, Machine, MachineConfig, Outcome};
use model::policy::{
    GlobalCheck, LocalQueueKind, Policy, RunNextSlot, StealAmount, StealRunnext, VictimOrder,
    YieldTarget,
};
use model::state::GState;
use model::trace::{Scope, Trace};
use model::workload::{Step, Task, Workload};
use model::{Decision, Event};
use proptest::prelude::*;

/// Enough for every run below: the largest workloads take a few hundred.
const MAX_STEPS: u64 = 50_000;

fn builder_workload() -> impl Strategy<Value = Workload> {
    prop_oneof![
        (2u32..=8, 1u32..=3).prop_map(|(n, cut)| Workload::fib(n, cut, 1)),
        (1u32..=3, 1u32..=3).prop_map(|(d, f)| Workload::tree(d, f, 1)),
        (1u32..=20).prop_map(|n| Workload::chain(n, 1)),
        (1u32..=30).prop_map(|n| Workload::imbalanced(n, 1)),
        (1u32..=3, 1u32..=4, 0u32..=2).prop_map(|(p, m, cap)| {
            // Every consumer receives the same number of messages.
            Workload::producer_consumer(p, 1, m, cap, 1)
        }),
        (1u32..=3, 1u32..=3, 0u32..=2)
            .prop_map(|(p, m, cap)| { Workload::producer_consumer(p * 2, 2, m, cap, 1) }),
        (1u32..=4).prop_map(|n| Workload::blocking(n, 100, 1)),
        (0u32..=8).prop_map(|g| Workload::respawning_pairs(g, 1)),
    ]
}

/// A random program: task 0 is main, a task spawns only later tasks (so
/// every run is finite), channels are shared by all. It may deadlock.
fn random_workload() -> impl Strategy<Value = Workload> {
    let raw_task = prop::collection::vec((0u8..7, 0u32..8), 1..6);
    (
        prop::collection::vec(raw_task, 1..5),
        prop::collection::vec(0u32..=2, 0..3),
    )
        .prop_map(|(raw, chans)| {
            let n = raw.len() as u32;
            let tasks = raw
                .into_iter()
                .enumerate()
                .map(|(i, steps)| {
                    let i = i as u32;
                    let steps = steps
                        .into_iter()
                        .map(|(kind, a)| step(kind, a, i, n, chans.len() as u32))
                        .collect();
                    Task {
                        name: format!("t{i}"),
                        steps,
                    }
                })
                .collect();
            Workload {
                name: "random".into(),
                tasks,
                chans,
                main: 0,
            }
        })
}

fn step(kind: u8, a: u32, task: u32, tasks: u32, chans: u32) -> Step {
    match kind {
        1 if task + 1 < tasks => Step::Spawn(task + 1 + a % (tasks - task - 1)),
        2 => Step::JoinChildren,
        3 if chans > 0 => Step::Send(a % chans),
        4 if chans > 0 => Step::Recv(a % chans),
        5 => Step::Blocking(10),
        6 => Step::Yield,
        _ => Step::Compute(u64::from(a) + 1),
    }
}

fn run(w: &Workload, policy: &Policy, procs: usize, scope: Scope, seed: u64) -> Outcome {
    let cfg = MachineConfig::new(procs)
        .with_scope(scope)
        .with_seed(seed)
        .with_strategy("random");
    let mut m = Machine::new(w.clone(), policy.clone(), cfg.clone());
    let outcome = m
        .run(&mut RandomChooser::new(seed), MAX_STEPS)
        .unwrap_or_else(|v| panic!("{v}"));
    // The trace replays exactly: same choices, same decisions, same end.
    let mut again = Machine::new(w.clone(), policy.clone(), cfg);
    let mut script = ScriptChooser::new(outcome.trace.choices());
    let replay = again.run(&mut script, MAX_STEPS).unwrap();
    assert_eq!(replay.trace.entries, outcome.trace.entries);
    assert!(script.finished() && script.misfit.is_none());
    outcome
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Scope::PolicyFaithful), Just(Scope::AnyInterleaving)]
}

fn preset() -> impl Strategy<Value = Policy> {
    (0..Policy::PRESETS.len()).prop_map(|i| Policy::presets().swap_remove(i))
}

/// Any valid combination of knobs; `fair` leaves out `GlobalCheck::Never`.
fn knobs(fair: bool) -> impl Strategy<Value = Policy> {
    let queue = prop_oneof![
        (1u32..=8).prop_map(|s| LocalQueueKind::GoRing { capacity: 1 << s }),
        Just(LocalQueueKind::ChaseLev),
    ];
    let slot = prop::option::of(
        (any::<bool>(), prop::option::of(1u32..=4), 0u8..3).prop_map(|(inherit, max, steal)| {
            RunNextSlot {
                inherit_time_slice: inherit,
                max_consecutive: max,
                steal: [
                    StealRunnext::Never,
                    StealRunnext::LastRound,
                    StealRunnext::Always,
                ][steal as usize],
            }
        }),
    );
    let steal = prop_oneof![
        Just(StealAmount::Half),
        Just(StealAmount::One),
        (1u32..=4).prop_map(StealAmount::Fixed)
    ];
    let global = if fair {
        (1u32..=70).prop_map(GlobalCheck::Every).boxed()
    } else {
        prop_oneof![
            (1u32..=70).prop_map(GlobalCheck::Every),
            Just(GlobalCheck::Never)
        ]
        .boxed()
    };
    (
        queue,
        slot,
        any::<(bool, bool, bool, bool)>(),
        steal,
        1u32..=4,
        0u8..3,
        global,
        1_000u64..=20_000_000,
        any::<bool>(),
    )
        .prop_map(
            |(
                queue,
                slot,
                (spawn, wake, join, join_tail),
                steal,
                rounds,
                order,
                global,
                quantum,
                to_global,
            )| {
                Policy {
                    name: "random".into(),
                    local_queue: queue,
                    runnext: slot,
                    spawn_to_runnext: spawn && slot.is_some(),
                    wake_to_runnext: wake && slot.is_some(),
                    join_to_runnext: join && slot.is_some(),
                    join_wake_tail: join_tail && slot.is_some(),
                    steal,
                    steal_rounds: rounds,
                    victim_order: [
                        VictimOrder::RandomCoprime,
                        VictimOrder::RandomStart,
                        VictimOrder::Sequential,
                    ][order as usize],
                    global_check: global,
                    quantum_ns: quantum,
                    yield_to: if to_global {
                        YieldTarget::Global
                    } else {
                        YieldTarget::LocalTail
                    },
                }
                .validated()
                .expect("generated knobs are valid")
            },
        )
}

fn assert_completed(w: &Workload, outcome: &Outcome) {
    assert_eq!(
        outcome.end,
        End::Completed,
        "{}:\n{}",
        w.name,
        outcome.trace
    );
    let ended = outcome
        .events
        .iter()
        .filter(|e| matches!(e, Event::GEnded { .. }))
        .count();
    let created = outcome
        .events
        .iter()
        .filter(|e| matches!(e, Event::GCreated { .. }))
        .count();
    assert_eq!(ended, created, "every goroutine created ended");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Builder workloads never deadlock: every preset, both scopes, 1–4 Ps.
    #[test]
    fn builder_workloads_complete_under_every_preset(
        w in builder_workload(), policy in preset(), procs in 1usize..=4,
        scope in scope(), seed in any::<u64>(),
    ) {
        let outcome = run(&w, &policy, procs, scope, seed);
        assert_completed(&w, &outcome);
    }

    /// Random knob combinations (fair ones: a `Never` policy may rightly
    /// break the fairness bound) keep every invariant too.
    #[test]
    fn builder_workloads_complete_under_random_knobs(
        w in builder_workload(), policy in knobs(true), procs in 1usize..=4,
        scope in scope(), seed in any::<u64>(),
    ) {
        let outcome = run(&w, &policy, procs, scope, seed);
        assert_completed(&w, &outcome);
    }

    /// Random programs end done, or deadlocked by themselves: nothing
    /// runnable, nothing in a call, only goroutines blocked on the program's
    /// channels or joins.
    #[test]
    fn random_programs_complete_or_deadlock_by_themselves(
        w in random_workload(), policy in preset(), procs in 1usize..=4,
        scope in scope(), seed in any::<u64>(),
    ) {
        let cfg = MachineConfig::new(procs).with_scope(scope).with_seed(seed);
        let mut m = Machine::new(w.clone(), policy.clone(), cfg);
        let outcome = m.run(&mut RandomChooser::new(seed), MAX_STEPS)
            .unwrap_or_else(|v| panic!("{v}"));
        match &outcome.end {
            End::Completed => prop_assert!(m.all_done()),
            End::Deadlock { blocked } => {
                prop_assert!(!blocked.is_empty());
                for (g, s) in m.g_states().iter().enumerate() {
                    prop_assert!(
                        matches!(s, GState::Waiting(_) | GState::Dead),
                        "g{} is {:?} in a deadlock", g, s
                    );
                }
                for (g, _) in blocked {
                    let gp = &m.program().gs[g.index()];
                    let on_chan = m.program().chans.iter()
                        .any(|c| c.senders.contains(g) || c.receivers.contains(g));
                    prop_assert!(on_chan || gp.joining, "{} blocked on nothing", g);
                }
            }
            End::StepLimit => prop_assert!(false, "a finite program hit the step limit"),
        }
    }

    #[test]
    fn policies_round_trip_through_serde(policy in knobs(false)) {
        let json = serde_json::to_string(&policy).unwrap();
        prop_assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), policy);
    }

    /// Decisions, events and whole traces of real runs round-trip.
    #[test]
    fn traces_decisions_and_events_round_trip_through_serde(
        w in builder_workload(), policy in preset(), procs in 1usize..=3,
        scope in scope(), seed in any::<u64>(),
    ) {
        let outcome = run(&w, &policy, procs, scope, seed);
        let json = serde_json::to_string(&outcome.trace).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Trace>(&json).unwrap(), &outcome.trace);
        for e in &outcome.trace.entries {
            let d = serde_json::to_string(&e.decision).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Decision>(&d).unwrap(), &e.decision);
        }
        for e in &outcome.events {
            let j = serde_json::to_string(e).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Event>(&j).unwrap(), e);
        }
    }
}

#[test]
fn every_preset_round_trips_through_serde() {
    for p in Policy::presets() {
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    }
}

#[test]
fn a_program_that_deadlocks_by_itself_is_reported_as_such() {
    // main receives on an unbuffered channel nobody sends on; its child is
    // fine. Every schedule ends with main blocked and the child done.
    let w = Workload {
        name: "lonely-recv".into(),
        tasks: vec![
            Task {
                name: "main".into(),
                steps: vec![Step::Spawn(1), Step::Recv(0)],
            },
            Task {
                name: "child".into(),
                steps: vec![Step::Compute(1)],
            },
        ],
        chans: vec![0],
        main: 0,
    };
    for seed in 0..20 {
        let mut m = Machine::new(
            w.clone(),
            Policy::go(),
            MachineConfig::new(2).with_seed(seed),
        );
        let outcome = m.run(&mut RandomChooser::new(seed), MAX_STEPS).unwrap();
        assert_eq!(
            outcome.end,
            End::Deadlock {
                blocked: vec![(model::GId(0), model::BlockReason::ChanRecv)]
            }
        );
        assert_eq!(m.g_states()[1], GState::Dead);
    }
}
