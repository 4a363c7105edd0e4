//! `WaitGroup` (Go's `sync.WaitGroup`): waits for a counter to reach zero.
//!
//! A negative counter panics with Go's message. When the counter reaches
//! zero every waiter is released; the group can then be reused (a new
//! `add` starts a new round; waiters of the old round are already granted).

use super::waiter::Waiter;
use crate::engine::{self, Op};
use model::event::Access;
use model::{ObjId, OpKind};
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard};

/// Waits for a collection of goroutines to finish.
#[derive(Debug)]
pub struct WaitGroup {
    id: ObjId,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    count: i64,
    waiters: Vec<Arc<Waiter>>,
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitGroup {
    /// A group with counter zero.
    pub fn new() -> Self {
        WaitGroup {
            id: engine::new_object(),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn op(&self, kind: OpKind, location: &'static Location<'static>) -> Op {
        Op::new(kind, self.id, Access::ReadWrite, location)
    }

    /// Adds `delta` (may be negative) to the counter; at zero, releases
    /// every waiter.
    ///
    /// # Panics
    /// "sync: negative WaitGroup counter" if the counter goes below zero.
    #[track_caller]
    pub fn add(&self, delta: i64) {
        engine::visible(&self.op(OpKind::Add, Location::caller()));
        self.adjust(delta);
    }

    /// Decrements the counter by one.
    ///
    /// # Panics
    /// As `add(-1)`.
    #[track_caller]
    pub fn done(&self) {
        engine::visible(&self.op(OpKind::Done, Location::caller()));
        self.adjust(-1);
    }

    fn adjust(&self, delta: i64) {
        let mut st = self.lock();
        st.count += delta;
        if st.count < 0 {
            st.count -= delta;
            drop(st);
            panic!("sync: negative WaitGroup counter");
        }
        if st.count == 0 {
            let ws = std::mem::take(&mut st.waiters);
            drop(st);
            ws.iter().for_each(|w| w.grant());
        }
    }

    /// Parks until the counter is zero.
    #[track_caller]
    pub fn wait(&self) {
        let op = self.op(OpKind::Wait, Location::caller());
        engine::visible(&op);
        let mut st = self.lock();
        if st.count == 0 {
            return;
        }
        let w = Waiter::new(engine::now());
        st.waiters.push(w.clone());
        drop(st);
        w.wait(&op);
    }

    /// The counter now (for diagnostics).
    pub fn count(&self) -> i64 {
        self.lock().count
    }
}
