//! Running a [`Machine`] to its end under a [`Chooser`], with a trace.
//!
//! At every state with two or more enabled transitions the chooser gets a
//! [`ChoicePoint`] whose options are the transitions' [`Decision`]s; every
//! transition, forced or chosen, is written to the [`Trace`], so the trace
//! reads like an engine's and [`Trace::choices`] replays it exactly.

use super::invariants::{Invariant, Violation};
use super::machine::{Machine, MachineError};
use crate::chooser::{ChoiceKind, ChoicePoint, Chooser};
use crate::event::{BlockReason, Decision, Event, Location};
use crate::ids::GId;
use crate::state::GState;
use crate::trace::{Trace, TraceEntry};
use std::fmt;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Every goroutine exited and every M parked.
    Completed,
    /// Nothing can move but some goroutines never exited: the *program*
    /// deadlocked (every one of them is blocked on the workload's objects).
    Deadlock { blocked: Vec<(GId, BlockReason)> },
    /// The step budget ran out first.
    StepLimit,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Completed => f.write_str("ok: every goroutine exited"),
            End::Deadlock { blocked } => {
                f.write_str("deadlock:")?;
                for (g, reason) in blocked {
                    write!(f, " {g} blocked ({reason:?})")?;
                }
                Ok(())
            }
            End::StepLimit => f.write_str("step limit reached"),
        }
    }
}

/// A finished run: how it ended, its trace, and every event it produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub end: End,
    /// Transitions taken.
    pub steps: u64,
    pub trace: Trace,
    pub events: Vec<Event>,
}

impl Machine {
    /// Runs until nothing is enabled or `max_steps` transitions were taken,
    /// asking `chooser` at every real choice point. A broken invariant or a
    /// refused transition ends the run with a [`Violation`] carrying the
    /// trace so far.
    pub fn run(&mut self, chooser: &mut dyn Chooser, max_steps: u64) -> Result<Outcome, Violation> {
        let cfg = &self.cfg;
        let mut trace = Trace::new(
            &self.workload.name,
            self.policy.base().clone(),
            u32::try_from(cfg.procs).unwrap_or(u32::MAX),
            cfg.seed,
            &cfg.strategy,
            cfg.scope,
        );
        let mut events = Vec::new();
        if self.steps == 0 {
            events.push(Event::GCreated {
                g: GId(0),
                parent: None,
                location: Location::unknown(),
            });
        }
        let mut taken = 0;
        loop {
            let enabled = self.enabled();
            if enabled.is_empty() || taken >= max_steps {
                let end = if enabled.is_empty() {
                    self.end()
                } else {
                    End::StepLimit
                };
                trace.outcome = Some(end.to_string());
                return Ok(Outcome {
                    end,
                    steps: taken,
                    trace,
                    events,
                });
            }
            let options: Vec<Decision> = enabled.iter().map(|&c| self.decision(c)).collect();
            let chosen = if enabled.len() == 1 {
                0
            } else {
                let point = ChoicePoint {
                    step: self.steps,
                    kind: ChoiceKind::Transition,
                    options: &options,
                };
                let i = chooser.choose(&point);
                assert!(
                    i < enabled.len(),
                    "chooser returned {i} of {}",
                    enabled.len()
                );
                i
            };
            let choice = enabled[chosen];
            let (op, object) = self.op_of(choice);
            let step = self.steps;
            trace.entries.push(TraceEntry {
                step,
                p: choice.p(),
                g: choice.g(),
                op,
                object,
                location: None,
                kind: ChoiceKind::Transition,
                chosen: chosen as u32,
                of: enabled.len() as u32,
                decision: options[chosen].clone(),
            });
            match self.apply(choice) {
                Ok(ev) => events.extend(ev),
                Err(e) => return Err(violation(e, step, trace)),
            }
            taken += 1;
        }
    }

    /// The end of a run in which nothing is enabled.
    fn end(&self) -> End {
        if self.all_done() {
            return End::Completed;
        }
        let blocked = self
            .gs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                GState::Waiting(r) => Some((GId::from(i), *r)),
                _ => None,
            })
            .collect();
        End::Deadlock { blocked }
    }
}

/// A violation from a machine error at `step`, the trace closed with it.
pub(super) fn violation(e: MachineError, step: u64, mut trace: Trace) -> Violation {
    let (invariant, detail) = match e {
        MachineError::Invariant(b) => (b.invariant, b.detail),
        other => (Invariant::LegalTransition, other.to_string()),
    };
    trace.outcome = Some(format!("violated {invariant}: {detail}"));
    Violation {
        invariant,
        step,
        detail,
        trace: Box::new(trace),
    }
}
