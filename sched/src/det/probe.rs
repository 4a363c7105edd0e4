//! Minimal primitives on the engine interface, for the deterministic
//! engine's own tests and benchmark until the primitives branch
//! (`sched::sync::{RaceCell, Mutex, atomic}`) is merged: a checked cell, an
//! atomic that carries its ordering, and a parking lock. They issue exactly
//! the ops the real primitives issue (`CellRead`/`CellWrite`, `Load`/`Store`
//! with an ordering, `Lock`/`Unlock`), so the detectors see the same edges.
//! Not a stable API; the lead replaces their uses with `sched::sync`.

use crate::engine::{self, Handle, Op};
use model::event::{Access, Ordering};
use model::{ObjId, OpKind};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as StdOrdering};
use std::sync::Mutex;

fn std_ordering(o: Ordering) -> StdOrdering {
    match o {
        Ordering::Relaxed => StdOrdering::Relaxed,
        Ordering::Acquire => StdOrdering::Acquire,
        Ordering::Release => StdOrdering::Release,
        Ordering::AcqRel => StdOrdering::AcqRel,
        Ordering::SeqCst => StdOrdering::SeqCst,
    }
}

/// A non-atomic cell whose every access is a visible, race-checked op.
#[derive(Debug)]
pub struct ProbeCell<T> {
    id: ObjId,
    value: Mutex<T>,
}

impl<T> ProbeCell<T> {
    pub fn new(value: T) -> Self {
        ProbeCell {
            id: engine::new_object(),
            value: Mutex::new(value),
        }
    }

    /// Reads through `f` (a `CellRead` op).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let op = Op::new(OpKind::CellRead, self.id, Access::Read, Location::caller());
        engine::visible(&op);
        f(&self.value.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Writes through `f` (a `CellWrite` op).
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let op = Op::new(
            OpKind::CellWrite,
            self.id,
            Access::Write,
            Location::caller(),
        );
        engine::visible(&op);
        f(&mut self.value.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// An atomic `u64` whose loads and stores are visible ops with their ordering.
#[derive(Debug)]
pub struct ProbeAtomic {
    id: ObjId,
    value: AtomicU64,
}

impl ProbeAtomic {
    pub fn new(value: u64) -> Self {
        ProbeAtomic {
            id: engine::new_object(),
            value: AtomicU64::new(value),
        }
    }

    #[track_caller]
    pub fn load(&self, ordering: Ordering) -> u64 {
        let op = Op::new(OpKind::Load, self.id, Access::Read, Location::caller()).ordered(ordering);
        engine::visible(&op);
        let o = match ordering {
            Ordering::Release | Ordering::AcqRel => StdOrdering::Acquire,
            o => std_ordering(o),
        };
        self.value.load(o)
    }

    #[track_caller]
    pub fn store(&self, value: u64, ordering: Ordering) {
        let op =
            Op::new(OpKind::Store, self.id, Access::Write, Location::caller()).ordered(ordering);
        engine::visible(&op);
        let o = match ordering {
            Ordering::Acquire | Ordering::AcqRel => StdOrdering::Release,
            o => std_ordering(o),
        };
        self.value.store(value, o);
    }
}

/// A lock that parks goroutines (`Lock`/`Unlock` ops; waiters re-compete).
#[derive(Debug)]
pub struct ProbeLock {
    id: ObjId,
    held: AtomicBool,
    waiters: Mutex<Vec<Handle>>,
}

impl Default for ProbeLock {
    fn default() -> Self {
        Self::new()
    }
}

impl ProbeLock {
    pub fn new() -> Self {
        ProbeLock {
            id: engine::new_object(),
            held: AtomicBool::new(false),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// Locks; the guard unlocks on drop.
    #[track_caller]
    pub fn lock(&self) -> ProbeGuard<'_> {
        let op = Op::new(OpKind::Lock, self.id, Access::ReadWrite, Location::caller());
        engine::visible(&op);
        loop {
            {
                let mut w = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
                // AcqRel/Acquire: the winner sees the previous holder's writes
                // (pairs with the Release store in `unlock`).
                if self
                    .held
                    .compare_exchange(false, true, StdOrdering::AcqRel, StdOrdering::Acquire)
                    .is_ok()
                {
                    return ProbeGuard {
                        lock: self,
                        location: Location::caller(),
                    };
                }
                w.push(engine::current());
            }
            engine::park(&op);
        }
    }

    fn unlock(&self, location: &'static Location<'static>) {
        let op = Op::new(OpKind::Unlock, self.id, Access::ReadWrite, location);
        engine::visible(&op);
        let waiters = {
            let mut w = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            // Release: pairs with the CAS in `lock`.
            self.held.store(false, StdOrdering::Release);
            std::mem::take(&mut *w)
        };
        waiters.iter().for_each(Handle::unpark);
    }
}

/// Holds a [`ProbeLock`]; unlocks on drop.
#[derive(Debug)]
pub struct ProbeGuard<'a> {
    lock: &'a ProbeLock,
    location: &'static Location<'static>,
}

impl Drop for ProbeGuard<'_> {
    fn drop(&mut self) {
        self.lock.unlock(self.location);
    }
}

/// A `select!`-style arm choice among `n` ready arms: a visible `Select`
/// op, then `engine::random(n)` — a recorded `SelectArm` choice in a
/// deterministic run.
#[track_caller]
pub fn select_arm(n: usize) -> usize {
    let op = Op::new(
        OpKind::Select,
        engine::new_object(),
        Access::ReadWrite,
        Location::caller(),
    );
    engine::visible(&op);
    engine::random(n)
}
