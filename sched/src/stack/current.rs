//! What runs on this thread now: the goroutine's label and its stack's
//! geometry, one record per OS thread, read by the overflow signal handler
//! and by the canary check.
//!
//! Every access goes through an `#[inline(never)]` function: a goroutine
//! may resume on another OS thread after any switch, and LLVM may cache a
//! thread-local's address across calls it believes cannot change threads
//! (llvm/llvm-project#98479), so no caller may inline a TLS address
//! computation into code that spans a switch (DESIGN.md, "Thread-locals").
//! The record is `const`-initialised and has no destructor, so reading it
//! from a signal handler allocates nothing and takes no lock.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;

use super::label::GoroutineLabel;
use super::region::StackInfo;

struct Current {
    label: Cell<*const GoroutineLabel>,
    stack: Cell<StackInfo>,
}

thread_local! {
    static CURRENT: Current = const {
        Current { label: Cell::new(ptr::null()), stack: Cell::new(StackInfo::NONE) }
    };
}

/// Marks `label` as the goroutine running on this thread until the guard
/// drops (the previous label is restored then). The scheduler calls it on
/// every switch-in, around `Coro::resume`; it is one TLS pointer store.
#[inline(never)]
pub fn set_current(label: &GoroutineLabel) -> CurrentLabel<'_> {
    let prev = CURRENT.with(|c| c.label.replace(label));
    CurrentLabel {
        prev,
        _label: PhantomData,
    }
}

/// Guard of [`set_current`]; tied to this thread and to the label's borrow.
#[derive(Debug)]
#[must_use = "the label is current only while the guard lives"]
pub struct CurrentLabel<'a> {
    prev: *const GoroutineLabel,
    _label: PhantomData<&'a GoroutineLabel>,
}

impl Drop for CurrentLabel<'_> {
    #[inline(never)]
    fn drop(&mut self) {
        CURRENT.with(|c| c.label.set(self.prev));
    }
}

/// The current label's pointer (null when none): valid while the
/// [`CurrentLabel`] that set it lives, which spans the whole resume.
#[inline(never)]
pub(crate) fn label_ptr() -> *const GoroutineLabel {
    CURRENT.try_with(|c| c.label.get()).unwrap_or(ptr::null())
}

/// Records the stack about to run on this thread; returns the previous
/// record for [`restore_stack`].
#[inline(never)]
pub(crate) fn enter_stack(info: StackInfo) -> StackInfo {
    CURRENT.with(|c| c.stack.replace(info))
}

/// Restores the record [`enter_stack`] returned.
#[inline(never)]
pub(crate) fn restore_stack(prev: StackInfo) {
    CURRENT.with(|c| c.stack.set(prev));
}

/// The stack running on this thread ([`StackInfo::NONE`] when none).
#[inline(never)]
pub(crate) fn running_stack() -> StackInfo {
    CURRENT
        .try_with(|c| c.stack.get())
        .unwrap_or(StackInfo::NONE)
}
