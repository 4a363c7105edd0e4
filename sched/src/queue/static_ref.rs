//! `StaticRef<T>`: an atomic `Option<&'static T>`, for a value one thread
//! publishes as a hint for another: the spawn location of the goroutine a
//! P runs, which sysmon names when that goroutine ignores a preemption
//! request (`runtime/sysmon.rs`).
//!
//! Only `&'static T` go in, so whatever pointer a load returns is valid for
//! ever and needs no ordering with the store: the pointee never changes
//! and lives in static memory (a `#[track_caller]` location). Relaxed
//! throughout.

use super::sync::{AtomicPtr, Ordering};
use std::ptr;

/// An atomic `Option<&'static T>` (module docs).
pub(crate) struct StaticRef<T: 'static> {
    ptr: AtomicPtr<T>,
}

impl<T: Sync + 'static> StaticRef<T> {
    /// Holding nothing.
    pub(crate) fn new() -> Self {
        StaticRef {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Publishes `r` (replacing the previous one).
    pub(crate) fn store(&self, r: &'static T) {
        // Relaxed: module docs.
        self.ptr
            .store(ptr::from_ref(r).cast_mut(), Ordering::Relaxed);
    }

    /// The last reference published, if any.
    pub(crate) fn load(&self) -> Option<&'static T> {
        // Relaxed: module docs.
        let p = self.ptr.load(Ordering::Relaxed);
        // SAFETY: every non-null value stored came from a `&'static T`
        // (`store`), which is valid, shared and immutable for the rest of
        // the program; `T: Sync` makes sharing it with this thread sound.
        unsafe { p.as_ref() }
    }
}

impl<T: 'static> std::fmt::Debug for StaticRef<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticRef")
    }
}

#[cfg(test)]
mod tests {
    use super::StaticRef;
    use std::panic::Location;

    #[test]
    fn holds_the_last_reference_published() {
        let r = StaticRef::new();
        assert!(r.load().is_none());
        let here = Location::caller();
        r.store(here);
        assert_eq!(r.load(), Some(here));
        static OTHER: u32 = 7;
        let n = StaticRef::new();
        n.store(&OTHER);
        assert_eq!(n.load().copied(), Some(7));
    }
}
