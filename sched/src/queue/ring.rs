//! Go's per-P local run queue: a bounded ring plus the `runnext` slot.
//!
//! Follows `runqput`, `runqputslow`, `runqget`, `runqgrab` and `runqsteal`
//! in Go's `src/runtime/proc.go`; the handle split (owner `Local` with
//! `&mut self`, shared `Stealer` with `&self`, explicit `Steal::Retry`) is
//! tokio's `runtime/scheduler/multi_thread/queue.rs`.
//!
//! ## Layout
//!
//! `slots` has `capacity` entries (a power of two; Go 256). `head` and `tail`
//! are free-running `u32` indices; the element at index `i` lives in
//! `slots[i & mask]`; the queue holds `tail - head` (wrapping) elements.
//! Only the owner writes `tail` and the slots; the owner and the thieves
//! advance `head` by CAS. Slots are `AtomicPtr`s (see `item.rs`), because a
//! thief reads them *before* its CAS commits (as Go does), possibly while
//! the owner rewrites them; a thief whose CAS succeeds read values the owner
//! could not yet have rewritten (argument below), and a thief whose CAS
//! fails forgets what it read.
//!
//! ## Orderings: which store pairs with which load
//!
//! 1. Publishing: the owner writes slots (Relaxed), then `tail.store(Release)`
//!    (`push_back`, `refill`, and a thief publishing into its own ring in
//!    `steal_into`). Pairs with the thief's `tail.load(Acquire)`: every slot
//!    below the tail it read, and every G they point to, is visible.
//! 2. Reuse: a thief's `head` CAS is Release; the owner's `head.load(Acquire)`
//!    before it writes slots (`push_back`, `room_for_append`, and the thief's
//!    load of its *own* head before writing into its ring). So a thief's
//!    slot reads happen-before the owner's rewrite of those slots, and cannot
//!    see it: without the pair, relaxed load-buffering would let a successful
//!    thief return a value the owner wrote later. loom does not model load
//!    buffering, so this pair is argued here, not checked (`loom_tests.rs`).
//! 3. The thief loads `head` (Acquire) then `tail`; the two loads are not one
//!    snapshot. If `tail - head` exceeds the capacity the snapshot was torn:
//!    `Steal::Retry` (Go: `n > len(runq)/2` → retry). Any other staleness is
//!    caught by the CAS on `head`, which fails if anyone consumed meanwhile.
//! 4. The owner's own `head` CASes (`pop`, overflow) are Relaxed: they move
//!    only values the owner itself wrote, and thieves learn nothing from
//!    them (a thief that reads such a head with a stale tail sees a torn
//!    snapshot, case 3).
//! 5. `runnext`: see `runnext.rs` (Release swap by the owner, Acquire CAS by
//!    the thief).
//! 6. Taking back the newest ([`Local::take_newest`], a join promoting
//!    the G it waits for): the owner stores `tail - 1`, a SeqCst fence, then
//!    loads `head`; a thief loads `head`, a SeqCst fence, then `tail` (the
//!    pair of Lê et al., "Correct and Efficient Work-Stealing for Weak
//!    Memory Models", PPoPP 2013). Either the thief's fence comes first in
//!    the fences' total order, and the owner's `head` is no older than the
//!    thief's; or the owner's does, and the thief reads the lowered tail.
//!    In the first case the thief saw at least the `tail - head` Gs the
//!    owner sees, and a steal never takes the whole of two or more
//!    (`model::queue::steal_take`): the newest is not in its range. So
//!    with two or more queued the owner keeps the newest without a CAS; a
//!    lone G is taken back from the head by CAS, as `pop` takes it.
//!
//! ABA: `head` is a 32-bit counter; a thief's CAS could succeed wrongly only
//! if `head` advanced by exactly 2^32 between its load and its CAS — Go and
//! tokio accept the same bound.
//!
//! ## Semantics (the oracle is `model::queue::RunQueues`)
//!
//! - `push(t, to_runnext)`: into `runnext` (its previous G is kicked to the
//!   tail) or the tail; a full ring moves its older half plus the new G to
//!   the global queue as one batch (`runqputslow`), returning how many moved.
//!   The caller asks the policy (`ready_to_runnext`) which.
//! - `pop(slot_may_run)`: `runnext` if the caller's policy lets the slot run
//!   (`runnext_may_run(streak)`), else the slot's G is kicked behind the ring
//!   and the ring's head runs.
//! - `steal_into(dst, amount, steal_runnext)`: takes `amount(available)` from
//!   the head (clamped to what is there and to what fits in `dst`), or, when
//!   the ring is empty and `steal_runnext`, the victim's slot; the *last* G
//!   taken runs and the others are appended to `dst` in order (`runqsteal`).
//!   Go sleeps 3 µs before taking a running victim's `runnext`; we leave
//!   that back-off to the steal loop (see `runnext.rs`). A steal never
//!   takes the whole of a ring of two or more (`model::queue::steal_take`).
//! - `take_newest(raw)`: the owner takes back its newest value if it is
//!   `raw` (`RunQueues::promote_joined`: a join promoting its target into
//!   `runnext`), or nothing.
//!
//! ## Prefetch
//!
//! A goroutine popped from the ring has usually waited behind many others,
//! and its task box and node are cold. When `pop` takes the head it starts
//! loading the *next* value's box (the slot's pointer) and the memory its
//! owner's [`Hint`] named when the value was written (the goroutine's
//! node), so they arrive while the current one runs. Hints live in an
//! owner-only array beside the slots: a hint is computed when the owner
//! writes a slot, where the value is still its own (reading through the
//! next slot's pointer at `pop` time could race a thief that took and
//! freed it); a slot filled by a steal gets no hint. Skynet at 1 P: 6–8%
//! faster with the node's lines warmed.
//!
//! Most of skynet's tasks reach the ring through the global queue. A hint
//! asked at refill reads each cold task box (`g::node_of` was 4–5 % of
//! skynet's samples), so an overflow hands its hints to the global queue
//! with the values (`item::Hinted`), and the refill notes them as they
//! come (`fifo.rs`, "Hints"); only values that carry none are asked.
//! Warming the ring's head whenever `runnext` is popped as well was
//! measured and taken out: no difference on skynet or pingpong, on the
//! hottest path.
//!
//! A runtime of one P builds its ring with [`solo`]: no thieves, so the
//! owner's head moves and `runnext` accesses are loads and stores.
//!
//! The owner's retries (a CAS lost to a thief in `pop` or on overflow) loop
//! inside the call: each failure means a thief made progress, so the loop is
//! lock-free and never waits for another thread. A thief's lost race is an
//! explicit `Steal::Retry`.

use super::global::{Global, Refill};
use super::item::{prefetch_lines, Hinted, Item, ITEM_LINES};
use super::outcome::{Source, Steal};
use super::runnext::{RunNext, Taken};
use super::sync::{fence, Arc, AtomicPtr, AtomicU32, Ordering};
use std::fmt;
use std::ptr::{self, NonNull};

/// The largest ring: the policy's limit, and small enough that `u32`
/// indices cannot confuse a full ring with an empty one.
pub const MAX_CAPACITY: usize = model::policy::MAX_LOCAL_CAPACITY as usize;
const _: () = assert!(MAX_CAPACITY.is_power_of_two() && MAX_CAPACITY <= 1 << 31);

/// State shared by the owner and its stealers.
struct Inner<T: Item> {
    /// Next index to consume. Advanced by CAS (owner and thieves), or by the
    /// owner's plain store in a ring without thieves ([`solo`]; the slot
    /// below says which, `RunNext::thieves`).
    head: AtomicU32,
    /// Next index to fill. Written only by the owner.
    tail: AtomicU32,
    runnext: RunNext<T>,
    slots: Box<[AtomicPtr<()>]>,
    mask: u32,
}

/// The owner P's handle: push and pop.
pub struct Local<T: Item> {
    inner: Arc<Inner<T>>,
    /// The [`Hint`] the owner set ([`Local::set_hint`]) and its answers.
    hints: Option<Hints<T>>,
}

/// A ring's hint and, by slot, what it answered for the value written
/// there (addresses): owner-only, read to prefetch the next value out
/// (`pop_ring`). Stale after a thief takes a slot: a wasted prefetch.
struct Hints<T> {
    hint: Hint<T>,
    at: Box<[usize]>,
}

/// Where a queued value's own data lives (for a value that is a pointer,
/// the memory behind the pointee it leads to): the ring warms the first
/// [`HINT_LINES`] cache lines there before it hands the value out. A hint
/// is only an address: nothing reads through it.
pub type Hint<T> = fn(&T) -> *const u8;

/// Cache lines warmed from a [`Hint`]'s address.
pub const HINT_LINES: usize = 3;

/// A thief's handle: `Clone + Send + Sync`.
pub struct Stealer<T: Item> {
    inner: Arc<Inner<T>>,
}

/// A ring of `capacity` slots (a power of two in `2..=MAX_CAPACITY`) and a
/// `runnext` slot.
pub fn new<T: Item>(capacity: usize) -> (Local<T>, Stealer<T>) {
    with_thieves(capacity, true)
}

/// [`new`] for a runtime of one P, where nobody steals: its `Stealer`
/// only answers `len` (sysmon's and the idle check's question) and
/// `steal_into` takes nothing, so the owner's `pop` and `runnext` need no
/// locked instruction (a load and a store each, where a ring with thieves
/// takes a CAS or a swap: two of the eight locked instructions of a
/// channel round trip). tokio's current-thread scheduler makes the same
/// cut with a plain `VecDeque`.
pub fn solo<T: Item>(capacity: usize) -> (Local<T>, Stealer<T>) {
    with_thieves(capacity, false)
}

fn with_thieves<T: Item>(capacity: usize, thieves: bool) -> (Local<T>, Stealer<T>) {
    assert!(
        capacity.is_power_of_two() && (2..=MAX_CAPACITY).contains(&capacity),
        "ring capacity {capacity} is not a power of two in 2..={MAX_CAPACITY}"
    );
    let inner = Arc::new(Inner {
        head: AtomicU32::new(0),
        tail: AtomicU32::new(0),
        runnext: RunNext::new(thieves),
        slots: (0..capacity)
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect(),
        mask: capacity as u32 - 1,
    });
    let stealer = Stealer {
        inner: inner.clone(),
    };
    let local = Local { inner, hints: None };
    (local, stealer)
}

impl<T: Item> Inner<T> {
    fn capacity(&self) -> u32 {
        self.mask + 1
    }

    fn slot(&self, index: u32) -> &AtomicPtr<()> {
        &self.slots[(index & self.mask) as usize]
    }

    /// Owner or committed thief: writes `t` at `index` (not yet published).
    fn write(&self, index: u32, t: T) {
        // Relaxed: published by a later Release store of `tail` (ordering 1).
        self.slot(index)
            .store(t.into_raw().as_ptr(), Ordering::Relaxed);
    }

    /// Reads the pointer at `index` without taking ownership.
    fn read(&self, index: u32) -> NonNull<()> {
        // Relaxed: visibility comes from the Acquire load of `tail` (or from
        // this thread having written it); a reader owns the value only after
        // its CAS on `head` succeeds.
        let raw = self.slot(index).load(Ordering::Relaxed);
        NonNull::new(raw).expect("a slot below the tail was never written")
    }

    /// Racy length of the ring (no `runnext`), clamped to the capacity.
    fn ring_len(&self) -> u32 {
        // Relaxed: an approximation for the spinning logic; no slot is read
        // on its basis.
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed);
        tail.wrapping_sub(head).min(self.capacity())
    }
}

impl<T: Item> Drop for Inner<T> {
    fn drop(&mut self) {
        // The last handle is gone: drop what is still queued (runnext drops
        // its own). Relaxed: `&mut self`, no other thread can touch it.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        for i in 0..tail.wrapping_sub(head) {
            let raw = self.read(head.wrapping_add(i));
            // SAFETY: indices in `head..tail` hold values given up by
            // `into_raw` and not consumed: consuming advances `head`.
            drop(unsafe { T::from_raw(raw) });
        }
    }
}

impl<T: Item> Local<T> {
    pub fn capacity(&self) -> usize {
        self.inner.capacity() as usize
    }

    /// Prefetch, besides each value's pointer, the data `hint` names for it
    /// (a goroutine's node, behind its task box) one value ahead of `pop`.
    pub fn set_hint(&mut self, hint: Hint<T>) {
        self.hints = Some(Hints {
            hint,
            at: vec![0; self.capacity()].into_boxed_slice(),
        });
    }

    /// Writes `t` at `index` (not yet published), noting its hint.
    fn write(&mut self, index: u32, t: T) {
        self.write_hinted(index, Hinted::none(t));
    }

    /// Writes a value at `index` (not yet published), noting the hint it
    /// carries, or asking the ring's hint if it carries none.
    fn write_hinted(&mut self, index: u32, h: Hinted<T>) {
        let at = match h.at {
            0 => self.ask(&h.value),
            at => at,
        };
        self.note(index, at);
        self.inner.write(index, h.value);
    }

    /// The ring's hint for `t`, a value the owner holds (0 without a hint).
    fn ask(&self, t: &T) -> usize {
        self.hints.as_ref().map_or(0, |h| (h.hint)(t) as usize)
    }

    /// Notes `at` as the hint of the value at `index` (if the ring keeps
    /// hints).
    fn note(&mut self, index: u32, at: usize) {
        if let Some(h) = &mut self.hints {
            h.at[(index & self.inner.mask) as usize] = at;
        }
    }

    /// The hint noted for the value at `index` (0: none, or no hint set).
    fn noted(&self, index: u32) -> usize {
        self.hints
            .as_ref()
            .map_or(0, |h| h.at[(index & self.inner.mask) as usize])
    }

    /// A thief's handle on this queue.
    pub fn stealer(&self) -> Stealer<T> {
        Stealer {
            inner: self.inner.clone(),
        }
    }

    /// Go's `runqput`: `t` into `runnext` (kicking the old one to the tail)
    /// or the tail. Returns how many Gs moved to `global` because the ring
    /// was full (0, or `capacity/2 + 1`).
    pub fn push(&mut self, t: T, to_runnext: bool, global: &Global<T>) -> usize {
        if !to_runnext {
            return self.push_back(t, global);
        }
        match self.inner.runnext.replace(t) {
            Some(kicked) => self.push_back(kicked, global),
            None => 0,
        }
    }

    /// Appends to the tail; on a full ring, `runqputslow`.
    fn push_back(&mut self, mut t: T, global: &Global<T>) -> usize {
        loop {
            // Acquire: pairs with a thief's Release CAS (ordering 2), so the
            // slot we are about to rewrite is no longer being read.
            let head = self.inner.head.load(Ordering::Acquire);
            let tail = self.unsync_tail();
            if tail.wrapping_sub(head) < self.inner.capacity() {
                self.write(tail, t);
                // Release: publishes the slot (ordering 1); pairs with the
                // Acquire tail load in `steal_into`.
                self.inner
                    .tail
                    .store(tail.wrapping_add(1), Ordering::Release);
                return 0;
            }
            match self.push_overflow(t, head, global) {
                Ok(moved) => return moved,
                // A thief took some: there is room now, go round once more.
                Err(back) => t = back,
            }
        }
    }

    /// Go's `runqputslow`: the ring is full at `head`; move its older half
    /// and `t` to `global` in one batch, or give `t` back if a thief moved
    /// the head first.
    fn push_overflow(&mut self, t: T, head: u32, global: &Global<T>) -> Result<usize, T> {
        let half = self.inner.capacity() / 2;
        debug_assert_eq!(self.unsync_tail().wrapping_sub(head), 2 * half);
        // On failure a thief's Release CAS moved the head; the retry
        // reloads it Acquire.
        if !self.advance_head(head, half) {
            return Err(t);
        }
        // The claimed slots are ours alone now: thieves may still read them
        // speculatively, but their CAS on `head` fails; we rewrite them only
        // after a later push reads the new head.
        let batch = (0..half).map(|i| {
            let index = head.wrapping_add(i);
            let raw = self.inner.read(index);
            Hinted {
                // SAFETY: index `head + i` was below the tail and we moved
                // the head past it (`advance_head`): we own its value,
                // taken back once here.
                value: unsafe { T::from_raw(raw) },
                // Carried to the ring that refills from this batch.
                at: self.noted(index),
            }
        });
        let t = Hinted {
            at: self.ask(&t),
            value: t,
        };
        Ok(global.push_batch_hinted(batch.chain(std::iter::once(t))))
    }

    /// Go's `runqget`: the `runnext` G if `slot_may_run` (the caller asks the
    /// policy's `runnext_may_run(streak)`), else the ring's head. A slot G
    /// that may not run again is kicked behind the ring first (then runs
    /// only if the ring is empty).
    pub fn pop(&mut self, slot_may_run: bool) -> Option<(T, Source)> {
        let Some(next) = self.inner.runnext.take() else {
            return self.pop_ring().map(|t| (t, Source::Local));
        };
        if slot_may_run {
            return Some((next, Source::RunNext));
        }
        match self.pop_ring() {
            Some(head) => {
                // We just freed a slot and only this thread adds: it fits.
                self.append(std::iter::once(next));
                Some((head, Source::Local))
            }
            None => Some((next, Source::Local)),
        }
    }

    /// Whether `runnext` holds the value `raw` names (see `RunNext::holds`).
    pub fn runnext_holds(&self, raw: NonNull<()>) -> bool {
        self.inner.runnext.holds(raw)
    }

    /// Takes back the ring's newest value if it is `raw` (what its
    /// [`Raw::into_raw`](super::item::Raw::into_raw) gave: production's
    /// task box, whose address a joiner's handle keeps), for the caller to
    /// put into `runnext` (`model::queue::RunQueues::promote_joined` states
    /// the rule). Only the slot's pointer is compared, never read through:
    /// a thief may be taking the value. Lock-free against thieves
    /// (ordering 6): `None` if the ring is empty, its newest is another
    /// value, or a thief took it first.
    pub fn take_newest(&mut self, raw: NonNull<()>) -> Option<T> {
        let tail = self.unsync_tail();
        // Acquire: ordering 2, as in `room_for_append` (a stale head only
        // makes the ring look longer; the fenced load below decides).
        if tail == self.inner.head.load(Ordering::Acquire) {
            return None;
        }
        let newest = tail.wrapping_sub(1);
        // Our own write (ordering 4; a steal into this ring is this thread
        // too): the slot holds the newest value until we lower the tail, or
        // a thief takes it from a ring of one.
        if self.inner.read(newest) != raw {
            return None;
        }
        if !self.inner.runnext.thieves() {
            // Relaxed: nobody else consumes from a solo ring.
            self.inner.tail.store(newest, Ordering::Relaxed);
            // SAFETY: the slot below the tail we just lowered held a value
            // only this thread takes (solo ring): we own it, taken back once.
            return Some(unsafe { T::from_raw(raw) });
        }
        // Relaxed store, SeqCst fence, then the head: ordering 6; pairs with
        // the fence between a thief's head and tail loads in `steal_into`.
        self.inner.tail.store(newest, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        // Acquire: ordering 2, for the slot we may rewrite later.
        let head = self.inner.head.load(Ordering::Acquire);
        if newest.wrapping_sub(head) as i32 > 0 {
            // Two or more were queued: no thief's range reaches `newest`.
            // SAFETY: ordering 6 — the value at `newest` is ours alone, taken
            // back once; the tail stays below it.
            return Some(unsafe { T::from_raw(raw) });
        }
        // One or none left: restore the tail (Release: republishes the
        // slot, ordering 1) and take the lone G from the head like `pop`.
        self.inner.tail.store(tail, Ordering::Release);
        if head == newest && self.advance_head(newest, 1) {
            // SAFETY: our CAS moved the head past `newest`: we own its value.
            return Some(unsafe { T::from_raw(raw) });
        }
        None
    }

    /// The head of the ring.
    fn pop_ring(&mut self) -> Option<T> {
        loop {
            // Relaxed: the slot we read was written by this thread (ordering
            // 4); a stale head only makes the CAS below fail.
            let head = self.inner.head.load(Ordering::Relaxed);
            if head == self.unsync_tail() {
                return None;
            }
            let raw = self.inner.read(head);
            // Relaxed: see above. Failure: a thief took the head; retry.
            let won = self.advance_head(head, 1);
            if won {
                // The next goroutine's task box and node are likely cold (it
                // waited behind this one): start loading them now, while
                // this one runs. The slot is ours to read (ordering 4); if
                // a thief takes that goroutine first, the prefetch was
                // wasted, nothing more. Skynet at P = 1 spent a tenth of
                // its time on the box's miss, and 8% more on the node's.
                self.warm(head.wrapping_add(1));
                // SAFETY: we moved the head past `head` (`advance_head`):
                // we own its value.
                return Some(unsafe { T::from_raw(raw) });
            }
        }
    }

    /// Starts loading the value at `index`, and what its hint named, if
    /// the ring holds a value there. Nothing is read through either
    /// address: if a thief took that value meanwhile, the prefetch was
    /// wasted, nothing more.
    fn warm(&self, index: u32) {
        if index == self.unsync_tail() {
            return;
        }
        // Relaxed: the pointer is only prefetched; whoever takes the value
        // reads the slot again under the ring's orderings (1, 4).
        let item = self.inner.slot(index).load(Ordering::Relaxed);
        prefetch_lines(item.cast::<u8>(), ITEM_LINES);
        let at = self.noted(index) as *const u8;
        if !at.is_null() {
            prefetch_lines(at, HINT_LINES);
        }
    }

    /// Appends `items` (which must fit) and publishes them with one store.
    fn append(&mut self, items: impl Iterator<Item = T>) {
        self.append_hinted(items.map(Hinted::none));
    }

    /// [`append`](Local::append) of values with the hints they carry.
    fn append_hinted(&mut self, items: impl Iterator<Item = Hinted<T>>) {
        let start = self.unsync_tail();
        let mut tail = start;
        for h in items {
            self.write_hinted(tail, h);
            tail = tail.wrapping_add(1);
        }
        debug_assert!(tail.wrapping_sub(start) as usize <= self.room_for_append());
        // Release: publishes the slots (ordering 1).
        self.inner.tail.store(tail, Ordering::Release);
    }

    /// Free slots as of now (thieves can only add to it).
    fn room_for_append(&self) -> usize {
        // Acquire: ordering 2 — the slots counted free are no longer read.
        let head = self.inner.head.load(Ordering::Acquire);
        let used = self.unsync_tail().wrapping_sub(head);
        (self.inner.capacity() - used) as usize
    }

    /// The owner's claim of the `n` values at `head` (which it wrote): a
    /// Relaxed CAS (ordering 4), false if a thief moved the head first. A
    /// ring without thieves ([`solo`]) has nobody to race: a store.
    fn advance_head(&mut self, head: u32, n: u32) -> bool {
        let next = head.wrapping_add(n);
        if !self.inner.runnext.thieves() {
            // Relaxed: only this thread consumes (`steal_into` takes nothing
            // from a solo ring); racy `len` readers get no data through it.
            self.inner.head.store(next, Ordering::Relaxed);
            return true;
        }
        // Relaxed: ordering 4.
        self.inner
            .head
            .compare_exchange(head, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Our own tail: only this thread writes it.
    fn unsync_tail(&self) -> u32 {
        // Relaxed: the owner reads its own last store.
        self.inner.tail.load(Ordering::Relaxed)
    }

    /// Queued Gs, `runnext` included (exact for the ring's tail, racy for
    /// its head and the slot).
    pub fn len(&self) -> usize {
        self.inner.ring_len() as usize + usize::from(self.inner.runnext.is_occupied())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Test oracle: the hints noted for the queued slots, head first.
    #[cfg(test)]
    pub(crate) fn queued_hints(&self) -> Vec<usize> {
        // Acquire: pairs with a thief's head CAS, as the owner's pops do
        // (a test oracle, read between operations).
        let head = self.inner.head.load(Ordering::Acquire);
        (0..self.unsync_tail().wrapping_sub(head))
            .map(|i| self.noted(head.wrapping_add(i)))
            .collect()
    }

    /// Test oracle: (`runnext`, ring head first), copied.
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> (Option<T>, Vec<T>)
    where
        T: Copy,
    {
        // Acquire: as in `queued_hints`.
        let head = self.inner.head.load(Ordering::Acquire);
        let tail = self.unsync_tail();
        let ring = (0..tail.wrapping_sub(head))
            // SAFETY: `T: Copy`: a copy does not duplicate ownership.
            .map(|i| unsafe { T::from_raw(self.inner.read(head.wrapping_add(i))) })
            .collect();
        (self.inner.runnext.peek(), ring)
    }
}

impl<T: Item> Refill<T> for Local<T> {
    fn room(&self) -> usize {
        self.room_for_append()
    }

    fn refill(&mut self, items: impl ExactSizeIterator<Item = Hinted<T>>) {
        assert!(items.len() <= self.room(), "refill beyond the ring's room");
        self.append_hinted(items);
    }
}

impl<T: Item> Stealer<T> {
    /// Go's `runqsteal`/`runqgrab`: takes `amount(available)` Gs from the
    /// victim's head (at most what is there, and at most one more than fits
    /// in `dst`), or, when the ring is empty and `steal_runnext`, its
    /// `runnext`. The last G taken is returned to run; the others are
    /// appended to `dst` in order. `amount` is the policy's `steal_count`.
    pub fn steal_into(
        &self,
        dst: &mut Local<T>,
        amount: impl FnOnce(usize) -> usize,
        steal_runnext: bool,
    ) -> Steal<T> {
        let src = &*self.inner;
        debug_assert!(
            !Arc::ptr_eq(&self.inner, &dst.inner),
            "a P never steals from itself"
        );
        if !src.runnext.thieves() {
            return Steal::Empty; // a solo ring is its owner's alone
        }
        // Acquire on both: the head pairs with other thieves' Release CAS
        // (so the tail we read next is at least as new as theirs, ordering
        // 3); the tail pairs with the owner's Release store (ordering 1).
        // The SeqCst fence between them pairs with the owner's when it
        // takes back its newest G (ordering 6).
        let head = src.head.load(Ordering::Acquire);
        fence(Ordering::SeqCst);
        let tail = src.tail.load(Ordering::Acquire);
        let available = tail.wrapping_sub(head);
        if available > src.capacity() {
            return Steal::Retry; // torn snapshot (ordering 3)
        }
        let fits = dst.room_for_append() + 1;
        // Never the whole of two or more (ordering 6).
        let n = model::queue::steal_take(amount(available as usize), available as usize).min(fits);
        if n == 0 {
            return self.steal_runnext(steal_runnext);
        }
        let n = n as u32;
        // Copy the first n-1 into dst beyond its tail (invisible to dst's
        // thieves until we publish), as `runqgrab` copies into `pp.runq`.
        let start = dst.unsync_tail();
        for i in 0..n - 1 {
            let raw = src.read(head.wrapping_add(i));
            let at = start.wrapping_add(i);
            dst.inner.slot(at).store(raw.as_ptr(), Ordering::Relaxed); // published below
            dst.note(at, 0); // the victim's hints are its own
        }
        let last = src.read(head.wrapping_add(n - 1));
        // Release: our slot reads happen-before the owner's rewrite of these
        // slots (ordering 2; pairs with its Acquire head load). Failure:
        // someone consumed meanwhile; what we copied is forgotten.
        let won = src.head.compare_exchange(
            head,
            head.wrapping_add(n),
            Ordering::Release,
            Ordering::Relaxed,
        );
        if won.is_err() {
            return Steal::Retry;
        }
        if n > 1 {
            // Release: publishes the copied slots to dst's own thieves
            // (ordering 1).
            dst.inner
                .tail
                .store(start.wrapping_add(n - 1), Ordering::Release);
        }
        // SAFETY: our CAS moved the victim's head past `head + n - 1`: we own
        // those n values, each taken back once (n - 1 now live in dst's ring).
        Steal::Success(unsafe { T::from_raw(last) }, n as usize)
    }

    /// The `stealRunNextG` branch of `runqgrab`.
    fn steal_runnext(&self, allowed: bool) -> Steal<T> {
        if !allowed {
            return Steal::Empty;
        }
        match self.inner.runnext.steal() {
            Taken::Got(t) => Steal::Success(t, 1),
            Taken::Empty => Steal::Empty,
            Taken::Lost => Steal::Retry,
        }
    }

    /// Queued Gs, `runnext` included (racy).
    pub fn len(&self) -> usize {
        self.inner.ring_len() as usize + usize::from(self.inner.runnext.is_occupied())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Item> Clone for Stealer<T> {
    fn clone(&self) -> Self {
        Stealer {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Item> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ring::Local")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .finish()
    }
}

impl<T: Item> fmt::Debug for Stealer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ring::Stealer")
            .field("len", &self.len())
            .finish()
    }
}
