//! # model — the G-P-M scheduler as an executable specification
//!
//! Pure data and pure functions: no threads, no unsafe, no I/O. Everything
//! else in the workspace is built on these definitions:
//!
//! - [`ids`], [`state`]: goroutines (G), processors (P), machines (M), their
//!   states and the named transitions between them;
//! - [`policy`]: the scheduling knobs, presets (`go`, `tokio_like`,
//!   `steal_one`, `fifo`) and the decisions they make — the one policy source
//!   for both engines and every check;
//! - [`event`]: the decision / event vocabulary shared by both engines;
//! - [`chooser`], [`trace`]: choice points, choosers, and the trace types;
//! - [`queue`]: logical run queues and Go's find-runnable order;
//! - [`rng`]: the deterministic random number generator behind every seed;
//! - [`workload`]: the abstract program language and its one interpreter;
//! - [`machine`]: the G-P-M state machine over a workload, its invariants
//!   (checked after every transition) and an exhaustive explorer.
//!
//! The discrete-event simulator (`sim`) builds on these.

#![forbid(unsafe_code)]

pub mod chooser;
pub mod event;
pub mod ids;
pub mod machine;
pub mod policy;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod state;
pub mod trace;
pub mod workload;
pub mod workloads;

pub use chooser::{ChoiceKind, ChoicePoint, Chooser, Mismatch};
pub use event::{BlockReason, Decision, Event, Location, Op, OpKind, RunSource};
pub use ids::{GId, MId, ObjId, PId};
pub use machine::{Choice, Explorer, Machine, MachineConfig, Violation};
pub use policy::{Policy, SchedPolicy};
pub use rng::Rng;
