//! What the lock-free queues hold: values that travel as one non-null pointer.
//!
//! Go's `runq` is an array of `guintptr` and `runnext` one `guintptr`: the
//! thief in `runqgrab` copies slots *before* its CAS on `runqhead` commits the
//! grab, so a slot may be read while the owner rewrites it. That is a benign
//! race only when a slot is one machine word read and written atomically. We
//! keep Go's algorithm and make it sound in Rust by storing every element as
//! an `AtomicPtr<()>`: queues are generic over `T: Item`, a type that converts
//! losslessly to and from a non-null pointer (the engine's goroutine handle,
//! `Box<U>`, `Arc<U>`, or a plain token). The alternative, tokio's
//! `UnsafeCell<MaybeUninit<T>>` slots with a two-part head (`steal`, `real`),
//! supports any `T` but cannot give Go's *stealable* `runnext` without a lock
//! or a second claim protocol on the slot; pointer-sized items make `runnext`
//! one `AtomicPtr` with `swap`/CAS, exactly as in Go.
//!
//! Because slots are atomics, the run queues have no shared `UnsafeCell`
//! (`value_slot.rs` and `pinned.rs`' cell hold values of any type): loom
//! sees every access as an atomic operation.

use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::Arc;

/// A value that converts losslessly to and from one non-null pointer.
///
/// # Safety
///
/// `into_raw` hands over ownership: `from_raw(into_raw(x))` must give back a
/// value equal to `x`, and a pointer returned by `into_raw` is passed to
/// `from_raw` at most once. The queues never dereference the pointer.
///
/// No `Send` bound: a one-item `Slot` (`queue/slot.rs`) takes its auto
/// traits from `T` (a `Mutex` of a `!Send` value is fine on one thread);
/// the run queues, which move items between threads by construction,
/// require [`Item`] = `Raw + Send`.
pub unsafe trait Raw: Sized {
    /// Gives up ownership of `self` as a non-null pointer.
    fn into_raw(self) -> NonNull<()>;

    /// Takes back ownership of a value given up by [`Raw::into_raw`].
    ///
    /// # Safety
    ///
    /// `raw` came from `into_raw` of this type and was not taken back before.
    unsafe fn from_raw(raw: NonNull<()>) -> Self;
}

/// A value that can travel through the run queues, between threads, as
/// one pointer.
pub trait Item: Raw + Send {}

impl<T: Raw + Send> Item for T {}

/// A value on its way between run queues, with the address a local ring's
/// prefetch hint gave for it (`ring.rs`, "Prefetch"; 0: none noted). The
/// global queue carries it from a ring's overflow to the ring that refills
/// from it (`fifo.rs`, "Hints"). Only an address: nothing reads through it.
#[derive(Debug)]
pub struct Hinted<T> {
    pub value: T,
    pub at: usize,
}

impl<T> Hinted<T> {
    /// `value` with no hint noted.
    pub fn none(value: T) -> Self {
        Hinted { value, at: 0 }
    }
}

/// Bytes per cache line (x86-64, and the common case elsewhere).
const LINE: usize = 64;

/// Cache lines a queue warms at an item's pointer before it hands the item
/// out (`ring.rs`, "Prefetch"): the engine's items are task boxes of at
/// most [`ITEM_WARM_BYTES`] (asserted where that type is defined). Two
/// were too few: a 120-byte box from malloc (16-byte aligned) spans three
/// lines for three starts in four, and the line left cold held the field
/// the scheduler reads first after the pointer (skynet at 1 P: 795 → 759
/// ms, medians of 12).
pub const ITEM_LINES: usize = 3;

/// Bytes from a 16-byte-aligned item pointer that `ITEM_LINES` lines
/// always cover (the worst start is 16 bytes before a line's end).
pub const ITEM_WARM_BYTES: usize = (ITEM_LINES - 1) * LINE + 16;

/// Starts loading `lines` cache lines from `at`: a hint, so nothing is
/// read and `at` may dangle (so loom builds use it as it is).
pub(crate) fn prefetch_lines(at: *const u8, lines: usize) {
    for line in 0..lines {
        super::sync::prefetch(at.wrapping_add(LINE * line));
    }
}

// SAFETY: `Box::into_raw` is never null and `Box::from_raw` of it restores the
// same box; the queues call `from_raw` once per `into_raw`.
unsafe impl<U> Raw for Box<U> {
    fn into_raw(self) -> NonNull<()> {
        NonNull::from(Box::leak(self)).cast()
    }

    unsafe fn from_raw(raw: NonNull<()>) -> Self {
        // SAFETY: the caller passes back a pointer from `Box::leak` above,
        // once (the trait's contract).
        unsafe { Box::from_raw(raw.cast::<U>().as_ptr()) }
    }
}

// SAFETY: `Arc::into_raw` is never null and keeps the strong count that
// `Arc::from_raw` takes back. (`Arc<U>` is `Send`, hence an `Item`, when
// `U: Send + Sync`: clones may live on other Ms.)
unsafe impl<U> Raw for Arc<U> {
    fn into_raw(self) -> NonNull<()> {
        let raw = Arc::into_raw(self).cast_mut();
        // SAFETY: `Arc::into_raw` returns a pointer to the live allocation.
        unsafe { NonNull::new_unchecked(raw) }.cast()
    }

    unsafe fn from_raw(raw: NonNull<()>) -> Self {
        // SAFETY: the caller passes back a pointer from `Arc::into_raw`
        // above, once (the trait's contract).
        unsafe { Arc::from_raw(raw.cast::<U>().as_ptr()) }
    }
}

// SAFETY: a token is its own value: the integer is stored in the pointer's
// address bits and never dereferenced, and it is `Copy`, so taking it back
// more than once is harmless.
unsafe impl Raw for NonZeroUsize {
    fn into_raw(self) -> NonNull<()> {
        let addr = self.get() as *mut ();
        // SAFETY: the address is `self`, which is not zero.
        unsafe { NonNull::new_unchecked(addr) }
    }

    unsafe fn from_raw(raw: NonNull<()>) -> Self {
        let addr = raw.as_ptr() as usize;
        // SAFETY: `raw` is non-null, so its address is not zero.
        unsafe { NonZeroUsize::new_unchecked(addr) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_keep_the_value() {
        let b = Box::new(41_u64);
        // SAFETY: taken back once, right after giving it up.
        let back = unsafe { <Box<u64> as Raw>::from_raw(Raw::into_raw(b)) };
        assert_eq!(*back, 41);
        let a = Arc::new(7_u8);
        let again = a.clone();
        // SAFETY: as above.
        let back = unsafe { <Arc<u8> as Raw>::from_raw(Raw::into_raw(again)) };
        assert!(Arc::ptr_eq(&a, &back));
        assert_eq!(Arc::strong_count(&a), 2);
        let tok = NonZeroUsize::new(usize::MAX).unwrap();
        // SAFETY: tokens are plain values.
        assert_eq!(unsafe { NonZeroUsize::from_raw(tok.into_raw()) }, tok);
    }
}
