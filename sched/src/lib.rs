//! # sched — Go's G-P-M scheduler for Rust
//!
//! ```
//! let sum = sched::run(|| {
//!     let hs: Vec<_> = (0..10u64).map(|i| sched::go(move || i * i)).collect();
//!     hs.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
//! });
//! assert_eq!(sum, 285);
//! ```
//!
//! This crate is the runtime users link against (see `../shared/DESIGN.md`):
//!
//! - the **production engine** ([`Runtime`]): stackful goroutines on M OS
//!   threads and P processors, local run queues with a `runnext` slot, a
//!   global queue, work stealing, spinning/parking without lost wake-ups,
//!   sysmon, quantum preemption and blocking-call hand-off;
//! - the **primitives** with Go semantics, written once against the engine
//!   interface: [`chan()`] and [`select!`], [`sync`] (`WaitGroup`, `Mutex`,
//!   `RwLock`, `Once`, `Cond`, visible atomics, `RaceCell`), [`time`]
//!   (`sleep`, `after`, `Timer`, `after_func`, `Ticker`, `timeout`) and
//!   [`context`];
//! - the **deterministic engine** ([`det`]): the same programs on one OS
//!   thread, every scheduling choice from a chooser, recorded and replayable,
//!   with panic, deadlock, leak and data-race detection.
//!
//! Every scheduling decision comes from [`model::policy`]: the policy code
//! exists once and serves both engines and the model checks.
//!
//! ## Thread-locals
//!
//! A goroutine may move to another OS thread at every runtime entry (spawn,
//! yield, join, channel and lock operations, `preempt_point`, `blocking`).
//! Never hold a reference into a `thread_local!` across one: read it again
//! afterwards. The runtime's own thread-local reads go through
//! `#[inline(never)]` accessors for the same reason (llvm#98479).

#![deny(unsafe_op_in_unsafe_fn)]

pub mod chan;
pub mod context;
// The stack and context-switch layer: public only for the overflow and
// many-goroutine integration tests and the stack benchmark; not a stable API.
#[doc(hidden)]
pub mod coro;
pub mod det;
mod engine;
pub mod rand;
pub mod runtime;
// The `select!` expansion's support (arms, `run`); the macro is the API.
#[doc(hidden)]
pub mod select;
#[doc(hidden)]
pub mod stack;
pub mod sync;
pub mod time;

pub use chan::chan;
pub use model::policy::{Policy, SchedPolicy};
pub use runtime::{
    blocking, current, go, lock_os_thread, preempt_point, run, unlock_os_thread, yield_now,
    BuildError, Builder, GoroutineInfo, JoinHandle, PStats, Runtime, Stats,
};

/// The run queues. Public (but hidden) only so that `examples/queue_bench.rs`
/// and the papers' harness can measure them; not a stable API.
#[doc(hidden)]
pub mod queue;
