//! `Waiter`: one parked goroutine of a lock, wait group, once or cond (the
//! `sudog` of Go's `sync` package, which parks on a semaphore).
//!
//! The waker sets the outcome and unparks; the waiter parks until it sees
//! an outcome (a spurious return of `engine::park` just parks again).

use crate::engine::{self, Handle, Op};
use crate::time::Instant;
use std::sync::atomic::{AtomicU8, Ordering::*};
use std::sync::Arc;

const WAITING: u8 = 0;
/// Woken to try again (a lock in normal mode: it competes with newcomers).
const WOKEN: u8 = 1;
/// Handed what it waited for (a lock in starvation mode, a read lock, the
/// end of a wait).
const GRANTED: u8 = 2;

#[derive(Debug)]
pub(crate) struct Waiter {
    handle: Handle,
    state: AtomicU8,
    /// When the goroutine started waiting (a mutex's starvation rule).
    pub(crate) since: Instant,
}

impl Waiter {
    pub(crate) fn new(since: Instant) -> Arc<Waiter> {
        Arc::new(Waiter {
            handle: engine::current(),
            state: AtomicU8::new(WAITING),
            since,
        })
    }

    /// Wakes the waiter to try again.
    pub(crate) fn wake(&self) {
        self.set(WOKEN);
    }

    /// Wakes the waiter with what it waited for.
    pub(crate) fn grant(&self) {
        self.set(GRANTED);
    }

    fn set(&self, s: u8) {
        // Release: pairs with the Acquire load in `wait`, so the waiter sees
        // everything the waker did before (a handed-over lock's data).
        self.state.store(s, Release);
        self.handle.unpark();
    }

    /// Parks until woken; true if granted, false if woken to try again.
    #[inline(always)]
    pub(crate) fn wait(&self, op: &Op) -> bool {
        loop {
            // Acquire: pairs with the Release store in `set`.
            match self.state.load(Acquire) {
                WAITING => engine::park(op),
                s => return s == GRANTED,
            }
        }
    }
}
