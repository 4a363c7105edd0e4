//! The transitions a [`Machine`](super::Machine) may take from a state.
//!
//! A [`Choice`] names one enabled transition by the entities it moves; the
//! machine turns it into a [`Decision`](crate::Decision) for traces and
//! choosers ([`Machine::decision`](super::Machine::decision)), previewing
//! the outcome where the decision names it (which G a schedule finds).

use crate::ids::{GId, MId, PId};
use std::fmt;

/// One transition of the G-P-M machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Choice {
    /// P's M, holding P without a G (spinning), runs the schedule loop:
    /// [`RunQueues::find_runnable`](crate::queue::RunQueues::find_runnable)
    /// in the policy's order; it runs what it finds or parks.
    Schedule { p: PId },
    /// The G running on P takes its next program step
    /// ([`Program::step`](crate::workload::Program::step)).
    Step { p: PId, g: GId },
    /// sysmon preempts the G running on P: its slice used up the quantum.
    Preempt { p: PId, g: GId },
    /// The blocking call of G on M returns (Go's `exitsyscall`).
    SyscallExit { m: MId, g: GId },
    /// sysmon retakes P from M, blocked in a call, and hands it to another M
    /// (Go's `retake` + `handoffp`).
    Retake { p: PId, m: MId },
    /// Any-interleaving scope only: P, idle or spinning, runs the queued G
    /// directly, wherever it is queued.
    Run { p: PId, g: GId },
}

impl Choice {
    /// The P the transition acts on, if any.
    pub fn p(self) -> Option<PId> {
        match self {
            Choice::Schedule { p }
            | Choice::Step { p, .. }
            | Choice::Preempt { p, .. }
            | Choice::Retake { p, .. }
            | Choice::Run { p, .. } => Some(p),
            Choice::SyscallExit { .. } => None,
        }
    }

    /// The G the transition moves, if it names one.
    pub fn g(self) -> Option<GId> {
        match self {
            Choice::Step { g, .. }
            | Choice::Preempt { g, .. }
            | Choice::SyscallExit { g, .. }
            | Choice::Run { g, .. } => Some(g),
            Choice::Schedule { .. } | Choice::Retake { .. } => None,
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Choice::Schedule { p } => write!(f, "{p} schedules"),
            Choice::Step { p, g } => write!(f, "{g} steps on {p}"),
            Choice::Preempt { p, g } => write!(f, "{g} preempted on {p}"),
            Choice::SyscallExit { m, g } => write!(f, "{g} returns from its call on {m}"),
            Choice::Retake { p, m } => write!(f, "sysmon retakes {p} from {m}"),
            Choice::Run { p, g } => write!(f, "{p} runs {g}"),
        }
    }
}
