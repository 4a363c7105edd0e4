//! States of Gs, Ps and Ms, and the named transitions between them.
//!
//! Both engines and the model use these names, so a trace from one engine
//! reads the same in the other. A transition is a verb (`transition_to_*`)
//! that checks its precondition and returns a typed error naming the entity,
//! the state it was in and the transition that was refused; it never
//! silently accepts an impossible move.
//!
//! ```text
//!   G:  Runnable ──run──▶ Running ──block──▶ Waiting(reason) ──wake──▶ Runnable
//!          ▲                 │  └──syscall──▶ Syscall ──exit──▶ Running | Runnable
//!          └────preempt/yield┘  └──exit──▶ Dead
//!   P:  Idle ◀──▶ Running ──syscall──▶ InSyscall ──(sysmon retake)──▶ Idle
//!   M:  Spinning ◀──▶ Running ◀──▶ Parked;  Running ──▶ InSyscall ──▶ Running | Parked
//! ```

use crate::event::BlockReason;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The state of a goroutine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GState {
    /// In a run queue (`runnext`, local or global), ready to run.
    Runnable,
    /// Executing on an M that holds a P.
    Running,
    /// Blocked on a primitive, a timer or a join; not in any run queue.
    Waiting(BlockReason),
    /// Inside a blocking call (`sched::blocking`); its M may have lost its P.
    Syscall,
    /// Returned or panicked; never runs again.
    Dead,
}

/// The state of a processor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PState {
    /// On the idle-P list; no M holds it.
    Idle,
    /// Held by an M that runs the schedule loop (running or searching).
    Running,
    /// Held by an M in a blocking call; sysmon may retake it.
    InSyscall,
}

/// The state of a machine (thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MState {
    /// Holds a P and looks for work without a G (counted in `nmspinning`).
    Spinning,
    /// Holds a P and runs a G.
    Running,
    /// Sleeps on the idle-M list without a P.
    Parked,
    /// In a blocking call with its G; may or may not still hold its P.
    InSyscall,
}

/// A refused transition: which entity, where it was, where it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionError<S> {
    /// The state the entity was in.
    pub from: S,
    /// The transition that was asked for (`"run"`, `"block"`, …).
    pub transition: &'static str,
}

impl<S: fmt::Debug> fmt::Display for TransitionError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "transition `{}` is not allowed from state {:?}",
            self.transition, self.from
        )
    }
}

impl<S: fmt::Debug> std::error::Error for TransitionError<S> {}

/// Result of a transition: the new state, or why it was refused.
pub type Transition<S> = Result<S, TransitionError<S>>;

fn refuse<S>(from: S, transition: &'static str) -> Transition<S> {
    Err(TransitionError { from, transition })
}

impl GState {
    /// `Runnable → Running`: a P picked this G.
    pub fn transition_to_running(self) -> Transition<Self> {
        match self {
            GState::Runnable => Ok(GState::Running),
            s => refuse(s, "run"),
        }
    }

    /// `Running → Runnable`: preempted or yielded, back into a run queue;
    /// `Waiting → Runnable`: woken; `Syscall → Runnable`: returned from a
    /// blocking call without a P and queued globally.
    pub fn transition_to_runnable(self) -> Transition<Self> {
        match self {
            GState::Running | GState::Waiting(_) | GState::Syscall => Ok(GState::Runnable),
            s => refuse(s, "ready"),
        }
    }

    /// `Running → Waiting(reason)`: parked on a primitive.
    pub fn transition_to_waiting(self, reason: BlockReason) -> Transition<Self> {
        match self {
            GState::Running => Ok(GState::Waiting(reason)),
            s => refuse(s, "block"),
        }
    }

    /// `Running → Syscall`: entered `blocking(|| …)`.
    pub fn transition_to_syscall(self) -> Transition<Self> {
        match self {
            GState::Running => Ok(GState::Syscall),
            s => refuse(s, "syscall"),
        }
    }

    /// `Syscall → Running`: the call returned and the M still (or again) holds a P.
    pub fn transition_to_running_from_syscall(self) -> Transition<Self> {
        match self {
            GState::Syscall => Ok(GState::Running),
            s => refuse(s, "syscall-exit"),
        }
    }

    /// `Running → Dead`: the goroutine returned or panicked.
    pub fn transition_to_dead(self) -> Transition<Self> {
        match self {
            GState::Running => Ok(GState::Dead),
            s => refuse(s, "exit"),
        }
    }

    /// Whether the goroutine can still run at some point.
    pub fn is_live(self) -> bool {
        self != GState::Dead
    }
}

impl PState {
    /// `Idle → Running`: an M acquired the P.
    pub fn transition_to_running(self) -> Transition<Self> {
        match self {
            PState::Idle => Ok(PState::Running),
            s => refuse(s, "acquire"),
        }
    }

    /// `Running → Idle`: released (M parks), or `InSyscall → Idle`: retaken by sysmon.
    pub fn transition_to_idle(self) -> Transition<Self> {
        match self {
            PState::Running | PState::InSyscall => Ok(PState::Idle),
            s => refuse(s, "release"),
        }
    }

    /// `Running → InSyscall`: its M entered a blocking call.
    pub fn transition_to_syscall(self) -> Transition<Self> {
        match self {
            PState::Running => Ok(PState::InSyscall),
            s => refuse(s, "syscall"),
        }
    }

    /// `InSyscall → Running`: the call returned before sysmon retook the P.
    pub fn transition_to_running_from_syscall(self) -> Transition<Self> {
        match self {
            PState::InSyscall => Ok(PState::Running),
            s => refuse(s, "syscall-exit"),
        }
    }
}

impl MState {
    /// `Parked | Running → Spinning`: woken to look for work, or ran out of it.
    pub fn transition_to_spinning(self) -> Transition<Self> {
        match self {
            MState::Parked | MState::Running => Ok(MState::Spinning),
            s => refuse(s, "spin"),
        }
    }

    /// `Spinning | Parked | InSyscall → Running`: found a G (or got one handed over).
    pub fn transition_to_running(self) -> Transition<Self> {
        match self {
            MState::Spinning | MState::Parked | MState::InSyscall => Ok(MState::Running),
            s => refuse(s, "run"),
        }
    }

    /// `Spinning | Running | InSyscall → Parked`: gave up its P and sleeps.
    pub fn transition_to_parked(self) -> Transition<Self> {
        match self {
            MState::Spinning | MState::Running | MState::InSyscall => Ok(MState::Parked),
            s => refuse(s, "park"),
        }
    }

    /// `Running → InSyscall`: its G entered a blocking call.
    pub fn transition_to_syscall(self) -> Transition<Self> {
        match self {
            MState::Running => Ok(MState::InSyscall),
            s => refuse(s, "syscall"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goroutine_lifecycle() {
        let g = GState::Runnable.transition_to_running().unwrap();
        let g = g.transition_to_waiting(BlockReason::ChanRecv).unwrap();
        let g = g.transition_to_runnable().unwrap();
        let g = g.transition_to_running().unwrap();
        assert_eq!(g.transition_to_dead(), Ok(GState::Dead));
    }

    #[test]
    fn dead_goroutines_never_run_again() {
        let err = GState::Dead.transition_to_running().unwrap_err();
        assert_eq!(
            err.to_string(),
            "transition `run` is not allowed from state Dead"
        );
        assert!(GState::Dead.transition_to_runnable().is_err());
    }

    #[test]
    fn an_idle_p_cannot_enter_a_syscall() {
        assert!(PState::Idle.transition_to_syscall().is_err());
        assert_eq!(PState::InSyscall.transition_to_idle(), Ok(PState::Idle));
    }

    #[test]
    fn a_parked_m_is_woken_to_spin() {
        assert_eq!(
            MState::Parked.transition_to_spinning(),
            Ok(MState::Spinning)
        );
        assert!(MState::Parked.transition_to_syscall().is_err());
    }
}
