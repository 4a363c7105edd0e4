//! Any trace the engines can produce writes and reads back equal.

use model::chooser::ChoiceKind;
use model::event::{BlockReason, Decision, Location, OpKind, RunSource};
use model::ids::{GId, MId, ObjId, PId};
use model::policy::Policy;
use model::trace::{Scope, Trace, TraceEntry};
use proptest::prelude::*;

fn decision() -> impl Strategy<Value = Decision> {
    let (p, g) = (0u32..4, 0u32..64);
    prop_oneof![
        (p.clone(), g.clone(), 0u32..4).prop_map(|(p, g, s)| Decision::Run {
            p: PId(p),
            g: GId(g),
            source: [
                RunSource::RunNext,
                RunSource::Local,
                RunSource::Global,
                RunSource::Stolen(PId(s))
            ][s as usize],
        }),
        (p.clone(), p.clone(), any::<u32>()).prop_map(|(a, b, count)| Decision::Steal {
            thief: PId(a),
            victim: PId(b),
            count
        }),
        (p.clone(), g.clone()).prop_map(|(p, g)| Decision::Step {
            p: PId(p),
            g: GId(g)
        }),
        (g.clone(), proptest::option::of(any::<u64>())).prop_map(|(g, o)| Decision::Block {
            g: GId(g),
            reason: BlockReason::ChanRecv,
            object: o.map(ObjId)
        }),
        (g.clone(), proptest::option::of(g.clone())).prop_map(|(g, w)| Decision::Wake {
            g: GId(g),
            waker: w.map(GId)
        }),
        (0u32..8, p.clone()).prop_map(|(m, p)| Decision::UnparkM {
            m: MId(m),
            p: PId(p)
        }),
        (g.clone(), any::<u32>(), any::<u32>()).prop_map(|(g, arm, of)| Decision::SelectArm {
            g: GId(g),
            arm,
            of
        }),
        (g, any::<u64>()).prop_map(|(g, value)| Decision::Rand { g: GId(g), value }),
    ]
}

fn entry() -> impl Strategy<Value = TraceEntry> {
    (
        any::<u64>(),
        proptest::option::of(0u32..4),
        proptest::option::of(0u32..64),
        proptest::option::of((
            prop::sample::select(vec![OpKind::Send, OpKind::Rmw, OpKind::Spawn, OpKind::Exit]),
            proptest::option::of(any::<u64>()),
        )),
        proptest::option::of(("[a-z/._ üλ\"\\\\]{0,20}", any::<u32>(), any::<u32>())),
        (1u32..6).prop_flat_map(|of| (0..of, Just(of))),
        decision(),
    )
        .prop_map(|(step, p, g, op, loc, (chosen, of), decision)| TraceEntry {
            step,
            p: p.map(PId),
            g: g.map(GId),
            op: op.map(|(k, _)| k),
            object: op.and_then(|(_, o)| o.map(ObjId)),
            location: loc.map(|(file, line, col)| Location { file, line, col }),
            kind: ChoiceKind::RunG,
            chosen,
            of,
            decision,
        })
}

proptest! {
    #[test]
    fn traces_round_trip(entries in proptest::collection::vec(entry(), 0..40), seed in any::<u64>(), program in ".{0,30}", outcome in proptest::option::of(".{0,40}")) {
        let mut t = Trace::new(&program, Policy::go(), 3, seed, "pct(d=3)", Scope::PolicyFaithful);
        t.entries = entries;
        t.outcome = outcome;
        let text = replay::to_string(&t);
        prop_assert_eq!(text.lines().count(), t.entries.len() + 4, "one line per entry");
        prop_assert_eq!(&replay::from_bytes(text.as_bytes()).unwrap(), &t);
        // Every view handles any trace.
        prop_assert_eq!(replay::show(&t).lines().filter(|l| l.starts_with("  step ")).count(), t.entries.len());
        prop_assert_eq!(replay::stats(&t).decisions, t.entries.len());
        let v = replay::perfetto(&t);
        prop_assert!(v["traceEvents"].as_array().unwrap().iter().all(|e| e["ph"] != "X" || e["dur"].as_f64().unwrap() >= 0.0));
    }
}
