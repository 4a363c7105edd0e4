//! What a deterministic run returns: the program's value or the failure it
//! found, the trace, the step count. Every failure's `Display` names the
//! goroutines, sites and objects involved and says what to do next
//! (shuttle's `runtime/failure.rs` prints the schedule the same way).

use model::event::Location;
use model::trace::Trace;
use model::{BlockReason, GId, ObjId, OpKind};
use std::fmt;

/// The result of `sched::det::run`.
#[derive(Debug)]
pub struct Outcome<T> {
    /// What `main` returned, or the first failure found.
    pub result: Result<T, Failure>,
    /// Header and every choice point with two or more options.
    pub trace: Trace,
    /// Scheduling steps taken (forced ones included).
    pub steps: u64,
}

/// A goroutine that cannot run, as deadlock and leak reports list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedG {
    pub id: GId,
    pub spawned_at: Location,
    /// The site of the operation it blocks in.
    pub blocked_at: Location,
    pub op: OpKind,
    /// What it waits for.
    pub reason: BlockReason,
    /// The object of that operation (renumbered per run).
    pub object: ObjId,
}

/// One side of a data race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub g: GId,
    pub location: Location,
    pub write: bool,
}

/// What went wrong in a deterministic run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A goroutine panicked (a failed assertion included): the run stops.
    Panic {
        goroutine: GId,
        spawned_at: Location,
        message: String,
        /// Where the panic was raised, when the panic hook saw it.
        at: Option<Location>,
    },
    /// No goroutine can run and no timer is pending.
    Deadlock { goroutines: Vec<BlockedG> },
    /// Goroutines still blocked when `main` returned.
    Leak { goroutines: Vec<BlockedG> },
    /// Two accesses to a checked cell, at least one a write, unordered by
    /// happens-before.
    Race {
        first: Access,
        second: Access,
        object: ObjId,
    },
    /// The run took `Config::step_limit` steps (a livelock or a long loop).
    StepLimit { steps: u64 },
    /// A replayed trace no longer matches the program.
    Divergence {
        step: u64,
        expected: String,
        found: String,
    },
    /// Something the engine cannot control happened (a blocking call, a
    /// wake-up from an OS thread outside the run).
    Uncontrolled { what: String },
}

impl Failure {
    /// A short name (`panic`, `deadlock`, …) for trace outcomes and tables.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Panic { .. } => "panic",
            Failure::Deadlock { .. } => "deadlock",
            Failure::Leak { .. } => "leak",
            Failure::Race { .. } => "race",
            Failure::StepLimit { .. } => "step-limit",
            Failure::Divergence { .. } => "divergence",
            Failure::Uncontrolled { .. } => "uncontrolled",
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, gs: &[BlockedG]) -> fmt::Result {
    for b in gs {
        writeln!(
            f,
            "  goroutine {} (spawned at {}) blocked in {:?} on object {} at {} (waiting: {:?})",
            b.id.0, b.spawned_at, b.op, b.object.0, b.blocked_at, b.reason
        )?;
    }
    Ok(())
}

fn side(a: &Access) -> String {
    let what = if a.write { "write" } else { "read" };
    format!("{what} by goroutine {} at {}", a.g.0, a.location)
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Panic {
                goroutine,
                spawned_at,
                message,
                at,
            } => {
                write!(
                    f,
                    "goroutine {} (spawned at {spawned_at}) panicked",
                    goroutine.0
                )?;
                if let Some(at) = at {
                    write!(f, " at {at}")?;
                }
                write!(
                    f,
                    ": {message}\n  replay the trace to reproduce it step by step"
                )
            }
            Failure::Deadlock { goroutines } => {
                writeln!(
                    f,
                    "deadlock: no goroutine can run and no timer is pending; {} blocked:",
                    goroutines.len()
                )?;
                list(f, goroutines)?;
                write!(
                    f,
                    "  each waits for another in this list: break the cycle (lock order, a missing send/close/Done)"
                )
            }
            Failure::Leak { goroutines } => {
                writeln!(
                    f,
                    "leak: {} goroutine(s) still blocked when main returned:",
                    goroutines.len()
                )?;
                list(f, goroutines)?;
                write!(
                    f,
                    "  nothing will ever wake them: join them, close their channel, or cancel them"
                )
            }
            Failure::Race {
                first,
                second,
                object,
            } => write!(
                f,
                "data race on cell object {}: {} and {} are not ordered by happens-before\n  \
                 order them with a lock, a channel, a join, or a Release/Acquire atomic pair",
                object.0,
                side(first),
                side(second)
            ),
            Failure::StepLimit { steps } => write!(
                f,
                "step limit: the run took {steps} steps without finishing (a livelock, a spin loop \
                 without a blocking operation, or a long program: raise Config::step_limit)"
            ),
            Failure::Divergence {
                step,
                expected,
                found,
            } => write!(
                f,
                "divergence at step {step}: the trace expected {expected}, the program did {found}\n  \
                 the program changed since the trace was recorded (or depends on something the \
                 engine does not control): record a new trace"
            ),
            Failure::Uncontrolled { what } => write!(
                f,
                "uncontrolled nondeterminism: {what}\n  the engine cannot replay this: keep OS \
                 threads, real time and blocking calls out of deterministic runs"
            ),
        }
    }
}

impl std::error::Error for Failure {}
