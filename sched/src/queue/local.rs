//! One P's local run queue, whichever implementation the policy picked, so
//! the schedule loop is written once.
//!
//! `LocalQueue` / `QueueStealer` dispatch to `ring` (Go's bounded ring,
//! `LocalQueueKind::GoRing`) or `chase_lev` (crossbeam's deque,
//! `LocalQueueKind::ChaseLev`). The choice comes from the policy's
//! `local_capacity()`: `Some(cap)` is a ring of `cap`, `None` the unbounded
//! Chase-Lev deque. Every P is built from the same policy, so a stealer and
//! its thief are always the same kind.

use super::global::{Global, Refill};
use super::item::{Hinted, Item};
use super::outcome::{Source, Steal};
use super::{chase_lev, ring};
use model::policy::{LocalQueueKind, SchedPolicy};

/// The owner P's handle: `&mut self` to push and pop.
#[derive(Debug)]
pub enum LocalQueue<T: Item> {
    Ring(ring::Local<T>),
    ChaseLev(chase_lev::Local<T>),
}

/// A thief's handle: `Clone + Send + Sync`, `&self` to steal.
#[derive(Debug, Clone)]
pub enum QueueStealer<T: Item> {
    Ring(ring::Stealer<T>),
    ChaseLev(chase_lev::Stealer<T>),
}

impl<T: Item> LocalQueue<T> {
    /// The queue a P of `policy` uses in a runtime of `procs` Ps. With one
    /// P nobody steals, and a ring is built without thieves (`ring::solo`).
    pub fn for_policy(policy: &dyn SchedPolicy, procs: usize) -> (Self, QueueStealer<T>) {
        match policy.local_capacity() {
            Some(capacity) if procs == 1 => {
                let (local, stealer) = ring::solo(capacity);
                (LocalQueue::Ring(local), QueueStealer::Ring(stealer))
            }
            Some(capacity) => Self::new(LocalQueueKind::GoRing {
                capacity: capacity as u32,
            }),
            None => Self::new(LocalQueueKind::ChaseLev),
        }
    }

    /// A queue of the given kind.
    pub fn new(kind: LocalQueueKind) -> (Self, QueueStealer<T>) {
        match kind {
            LocalQueueKind::GoRing { capacity } => {
                let (local, stealer) = ring::new(capacity as usize);
                (LocalQueue::Ring(local), QueueStealer::Ring(stealer))
            }
            LocalQueueKind::ChaseLev => {
                let (local, stealer) = chase_lev::new();
                (LocalQueue::ChaseLev(local), QueueStealer::ChaseLev(stealer))
            }
        }
    }

    /// Have the queue prefetch the data `hint` names for a value (a
    /// goroutine's node) before it hands that value out (`ring::Hint`).
    /// The Chase-Lev deque takes no hint: it is the comparison baseline,
    /// kept as crossbeam ships it.
    pub fn set_hint(&mut self, hint: ring::Hint<T>) {
        if let LocalQueue::Ring(q) = self {
            q.set_hint(hint);
        }
    }

    /// The ring's capacity; `None` for the unbounded deque.
    pub fn capacity(&self) -> Option<usize> {
        match self {
            LocalQueue::Ring(q) => Some(q.capacity()),
            LocalQueue::ChaseLev(_) => None,
        }
    }

    /// A thief's handle on this queue.
    pub fn stealer(&self) -> QueueStealer<T> {
        match self {
            LocalQueue::Ring(q) => QueueStealer::Ring(q.stealer()),
            LocalQueue::ChaseLev(q) => QueueStealer::ChaseLev(q.stealer()),
        }
    }

    /// Go's `runqput`; returns how many Gs overflowed to `global`.
    pub fn push(&mut self, t: T, to_runnext: bool, global: &Global<T>) -> usize {
        match self {
            LocalQueue::Ring(q) => q.push(t, to_runnext, global),
            LocalQueue::ChaseLev(q) => q.push(t, to_runnext, global),
        }
    }

    /// Go's `runqget`; `slot_may_run` is the policy's `runnext_may_run`.
    pub fn pop(&mut self, slot_may_run: bool) -> Option<(T, Source)> {
        match self {
            LocalQueue::Ring(q) => q.pop(slot_may_run),
            LocalQueue::ChaseLev(q) => q.pop(slot_may_run),
        }
    }

    /// Whether `runnext` holds the G `raw` names (a joiner's target: its
    /// wake-up then keeps the slot, `RunQueues::park_joining`). A snapshot:
    /// a thief may take the G right after, which costs the joiner only the
    /// place of its wake-up.
    pub fn runnext_holds(&self, raw: std::ptr::NonNull<()>) -> bool {
        match self {
            LocalQueue::Ring(q) => q.runnext_holds(raw),
            LocalQueue::ChaseLev(q) => q.runnext_holds(raw),
        }
    }

    /// Takes back the newest queued G if it is `raw` (a joiner's target,
    /// `ring::Local::take_newest`). A Chase-Lev queue never does: the
    /// policy does not promote joins on it (`SchedPolicy::join_promotes`).
    pub fn take_newest(&mut self, raw: std::ptr::NonNull<()>) -> Option<T> {
        match self {
            LocalQueue::Ring(q) => q.take_newest(raw),
            LocalQueue::ChaseLev(_) => None,
        }
    }

    /// Queued Gs, `runnext` included (racy).
    pub fn len(&self) -> usize {
        match self {
            LocalQueue::Ring(q) => q.len(),
            LocalQueue::ChaseLev(q) => q.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Item> Refill<T> for LocalQueue<T> {
    fn room(&self) -> usize {
        match self {
            LocalQueue::Ring(q) => q.room(),
            LocalQueue::ChaseLev(q) => q.room(),
        }
    }

    fn refill(&mut self, items: impl ExactSizeIterator<Item = Hinted<T>>) {
        match self {
            LocalQueue::Ring(q) => q.refill(items),
            LocalQueue::ChaseLev(q) => q.refill(items),
        }
    }
}

impl<T: Item> QueueStealer<T> {
    /// Go's `runqsteal`: see `ring::Stealer::steal_into`; `amount` is the
    /// policy's `steal_count`, `steal_runnext` its `may_steal_runnext(round)`.
    ///
    /// # Panics
    ///
    /// If `dst` is of the other kind: all Ps share one policy.
    pub fn steal_into(
        &self,
        dst: &mut LocalQueue<T>,
        amount: impl FnOnce(usize) -> usize,
        steal_runnext: bool,
    ) -> Steal<T> {
        match (self, dst) {
            (QueueStealer::Ring(s), LocalQueue::Ring(d)) => s.steal_into(d, amount, steal_runnext),
            (QueueStealer::ChaseLev(s), LocalQueue::ChaseLev(d)) => {
                s.steal_into(d, amount, steal_runnext)
            }
            _ => panic!("steal between a ring and a Chase-Lev queue: all Ps share one policy"),
        }
    }

    /// Queued Gs, `runnext` included (racy).
    pub fn len(&self) -> usize {
        match self {
            QueueStealer::Ring(s) => s.len(),
            QueueStealer::ChaseLev(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
