//! Goroutine-aware synchronisation with Go's semantics (Go's `sync` and
//! `sync/atomic`): [`WaitGroup`], [`Mutex`], [`RwLock`], [`Once`],
//! [`Cond`], [`atomic`], and the checker's [`RaceCell`].
//!
//! Blocking parks the goroutine, never its OS thread (outside a runtime,
//! the thread). Every operation is a visible op of the engine. Each
//! primitive keeps its bookkeeping under a short internal OS lock that is
//! never held across a park or a scheduling point; `Mutex` takes it only
//! when contended (its uncontended path is one swap each way:
//! `lock_core.rs`).
//!
//! Files: one per primitive, plus `lock_core` (the mutex's lock-free fast
//! path, loom-checked in `lock_core_loom`), `waiter` (a parked goroutine)
//! and `object` (lazily assigned object ids).

pub mod atomic;
mod cond;
mod lock_core;
/// `lock_core.rs` again, on loom, with its loom suite.
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod lock_core_loom;
/// The primitives `lock_core.rs` is written against (`lock_core_loom.rs`
/// has loom's).
mod lock_sync {
    pub(crate) use crate::queue::Slot;
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
}
mod mutex;
mod object;
mod once;
mod race_cell;
mod rwlock;
mod waiter;
mod waitgroup;

pub use cond::Cond;
pub use mutex::{Mutex, MutexGuard, STARVATION_THRESHOLD};
pub use once::Once;
pub use race_cell::RaceCell;
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use waitgroup::WaitGroup;
