//! `SpinMutex<T>`: the spin lock of `spin_lock.rs` with a guard, for a
//! channel's state (`chan/channel.rs`), whose critical sections are as
//! short and never wait for anything either (no user code runs under it:
//! values are moved, and dropped after the unlock). Its unlock is a store
//! where std's `Mutex` took a swap: two locked instructions fewer per
//! channel round trip.
//!
//! The flag protocol is `RawSpinLock` (checked under shuttle in
//! `spin_lock_shuttle.rs`); this file adds the guard, which the loom and
//! shuttle mounts cannot have (their cells are reached by closure only), so
//! it is compiled once.

use super::spin_lock::RawSpinLock;
use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};

/// A spin lock with a guard (module docs).
pub(crate) struct SpinMutex<T> {
    raw: RawSpinLock,
    value: UnsafeCell<T>,
}

/// Access to a [`SpinMutex`]'s value; unlocks when dropped.
pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinMutex<T>,
}

impl<T> SpinMutex<T> {
    pub(crate) fn new(value: T) -> Self {
        SpinMutex {
            raw: RawSpinLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// Takes the lock (spinning, then yielding, while another holds it).
    /// Locking it again before the guard drops spins forever.
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        self.raw.lock();
        SpinGuard { lock: self }
    }
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its thread holds the lock,
        // and the value is touched only through a guard; `&self` lends a
        // shared borrow no longer than the guard lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the borrow exclusive
        // among this guard's borrows, and no other guard exists.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.unlock();
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for SpinMutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpinMutex { .. }")
    }
}

// SAFETY: the lock hands the value to one thread at a time, so sharing it
// moves the value between threads: `T: Send` suffices, as for
// `std::sync::Mutex`. (`Send` is derived from the cell's.)
unsafe impl<T: Send> Sync for SpinMutex<T> {}

// SAFETY: a guard gives `&T` to whoever holds it; sharing the guard shares
// that, so it needs `T: Sync`, as `std::sync::MutexGuard` does.
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}
