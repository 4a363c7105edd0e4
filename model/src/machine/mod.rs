//! The G-P-M scheduler as an explicit-state machine over abstract
//! workloads, its invariants, and an exhaustive explorer. The design prose
//! is at the top of `machine.rs` (see [`Machine`]), the invariants and the
//! fairness derivation in [`invariants`], the search in [`explore`].

mod choice;
mod config;
pub mod explore;
pub mod invariants;
#[allow(clippy::module_inception)]
mod machine;
mod outcome;

pub use choice::Choice;
pub use config::{MachineConfig, DEFAULT_QUANTUM_STEPS};
pub use explore::{ExploreStats, Explorer};
pub use invariants::{fairness_bound, Broken, Invariant, Violation};
pub use machine::{GlobalWait, MSlot, Machine, MachineError, PSlot};
pub use outcome::{End, Outcome};
