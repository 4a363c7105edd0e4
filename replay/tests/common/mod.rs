//! A hand-built trace shared by the tests: two Ps, main (g0) spawns g1 and
//! g2, which both read then write the same cell (obj7), and the run ends in
//! a lost update. Its shape (who runs where and when) is spelled out in the
//! tests that check the views of it.
#![allow(dead_code)]

use model::chooser::ChoiceKind;
use model::event::{Decision, Location, OpKind, RunSource};
use model::ids::{GId, ObjId, PId};
use model::policy::Policy;
use model::trace::{Scope, Trace, TraceEntry};

pub fn loc(line: u32, col: u32) -> Option<Location> {
    Some(Location {
        file: "tests/lost_update.rs".into(),
        line,
        col,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn entry(
    step: u64,
    p: Option<u32>,
    g: Option<u32>,
    op: Option<(OpKind, Option<u64>)>,
    location: Option<Location>,
    kind: ChoiceKind,
    (chosen, of): (u32, u32),
    decision: Decision,
) -> TraceEntry {
    TraceEntry {
        step,
        p: p.map(PId),
        g: g.map(GId),
        op: op.map(|(k, _)| k),
        object: op.and_then(|(_, o)| o.map(ObjId)),
        location,
        kind,
        chosen,
        of,
        decision,
    }
}

pub fn run(p: u32, g: u32, source: RunSource) -> Decision {
    Decision::Run {
        p: PId(p),
        g: GId(g),
        source,
    }
}

pub fn step(p: u32, g: u32) -> Decision {
    Decision::Step {
        p: PId(p),
        g: GId(g),
    }
}

/// The sample run. Per P (step numbers):
/// - p0: g0 runs 0..4, g2 runs 4..8 (exits at 8), g0 runs again 9..10;
/// - p1: g1 runs 2..7 (stolen from p0; exits at 7); p1 steals at 3.
pub fn sample() -> Trace {
    use ChoiceKind::*;
    use OpKind::*;
    let mut t = Trace::new(
        "tests::lost_update",
        Policy::go(),
        2,
        7,
        "random",
        Scope::AnyInterleaving,
    );
    t.entries = vec![
        entry(
            0,
            Some(0),
            Some(0),
            Some((Spawn, None)),
            loc(5, 9),
            RunG,
            (0, 1),
            run(0, 0, RunSource::Global),
        ),
        entry(
            1,
            Some(0),
            Some(0),
            Some((Spawn, None)),
            loc(6, 9),
            Transition,
            (0, 1),
            step(0, 0),
        ),
        entry(
            2,
            Some(1),
            Some(1),
            Some((CellRead, Some(7))),
            loc(10, 13),
            RunG,
            (1, 2),
            run(1, 1, RunSource::Stolen(PId(0))),
        ),
        entry(
            3,
            Some(1),
            None,
            None,
            None,
            StealVictim,
            (0, 1),
            Decision::Steal {
                thief: PId(1),
                victim: PId(0),
                count: 1,
            },
        ),
        entry(
            4,
            Some(0),
            Some(2),
            Some((CellRead, Some(7))),
            loc(10, 13),
            RunG,
            (0, 2),
            run(0, 2, RunSource::Local),
        ),
        entry(
            5,
            Some(1),
            Some(1),
            Some((CellWrite, Some(7))),
            loc(11, 13),
            Transition,
            (1, 3),
            step(1, 1),
        ),
        entry(
            6,
            Some(0),
            Some(2),
            Some((CellWrite, Some(7))),
            loc(11, 13),
            Transition,
            (0, 2),
            step(0, 2),
        ),
        entry(
            7,
            Some(1),
            Some(1),
            Some((Exit, None)),
            loc(12, 9),
            Transition,
            (0, 1),
            step(1, 1),
        ),
        entry(
            8,
            Some(0),
            Some(2),
            Some((Exit, None)),
            loc(12, 9),
            Transition,
            (0, 1),
            step(0, 2),
        ),
        entry(
            9,
            Some(0),
            Some(0),
            Some((Join, Some(3))),
            loc(14, 5),
            RunG,
            (0, 1),
            run(0, 0, RunSource::Local),
        ),
    ];
    t.outcome = Some("panic: lost update: counter = 1, expected 2".into());
    t
}
