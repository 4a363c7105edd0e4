//! The readable timeline: the header, then per goroutine one line per
//! decision with its step, P, what was decided, the op and object the
//! goroutine was at, the choice taken, and the source location.
//!
//! ```text
//! g1 — 3 decisions
//!   step     4  p0  run g1 (local)            CellRead obj2   option 1 of 2  at tests/lost.rs:14:21
//! ```

use model::event::{Decision, RunSource};
use model::ids::GId;
use model::trace::{Trace, TraceEntry};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The whole timeline of `trace`, grouped by goroutine (decisions that belong
/// to no goroutine, such as steals and M parking, come last under `runtime`).
pub fn show(trace: &Trace) -> String {
    let mut out = header(trace);
    let mut by_g: BTreeMap<Option<GId>, Vec<&TraceEntry>> = BTreeMap::new();
    for e in &trace.entries {
        by_g.entry(goroutine_of(e)).or_default().push(e);
    }
    // BTreeMap orders None first; the runtime group reads better last.
    let groups = by_g
        .iter()
        .filter(|(g, _)| g.is_some())
        .chain(by_g.get_key_value(&None));
    for (g, entries) in groups {
        let name = g.map_or_else(|| "runtime (no goroutine)".to_owned(), |g| g.to_string());
        let _ = writeln!(out, "\n{name} — {} decisions", entries.len());
        for e in entries {
            let _ = writeln!(out, "  {}", line(e));
        }
    }
    out
}

/// The header block: program, settings, size and outcome.
pub fn header(trace: &Trace) -> String {
    let h = &trace.header;
    let choices = trace.entries.iter().filter(|e| e.of > 1).count();
    let outcome = trace.outcome.as_deref().unwrap_or("(not recorded)");
    format!(
        "sched trace v{} — program {}\n  policy {}, {} procs, seed {}, strategy {}, scope {}\n  \
         {} decisions, {} choice points; outcome: {}\n  \
         columns: step, P of the goroutine, the decision taken there, the goroutine's op \
         and object, the option chosen, the op's source location\n",
        h.version,
        h.program,
        h.policy.name,
        h.procs,
        h.seed,
        h.strategy,
        scope_name(h.scope),
        trace.entries.len(),
        choices,
        outcome
    )
}

/// One decision on one line (fixed-width columns for the leading fields).
pub fn line(e: &TraceEntry) -> String {
    let p = e.p.map_or_else(|| "--".to_owned(), |p| p.to_string());
    let mut s = format!("step {:>5}  {p:<3} {:<30}", e.step, describe(&e.decision));
    let op = match (e.op, e.object) {
        (Some(op), Some(obj)) => format!("{op:?} {obj}"),
        (Some(op), None) => format!("{op:?}"),
        (None, _) => String::new(),
    };
    let choice = if e.of > 1 {
        format!("option {} of {}", e.chosen, e.of)
    } else {
        String::new()
    };
    let _ = write!(s, " {op:<16} {choice:<14}");
    if let Some(loc) = &e.location {
        let _ = write!(s, " at {loc}");
    }
    s.trim_end().to_owned()
}

/// The goroutine an entry belongs to: the one at the op, else the one the
/// decision is about.
pub fn goroutine_of(e: &TraceEntry) -> Option<GId> {
    e.g.or_else(|| decision_g(&e.decision))
}

/// The goroutine a decision is about, if any.
pub fn decision_g(d: &Decision) -> Option<GId> {
    use Decision::*;
    match d {
        Run { g, .. }
        | Step { g, .. }
        | Preempt { g, .. }
        | Block { g, .. }
        | Wake { g, .. }
        | SyscallEnter { g, .. }
        | SyscallExit { g, .. }
        | SelectArm { g, .. }
        | Rand { g, .. } => Some(*g),
        TimerFired { g, .. } => *g,
        Steal { .. } | ParkM { .. } | UnparkM { .. } | HandOff { .. } => None,
    }
}

/// A short readable form of a decision: `run g1 on p0 (local)`.
pub fn describe(d: &Decision) -> String {
    use Decision::*;
    match d {
        Run { p, g, source } => format!("run {g} on {p} ({})", source_name(source)),
        Steal {
            thief,
            victim,
            count,
        } => format!("steal {count} {thief} <- {victim}"),
        Step { p, g } => format!("step {g} on {p}"),
        Preempt { p, g } => format!("preempt {g} on {p}"),
        Block { g, reason, object } => match object {
            Some(o) => format!("block {g} {reason:?} {o}"),
            None => format!("block {g} {reason:?}"),
        },
        Wake { g, waker } => match waker {
            Some(w) => format!("wake {g} by {w}"),
            None => format!("wake {g}"),
        },
        ParkM { m } => format!("park {m}"),
        UnparkM { m, p } => format!("unpark {m} -> {p}"),
        SyscallEnter { g, p } => format!("syscall enter {g} on {p}"),
        SyscallExit { g, reacquired } => match reacquired {
            Some(p) => format!("syscall exit {g} -> {p}"),
            None => format!("syscall exit {g} (no P)"),
        },
        HandOff { p, to } => format!("hand off {p} -> {to}"),
        SelectArm { g, arm, of } => format!("select {g} arm {arm} of {of}"),
        TimerFired { object, g } => match g {
            Some(g) => format!("timer {object} fired -> {g}"),
            None => format!("timer {object} fired"),
        },
        Rand { g, value } => format!("rand {g} = {value}"),
    }
}

/// The name of a decision's variant, for counting (`stats`).
pub fn decision_kind(d: &Decision) -> &'static str {
    use Decision::*;
    match d {
        Run { .. } => "run",
        Steal { .. } => "steal",
        Step { .. } => "step",
        Preempt { .. } => "preempt",
        Block { .. } => "block",
        Wake { .. } => "wake",
        ParkM { .. } => "park_m",
        UnparkM { .. } => "unpark_m",
        SyscallEnter { .. } => "syscall_enter",
        SyscallExit { .. } => "syscall_exit",
        HandOff { .. } => "hand_off",
        SelectArm { .. } => "select_arm",
        TimerFired { .. } => "timer_fired",
        Rand { .. } => "rand",
    }
}

fn source_name(s: &RunSource) -> String {
    match s {
        RunSource::RunNext => "runnext".to_owned(),
        RunSource::Local => "local".to_owned(),
        RunSource::Global => "global".to_owned(),
        RunSource::Stolen(p) => format!("stolen from {p}"),
        RunSource::Netpoll => "netpoll".to_owned(),
    }
}

fn scope_name(s: model::trace::Scope) -> &'static str {
    match s {
        model::trace::Scope::PolicyFaithful => "policy_faithful",
        model::trace::Scope::AnyInterleaving => "any_interleaving",
    }
}
