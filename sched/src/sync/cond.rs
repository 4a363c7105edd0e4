//! `Cond` (Go's `sync.Cond`): goroutines wait for a condition, with a
//! [`Mutex`] held around checking it.
//!
//! `wait` queues the goroutine *before* unlocking the mutex (Go's
//! `notifyListAdd` ticket), so a `signal` sent after the unlock cannot be
//! missed. `signal` wakes the longest waiter, `broadcast` all of them. As
//! in Go, a woken goroutine re-checks its condition in a loop.

use super::mutex::{Mutex, MutexGuard};
use super::waiter::Waiter;
use crate::engine::{self, Op};
use model::event::Access;
use model::{BlockReason, ObjId, OpKind};
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;

/// A condition variable for the sched [`Mutex`].
#[derive(Debug)]
pub struct Cond {
    id: ObjId,
    waiters: std::sync::Mutex<VecDeque<Arc<Waiter>>>,
}

impl Default for Cond {
    fn default() -> Self {
        Self::new()
    }
}

impl Cond {
    pub fn new() -> Self {
        Cond {
            id: engine::new_object(),
            waiters: std::sync::Mutex::new(VecDeque::new()),
        }
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Waiter>>> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn op(&self, kind: OpKind, location: &'static Location<'static>) -> Op {
        Op::new(kind, self.id, Access::ReadWrite, location)
    }

    /// Unlocks `guard`'s mutex, parks until signalled, locks it again.
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let loc = Location::caller();
        let op = self.op(OpKind::Wait, loc).blocking_as(BlockReason::Cond);
        engine::visible(&op);
        let w = Waiter::new(engine::now());
        self.waiters().push_back(w.clone());
        let mutex: &'a Mutex<T> = guard.mutex();
        drop(guard);
        while !w.wait(&op) {}
        mutex.lock_at(loc)
    }

    /// Wakes the goroutine that has waited longest, if any.
    #[track_caller]
    pub fn signal(&self) {
        engine::visible(&self.op(OpKind::Signal, Location::caller()));
        let w = self.waiters().pop_front();
        if let Some(w) = w {
            w.grant();
        }
    }

    /// Wakes every waiting goroutine.
    #[track_caller]
    pub fn broadcast(&self) {
        engine::visible(&self.op(OpKind::Broadcast, Location::caller()));
        let ws = std::mem::take(&mut *self.waiters());
        ws.iter().for_each(|w| w.grant());
    }
}
