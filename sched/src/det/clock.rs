//! Virtual time and the pending timers of a deterministic run.
//!
//! The clock starts at 0 and moves only when a timer fires: to the
//! timer's deadline if that is later than now. When nothing can run, the
//! engine jumps to the earliest deadline (so `sleep(1h)` is instant); while
//! goroutines can run, firing the earliest pending timer *early* is one more
//! option of the scheduling choice point, because any goroutine may be
//! slower than any timer. When several timers are due at the jump, which
//! fires first is a `ChoiceKind::Timer` choice.

use crate::engine::TimerKey;
use model::{GId, ObjId};

/// One pending timer.
#[derive(Clone, Debug)]
pub(crate) struct Timer {
    pub(crate) deadline: u64,
    seq: u64,
    pub(crate) object: ObjId,
    pub(crate) key: TimerKey,
    /// The goroutine that started it: a goroutine its callback spawns
    /// (`after_func`, `timeout`) inherits that goroutine's clock.
    pub(crate) creator: Option<GId>,
}

/// The virtual clock and the timers not yet fired.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    pub(crate) now: u64,
    timers: Vec<Timer>,
    seq: u64,
}

impl Clock {
    /// Adds a pending timer.
    pub(crate) fn add(
        &mut self,
        deadline: u64,
        key: TimerKey,
        object: ObjId,
        creator: Option<GId>,
    ) {
        self.seq += 1;
        self.timers.push(Timer {
            deadline,
            seq: self.seq,
            object,
            key,
            creator,
        });
    }

    /// Forgets stopped timers; then the earliest pending one's index.
    pub(crate) fn earliest(&mut self) -> Option<usize> {
        self.timers.retain(|t| t.key.is_pending());
        (0..self.timers.len()).min_by_key(|&i| (self.timers[i].deadline, self.timers[i].seq))
    }

    /// The pending timers sharing the earliest deadline, oldest first.
    pub(crate) fn due_first(&mut self) -> Vec<usize> {
        let Some(first) = self.earliest() else {
            return Vec::new();
        };
        let d = self.timers[first].deadline;
        let mut due: Vec<usize> = (0..self.timers.len())
            .filter(|&i| self.timers[i].deadline == d)
            .collect();
        due.sort_by_key(|&i| self.timers[i].seq);
        due
    }

    pub(crate) fn get(&self, i: usize) -> &Timer {
        &self.timers[i]
    }

    /// Takes timer `i` out to fire it; the clock moves to its deadline if
    /// that is later.
    pub(crate) fn take(&mut self, i: usize) -> Timer {
        let t = self.timers.swap_remove(i);
        self.now = self.now.max(t.deadline);
        t
    }
}
