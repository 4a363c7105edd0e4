//! Replay reproduces a run step for step; a changed program diverges at a
//! named step; PCT finds an ordering bug.

use model::chooser::{Chooser, RandomChooser};
use model::event::Ordering;
use model::trace::Trace;
use sched::det::probe::ProbeAtomic;
use sched::det::{self, Config, Failure, PctChooser, ReplayChooser};
use std::sync::Arc;

/// Two goroutines increment a counter with a load then a store (a lost
/// update in some schedules); main asserts both increments landed.
fn lost_update(extra_yield: bool) -> impl FnOnce() + Send + Clone + 'static {
    move || {
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
        if extra_yield {
            sched::yield_now();
        }
        hs.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
    }
}

fn config() -> Config {
    Config::new().program("det_replay::lost_update")
}

/// Every run from one call site, so main's spawn site (the `det::run`
/// caller) is the same in recordings and replays.
fn run_with(chooser: &mut dyn Chooser, extra_yield: bool) -> det::Outcome<()> {
    det::run(&config(), chooser, lost_update(extra_yield))
}

fn failing_trace() -> Trace {
    (0..500)
        .map(|seed| run_with(&mut RandomChooser::new(seed), false))
        .find(|o| o.result.is_err())
        .expect("a lost update in 500 random schedules")
        .trace
}

#[test]
fn replay_reproduces_a_failure_100_of_100() {
    let trace = failing_trace();
    assert!(trace.outcome.as_deref().unwrap().starts_with("panic: "));
    // Through a JSON round trip, as a trace file would go.
    let trace: Trace = serde_json::from_str(&serde_json::to_string(&trace).unwrap()).unwrap();
    for run in 0..100 {
        let out = run_with(&mut ReplayChooser::new(&trace), false);
        match &out.result {
            Err(Failure::Panic { message, .. }) => assert!(message.contains("lost update")),
            other => panic!("replay {run}: expected the panic, got {other:?}"),
        }
        assert_eq!(
            out.trace.entries, trace.entries,
            "replay {run}: other decisions"
        );
        assert_eq!(out.trace.outcome, trace.outcome, "replay {run}");
    }
}

#[test]
fn replay_helper_checks_the_header_and_reproduces() {
    let trace = failing_trace();
    let out = det::replay(&config(), &trace, lost_update(false));
    assert!(matches!(out.result, Err(Failure::Panic { .. })));
    assert_eq!(out.trace.header.strategy, "replay");
    assert_eq!(out.trace.entries, trace.entries);
}

#[test]
fn a_changed_program_diverges_at_a_named_step() {
    let trace = failing_trace();
    let out = run_with(&mut ReplayChooser::new(&trace), true);
    match out.result {
        Err(Failure::Divergence {
            step,
            expected,
            found,
        }) => {
            assert!(
                step <= trace.entries.last().unwrap().step + 1,
                "step {step}"
            );
            assert_ne!(expected, found);
            let text = Failure::Divergence {
                step,
                expected,
                found,
            }
            .to_string();
            assert!(
                text.contains(&format!("divergence at step {step}")),
                "{text}"
            );
        }
        other => panic!("expected a divergence, got {other:?}"),
    }
}

#[test]
fn a_trace_of_a_passing_run_replays_to_the_same_value_and_entries() {
    let prog = || {
        let n = Arc::new(ProbeAtomic::new(0));
        let m = n.clone();
        let h = sched::go(move || m.store(5, Ordering::Release));
        let seen = n.load(Ordering::Acquire);
        h.join().unwrap();
        seen
    };
    for seed in 0..20 {
        let first = det::run(&config(), &mut RandomChooser::new(seed), prog);
        let again = det::run(&config(), &mut ReplayChooser::new(&first.trace), prog);
        assert_eq!(again.result.unwrap(), *first.result.as_ref().unwrap());
        assert_eq!(again.trace.entries, first.trace.entries);
        assert_eq!(again.steps, first.steps);
    }
}

#[test]
fn pct_finds_the_lost_update() {
    let found = (0..200).any(|seed| {
        let cfg = config().strategy(&PctChooser::label(2, 30));
        let out = det::run(&cfg, &mut PctChooser::new(seed, 2, 30), lost_update(false));
        out.result.is_err()
    });
    assert!(found, "PCT(d=2) found no lost update in 200 runs");
}

#[test]
fn select_arms_are_recorded_choices_and_replay() {
    let prog = || {
        (0..4)
            .map(|_| det::probe::select_arm(3))
            .collect::<Vec<_>>()
    };
    let mut seen = std::collections::HashSet::new();
    for seed in 0..30 {
        let first = det::run(&config(), &mut RandomChooser::new(seed), prog);
        let arms = first.result.unwrap();
        seen.extend(arms.iter().copied());
        let recorded: Vec<u32> = first
            .trace
            .entries
            .iter()
            .filter(|e| e.kind == model::ChoiceKind::SelectArm)
            .map(|e| e.chosen)
            .collect();
        assert_eq!(recorded, arms.iter().map(|&a| a as u32).collect::<Vec<_>>());
        let again = det::run(&config(), &mut ReplayChooser::new(&first.trace), prog);
        assert_eq!(again.result.unwrap(), arms, "seed {seed}");
    }
    assert_eq!(seen.len(), 3, "every arm is reachable");
}

#[test]
fn run_twice_reports_nondeterminism_the_engine_does_not_control() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static RUNS: AtomicU64 = AtomicU64::new(0);
    // Branches on process-global state that changes between runs.
    let prog = || {
        let h = sched::go(|| {});
        if RUNS.fetch_add(1, Relaxed) % 2 == 1 {
            sched::yield_now();
        }
        h.join().unwrap();
    };
    let out = det::run_twice(&config(), &mut RandomChooser::new(1), prog);
    match out.result {
        Err(Failure::Uncontrolled { what }) => {
            assert!(
                what.contains("diverged") || what.contains("differently"),
                "{what}"
            )
        }
        other => panic!("expected uncontrolled, got {other:?}"),
    }
    // A deterministic program passes the same check.
    let out = det::run_twice(&config(), &mut RandomChooser::new(1), lost_update(false));
    assert!(!matches!(out.result, Err(Failure::Uncontrolled { .. })));
}
