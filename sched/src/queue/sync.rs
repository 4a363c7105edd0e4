//! The primitives the lock-free queues are written against: std's.
//!
//! `loom_sync.rs` is the same list pointing at loom, so `ring.rs`,
//! `runnext.rs` and `global.rs` compile twice in one `--features model-check`
//! build (tokio `src/loom/`, crossbeam `mod primitive`). Add a primitive to
//! both files or to neither.

pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering,
};
pub(crate) use std::sync::{Arc, Mutex};

/// Waits a moment for another thread to finish a short access (loom: a
/// yield, so the model lets that thread run).
pub(crate) fn spin_wait() {
    std::hint::spin_loop();
}

/// Gives up the rest of this thread's time slice (a holder that was
/// descheduled mid-access gets to finish; loom: a yield).
pub(crate) fn yield_thread() {
    std::thread::yield_now();
}

/// `std::cell::UnsafeCell` with loom's closure API (`with`, `with_mut`),
/// so `value_slot.rs` compiles against either (tokio `src/loom/std`).
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(v))
    }

    /// Runs `f` with a shared pointer to the contents.
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a unique pointer to the contents.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
