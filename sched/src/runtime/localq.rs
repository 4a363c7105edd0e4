//! Interim local run queue (a locked ring), with the interface the lock-free
//! Go ring and the Chase-Lev alternative implement. Every rule (slot or
//! tail, overflow to global, how many to steal, runnext stealing) is the
//! caller's answer from the policy; this file only stores.

use super::g::Task;
use super::global::GlobalQueue;
use model::RunSource;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
struct Inner {
    ring: VecDeque<Task>,
    runnext: Option<Task>,
}

/// The owner's handle (held by the P).
pub(crate) struct LocalQueue {
    inner: Arc<Mutex<Inner>>,
    capacity: Option<usize>,
}

/// A thief's handle.
#[derive(Clone)]
pub(crate) struct Stealer {
    inner: Arc<Mutex<Inner>>,
}

pub(crate) fn new(capacity: Option<usize>) -> (LocalQueue, Stealer) {
    let inner = Arc::new(Mutex::new(Inner::default()));
    (
        LocalQueue {
            inner: inner.clone(),
            capacity,
        },
        Stealer { inner },
    )
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LocalQueue {
    /// Queues `task` in the slot (kicking the old slot task to the tail) or
    /// at the tail; a full ring moves half of itself plus the task to the
    /// global queue. Returns how many moved to global.
    pub(crate) fn push(&mut self, task: Task, to_runnext: bool, global: &GlobalQueue) -> usize {
        let mut q = lock(&self.inner);
        let task = if to_runnext {
            match q.runnext.replace(task) {
                Some(old) => old,
                None => return 0,
            }
        } else {
            task
        };
        match self.capacity {
            Some(cap) if q.ring.len() >= cap => {
                let mut batch: Vec<Task> = q.ring.drain(..cap / 2).collect();
                drop(q);
                batch.push(task);
                let n = batch.len();
                global.push_batch(batch);
                n
            }
            _ => {
                q.ring.push_back(task);
                0
            }
        }
    }

    /// The slot (if `slot_may_run`; else the slot task moves to the tail),
    /// then the head of the ring.
    pub(crate) fn pop(&mut self, slot_may_run: bool) -> Option<(Task, RunSource)> {
        let mut q = lock(&self.inner);
        if let Some(t) = q.runnext.take() {
            if slot_may_run {
                return Some((t, RunSource::RunNext));
            }
            q.ring.push_back(t);
        }
        q.ring.pop_front().map(|t| (t, RunSource::Local))
    }

    /// Appends a batch taken from the global queue (caller keeps it within capacity).
    pub(crate) fn extend(&mut self, tasks: impl IntoIterator<Item = Task>) {
        lock(&self.inner).ring.extend(tasks);
    }

    /// Room left in the ring.
    pub(crate) fn room(&self) -> usize {
        self.capacity.map_or(usize::MAX / 2, |c| {
            c.saturating_sub(lock(&self.inner).ring.len())
        })
    }

    /// Drains everything (shutdown).
    pub(crate) fn drain(&mut self) -> Vec<Task> {
        let mut q = lock(&self.inner);
        let mut all: Vec<Task> = q.runnext.take().into_iter().collect();
        all.extend(q.ring.drain(..));
        all
    }
}

impl Stealer {
    /// Queued tasks, slot included (racy, for heuristics).
    pub(crate) fn len(&self) -> usize {
        let q = lock(&self.inner);
        q.ring.len() + usize::from(q.runnext.is_some())
    }

    /// Takes `amount(available)` from the head of the victim's ring (or its
    /// slot, when the ring is empty and `steal_runnext`), moves all but the
    /// last into `dst`, and returns the last to run plus the count taken.
    pub(crate) fn steal_into(
        &self,
        dst: &mut LocalQueue,
        amount: impl Fn(usize) -> usize,
        steal_runnext: bool,
    ) -> Option<(Task, usize)> {
        // Never hold two queue locks at once: thieves steal from each other.
        let room = dst.room();
        let mut q = lock(&self.inner);
        let n = amount(q.ring.len()).min(room);
        let mut taken: Vec<Task> = q.ring.drain(..n).collect();
        if taken.is_empty() && steal_runnext {
            taken.extend(q.runnext.take());
        }
        drop(q);
        let count = taken.len();
        let last = taken.pop()?;
        dst.extend(taken);
        Some((last, count))
    }
}
