//! `WaitQueue<E>`: a channel's FIFO queue of blocked senders or receivers
//! (Go's `waitq`), with room for its first waiter inline.
//!
//! Most channels never hold more than one waiter per side at a time (a
//! parent waiting on its children's results, one side of a ping-pong), yet
//! a `VecDeque` allocates on its first push: in skynet that was one malloc
//! and free for each of its 111,111 channels, the receiver's first park.
//! Go links its `sudog`s intrusively and allocates nothing per queue; here
//! the first waiter sits in the queue itself and only a second one spills
//! to a `VecDeque`. Safe code: invariant `first.is_none()` ⇒ `rest` is
//! empty, so the queue's order is `first` then `rest`.

use std::collections::VecDeque;

#[derive(Debug)]
pub(crate) struct WaitQueue<E> {
    first: Option<E>,
    rest: VecDeque<E>,
}

impl<E> Default for WaitQueue<E> {
    fn default() -> Self {
        WaitQueue {
            first: None,
            rest: VecDeque::new(),
        }
    }
}

impl<E> WaitQueue<E> {
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// The `i`-th waiter from the front.
    pub(crate) fn get(&self, i: usize) -> Option<&E> {
        match i {
            0 => self.first.as_ref(),
            _ => self.rest.get(i - 1),
        }
    }

    pub(crate) fn push_back(&mut self, e: E) {
        if self.first.is_none() {
            debug_assert!(self.rest.is_empty(), "WaitQueue: a gap at the front");
            self.first = Some(e);
        } else {
            self.rest.push_back(e);
        }
    }

    /// Takes out the `i`-th waiter from the front, keeping the others' order.
    pub(crate) fn remove(&mut self, i: usize) -> Option<E> {
        if i == 0 {
            let e = self.first.take();
            self.first = self.rest.pop_front();
            e
        } else {
            self.rest.remove(i - 1)
        }
    }

    /// Keeps the waiters `keep` accepts, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        let mut i = 0;
        while let Some(e) = self.get(i) {
            if keep(e) {
                i += 1;
            } else {
                drop(self.remove(i));
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &E> {
        self.first.iter().chain(self.rest.iter())
    }
}

impl<E> IntoIterator for WaitQueue<E> {
    type Item = E;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<E>, std::collections::vec_deque::IntoIter<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::WaitQueue;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Step {
        Push(u8),
        Remove(usize),
        Retain(u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            any::<u8>().prop_map(Step::Push),
            (0usize..6).prop_map(Step::Remove),
            (1u8..4).prop_map(Step::Retain),
        ]
    }

    proptest! {
        /// Any sequence of operations leaves the same waiters, in the same
        /// order, as a plain `VecDeque` given the same sequence.
        #[test]
        fn behaves_as_a_vecdeque(steps in proptest::collection::vec(step(), 0..40)) {
            let mut q = WaitQueue::default();
            let mut oracle = VecDeque::new();
            for s in steps {
                match s {
                    Step::Push(v) => {
                        q.push_back(v);
                        oracle.push_back(v);
                    }
                    Step::Remove(i) => prop_assert_eq!(q.remove(i), oracle.remove(i)),
                    Step::Retain(m) => {
                        q.retain(|v| v % m != 0);
                        oracle.retain(|v| v % m != 0);
                    }
                }
                prop_assert_eq!(q.len(), oracle.len());
                prop_assert_eq!(q.is_empty(), oracle.is_empty());
                prop_assert!(q.iter().eq(oracle.iter()));
                prop_assert!((0..oracle.len()).all(|i| q.get(i) == oracle.get(i)));
            }
            prop_assert!(q.into_iter().eq(oracle));
        }
    }

    #[test]
    fn one_waiter_at_a_time_never_allocates() {
        let mut q = WaitQueue::default();
        for v in 0..100 {
            q.push_back(v);
            assert_eq!(q.remove(0), Some(v));
        }
        assert_eq!(q.rest.capacity(), 0, "the spill queue was allocated");
    }
}
