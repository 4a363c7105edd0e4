//! The alternative local queue: crossbeam's Chase-Lev deque plus a `runnext`
//! slot (`LocalQueueKind::ChaseLev`), for comparison with Go's ring.
//!
//! The deque is Chase & Lev, "Dynamic Circular Work-Stealing Deque" (SPAA
//! 2005), with the C11 orderings of Lê, Pop, Cohen & Zappa Nardelli,
//! "Correct and Efficient Work-Stealing for Weak Memory Models" (PPoPP
//! 2013), as implemented by `crossbeam_deque` (whose `Inner` cites both).
//! It grows instead of overflowing, so `push` never moves Gs to the global
//! queue.
//!
//! ## Mapping to the policy's semantics
//!
//! - The ring part of every policy is FIFO (Go's `runq`), so the deque is
//!   always `Worker::new_fifo()`: the owner pops the end thieves steal from.
//!   A LIFO worker would make the *whole* local queue a stack, which no
//!   policy describes; the LIFO behaviour of Go's `runnext` and tokio's LIFO
//!   slot is the separate `RunNext` slot (the same code as the ring's), so
//!   `push(to_runnext)`, the streak limit in `pop` and stealing the slot mean
//!   exactly what they mean for the ring.
//! - Steal amount: `steal_batch_with_limit_and_pop(dst, amount(len))` takes
//!   `min(ceil(len/2), limit)`. That equals the policy's `steal_count` for
//!   `Half` and `One`; `Fixed(k)` with `k > ceil(len/2)` takes only half.
//! - Which stolen G runs: crossbeam returns the *first* (oldest) G taken and
//!   appends the rest to `dst`; Go's `runqsteal` (and the ring) runs the
//!   *last* one. Same set moved, different order; the oracle test encodes
//!   this difference.

use super::global::{Global, Refill};
use super::item::{Hinted, Item};
use super::outcome::{Source, Steal};
use super::runnext::{RunNext, Taken};
use crossbeam_deque as cl;
use std::fmt;
use std::sync::Arc;

/// The owner P's handle.
pub struct Local<T: Item> {
    worker: cl::Worker<T>,
    runnext: Arc<RunNext<T>>,
}

/// A thief's handle.
pub struct Stealer<T: Item> {
    stealer: cl::Stealer<T>,
    runnext: Arc<RunNext<T>>,
}

/// An empty unbounded FIFO deque and a `runnext` slot.
pub fn new<T: Item>() -> (Local<T>, Stealer<T>) {
    let worker = cl::Worker::new_fifo();
    let runnext = Arc::new(RunNext::new(true));
    let stealer = Stealer {
        stealer: worker.stealer(),
        runnext: runnext.clone(),
    };
    (Local { worker, runnext }, stealer)
}

impl<T: Item> Local<T> {
    /// A thief's handle on this queue.
    pub fn stealer(&self) -> Stealer<T> {
        Stealer {
            stealer: self.worker.stealer(),
            runnext: self.runnext.clone(),
        }
    }

    /// As `ring::Local::push`; never overflows, so always returns 0.
    pub fn push(&mut self, t: T, to_runnext: bool, _global: &Global<T>) -> usize {
        let t = if to_runnext {
            match self.runnext.replace(t) {
                Some(kicked) => kicked,
                None => return 0,
            }
        } else {
            t
        };
        self.worker.push(t);
        0
    }

    /// Whether `runnext` holds the value `raw` names (see `RunNext::holds`).
    pub fn runnext_holds(&self, raw: std::ptr::NonNull<()>) -> bool {
        self.runnext.holds(raw)
    }

    /// As `ring::Local::pop`.
    pub fn pop(&mut self, slot_may_run: bool) -> Option<(T, Source)> {
        match self.runnext.take() {
            Some(next) if slot_may_run => Some((next, Source::RunNext)),
            Some(next) => {
                // Over the streak limit: behind the deque, then its head runs.
                self.worker.push(next);
                self.worker.pop().map(|t| (t, Source::Local))
            }
            None => self.worker.pop().map(|t| (t, Source::Local)),
        }
    }

    /// Queued Gs, `runnext` included (racy).
    pub fn len(&self) -> usize {
        self.worker.len() + usize::from(self.runnext.is_occupied())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Item> Refill<T> for Local<T> {
    fn room(&self) -> usize {
        usize::MAX
    }

    /// The deque takes no hints (`LocalQueue::set_hint`): they are dropped.
    fn refill(&mut self, items: impl ExactSizeIterator<Item = Hinted<T>>) {
        items.for_each(|h| self.worker.push(h.value));
    }
}

impl<T: Item> Stealer<T> {
    /// As `ring::Stealer::steal_into` (see the module docs for the two
    /// differences: the first G taken runs, `Fixed(k)` is capped at half).
    pub fn steal_into(
        &self,
        dst: &mut Local<T>,
        amount: impl FnOnce(usize) -> usize,
        steal_runnext: bool,
    ) -> Steal<T> {
        let available = self.stealer.len();
        let n = amount(available).min(available);
        if n == 0 {
            return self.steal_runnext(steal_runnext);
        }
        let before = dst.worker.len();
        match self.stealer.steal_batch_with_limit_and_pop(&dst.worker, n) {
            // crossbeam does not report the batch size: count what `dst`
            // gained. Exact unless a thief of `dst` took from it meanwhile
            // (then an undercount; the count is for statistics).
            cl::Steal::Success(t) => Steal::Success(t, dst.worker.len().saturating_sub(before) + 1),
            // Emptied since `len`: the ring was empty, so the slot may go.
            cl::Steal::Empty => self.steal_runnext(steal_runnext),
            cl::Steal::Retry => Steal::Retry,
        }
    }

    fn steal_runnext(&self, allowed: bool) -> Steal<T> {
        if !allowed {
            return Steal::Empty;
        }
        match self.runnext.steal() {
            Taken::Got(t) => Steal::Success(t, 1),
            Taken::Empty => Steal::Empty,
            Taken::Lost => Steal::Retry,
        }
    }

    /// Queued Gs, `runnext` included (racy).
    pub fn len(&self) -> usize {
        self.stealer.len() + usize::from(self.runnext.is_occupied())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Item> Clone for Stealer<T> {
    fn clone(&self) -> Self {
        Stealer {
            stealer: self.stealer.clone(),
            runnext: self.runnext.clone(),
        }
    }
}

impl<T: Item> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("chase_lev::Local")
            .field("len", &self.len())
            .finish()
    }
}

impl<T: Item> fmt::Debug for Stealer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("chase_lev::Stealer")
            .field("len", &self.len())
            .finish()
    }
}
