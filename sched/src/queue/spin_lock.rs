//! `SpinLock<T>`: a lock for short critical sections that never block,
//! whose unlock is a plain store.
//!
//! The global run queue's lock (`global.rs`). std's futex `Mutex` unlocks
//! with a swap (a locked read-modify-write, to learn whether a waiter
//! sleeps), and once two threads contend it marks itself contended and
//! every unlock wakes through a syscall: with two Ps yielding to the global
//! queue, a quarter of the time went to `lock_contended`. The queue's
//! critical sections are a few dozen instructions and never wait for
//! anything, so a waiter never needs to sleep: it spins with exponential
//! backoff, then gives up its time slice (a holder the OS descheduled gets
//! to finish). Go's runtime lock spins the same way before it sleeps
//! (`lock_futex.go`: four rounds of 30 `PAUSE`s, then `osyield`).
//!
//! - Lock: test-and-test-and-set. `swap(true)` with Acquire; on failure the
//!   waiter reads the flag (Relaxed) until it is clear before it swaps
//!   again, so spinning does not take the line away from the holder.
//! - Unlock: `store(false)` with Release, a plain `mov` on x86; it pairs
//!   with the next locker's Acquire swap, which therefore sees every write
//!   of the critical section.
//!
//! The value is reached only through [`SpinLock::with`] (a closure, as
//! loom's cells want), and the lock is released when the closure returns or
//! unwinds. Loom cannot explore a spin lock (a spinning waiter livelocks its
//! model under any preemption bound), so `spin_lock_shuttle.rs` runs it
//! under shuttle's random and PCT schedules; the loom suite still runs it
//! inside the global queue, whose tests do not make it spin.

use super::sync::{looks_set, spin_backoff, yield_thread, AtomicBool, Ordering, UnsafeCell};

/// Backoff rounds before a waiter yields its time slice instead: 1, 2, 4,
/// … 32 spins (63 in all, a few hundred nanoseconds).
const SPIN_ROUNDS: u32 = 6;

/// The lock itself, without a value: one flag (module docs). `SpinLock`
/// pairs it with a cell reached by closure; `spin_mutex.rs` with a guard.
pub(crate) struct RawSpinLock {
    locked: AtomicBool,
}

impl RawSpinLock {
    pub(crate) fn new() -> Self {
        RawSpinLock {
            locked: AtomicBool::new(false),
        }
    }

    /// Takes the lock, spinning (then yielding) while another holds it.
    pub(crate) fn lock(&self) {
        let mut round = 0;
        loop {
            // Acquire: pairs with the Release store of the last unlock.
            if !self.locked.swap(true, Ordering::Acquire) {
                return;
            }
            while looks_set(&self.locked) {
                if round < SPIN_ROUNDS {
                    spin_backoff(round);
                    round += 1;
                } else {
                    yield_thread();
                }
            }
        }
    }

    /// Releases the lock. Only its holder may call this.
    pub(crate) fn unlock(&self) {
        // Release: pairs with the next locker's Acquire swap.
        self.locked.store(false, Ordering::Release);
    }
}

/// A lock for short, non-blocking critical sections (module docs).
pub(crate) struct SpinLock<T> {
    raw: RawSpinLock,
    value: UnsafeCell<T>,
}

impl<T> SpinLock<T> {
    pub(crate) fn new(value: T) -> Self {
        SpinLock {
            raw: RawSpinLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the value with the lock held. `f` must not lock `self`
    /// again (it would spin forever).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.raw.lock();
        /// Releases the lock when `f` returns or unwinds.
        struct Unlock<'a>(&'a RawSpinLock);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                self.0.unlock();
            }
        }
        let _unlock = Unlock(&self.raw);
        // SAFETY: this thread holds the lock (its swap read `false`), and
        // only the holder touches the value, until `unlock` clears the
        // flag; the Acquire swap ordered us after the previous holder's
        // accesses. The `&mut` ends with `f`, before that store.
        self.value.with_mut(|v| f(unsafe { &mut *v }))
    }
}

// SAFETY: the lock hands the value to one thread at a time (module docs),
// so sharing the lock moves the value between threads: `T: Send` suffices,
// as for `std::sync::Mutex`. (`Send` is derived from the cell's.)
unsafe impl<T: Send> Sync for SpinLock<T> {}
