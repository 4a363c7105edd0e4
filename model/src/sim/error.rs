//! Why a simulation stopped without a report.

use crate::ids::GId;
use std::fmt;

/// A simulation that could not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// A parameter is out of range; the text names it and the range.
    BadConfig(String),
    /// Nothing left to happen, yet goroutines are alive: the workload
    /// deadlocked (every live G blocked), or — if `queued > 0` — the engine
    /// lost a wake-up (a bug in the simulator, never in the workload).
    Deadlock {
        at_ns: u64,
        /// The live goroutines that are blocked (the first few).
        blocked: Vec<GId>,
        /// How many live goroutines there are in all.
        live: usize,
        /// Runnable Gs stranded in run queues.
        queued: usize,
    },
    /// The event budget ran out (a livelock, or a budget set too low).
    EventLimit { limit: u64, at_ns: u64, live: usize },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::BadConfig(what) => write!(f, "bad simulator configuration: {what}"),
            SimError::Deadlock {
                at_ns,
                blocked,
                live,
                queued: 0,
            } => write!(
                f,
                "deadlock at {at_ns} ns: all {live} live goroutines are blocked (first: {blocked:?})"
            ),
            SimError::Deadlock {
                at_ns,
                live,
                queued,
                ..
            } => write!(
                f,
                "simulator bug at {at_ns} ns: {queued} runnable of {live} live goroutines \
                 but no P will run them (lost wake-up)"
            ),
            SimError::EventLimit { limit, at_ns, live } => write!(
                f,
                "event limit of {limit} reached at {at_ns} ns with {live} goroutines alive \
                 (livelock, or raise max_events)"
            ),
        }
    }
}

impl std::error::Error for SimError {}
