//! `JoinHandle<T>`: a goroutine's return value or panic comes back through
//! it (what Go lacks). Dropping the handle detaches the goroutine.

use super::g::{Body, GNode, GRef};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use std::sync::Arc;
use std::thread::Thread;

/// A goroutine or OS thread that waits for something (the production
/// engine's side of `engine::Handle`).
#[derive(Clone)]
pub(crate) enum Waiter {
    Goroutine(GRef),
    Thread(Thread),
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Waiter::Goroutine(g) => write!(f, "{g:?}"),
            Waiter::Thread(t) => write!(f, "thread {:?}", t.id()),
        }
    }
}

impl Waiter {
    /// Unparks the waiter (a token if it is not parked yet).
    pub(crate) fn wake(&self) {
        match self {
            Waiter::Goroutine(g) => crate::stack::Anchor::wake(&***g),
            Waiter::Thread(t) => t.unpark(),
        }
    }

    /// Whether both name the same goroutine or thread.
    pub(crate) fn same(&self, other: &Waiter) -> bool {
        match (self, other) {
            (Waiter::Goroutine(a), Waiter::Goroutine(b)) => GRef::ptr_eq(a, b),
            (Waiter::Thread(a), Waiter::Thread(b)) => a.id() == b.id(),
            _ => false,
        }
    }
}

pub(crate) struct JoinInner<T> {
    /// The outcome, and the joiner's handle while it waits (lock-free:
    /// `queue/join_cell.rs`).
    cell: crate::queue::JoinCell<std::thread::Result<T>, crate::engine::Handle>,
    /// Set when the handle is dropped without joining: nobody can take the
    /// outcome any more, so `complete` drops it without storing it.
    detached: AtomicBool,
}

impl<T> JoinInner<T> {
    pub(crate) fn new() -> Self {
        JoinInner {
            cell: crate::queue::JoinCell::new(),
            detached: AtomicBool::new(false),
        }
    }

    /// Stores the outcome and wakes the joiner, if any; drops it at once
    /// if the handle is gone (most spawned goroutines: when the outcome
    /// still sat behind a lock, its lock and unlock were a tenth of
    /// chained_spawn).
    pub(crate) fn complete(&self, r: std::thread::Result<T>) {
        // Acquire: pairs with the Release store in `JoinHandle::drop`; a
        // handle dropped meanwhile is missed, and the outcome waits in the
        // slot until the node goes, as before.
        if self.detached.load(Acquire) {
            drop(r);
            return;
        }
        if let Some(w) = self.cell.complete(r) {
            w.unpark();
        }
    }
}

/// An owned permission to join a goroutine: `join()` returns its value, or
/// the payload of its panic. Dropping it detaches the goroutine.
pub struct JoinHandle<T> {
    pub(crate) inner: JoinRef<T>,
    pub(crate) id: u64,
    pub(crate) location: &'static Location<'static>,
    /// The goroutine's join object in a deterministic run (its exit clock
    /// is released there, the join acquires it); `ObjId(0)` (no object) in
    /// production. Not an `Option`: that would take 16 bytes, not 8.
    pub(crate) object: model::ObjId,
    /// Where the goroutine's task box was when it was queued (production;
    /// 0 in a deterministic run): how a join finds it in its P's ring to
    /// promote it (`Policy::join_to_runnext`). Only compared, never read
    /// through; once the goroutine ends the box may hold another one, which
    /// a promotion would then merely run sooner.
    pub(crate) task: usize,
}

/// Where a handle finds its goroutine's join slot: inside the goroutine's
/// descriptor (production: one allocation for both), or alone (a
/// deterministic run, whose goroutines have no runtime descriptor).
pub(crate) enum JoinRef<T> {
    Node(crate::queue::NodeRc<GNode<Body<T, dyn Send + Sync>>>),
    Alone(Arc<JoinInner<T>>),
}

impl<T> std::ops::Deref for JoinRef<T> {
    type Target = JoinInner<T>;
    fn deref(&self) -> &JoinInner<T> {
        match self {
            JoinRef::Node(n) => &n.join.join,
            JoinRef::Alone(j) => j,
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Detaches the goroutine (also at the end of `join`, when nothing is
    /// left to take).
    fn drop(&mut self) {
        // Release: pairs with the Acquire load in `JoinInner::complete`
        // (the flag carries no data; the ordering keeps it simple).
        self.inner.detached.store(true, Release);
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "JoinHandle(goroutine {} spawned at {})",
            self.id, self.location
        )
    }
}

impl<T> JoinHandle<T> {
    /// The goroutine's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the goroutine has finished.
    pub fn is_finished(&self) -> bool {
        self.inner.cell.is_done()
    }

    /// Waits for the goroutine (parking the calling goroutine, or the calling
    /// OS thread outside a runtime) and returns its value, or `Err` with the
    /// panic payload if it panicked. In a deterministic run the join is a
    /// visible op on the goroutine's join object (the exit → join edge).
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        use crate::engine::{self, Op};
        let op = Op::new(
            model::OpKind::Join,
            self.object,
            model::event::Access::Read,
            Location::caller(),
        );
        if self.object != model::ObjId(0) {
            engine::visible(&op);
        }
        loop {
            if let Some(r) = self.inner.cell.take() {
                return r;
            }
            // A wake-up may come before the park (it leaves a token), or
            // the outcome before the registration (then take it).
            if self.inner.cell.register(engine::current) {
                engine::park_joining(&op, self.task);
            }
        }
    }
}
