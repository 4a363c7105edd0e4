//! `BlockBox<T>`: a `Box` whose memory comes from the node blocks
//! (`blocks.rs`: size classes, per-thread free lists) instead of the global
//! allocator. The engine's task boxes live here: a spawn-and-join workload
//! makes and frees one per goroutine, and through glibc that cost more than
//! the rest of the box's life. A million boxes live at once (spawn_join)
//! spent 3 % of the run in `malloc`, 2–3 % in `_int_free`, and 5 % in
//! `malloc_consolidate`, which glibc runs before every request of 1 KiB or
//! more once its fast bins hold freed chunks (the node slabs were such
//! requests).
//!
//! Same ownership as `Box<T>`: one owner, the value dropped and its block
//! freed when the owner drops; converts to and from one pointer ([`Raw`]),
//! so it travels through the run queues as a `Box` does. Sized `T` only.

use std::alloc::Layout;
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::blocks;
use super::item::Raw;

/// An owned `T` in a block of its size class.
pub(crate) struct BlockBox<T> {
    ptr: NonNull<T>,
    /// Owns a `T` (drop check, auto traits).
    _owns: PhantomData<T>,
}

// SAFETY: a `BlockBox<T>` owns its `T` exclusively, as a `Box<T>` does, and
// a block may be freed on any thread (`blocks::free`).
unsafe impl<T: Send> Send for BlockBox<T> {}
// SAFETY: `&BlockBox<T>` gives only `&T`.
unsafe impl<T: Sync> Sync for BlockBox<T> {}

impl<T> BlockBox<T> {
    /// `value` in a new block.
    pub(crate) fn new(value: T) -> BlockBox<T> {
        let ptr = blocks::alloc(Layout::new::<T>()).cast::<T>();
        // SAFETY: `ptr` is a fresh block of at least `T`'s size and
        // alignment (`blocks::alloc`), owned by nobody else; writing
        // initializes it without reading or dropping what was there.
        unsafe { ptr.as_ptr().write(value) };
        BlockBox {
            ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> std::ops::Deref for BlockBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `ptr` points to the initialized `T` this box owns (`new`),
        // alive until the box drops.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> std::ops::DerefMut for BlockBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`; `&mut self` makes the access exclusive.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for BlockBox<T> {
    fn drop(&mut self) {
        // SAFETY: the box owns an initialized `T` in a block that
        // `blocks::alloc` gave for `Layout::new::<T>()` (`new`); the value
        // is dropped once, here, and the block is not used after.
        unsafe {
            std::ptr::drop_in_place(self.ptr.as_ptr());
            blocks::free(self.ptr.cast::<u8>(), Layout::new::<T>());
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for BlockBox<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

// SAFETY: `into_raw` forgets the box and returns its non-null block pointer;
// `from_raw` rebuilds the one owner from it (the trait's contract: once).
unsafe impl<T> Raw for BlockBox<T> {
    fn into_raw(self) -> NonNull<()> {
        let this = std::mem::ManuallyDrop::new(self);
        this.ptr.cast()
    }

    unsafe fn from_raw(raw: NonNull<()>) -> Self {
        BlockBox {
            ptr: raw.cast::<T>(),
            _owns: PhantomData,
        }
    }
}
