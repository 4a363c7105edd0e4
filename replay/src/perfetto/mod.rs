//! Export to the Chrome trace-event JSON that Perfetto (ui.perfetto.dev) and
//! `chrome://tracing` open: one track per P showing which goroutine ran when,
//! like `go tool trace`'s processor view.
//!
//! Both engines export through the same code: a deterministic [`Trace`] (the
//! time axis is the step number, drawn as 1 µs per step, and the process is
//! named so) and the production engine's [`TimedEvent`] stream (real time:
//! `at_ns` becomes `ts` in µs). Each source is turned into the same few track
//! operations — a goroutine starts on a P, a goroutine or P stops, an instant
//! on a P — and `Tracks` turns those into complete (`"ph":"X"`) slices,
//! instants (`"ph":"i"`) and the metadata (`"ph":"M"`) naming the tracks
//! `P0`, `P1`, ….

mod validate;

pub use validate::validate;

use crate::show::{decision_g, describe};
use model::event::{Decision, Event, OpKind, TimedEvent};
use model::ids::{GId, PId};
use model::trace::Trace;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What to export: a deterministic trace or a timed event stream.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    Trace(&'a Trace),
    Events(&'a [TimedEvent]),
}

impl<'a> From<&'a Trace> for Source<'a> {
    fn from(t: &'a Trace) -> Self {
        Source::Trace(t)
    }
}

impl<'a> From<&'a [TimedEvent]> for Source<'a> {
    fn from(e: &'a [TimedEvent]) -> Self {
        Source::Events(e)
    }
}

impl<'a> From<&'a Vec<TimedEvent>> for Source<'a> {
    fn from(e: &'a Vec<TimedEvent>) -> Self {
        Source::Events(e)
    }
}

/// The process id every track lives under.
const PID: u32 = 1;

/// The trace-event JSON object `{"traceEvents":[…], …}` for `source`.
pub fn perfetto<'a>(source: impl Into<Source<'a>>) -> Value {
    match source.into() {
        Source::Trace(t) => from_trace(t),
        Source::Events(e) => from_events(e),
    }
}

/// [`perfetto`] as a string, ready to write to a `.json` file.
pub fn perfetto_string<'a>(source: impl Into<Source<'a>>) -> String {
    perfetto(source).to_string()
}

fn from_trace(trace: &Trace) -> Value {
    let mut t = Tracks::default();
    for e in &trace.entries {
        let at = e.step as f64;
        let args = json!({
            "step": e.step,
            "op": e.op.map(|op| format!("{op:?}")),
            "object": e.object.map(|o| o.to_string()),
            "location": e.location.as_ref().map(|l| l.to_string()),
            "choice": (e.of > 1).then(|| format!("{} of {}", e.chosen, e.of)),
        });
        match &e.decision {
            Decision::Run { p, g, .. } => t.start(*p, *g, g.to_string(), at, args),
            Decision::Step { p, g } if t.running(*p) != Some(*g) => {
                t.start(*p, *g, g.to_string(), at, args)
            }
            Decision::Step { .. } => {}
            Decision::Preempt { g, .. } | Decision::Block { g, .. } => t.stop_g(*g, at),
            Decision::SyscallEnter { g, p } => t.start(*p, *g, format!("{g} syscall"), at, args),
            Decision::SyscallExit { g, reacquired } => match reacquired {
                Some(p) => t.start(*p, *g, g.to_string(), at, args),
                None => t.stop_g(*g, at),
            },
            Decision::HandOff { p, .. } => t.stop_p(*p, at),
            d => {
                let track = e.p.or_else(|| decision_g(d).and_then(|g| t.p_of(g)));
                if let Some(p) = track {
                    t.instant(p, describe(d), at);
                }
            }
        }
        if let (Some(OpKind::Exit), Some(g)) = (e.op, e.g) {
            t.stop_g(g, at);
        }
    }
    let end = trace.entries.last().map_or(0.0, |e| e.step as f64 + 1.0);
    let name = format!(
        "sched {} (deterministic; time axis: step number, 1 µs = 1 step)",
        trace.header.program
    );
    t.finish(end, &name, "steps")
}

fn from_events(events: &[TimedEvent]) -> Value {
    let mut sorted: Vec<&TimedEvent> = events.iter().collect();
    sorted.sort_by_key(|e| e.at_ns);
    let mut t = Tracks::default();
    for e in &sorted {
        let at = e.at_ns as f64 / 1000.0;
        match &e.event {
            Event::GStarted { g, p, m, source } => {
                let args = json!({ "m": m.to_string(), "source": format!("{source:?}") });
                t.start(*p, *g, g.to_string(), at, args)
            }
            Event::GBlocked { g, .. } | Event::GPreempted { g, .. } | Event::GEnded { g, .. } => {
                t.stop_g(*g, at)
            }
            Event::SyscallEnter { g, p, .. } => {
                t.start(*p, *g, format!("{g} syscall"), at, json!({}))
            }
            Event::SyscallExit { g, p, .. } => match p {
                Some(p) => t.start(*p, *g, g.to_string(), at, json!({})),
                None => t.stop_g(*g, at),
            },
            Event::HandOff { p, from, to } => {
                t.stop_p(*p, at);
                t.instant(*p, format!("hand off {p} {from} -> {to}"), at);
            }
            Event::Stole {
                thief,
                victim,
                count,
            } => t.instant(*thief, format!("steal {count} from {victim}"), at),
            Event::GCreated { .. }
            | Event::GUnblocked { .. }
            | Event::MParked { .. }
            | Event::MUnparked { .. } => {}
        }
    }
    let end = sorted.last().map_or(0.0, |e| e.at_ns as f64 / 1000.0);
    t.finish(end, "sched (real time)", "ns")
}

/// The slice open on a P.
#[derive(Debug)]
struct Open {
    g: GId,
    name: String,
    start: f64,
    args: Value,
}

/// Per-P tracks under construction.
#[derive(Debug, Default)]
struct Tracks {
    open: BTreeMap<PId, Open>,
    seen: BTreeMap<PId, ()>,
    events: Vec<Value>,
}

impl Tracks {
    fn running(&self, p: PId) -> Option<GId> {
        self.open.get(&p).map(|o| o.g)
    }

    fn p_of(&self, g: GId) -> Option<PId> {
        self.open.iter().find(|(_, o)| o.g == g).map(|(p, _)| *p)
    }

    /// `g` runs on `p` from `at` (ending whatever ran there, and `g`
    /// wherever else it ran).
    fn start(&mut self, p: PId, g: GId, name: String, at: f64, args: Value) {
        self.stop_p(p, at);
        self.stop_g(g, at);
        self.seen.insert(p, ());
        let open = Open {
            g,
            name,
            start: at,
            args,
        };
        self.open.insert(p, open);
    }

    fn stop_g(&mut self, g: GId, at: f64) {
        if let Some(p) = self.p_of(g) {
            self.stop_p(p, at);
        }
    }

    fn stop_p(&mut self, p: PId, at: f64) {
        if let Some(o) = self.open.remove(&p) {
            self.events.push(json!({
                "name": o.name, "cat": "goroutine", "ph": "X",
                "ts": o.start, "dur": (at - o.start).max(0.0),
                "pid": PID, "tid": p.0, "args": o.args,
            }));
        }
    }

    fn instant(&mut self, p: PId, name: String, at: f64) {
        self.seen.insert(p, ());
        self.events.push(json!({
            "name": name, "cat": "scheduler", "ph": "i", "s": "t",
            "ts": at, "pid": PID, "tid": p.0,
        }));
    }

    fn finish(mut self, end: f64, process: &str, axis: &str) -> Value {
        let open: Vec<PId> = self.open.keys().copied().collect();
        for p in open {
            self.stop_p(p, end);
        }
        let mut events = vec![json!({
            "name": "process_name", "ph": "M", "pid": PID, "tid": 0,
            "args": { "name": process },
        })];
        for p in self.seen.keys() {
            events.push(json!({
                "name": "thread_name", "ph": "M", "pid": PID, "tid": p.0,
                "args": { "name": format!("P{}", p.0) },
            }));
            events.push(json!({
                "name": "thread_sort_index", "ph": "M", "pid": PID, "tid": p.0,
                "args": { "sort_index": p.0 },
            }));
        }
        events.append(&mut self.events);
        json!({
            "traceEvents": events,
            "displayTimeUnit": "ns",
            "otherData": { "time_axis": axis },
        })
    }
}
