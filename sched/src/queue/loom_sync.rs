//! The primitives the lock-free queues are written against, from loom.
//!
//! Mirrors `sync.rs` name for name; `queue/mod.rs` mounts this file as
//! `loom_build::sync`, so every atomic access of the second copy of the
//! queues is a loom scheduling point and every ordering is checked against
//! loom's (C11) memory model.

pub(crate) use loom::cell::UnsafeCell;
pub(crate) use loom::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering,
};
pub(crate) use loom::sync::Arc;

/// `sync.rs`'s spin: under loom a yield, so the model runs the thread
/// whose access is in progress instead of exploring an endless spin.
pub(crate) fn spin_wait() {
    loom::thread::yield_now();
}

/// `sync.rs`'s `looks_set`: a yield, then "no": retry the swap.
pub(crate) fn looks_set(_flag: &AtomicBool) -> bool {
    loom::thread::yield_now();
    false
}

/// `sync.rs`'s `spin_backoff`: one loom yield, whatever the round (a
/// longer wait is only more of the same interleaving).
pub(crate) fn spin_backoff(_round: u32) {
    loom::thread::yield_now();
}

/// `sync.rs`'s `prefetch`: a hint loom has no use for.
pub(crate) fn prefetch<T>(_p: *const T) {}

/// `sync.rs`'s `yield_thread`: a loom yield.
pub(crate) fn yield_thread() {
    loom::thread::yield_now();
}
