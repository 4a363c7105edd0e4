//! The primitives the lock-free queues are written against: std's.
//!
//! `loom_sync.rs` is the same list pointing at loom, so `ring.rs`,
//! `runnext.rs` and `global.rs` compile twice in one `--features model-check`
//! build (tokio `src/loom/`, crossbeam `mod primitive`). Add a primitive to
//! both files or to neither.

pub(crate) use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering,
};
pub(crate) use std::sync::Arc;

/// Waits a moment for another thread to finish a short access (loom: a
/// yield, so the model lets that thread run).
pub(crate) fn spin_wait() {
    std::hint::spin_loop();
}

/// Whether `flag` looks set, for a waiter that spins on reads before it
/// retries its swap (test-and-test-and-set). Loom: yields and answers
/// `false`, so the waiter retries the swap (an RMW reads the latest value;
/// a Relaxed read may keep returning a stale one, which loom would explore
/// without end).
pub(crate) fn looks_set(flag: &AtomicBool) -> bool {
    // Relaxed: a hint; the caller's swap decides.
    flag.load(Ordering::Relaxed)
}

/// Waits `2^round` spins: a waiter's exponential backoff (loom: one yield).
pub(crate) fn spin_backoff(round: u32) {
    for _ in 0..1u32 << round {
        std::hint::spin_loop();
    }
}

/// Gives up the rest of this thread's time slice (a holder that was
/// descheduled mid-access gets to finish; loom: a yield).
pub(crate) fn yield_thread() {
    std::thread::yield_now();
}

/// Asks the CPU to start loading the cache line at `p` (a hint: no memory
/// is accessed, so `p` may dangle; loom: nothing). The ring prefetches the
/// goroutine it will hand out next (`ring.rs`, `pop_ring`).
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is not a memory access: it cannot fault and
        // reads nothing the program sees, whatever `p` points to (SSE,
        // which the intrinsic needs, is part of the x86_64 baseline).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
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
