//! Choice points of a deterministic run: what the options are in each
//! scope, the [`Decision`] each stands for, and the [`TraceEntry`] written
//! for every point with two or more options (forced points are not asked
//! and not written, as [`Trace::choices`](model::trace::Trace::choices)
//! expects).
//!
//! ## What a choice is
//!
//! At every scheduling point (after each visible op of the running
//! goroutine, and whenever a P is free):
//!
//! - **policy-faithful** scope — the options are what Go's scheduler could
//!   do next: for each P holding a goroutine, that goroutine proceeds to its
//!   next visible op (`Step`), or, once its slice has taken
//!   `Config::quantum_steps` ops and something else is queued, sysmon
//!   preempts it (`Preempt`, to where the policy sends yields); for each P
//!   without a goroutine that the policy's `findRunnable` would feed, that P
//!   runs the schedule loop (`Run` with the G the policy's order finds —
//!   runnext, local ring, global, steals with victims drawn from the
//!   policy's seeded random order, which is *not* a choice: one seed is one
//!   production behaviour). So which P acts next is the choice; where a G
//!   is placed and which G a P finds are the policy's.
//! - **any-interleaving** scope — every runnable goroutine is one option:
//!   a running one steps; a queued one starts on the first free P (or
//!   displaces P0's goroutine, which is queued as if preempted). Switching
//!   is allowed at every visible op, a superset of every policy.
//!
//! In both scopes, while something can run, firing the earliest pending
//! timer is one more option (`TimerFired`). Other choice points: which of
//! several timers due at the same instant fires (`ChoiceKind::Timer`),
//! which `select!` arm wins (`ChoiceKind::SelectArm`).
//!
//! A trace entry describes the point by the goroutine that stopped last:
//! its P, its id, its op (kind, object renumbered per run, source location).

use super::outcome::Failure;
use super::state::State;
use model::chooser::{ChoiceKind, ChoicePoint, Chooser};
use model::event::{Decision, Location, RunSource};
use model::queue::QueuePlace;
use model::trace::{Scope, TraceEntry};
use model::{GId, PId};

/// One option of a scheduling point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opt {
    /// The goroutine on P proceeds to its next visible op.
    Step { p: PId, g: GId },
    /// sysmon preempts the goroutine on P.
    Preempt { p: PId, g: GId },
    /// Free P runs the policy's schedule loop and the G it finds.
    Schedule { p: PId },
    /// Any-interleaving: queued G starts on P.
    Run { p: PId, g: GId },
    /// The pending timer at this index of the clock fires (early, if
    /// goroutines could still run).
    Timer(usize),
}

/// The options at this point, in a fixed order: per P, then queued Gs
/// (any-interleaving), then the earliest timer.
pub(crate) fn options(st: &mut State, out: &mut Vec<Opt>) {
    out.clear();
    let queued = !st.queues.is_empty();
    for (i, slot) in st.ps.iter().enumerate() {
        let p = PId::from(i);
        match (slot.current, st.cfg.scope) {
            (Some(g), Scope::PolicyFaithful) => {
                out.push(Opt::Step { p, g });
                if slot.slice >= st.cfg.quantum_steps && queued {
                    out.push(Opt::Preempt { p, g });
                }
            }
            (Some(g), Scope::AnyInterleaving) => out.push(Opt::Step { p, g }),
            (None, Scope::PolicyFaithful) if takeable(st, p) => out.push(Opt::Schedule { p }),
            (None, _) => {}
        }
    }
    if st.cfg.scope == Scope::AnyInterleaving && queued {
        let free = st.ps.iter().position(|s| s.current.is_none()).unwrap_or(0);
        let p = PId::from(free);
        out.extend(st.queues.queued().map(|(g, _)| Opt::Run { p, g }));
    }
    if !out.is_empty() {
        if let Some(i) = st.clock.earliest() {
            out.push(Opt::Timer(i));
        }
    }
}

/// Whether P's schedule loop would find a G (Go's `findRunnable`: its own
/// queues, the global queue, another P's ring, or a `runnext` slot the
/// policy lets thieves take).
fn takeable(st: &State, p: PId) -> bool {
    let q = &st.queues;
    let policy = st.policy();
    let slots = policy.may_steal_runnext(policy.steal_rounds().saturating_sub(1));
    !q.locals[p.index()].is_empty()
        || !q.global.is_empty()
        || q.locals
            .iter()
            .enumerate()
            .any(|(j, l)| j != p.index() && (!l.ring.is_empty() || (slots && l.runnext.is_some())))
}

/// The decision an option stands for. A schedule loop is previewed on a
/// copy of the queues and the policy's random stream, so it names the G.
pub(crate) fn decision(st: &State, opt: Opt) -> Decision {
    match opt {
        Opt::Step { p, g } => Decision::Step { p, g },
        Opt::Preempt { p, g } => Decision::Preempt { p, g },
        Opt::Schedule { p } => {
            let mut queues = st.queues.clone();
            let mut rng = st.rng.clone();
            let found = queues
                .find_runnable(p, st.policy(), &mut rng)
                .expect("a schedule option is offered only when the loop finds work");
            Decision::Run {
                p,
                g: found.g,
                source: found.source,
            }
        }
        Opt::Run { p, g } => {
            let place = st.queues.queued().find(|&(q, _)| q == g).map(|(_, w)| w);
            Decision::Run {
                p,
                g,
                source: source(place, p),
            }
        }
        Opt::Timer(i) => Decision::TimerFired {
            object: st.clock.get(i).object,
            g: None,
        },
    }
}

/// Where P takes a G queued at `place` from.
pub(crate) fn source(place: Option<QueuePlace>, p: PId) -> RunSource {
    match place {
        Some(QueuePlace::RunNext(q)) if q == p => RunSource::RunNext,
        Some(QueuePlace::Local(q)) if q == p => RunSource::Local,
        Some(QueuePlace::RunNext(q) | QueuePlace::Local(q)) => RunSource::Stolen(q),
        _ => RunSource::Global,
    }
}

/// Asks the chooser (at least two options), writes the trace entry, and
/// lets the chooser check it (replay); a mismatch is a divergence.
pub(crate) fn decide(
    st: &mut State,
    chooser: &mut dyn Chooser,
    kind: ChoiceKind,
    decisions: &[Decision],
) -> Result<usize, Failure> {
    let n = decisions.len();
    debug_assert!(n >= 2, "forced points are not asked");
    let i = chooser.choose(&ChoicePoint {
        step: st.step,
        kind,
        options: decisions,
    });
    assert!(i < n, "sched::det: the chooser picked option {i} of {n}");
    let (p, g, op, object, location) = match st.last {
        Some(g) => {
            let gr = &st.gs[g.index()];
            let p = match gr.status {
                super::state::GStatus::Running(p) => Some(p),
                _ => None,
            };
            let op = gr.op;
            (
                p,
                Some(g),
                op.map(|o| o.kind),
                op.map(|o| o.object),
                op.map(|o| Location::from_std(o.location)),
            )
        }
        None => (None, None, None, None, None),
    };
    let entry = TraceEntry {
        step: st.step,
        p,
        g,
        op,
        object,
        location,
        kind,
        chosen: i as u32,
        of: n as u32,
        decision: decisions[i].clone(),
    };
    if let Err(m) = chooser.check(&entry) {
        return Err(Failure::Divergence {
            step: st.step,
            expected: m.expected,
            found: m.found,
        });
    }
    st.entries.push(entry);
    Ok(i)
}
