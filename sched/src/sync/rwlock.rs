//! `RwLock<T>` (Go's `sync.RWMutex`, `sync/rwmutex.go`): many readers or
//! one writer, parking goroutines.
//!
//! Go's rule, which we keep: a writer that is waiting blocks *new* readers.
//! Writers are serialised first (Go's `w` mutex: here the `writer` flag and
//! the FIFO `writers` queue); the writer holding it then waits for the
//! readers already inside to leave, while arriving readers queue. On
//! `unlock` the writer admits every queued reader at once, then passes the
//! writer role to the next writer, who waits for those readers in turn —
//! so neither side starves. A consequence, as in Go: a goroutine that
//! holds a read lock and asks for another while a writer waits deadlocks
//! (read locks are not recursive).
//!
//! The value is shared as an `Arc<T>` that each reader clones and drops
//! before leaving; the writer, alone once the readers have left, takes it
//! and mutates it through `Arc::get_mut` — no `unsafe`, and no OS lock held
//! across a park.

use super::waiter::Waiter;
use crate::engine::{self, Op};
use model::event::Access;
use model::{ObjId, OpKind};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;

/// A reader-writer lock for goroutines with Go's writer preference.
pub struct RwLock<T> {
    id: ObjId,
    state: std::sync::Mutex<State>,
    data: std::sync::Mutex<Option<Arc<T>>>,
}

#[derive(Debug, Default)]
struct State {
    /// Readers inside.
    readers: usize,
    /// A writer holds the writer role (inside, or waiting for readers).
    writer: bool,
    /// The writer holding the role, parked until the readers leave.
    draining: Option<Arc<Waiter>>,
    /// Writers waiting for the role, FIFO.
    writers: std::collections::VecDeque<Arc<Waiter>>,
    /// Readers that arrived while a writer held the role.
    readers_waiting: Vec<Arc<Waiter>>,
}

/// Shared access; releases on drop.
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    value: Option<Arc<T>>,
}

/// Exclusive access; releases on drop.
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    value: Option<Arc<T>>,
}

impl<T> RwLock<T> {
    /// An unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        RwLock {
            id: engine::new_object(),
            state: std::sync::Mutex::new(State::default()),
            data: std::sync::Mutex::new(Some(Arc::new(value))),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn data(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn op(&self, kind: OpKind, access: Access, loc: &'static Location<'static>) -> Op {
        Op::new(kind, self.id, access, loc)
    }

    /// Shared access; parks while a writer holds or waits for the lock.
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        let op = self.op(OpKind::RLock, Access::Read, Location::caller());
        engine::visible(&op);
        let mut st = self.state();
        if st.writer {
            let w = Waiter::new(engine::now());
            st.readers_waiting.push(w.clone());
            drop(st);
            while !w.wait(&op) {}
        } else {
            st.readers += 1;
        }
        self.read_guard()
    }

    /// Shared access only if no writer holds or waits for the lock.
    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        let op = self.op(OpKind::RLock, Access::Read, Location::caller());
        engine::visible(&op);
        let mut st = self.state();
        if st.writer {
            return None;
        }
        st.readers += 1;
        drop(st);
        Some(self.read_guard())
    }

    /// Exclusive access; parks until the writer role is ours and every
    /// reader has left.
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        let op = self.op(OpKind::Lock, Access::Write, Location::caller());
        engine::visible(&op);
        let mut st = self.state();
        if st.writer {
            let w = Waiter::new(engine::now());
            st.writers.push_back(w.clone());
            drop(st);
            while !w.wait(&op) {}
            st = self.state();
        }
        st.writer = true;
        if st.readers > 0 {
            let w = Waiter::new(engine::now());
            st.draining = Some(w.clone());
            drop(st);
            while !w.wait(&op) {}
        }
        self.write_guard()
    }

    /// Exclusive access only if nobody holds or waits for the lock.
    #[track_caller]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        let op = self.op(OpKind::Lock, Access::Write, Location::caller());
        engine::visible(&op);
        let mut st = self.state();
        if st.writer || st.readers > 0 {
            return None;
        }
        st.writer = true;
        drop(st);
        Some(self.write_guard())
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        let value = self.data().clone();
        assert!(
            value.is_some(),
            "sched: RwLock value lost (a write guard was leaked)"
        );
        RwLockReadGuard { lock: self, value }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        let value = self.data().take();
        assert!(
            value.is_some(),
            "sched: RwLock value lost (a write guard was leaked)"
        );
        RwLockWriteGuard { lock: self, value }
    }

    /// A reader leaves; the last one lets a draining writer in.
    fn read_unlock(&self) {
        let mut st = self.state();
        st.readers -= 1;
        let w = match st.readers {
            0 => st.draining.take(),
            _ => None,
        };
        drop(st);
        if let Some(w) = w {
            w.grant();
        }
    }

    /// The writer leaves: admit queued readers, pass the writer role on.
    fn write_unlock(&self) {
        let mut st = self.state();
        let readers = std::mem::take(&mut st.readers_waiting);
        st.readers += readers.len();
        let next = st.writers.pop_front();
        st.writer = next.is_some();
        drop(st);
        readers.iter().for_each(|r| r.grant());
        if let Some(w) = next {
            w.grant();
        }
    }

    /// The value (no locking needed: `&mut self` is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        let data = self.data.get_mut().unwrap_or_else(|e| e.into_inner());
        let arc = data.as_mut().expect("sched: RwLock value lost");
        Arc::get_mut(arc).expect("no guard outlives `&mut self`")
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T {
        let data = self.data.into_inner().unwrap_or_else(|e| e.into_inner());
        let arc = data.expect("sched: RwLock value lost");
        Arc::into_inner(arc).expect("no guard outlives the lock")
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        write!(f, "RwLock(readers: {}, writer: {})", st.readers, st.writer)
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a live guard holds the value")
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        engine::visible(
            &self
                .lock
                .op(OpKind::RUnlock, Access::Read, Location::caller()),
        );
        // Drop our clone before leaving, so the writer finds the Arc unique.
        self.value = None;
        self.lock.read_unlock();
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a live guard holds the value")
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        let arc = self.value.as_mut().expect("a live guard holds the value");
        Arc::get_mut(arc).expect("readers drop their clones before the writer enters")
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        engine::visible(
            &self
                .lock
                .op(OpKind::Unlock, Access::Write, Location::caller()),
        );
        *self.lock.data() = self.value.take();
        self.lock.write_unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
