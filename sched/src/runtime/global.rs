//! The global run queue: a locked FIFO with a lock-free length, so the
//! schedule loop can skip the lock when it is empty (Go's `sched.runq`
//! under `sched.lock`, `sched.runqsize`).

use super::g::Task;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Mutex;

#[derive(Default)]
pub(crate) struct GlobalQueue {
    q: Mutex<VecDeque<Task>>,
    /// Mirror of `q.len()`, written under the lock.
    len: AtomicUsize,
}

impl GlobalQueue {
    pub(crate) fn push(&self, task: Task) {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        q.push_back(task);
        // SeqCst: the spinning protocol (shared.rs) needs "work pushed" to be
        // ordered before the submitter's check of `nmspinning`, and a spinner's
        // re-check of `len` after it decremented `nmspinning`.
        self.len.store(q.len(), SeqCst);
    }

    pub(crate) fn push_batch(&self, tasks: Vec<Task>) {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        q.extend(tasks);
        // SeqCst: as in `push`.
        self.len.store(q.len(), SeqCst);
    }

    /// Takes up to `n` tasks (Go's `globrunqget` batch); the first runs.
    pub(crate) fn pop_batch(&self, n: usize) -> Vec<Task> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        let k = n.min(q.len());
        let out = q.drain(..k).collect();
        // SeqCst: as in `push`.
        self.len.store(q.len(), SeqCst);
        out
    }

    pub(crate) fn len(&self) -> usize {
        // SeqCst: pairs with the stores above in the spinning protocol.
        self.len.load(SeqCst)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn drain(&self) -> Vec<Task> {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        self.len.store(0, SeqCst);
        q.drain(..).collect()
    }
}
