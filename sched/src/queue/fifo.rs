//! `Fifo<T>`: the global run queue's deque, whose first few items live
//! inline, next to the queue's lock.
//!
//! Go's `sched.runq` is an intrusive list whose head and tail sit in the
//! `sched` struct beside `sched.lock`, so a P that takes the lock has the
//! queue's state in the same cache line. A `VecDeque` keeps its items in
//! a separate buffer, which every push and pop also pulls across from the
//! core that last wrote it: with two Ps yielding to the global queue (a
//! handful of goroutines in it at any time), the lock's line and the
//! buffer's were both in flight on every critical section. Here the
//! oldest [`INLINE`] items are in a ring inside the struct itself; only a
//! queue longer than that spills the newer ones to a `VecDeque` (bursts:
//! a spawn flood, a local ring's overflow).
//!
//! Order: every inline item is older than every spilled one. A push goes
//! to the ring only while the spill is empty; a pop takes the ring's head,
//! or the spill's once the ring is empty, and the ring fills again once
//! the spill has drained.
//!
//! ## Hints
//!
//! A spilled item keeps the address its producer noted for it
//! ([`Hinted`]): a local ring's prefetch hint (`ring.rs`, "Prefetch"),
//! carried from that ring's overflow to the ring that refills from the
//! batch, which then need not read each cold task box to ask for its
//! node. Inline items drop theirs (their consumer asks again): two words
//! per inline slot would push the lock's state onto a second line. A
//! ring's overflow is 129 items, so 4 of them lose their hint at most.
//! (Before hints, a pop moved the spill's head into the ring, which would
//! have dropped every hint on its way through.)

use super::item::Hinted;
use std::collections::VecDeque;

/// Items kept inline: 4 pointers fill half a cache line; the lock, the
/// counts, the spill's pointer and the global queue's length mirror fit
/// the rest (`queue/mod.rs` asserts it).
///
/// Measured (`bench-sched --workload yield --procs 2`, 3 goroutines, A/B,
/// medians of 7): `VecDeque` 206 ns per yield; this ring with the spill's
/// `VecDeque` inline (72 bytes, the mirror on the next line) 112–125 ns;
/// with the spill boxed, all on one line, 101–103 ns (Go 155).
pub(crate) const INLINE: usize = 4;

/// A FIFO whose first [`INLINE`] items are stored inline (module docs).
pub(crate) struct Fifo<T> {
    ring: [Option<T>; INLINE],
    /// Index of the oldest inline item.
    head: u8,
    /// Inline items.
    len: u8,
    /// Items newer than the ring's, oldest first, with their hints.
    /// Boxed: one pointer inline (a `VecDeque`'s header is four), so the
    /// lock, the ring and the counts fit one line; allocated at the first
    /// spill and kept.
    #[allow(clippy::box_collection)] // the header is what is boxed
    spill: Option<Box<VecDeque<Hinted<T>>>>,
}

impl<T> Fifo<T> {
    pub(crate) fn new() -> Self {
        Fifo {
            ring: [const { None }; INLINE],
            head: 0,
            len: 0,
            spill: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.len) + self.spill.as_ref().map_or(0, |s| s.len())
    }

    pub(crate) fn push_back(&mut self, t: T) {
        self.push_hinted(Hinted::none(t));
    }

    /// Whether a push may go to the inline ring: it has room, and no item
    /// waits in the spill (those are older).
    fn ring_takes_push(&self) -> bool {
        usize::from(self.len) < INLINE && self.spill.as_ref().is_none_or(|s| s.is_empty())
    }

    /// Appends `h`, keeping its hint if it lands in the spill.
    pub(crate) fn push_hinted(&mut self, h: Hinted<T>) {
        if self.ring_takes_push() {
            let tail = (usize::from(self.head) + usize::from(self.len)) % INLINE;
            self.ring[tail] = Some(h.value);
            self.len += 1;
        } else {
            self.spill.get_or_insert_default().push_back(h);
        }
    }

    /// Appends `items` in order: into the ring while it may take them,
    /// the rest into the spill in one `extend` (an overflow's batch).
    pub(crate) fn extend_hinted(&mut self, items: impl IntoIterator<Item = Hinted<T>>) {
        let mut items = items.into_iter();
        while self.ring_takes_push() {
            match items.next() {
                Some(h) => self.push_hinted(h),
                None => return,
            }
        }
        let mut items = items.peekable();
        if items.peek().is_some() {
            self.spill.get_or_insert_default().extend(items);
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        self.pop_hinted().map(|h| h.value)
    }

    /// The oldest item, with its hint if it was spilled.
    pub(crate) fn pop_hinted(&mut self) -> Option<Hinted<T>> {
        if self.len == 0 {
            return self.spill.as_mut().and_then(|s| s.pop_front());
        }
        let head = usize::from(self.head);
        let t = self.ring[head].take();
        debug_assert!(t.is_some(), "an inline item is where the counts say");
        self.len -= 1;
        self.head = ((head + 1) % INLINE) as u8;
        t.map(Hinted::none)
    }

    /// Pops up to `n` items, oldest first.
    pub(crate) fn drain(&mut self, n: usize) -> Drain<'_, T> {
        let left = n.min(self.len());
        Drain { fifo: self, left }
    }

    /// The items, oldest first.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        (0..usize::from(self.len))
            .map(|i| {
                self.ring[(usize::from(self.head) + i) % INLINE]
                    .as_ref()
                    .expect("an inline item is where the counts say")
            })
            .chain(self.spill.iter().flat_map(|s| s.iter().map(|h| &h.value)))
    }
}

impl<T> Extend<T> for Fifo<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        self.extend_hinted(items.into_iter().map(Hinted::none));
    }
}

/// [`Fifo::drain`]: the next `left` items (fewer only if the queue had
/// fewer); those not iterated stay in the queue.
pub(crate) struct Drain<'a, T> {
    fifo: &'a mut Fifo<T>,
    left: usize,
}

impl<T> Iterator for Drain<'_, T> {
    type Item = Hinted<T>;
    fn next(&mut self) -> Option<Hinted<T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.fifo.pop_hinted()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for Drain<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against `VecDeque`, over pushes and pops that cross the inline
    /// boundary in both directions.
    #[test]
    fn a_fifo_keeps_the_order_of_a_deque() {
        let mut f = Fifo::new();
        let mut d = VecDeque::new();
        let mut next = 0u32;
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..10_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            match seed % 7 {
                0..=2 => {
                    f.push_back(next);
                    d.push_back(next);
                    next += 1;
                }
                3 | 4 => assert_eq!(f.pop_front(), d.pop_front()),
                5 => {
                    let n = (seed >> 8) as usize % 6;
                    let got: Vec<_> = f.drain(n).map(|h| h.value).collect();
                    let want: Vec<_> = d.drain(..n.min(d.len())).collect();
                    assert_eq!(got, want);
                }
                _ => {
                    let n = (seed >> 8) as usize % 9;
                    f.extend(next..next + n as u32);
                    d.extend(next..next + n as u32);
                    next += n as u32;
                }
            }
            assert_eq!(f.len(), d.len());
            assert!(f.iter().eq(d.iter()));
        }
    }

    #[test]
    fn spilled_items_keep_their_hints_and_inline_ones_drop_them() {
        let mut f = Fifo::new();
        f.extend_hinted((1..=6).map(|i| Hinted {
            value: i,
            at: 100 + i,
        }));
        f.push_hinted(Hinted { value: 7, at: 107 });
        let got: Vec<_> = f.drain(7).map(|h| (h.value, h.at)).collect();
        let mut want: Vec<_> = (1..=INLINE).map(|i| (i, 0)).collect();
        want.extend((INLINE + 1..=7).map(|i| (i, 100 + i)));
        assert_eq!(got, want);
    }

    #[test]
    fn an_unfinished_drain_leaves_the_rest_queued() {
        let mut f = Fifo::new();
        f.extend(0..10);
        {
            let mut d = f.drain(5);
            assert_eq!(d.len(), 5);
            assert_eq!(d.next().map(|h| h.value), Some(0));
        }
        assert_eq!(
            f.iter().copied().collect::<Vec<_>>(),
            (1..10).collect::<Vec<_>>()
        );
    }
}
