//! `NodeRc<T>`: the reference count of a goroutine's node (`runtime/g.rs`:
//! descriptor, body and join slot in one allocation), with the node's
//! memory from `blocks.rs`: size-class blocks recycled through per-thread
//! lists, Go's per-P free lists of `g`s (`gfget` / `gfput` in
//! `runtime/proc.go`) for a node whose size depends on the goroutine's
//! closure. A channel operation's shared claim (`chan/claim.rs`: a parked
//! `select!`'s, a timed operation's) and a channel itself (`chan/mod.rs`:
//! its handles share it) are counted the same way, freed by whichever
//! thread drops them last. A channel's block is kept for reuse like a
//! node's (`blocks.rs`, retention); skynet makes and drops 111,111
//! channels, and their glibc malloc and free cost it 2–3%.
//!
//! **Why not `Arc`.** A node is allocated on the M that spawns the
//! goroutine and freed on the M it ends on, often another one (it was
//! stolen). glibc's free of a chunk from another thread's arena goes, once
//! the freeing thread's tcache bin (7 chunks) is full, to the allocating
//! arena under its lock; skynet at 2 P frees in bursts of ten and spent
//! 16% of its time on that lock and its futex (measured: with
//! `GLIBC_TUNABLES=glibc.malloc.tcache_count=64` the same binary ran
//! skynet at 2 P in 839 ms instead of 1,099). Here a freed node's block
//! goes to the freeing thread's list, and that thread's next spawn of a
//! node of the same size class takes it back: no lock, no syscall. Even on
//! one thread glibc's coalescing cost skynet 15% (`blocks.rs`).
//!
//! **Counting** is `std::sync::Arc`'s (strong count only): a clone
//! increments Relaxed (a new reference is made from an existing one, which
//! keeps the node alive); a drop decrements Release, and the drop that
//! reaches zero takes an Acquire fence, so every access through any other
//! reference happens before the node is dropped and its block reused.
//! `loom_tests.rs` checks the hand-over under loom.
//!
//! **Layout.** A reference points at the value, and the count is the word
//! just before it (`block_layout`): reaching either takes no look at the
//! value's alignment, which for an unsized view (`GNode<dyn JoinSlot>`)
//! is a load from the vtable before every access to a goroutine's
//! descriptor. Only the last drop reads it, to find the block's start.
//!
//! **Erasure.** The runtime holds a node as `NodeRc<GNode<dyn JoinSlot>>`
//! and its `JoinHandle` as `NodeRc<GNode<Body<T, dyn Send + Sync>>>`:
//! unsizings of one allocation, as `Arc<T>` coerces to `Arc<dyn Trait>`.
//! Unsizing a user type is unstable (`CoerceUnsized`), so
//! [`NodeRc::erase`] takes the coercion as a function `&Inner<T> ->
//! &Inner<U>` written in safe code (`|n| n`), and checks that it returned
//! the same node: [`Inner`] has no constructor and no accessor outside this
//! module, so the only `&Inner<U>` safe code can produce at that address is
//! the coercion of its argument.

use super::blocks;
use super::sync::{fence, AtomicUsize, Ordering};
use std::alloc::Layout;
use std::marker::PhantomData;
use std::mem::{size_of, ManuallyDrop};
use std::ops::Deref;
use std::ptr::NonNull;

/// A node's value as its references see it: a `NodeRc` points here, and the
/// count lies just before (see [`block_layout`]). A wrapper with no
/// constructor and no accessor outside this module, so that safe code can
/// make a `&Inner<U>` only by coercing one ([`NodeRc::erase`]).
#[repr(transparent)]
pub(crate) struct Inner<T: ?Sized> {
    value: T,
}

/// A counted reference to a node whose memory is recycled per thread
/// (module docs).
pub(crate) struct NodeRc<T: ?Sized> {
    /// The value, in its block; the count is the `AtomicUsize` right
    /// before it.
    ptr: NonNull<Inner<T>>,
    /// Owns an `Inner<T>` for drop check and auto traits' sake (the impls
    /// below state which).
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: as for `Arc<T>`: a `NodeRc` gives shared access to `T` from any
// thread holding a clone (`T: Sync`) and may drop `T` on any of them
// (`T: Send`).
unsafe impl<T: ?Sized + Sync + Send> Send for NodeRc<T> {}
// SAFETY: as above; `&NodeRc` reaches only `&T` and `clone`.
unsafe impl<T: ?Sized + Sync + Send> Sync for NodeRc<T> {}

/// The block of a node whose value has layout `value`, and where in it the
/// value starts. The count is the `AtomicUsize` just before the value, at
/// the same distance whatever the value's alignment: a reference reaches
/// both without reading that alignment, which for an unsized view is the
/// vtable's (reaching a goroutine's descriptor through it, as the count
/// first then the value, cost a yield at 1 P 2 %). Only the last drop,
/// which frees the block, needs the alignment, to find the block's start.
fn block_layout(value: Layout) -> (Layout, usize) {
    let count = Layout::new::<AtomicUsize>();
    let align = count.align().max(value.align());
    // A multiple of both alignments, at least the count's size: the count
    // (whose size is a multiple of its alignment) ends where the value
    // starts, both aligned.
    let offset = count.size().next_multiple_of(align);
    let layout = Layout::from_size_align(offset + value.size(), align)
        .expect("a node's size overflows isize");
    (layout, offset)
}

/// The bytes of the block of a node holding a `T` (tests).
#[cfg(test)]
pub(crate) fn block_size<T>() -> usize {
    block_layout(Layout::new::<T>()).0.size()
}

impl<T> NodeRc<T> {
    /// A node holding `value`, its block from this thread's free list
    /// of its size class if that has one (`blocks.rs`).
    pub(crate) fn new(value: T) -> NodeRc<T> {
        NodeRc::with_count(1, || value)
    }

    /// Two references to a new node holding `make()` (a channel's first
    /// `Sender` and `Receiver`; a goroutine's `JoinHandle` and task): the
    /// count starts at two, so the second reference costs no atomic
    /// read-modify-write, as a clone would. `make` runs after the block is
    /// taken, so that the value can be built in the block instead of on the
    /// stack and then copied in: for large values (a channel, a goroutine's
    /// node with its closure) the copy was a `memmove` call (5 % of
    /// ping_pong at 1 P).
    #[inline(always)]
    pub(crate) fn new_pair_with(make: impl FnOnce() -> T) -> (NodeRc<T>, NodeRc<T>) {
        let first = NodeRc::with_count(2, make);
        // The count already includes this second reference.
        let second = NodeRc {
            ptr: first.ptr,
            _owns: PhantomData,
        };
        (first, second)
    }

    /// A node holding `make()` whose count starts at `count`; the caller
    /// makes exactly `count` references to it.
    #[inline(always)]
    fn with_count(count: usize, make: impl FnOnce() -> T) -> NodeRc<T> {
        let (layout, offset) = block_layout(Layout::new::<T>());
        let block = blocks::alloc(layout);
        // SAFETY: `block` is a fresh block of `layout` (`blocks::alloc`),
        // owned by nobody else. `offset` is within it and aligned for `T`,
        // and the count's place, `size_of::<AtomicUsize>()` before it, is
        // within it too and aligned for the count (`block_layout`).
        // Writing initializes both without reading or dropping what was
        // there. If `make` panics, the block is lost (never freed), nothing
        // else.
        unsafe {
            let value = block.as_ptr().add(offset);
            value
                .sub(size_of::<AtomicUsize>())
                .cast::<AtomicUsize>()
                .write(AtomicUsize::new(count));
            value.cast::<T>().write(make());
            NodeRc {
                ptr: NonNull::new_unchecked(value.cast::<Inner<T>>()),
                _owns: PhantomData,
            }
        }
    }
}

impl<T: ?Sized> NodeRc<T> {
    /// This reference as a reference to the node's unsized view `U`;
    /// `view` is the unsizing coercion, `|n| n` (module docs).
    ///
    /// # Panics
    ///
    /// If `view` returns anything but its argument.
    pub(crate) fn erase<U: ?Sized>(self, view: fn(&Inner<T>) -> &Inner<U>) -> NodeRc<U> {
        let this = ManuallyDrop::new(self);
        let inner = this.inner();
        let viewed = view(inner);
        assert!(
            std::ptr::addr_eq(viewed, inner),
            "NodeRc::erase: the view must be the unsizing of its argument"
        );
        NodeRc {
            ptr: NonNull::from(viewed),
            _owns: PhantomData,
        }
    }

    /// Where the node's hot memory starts (the count, then the value): an
    /// address to prefetch, not to read through.
    pub(crate) fn addr(&self) -> *const u8 {
        self.ptr
            .as_ptr()
            .cast::<u8>()
            .cast_const()
            .wrapping_sub(size_of::<AtomicUsize>())
    }

    /// Whether `a` and `b` refer to the same node.
    pub(crate) fn ptr_eq(a: &NodeRc<T>, b: &NodeRc<T>) -> bool {
        std::ptr::addr_eq(a.ptr.as_ptr(), b.ptr.as_ptr())
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: the node is alive while this reference exists (the count
        // includes it), and only shared access is ever handed out.
        unsafe { self.ptr.as_ref() }
    }

    fn count(&self) -> &AtomicUsize {
        // SAFETY: the count lies `size_of::<AtomicUsize>()` before the
        // value, in the same block (`block_layout`), initialized with it
        // (`with_count`) and alive while this reference exists.
        unsafe {
            &*self
                .ptr
                .as_ptr()
                .cast::<u8>()
                .sub(size_of::<AtomicUsize>())
                .cast::<AtomicUsize>()
        }
    }
}

impl<T: ?Sized> Deref for NodeRc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T: ?Sized> Clone for NodeRc<T> {
    fn clone(&self) -> NodeRc<T> {
        // Relaxed: the new reference is made from this one, which keeps the
        // node alive; nothing else is published (as `Arc::clone`).
        let old = self.count().fetch_add(1, Ordering::Relaxed);
        // As `Arc`: a count past `isize::MAX` means leaked clones; abort
        // before it can wrap around to a premature free.
        if old > isize::MAX as usize {
            std::process::abort();
        }
        NodeRc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T: ?Sized> Drop for NodeRc<T> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire fence below, taken by whichever
        // drop brings the count to zero, so this reference's accesses
        // happen before the node is dropped and its block reused.
        if self.count().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire: pairs with the Release decrement of every other drop.
        fence(Ordering::Acquire);
        // An unsized view has the size and alignment of the value it views,
        // so this is the layout the block was allocated with.
        let (layout, offset) = block_layout(Layout::for_value(&**self));
        // SAFETY: the count reached zero: this was the last reference, so
        // the value is dropped once, with nobody else able to reach it; its
        // block starts `offset` before it (`block_layout`), was allocated
        // by `blocks::alloc` for `layout`, and is returned the same way,
        // unused.
        unsafe {
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*self.ptr.as_ptr()).value));
            let block = self.ptr.as_ptr().cast::<u8>().sub(offset);
            blocks::free(NonNull::new_unchecked(block), layout);
        }
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for NodeRc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

// SAFETY: the pointee is a heap block that does not move while any
// `NodeRc` to it exists, wherever the `NodeRc` itself moves.
unsafe impl<T: ?Sized + Send + Sync + 'static> crate::coro::StableOwner for NodeRc<T> {}

/// The `Inner` of a node that is not any caller's: what a wrong view
/// passed to [`NodeRc::erase`] would return (its test; leaked).
#[cfg(test)]
pub(crate) fn stray_inner() -> &'static Inner<u64> {
    Box::leak(Box::new(Inner { value: 0 }))
}
