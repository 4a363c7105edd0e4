//! `Once` (Go's `sync.Once`): runs a function once; every other caller
//! parks until that first call has finished.
//!
//! As in Go, a call that panics still counts as done: later callers return
//! without running their function (Go: "if f panics, Do considers it to
//! have returned").

use super::waiter::Waiter;
use crate::engine::{self, Op};
use model::event::Access;
use model::{ObjId, OpKind};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard};

/// Runs one function once.
#[derive(Debug)]
pub struct Once {
    id: ObjId,
    /// The fast path (Go's `done`): set after the function returned.
    done: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug)]
enum State {
    New,
    Running(Vec<Arc<Waiter>>),
    Done,
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks the `Once` done when the first call ends, even by panicking.
struct Finish<'a>(&'a Once, &'static Location<'static>);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        // The completion is a visible op (`Done` releases): the race
        // detector's edge from the function's writes to every later caller.
        // Not while unwinding: a switch mid-unwind would show other
        // goroutines this thread's panic state.
        if !std::thread::panicking() {
            engine::visible(&Op::new(OpKind::Done, self.0.id, Access::Write, self.1));
        }
        let waiters = match std::mem::replace(&mut *self.0.state(), State::Done) {
            State::Running(ws) => ws,
            _ => Vec::new(),
        };
        // Release: pairs with the Acquire load in `call_once`, so a caller
        // on the fast path sees the function's effects.
        self.0.done.store(true, Release);
        waiters.iter().for_each(|w| w.grant());
    }
}

impl Once {
    pub fn new() -> Self {
        Once {
            id: engine::new_object(),
            done: AtomicBool::new(false),
            state: Mutex::new(State::New),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` if no call has run yet; otherwise waits until the first
    /// call has finished.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        let op = Op::new(
            OpKind::OnceCall,
            self.id,
            Access::ReadWrite,
            Location::caller(),
        );
        engine::visible(&op);
        // Acquire: pairs with the Release store in `Finish::drop`.
        if self.done.load(Acquire) {
            return;
        }
        let mut st = self.state();
        match &mut *st {
            State::Done => {}
            State::Running(ws) => {
                let w = Waiter::new(engine::now());
                ws.push(w.clone());
                drop(st);
                while !w.wait(&op) {}
            }
            State::New => {
                *st = State::Running(Vec::new());
                drop(st);
                let _finish = Finish(self, op.location);
                f();
            }
        }
    }

    /// Whether a call has finished.
    pub fn is_completed(&self) -> bool {
        // Acquire: as in `call_once`.
        self.done.load(Acquire)
    }
}
