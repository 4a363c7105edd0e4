//! Blocks for `NodeRc` nodes (`node.rs`): size classes carved from slabs,
//! recycled through per-thread free lists and a shared pool. This is Go's
//! way with `g`s (per-P free lists `gfget` / `gfput`, the global
//! `sched.gFree` that they spill to and refill from, in `runtime/proc.go`),
//! applied to a node whose size depends on the goroutine's closure, with
//! the small-object layout of Go's allocator (`runtime/mcache.go`: size
//! classes, blocks cut from spans).
//!
//! **Why not the global allocator.** skynet holds a million nodes at its
//! peak and frees them in the order it finished them, not the order it
//! made them: glibc's free then coalesces each chunk with its neighbours
//! (`unlink_chunk`, `malloc_consolidate`) and its next allocation splits
//! them again. That was 15% of skynet at 1 P. Here a free is a push on a
//! list, an allocation a pop or a bump of a pointer, and a block carries no
//! allocator header.
//!
//! **Layout.** 16 size classes of 32 bytes up to 512, every block aligned
//! to 16 (other layouts use the global allocator directly: [`class_of`]).
//! A thread takes a slab of memory at a time for a class ([`SLAB`], then
//! twice the last, up to [`MAX_SLAB`]) and cuts blocks from it as it needs
//! them.
//!
//! **Lists.** A free block holds the link of its list in its first word. A
//! thread keeps per class a current chain and at most one full spare chain
//! ([`BATCH`] blocks each; one taken from the pool may be longer, the rest
//! of an exited thread's slab): a free pushes on the current chain; when it
//! is full it becomes the spare, and the old spare goes to the shared
//! [`Pool`], whole. An allocation pops the current chain, else takes the
//! spare, else a chain from the pool, else cuts a new block. Every step is
//! O(1); the pool's lock is taken once per [`BATCH`] operations at most.
//! A thread that exits gives its chains, and the uncut rest of its slabs
//! as blocks, to the pool.
//!
//! **Retention (the stated policy).** Class blocks are never returned to
//! the global allocator: the process keeps its peak of node memory (and
//! channel-operation claims, and the engine's 120-byte task boxes,
//! `block_box.rs`) for reuse, as Go keeps its peak of `g`s. A million live
//! goroutines with 160-byte nodes keep 160 MB of nodes and 128 MB of task
//! boxes after they end; nodes of more than 512 bytes use, and free to, the
//! global allocator.
//!
//! The lists are allocator state, outside any model: the pool's lock is
//! std's even in the loom mount of `node.rs`, which shares this file.

use std::alloc::Layout;
use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// Bytes per size class step.
const STEP: usize = 32;
/// Size classes: `STEP`, `2 × STEP`, … `CLASSES × STEP` bytes.
const CLASSES: usize = 16;
/// The alignment of every block.
const ALIGN: usize = 16;
/// Blocks per chain: what moves between a thread and the pool at once.
pub(crate) const BATCH: usize = 128;
/// Bytes of a thread's first slab of a class, taken from the global
/// allocator to cut blocks from (Go's span of 8 KiB, doubled: 32 blocks of
/// the largest class). Each further slab of the class on that thread is
/// twice the last, up to [`MAX_SLAB`].
const SLAB: usize = 16 * 1024;
/// The largest slab. Growing to it makes the global allocator's calls
/// logarithmic in a thread's peak, not linear: glibc serves a request of
/// 1 KiB or more by first consolidating every free chunk of its fast bins
/// (`malloc_consolidate`), and with 16 KiB slabs that was 5.3 % of
/// spawn_join at 1 P (a million nodes, 10,000 slabs). Blocks are cut in
/// order, so the uncut rest of a slab is address space, not resident memory.
const MAX_SLAB: usize = 1024 * 1024;

/// A block on a free list: its first word links to the next.
struct Free {
    next: *mut Free,
}

/// A list of free blocks of one class, linked through the blocks.
struct Chain {
    head: *mut Free,
    len: usize,
}

// SAFETY: a chain owns its blocks outright (nobody else holds a pointer to a
// free block), so it may move to another thread with them.
unsafe impl Send for Chain {}

impl Chain {
    const EMPTY: Chain = Chain {
        head: std::ptr::null_mut(),
        len: 0,
    };

    /// Puts `p` on the chain.
    ///
    /// # Safety
    ///
    /// `p` is a block of this chain's class (at least `STEP` bytes, aligned
    /// to `ALIGN`), unused, and on no other chain.
    unsafe fn push(&mut self, p: NonNull<u8>) {
        let free = p.cast::<Free>().as_ptr();
        // SAFETY: the block is unused and large and aligned enough for a
        // `Free` (caller); writing its link initializes it.
        unsafe { free.write(Free { next: self.head }) };
        self.head = free;
        self.len += 1;
    }

    /// Takes a block off the chain, and prefetches the next one.
    fn pop(&mut self) -> Option<NonNull<u8>> {
        let free = NonNull::new(self.head)?;
        // SAFETY: every block on a chain was written by `push` and is owned
        // by the chain alone.
        self.head = unsafe { free.as_ref().next };
        super::sync::prefetch(self.head);
        self.len -= 1;
        Some(free.cast())
    }

    fn take(&mut self) -> Chain {
        std::mem::replace(self, Chain::EMPTY)
    }
}

/// Chains handed over by threads, per class.
pub(crate) struct Pool {
    chains: [Mutex<Vec<Chain>>; CLASSES],
    /// Per class, how many chains the list holds: a hint that lets a thread
    /// with no free block of its own skip the lock when the pool has none
    /// either. A thread spawning a million goroutines asked the pool, and
    /// locked it, before cutting each of their blocks (5 % of spawn_join
    /// at 1 P). Written under the lock; read Relaxed without it: a stale
    /// zero only cuts a new block where a pooled one could have been
    /// reused, and a stale non-zero only takes the lock for nothing.
    chain_counts: [AtomicUsize; CLASSES],
}

impl Pool {
    pub(crate) const fn new() -> Pool {
        Pool {
            chains: [const { Mutex::new(Vec::new()) }; CLASSES],
            chain_counts: [const { AtomicUsize::new(0) }; CLASSES],
        }
    }

    fn put(&self, class: usize, chain: Chain) {
        if chain.len > 0 {
            let mut chains = lock(&self.chains[class]);
            chains.push(chain);
            // Relaxed: a hint (field docs); the lock orders the list itself.
            self.chain_counts[class].store(chains.len(), Relaxed);
        }
    }

    fn get(&self, class: usize) -> Option<Chain> {
        // Relaxed: a hint (field docs).
        if self.chain_counts[class].load(Relaxed) == 0 {
            return None;
        }
        let mut chains = lock(&self.chains[class]);
        let chain = chains.pop();
        // Relaxed: as in `put`.
        self.chain_counts[class].store(chains.len(), Relaxed);
        chain
    }

    /// Free blocks the pool holds of the class of `size` bytes.
    #[cfg(test)]
    pub(crate) fn held(&self, size: usize) -> usize {
        lock(&self.chains[class_of_size(size)])
            .iter()
            .map(|ch| ch.len)
            .sum()
    }
}

/// The pool's lists stay consistent whatever a panicking holder did (each
/// change is one `Vec` push or pop), so a poisoned lock is used as is.
fn lock(m: &Mutex<Vec<Chain>>) -> std::sync::MutexGuard<'_, Vec<Chain>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process's pool.
static POOL: Pool = Pool::new();

/// One thread's lists and slab of one class.
struct Class {
    /// Blocks freed on this thread, taken first.
    current: Chain,
    /// A full chain, or empty.
    spare: Chain,
    /// The uncut rest of this thread's newest slab for the class.
    next: *mut u8,
    end: *mut u8,
    /// Bytes of the next slab.
    slab: usize,
}

impl Class {
    const EMPTY: Class = Class {
        current: Chain::EMPTY,
        spare: Chain::EMPTY,
        next: std::ptr::null_mut(),
        end: std::ptr::null_mut(),
        slab: SLAB,
    };
}

/// One thread's blocks, per class, and the pool it trades chains with.
pub(crate) struct Blocks {
    classes: [Class; CLASSES],
    pool: &'static Pool,
}

impl Blocks {
    pub(crate) const fn new(pool: &'static Pool) -> Blocks {
        Blocks {
            classes: [Class::EMPTY; CLASSES],
            pool,
        }
    }

    fn alloc(&mut self, class: usize) -> NonNull<u8> {
        let k = &mut self.classes[class];
        if let Some(p) = k.current.pop() {
            return p;
        }
        if k.spare.len > 0 {
            k.current = k.spare.take();
        } else if let Some(chain) = self.pool.get(class) {
            k.current = chain;
        } else {
            return cut(k, class);
        }
        k.current.pop().expect("a chain handed over is not empty")
    }

    /// # Safety
    ///
    /// As [`Chain::push`], for `class`.
    unsafe fn free(&mut self, class: usize, p: NonNull<u8>) {
        let k = &mut self.classes[class];
        // At least: a chain taken from the pool may be longer (the rest of
        // an exited thread's slab).
        if k.current.len >= BATCH {
            let full = k.current.take();
            self.pool.put(class, std::mem::replace(&mut k.spare, full));
        }
        // SAFETY: as the caller's.
        unsafe { k.current.push(p) };
    }

    /// Free blocks these lists hold in the class of `size` bytes.
    #[cfg(test)]
    pub(crate) fn held(&self, size: usize) -> usize {
        let k = &self.classes[class_of_size(size)];
        k.current.len + k.spare.len
    }

    /// A block of `size` bytes from these lists (tests of the lists).
    #[cfg(test)]
    pub(crate) fn take(&mut self, size: usize) -> NonNull<u8> {
        self.alloc(class_of_size(size))
    }

    /// Returns a block [`Blocks::take`] gave for `size` (tests).
    ///
    /// # Safety
    ///
    /// As [`free`].
    #[cfg(test)]
    pub(crate) unsafe fn give(&mut self, size: usize, p: NonNull<u8>) {
        // SAFETY: as the caller's.
        unsafe { self.free(class_of_size(size), p) }
    }
}

/// A new block of `class`, cut from the thread's slab (a new slab, twice
/// the last up to [`MAX_SLAB`], if the last one is used up).
fn cut(k: &mut Class, class: usize) -> NonNull<u8> {
    let size = class_size(class);
    if (k.end as usize) - (k.next as usize) < size {
        let bytes = k.slab;
        k.slab = (bytes * 2).min(MAX_SLAB);
        let layout = Layout::from_size_align(bytes, ALIGN).expect("a valid slab layout");
        // SAFETY: the layout has a non-zero size. The slab is never freed
        // (module docs: retention); the rest of an old one was too small
        // for one more block and is left unused.
        let slab = unsafe { std::alloc::alloc(layout) };
        if slab.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        k.next = slab;
        // SAFETY: one past the end of the slab's allocation.
        k.end = unsafe { slab.add(bytes) };
    }
    let p = k.next;
    // SAFETY: `size` bytes from `p` lie within the slab (checked above).
    k.next = unsafe { p.add(size) };
    NonNull::new(p).expect("a slab pointer is not null")
}

impl Drop for Blocks {
    /// The thread exits: its chains and the uncut rest of its slabs go to
    /// the pool, for other threads.
    fn drop(&mut self) {
        for (class, k) in self.classes.iter_mut().enumerate() {
            self.pool.put(class, k.current.take());
            self.pool.put(class, k.spare.take());
            let size = class_size(class);
            let mut rest = Chain::EMPTY;
            while (k.end as usize) - (k.next as usize) >= size {
                let p = NonNull::new(k.next).expect("a slab pointer is not null");
                // SAFETY: `p` starts `size` uncut bytes of this thread's slab
                // for the class: a block nobody uses.
                unsafe {
                    rest.push(p);
                    k.next = k.next.add(size);
                }
            }
            self.pool.put(class, rest);
        }
    }
}

thread_local! {
    static BLOCKS: RefCell<Blocks> = const { RefCell::new(Blocks::new(&POOL)) };
}

/// The size class of `layout`, if it has one.
fn class_of(layout: Layout) -> Option<usize> {
    (layout.align() <= ALIGN && layout.size() <= STEP * CLASSES)
        .then(|| layout.size().max(1).div_ceil(STEP) - 1)
}

/// The bytes of every block of `class`.
fn class_size(class: usize) -> usize {
    (class + 1) * STEP
}

/// The class of blocks of `size` bytes (tests).
#[cfg(test)]
fn class_of_size(size: usize) -> usize {
    class_of(Layout::from_size_align(size, 8).unwrap()).unwrap()
}

/// A block for `layout`: from this thread's lists or slab if `layout` has a
/// class, else from the global allocator.
///
/// Never inlined, nor is [`free`]: they read this thread's lists, and a
/// caller that also parks (the switch is inlined into it, `coro::suspend`)
/// could otherwise keep the lists' address across the switch to another
/// thread (llvm/llvm-project#98479).
#[inline(never)]
pub(crate) fn alloc(layout: Layout) -> NonNull<u8> {
    let Some(class) = class_of(layout) else {
        // SAFETY: `layout` has a non-zero size: it is a node's, which holds
        // its count.
        let p = unsafe { std::alloc::alloc(layout) };
        return NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
    };
    BLOCKS
        .try_with(|b| b.try_borrow_mut().ok().map(|mut b| b.alloc(class)))
        .ok()
        .flatten()
        .unwrap_or_else(|| alloc_without_lists(class))
}

/// A block of `class` on a thread whose lists are gone (it is exiting) or
/// busy: one from the pool, else one from the global allocator, which
/// joins the class's blocks for good.
#[cold]
fn alloc_without_lists(class: usize) -> NonNull<u8> {
    if let Some(mut chain) = POOL.get(class) {
        let p = chain.pop().expect("a chain handed over is not empty");
        POOL.put(class, chain);
        return p;
    }
    let layout = Layout::from_size_align(class_size(class), ALIGN).expect("a valid class layout");
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc(layout) };
    NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

/// Returns a block `alloc` gave for `layout`.
///
/// # Safety
///
/// `p` came from [`alloc`] with `layout` and is no longer used.
#[inline(never)]
pub(crate) unsafe fn free(p: NonNull<u8>, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: `p` was allocated by the global allocator with this
        // layout (`alloc`), and the caller no longer uses it.
        unsafe { std::alloc::dealloc(p.as_ptr(), layout) };
        return;
    };
    let kept = BLOCKS
        .try_with(|b| match b.try_borrow_mut() {
            Ok(mut b) => {
                // SAFETY: `p` is an unused block of `class` (caller: `alloc`
                // gave it for a layout of this class), on no list.
                unsafe { b.free(class, p) };
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if !kept {
        let mut one = Chain::EMPTY;
        // SAFETY: as above.
        unsafe { one.push(p) };
        POOL.put(class, one);
    }
}

/// Free blocks this thread holds in the class of `size` bytes.
#[cfg(test)]
pub(crate) fn held(size: usize) -> usize {
    BLOCKS.with(|b| b.borrow().held(size))
}
