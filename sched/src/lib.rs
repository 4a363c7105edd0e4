//! # sched — Go's G-P-M scheduler for Rust
//!
//! This crate is the runtime users link against. It will hold (see
//! `../shared/DESIGN.md` and the open issues):
//!
//! - the **production engine**: stackful goroutines on M OS threads and P
//!   processors, lock-free local run queues, a global queue, work stealing,
//!   spinning/parking, sysmon, preemption and blocking-call hand-off;
//! - the **primitives** with Go semantics (channels, `select!`, `WaitGroup`,
//!   `Mutex`, `RwLock`, `Once`, `Cond`, atomics, timers, `Context`), written
//!   once against the engine interface;
//! - the **deterministic engine**, which runs the same programs on one OS
//!   thread with every choice taken from a [`model::Chooser`].
//!
//! Every scheduling decision comes from [`model::policy`]: the policy code
//! exists once and serves both engines and the model checks.

#![deny(unsafe_op_in_unsafe_fn)]

pub use model::policy::Policy;

/// The run queues. Public (but hidden) only so that `examples/queue_bench.rs`
/// and the papers' harness can measure them; not a stable API.
#[doc(hidden)]
pub mod queue;
