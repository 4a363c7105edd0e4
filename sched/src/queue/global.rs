//! The global run queue: every P and M may push and pop.
//!
//! Go's `sched.runq` with `globrunqput`, `globrunqputbatch` (from
//! `runqputslow`) and `globrunqget` in `src/runtime/proc.go`, all under
//! `sched.lock`. We keep the lock: a [`Fifo`] under a `SpinLock`
//! (`spin_lock.rs`: its unlock is a store, and a waiter spins, then yields,
//! where std's `Mutex` swapped on every unlock and, contended, slept and
//! woke through syscalls). The `Fifo` keeps its oldest items inline, so
//! the lock, the queue's head and the length mirror share one cache line,
//! as Go's `sched.runq` shares `sched`'s: a `VecDeque`'s separate buffer
//! was a second line in flight between Ps on every critical section
//! (yield at 2 Ps: 206 → 101 ns, `fifo.rs`).
//!
//! Why a lock is right here:
//! - the queue is off the fast path: a P looks at it every
//!   `global_check_interval` schedticks (Go: 61) or when its local queue is
//!   empty, and it receives work in batches (half a ring on overflow);
//! - `pop_batch` must size its batch from the *exact* length
//!   (`global_batch(len, procs, cap)`, Go's `runqsize/gomaxprocs+1`) and move
//!   the batch as one unit; under a lock that is a plain read, while a
//!   lock-free MPMC queue (crossbeam's `Injector`) only gives an approximate
//!   length and per-element claims;
//! - the lock is held for a bounded copy (at most half a ring), never across
//!   a call out of this module except the policy's batch function.
//!
//! `len`/`is_empty` read an atomic mirror of the length, stored under the
//! lock after each change, so the schedule loop can skip the lock when the
//! queue looks empty (Go reads `sched.runqsize` without the lock the same
//! way). It is a hint: the lock is the truth.

use super::fifo::Fifo;
use super::item::Hinted;
use super::spin_lock::SpinLock;
use super::sync::{AtomicUsize, Ordering};
use std::fmt;

/// A local queue that can take a batch from the global one.
pub trait Refill<T> {
    /// How many more Gs fit without overflowing (`usize::MAX` if unbounded).
    fn room(&self) -> usize;

    /// Appends `items`, at most [`room`](Refill::room) of them, in order,
    /// with the prefetch hints they carry (`Hinted`).
    fn refill(&mut self, items: impl ExactSizeIterator<Item = Hinted<T>>);
}

/// The MPMC global run queue. On its own cache-line pair: every P takes its
/// lock, and a neighbouring field written per run (or read by every
/// `wakep`) would make each of those a miss (yield at 2 Ps: -8%).
#[repr(align(128))]
pub struct Global<T> {
    queue: SpinLock<Fifo<T>>,
    /// Mirror of `queue.len()`, written under the lock.
    len: AtomicUsize,
}

impl<T> Global<T> {
    pub fn new() -> Self {
        Global {
            queue: SpinLock::new(Fifo::new()),
            len: AtomicUsize::new(0),
        }
    }

    /// Go's `globrunqput`: one G at the tail.
    pub fn push(&self, t: T) {
        self.with_queue(|q| q.push_back(t));
    }

    /// Go's `globrunqputbatch`: a batch at the tail, in order, under one lock.
    /// Returns how many were added.
    pub fn push_batch(&self, items: impl IntoIterator<Item = T>) -> usize {
        self.push_batch_hinted(items.into_iter().map(Hinted::none))
    }

    /// [`push_batch`](Global::push_batch) of values with their prefetch
    /// hints (a local ring's overflow), which a refill hands on.
    pub fn push_batch_hinted(&self, items: impl IntoIterator<Item = Hinted<T>>) -> usize {
        self.with_queue(|q| {
            let before = q.len();
            q.extend_hinted(items);
            q.len() - before
        })
    }

    /// One G from the head. Takes the lock even when [`is_empty`] says
    /// empty: callers that want to skip it check `is_empty` first.
    ///
    /// [`is_empty`]: Global::is_empty
    pub fn pop(&self) -> Option<T> {
        self.with_queue(Fifo::pop_front)
    }

    /// Go's `globrunqget`: the head G to run now, and up to `batch(len) - 1`
    /// more (never more than `dst` has room for) moved into `dst` in order.
    /// `batch` gets the exact length under the lock; the scheduler passes
    /// `|len| policy.global_batch(len, procs, cap)`.
    pub fn pop_batch(
        &self,
        dst: &mut impl Refill<T>,
        batch: impl FnOnce(usize) -> usize,
    ) -> Option<T> {
        self.with_queue(|q| take_batch(q, dst, batch))
    }

    /// [`push_batch`](Global::push_batch) of `items` (at least one), then
    /// [`pop_batch`](Global::pop_batch), under one lock: a P that yields to
    /// this queue and then finds its own queue empty (Go's `goschedImpl`
    /// followed by `findRunnable`) takes the lock once instead of twice,
    /// and a P of a one-P runtime that held the goroutines it yielded
    /// (`worker.rs`) queues them all with it. Never `None`.
    pub fn push_pop_batch(
        &self,
        items: impl IntoIterator<Item = T>,
        dst: &mut impl Refill<T>,
        batch: impl FnOnce(usize) -> usize,
    ) -> T {
        self.with_queue(|q| {
            q.extend(items);
            take_batch(q, dst, batch).expect("holds at least one item")
        })
    }

    /// Queued Gs, read without the lock (a hint).
    pub fn len(&self) -> usize {
        // Relaxed: a hint for skipping the lock; every decision that moves
        // a G re-reads the length under the lock.
        self.len.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` under the lock and refreshes the length mirror.
    fn with_queue<R>(&self, f: impl FnOnce(&mut Fifo<T>) -> R) -> R {
        // A panic while holding the lock (in the policy's batch function)
        // leaves the deque itself consistent; the lock is released.
        self.queue.with(|q| {
            let r = f(q);
            // Relaxed: the mirror carries no data (see `len`); the lock
            // orders the deque itself.
            self.len.store(q.len(), Ordering::Relaxed);
            r
        })
    }

    /// Test oracle: the queue's contents, head first.
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.with_queue(|q| q.iter().cloned().collect())
    }
}

/// `globrunqget` on the locked deque: the head, plus up to `batch(len) - 1`
/// more moved into `dst` (as many as fit), in order.
fn take_batch<T>(
    q: &mut Fifo<T>,
    dst: &mut impl Refill<T>,
    batch: impl FnOnce(usize) -> usize,
) -> Option<T> {
    let n = batch(q.len());
    let first = q.pop_front()?;
    let more = n.saturating_sub(1).min(dst.room()).min(q.len());
    dst.refill(q.drain(more));
    Some(first)
}

impl<T> Default for Global<T> {
    fn default() -> Self {
        Global::new()
    }
}

impl<T> fmt::Debug for Global<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Global").field("len", &self.len()).finish()
    }
}
