//! The production engine: Gs on Ms holding Ps (Go's G-P-M design).
//!
//! `mod.rs` only declares; each noun has its file: `g` (goroutines; their
//! park/unpark protocol is `crate::queue::Wake`), `shared` (state of all Ms, spinning protocol), `worker`
//! (the M's schedule loop), `sysmon`, `timers` (the run queues are `crate::queue`),
//! `context` (thread-locals), `join`, `api` (what goroutines call),
//! `builder` (settings, the runtime, shutdown), `stats`.

mod api;
mod builder;
mod context;
mod cpu;
mod g;
mod idle;
mod mailbox;
/// The std primitives `mailbox.rs` is written against (`mailbox_shuttle.rs` has shuttle's).
mod mailbox_sync {
    pub(crate) use std::sync::{Mutex, MutexGuard};
    pub(crate) use std::thread::{current, park, Thread};
}
/// `mailbox.rs` again, on shuttle, with its shuttle suite.
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod mailbox_shuttle;
/// The std primitives `idle.rs` is written against (`idle_loom.rs` has loom's).
mod idle_sync {
    pub(crate) use std::sync::atomic::{fence, AtomicUsize, Ordering};
}
/// `idle.rs` again, on loom, with its loom suite.
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod idle_loom;
mod join;
mod shared;
mod stats;
mod sysmon;
mod sysmon_wake;
/// The std primitives `sysmon_wake.rs` is written against (`sysmon_wake_loom.rs` has loom's).
mod sysmon_wake_sync {
    pub(crate) use std::sync::atomic::{fence, AtomicU64, Ordering};
}
/// `sysmon_wake.rs` again, on loom, with its loom suite.
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod sysmon_wake_loom;
mod timers;
mod trace;
mod worker;

pub use api::{
    blocking, current, go, lock_os_thread, preempt_point, unlock_os_thread, yield_now,
    GoroutineInfo,
};
pub(crate) use api::{
    can_spin, current_waiter, fast_random, park_current, park_current_joining, preempt, spawner,
    Spawner,
};
pub use builder::{
    run, BuildError, Builder, Runtime, DEFAULT_MAX_THREADS, DEFAULT_STACK_SIZE, MAX_PROCS,
    MAX_STACK_SIZE, MIN_STACK_SIZE,
};
pub(crate) use context::{entry, hide_m, Entry};
pub(crate) use g::GShared;
pub use join::JoinHandle;
pub(crate) use join::{JoinInner, JoinRef, Waiter};
pub use stats::{PStats, Stats};
pub(crate) use timers::add_timer;
