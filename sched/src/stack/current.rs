//! What runs on this thread now: the goroutine's label and a pointer to
//! the running coroutine's [`Running`] record (its stack's geometry and its
//! way back), one slot each per OS thread, read by the overflow signal
//! handler, the canary report and `coro::suspend`.
//!
//! A switch-in is one pointer store: the record lives inside the `Coro`,
//! whose address is fixed while `resume` holds `&mut` to it, so nothing is
//! copied per switch.
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

/// The running coroutine's record: its stack's geometry and its yielder
/// (type-erased here; `coro` owns its meaning).
#[derive(Debug)]
pub(crate) struct Running {
    /// The coroutine's `Yielder`, in its root frame; null until it first
    /// runs (the coroutine stores it on entry).
    pub(crate) yielder: Cell<*const ()>,
    /// The stack it runs on.
    pub(crate) stack: StackInfo,
}

struct Current {
    label: Cell<*const GoroutineLabel>,
    running: Cell<*const Running>,
}

thread_local! {
    static CURRENT: Current = const {
        Current { label: Cell::new(ptr::null()), running: Cell::new(ptr::null()) }
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

/// Makes `running` the record of the coroutine running on this thread;
/// returns the previous one for [`leave`]. The pointer must stay valid
/// until [`leave`].
#[inline(never)]
pub(crate) fn enter(running: *const Running) -> *const Running {
    CURRENT.with(|c| c.running.replace(running))
}

/// Restores the record [`enter`] returned.
#[inline(never)]
pub(crate) fn leave(prev: *const Running) {
    CURRENT.with(|c| c.running.set(prev));
}

/// The running coroutine's record on this thread (null outside one).
#[inline(never)]
pub(crate) fn running() -> *const Running {
    CURRENT.try_with(|c| c.running.get()).unwrap_or(ptr::null())
}

/// The stack running on this thread ([`StackInfo::NONE`] when none).
pub(crate) fn running_stack() -> StackInfo {
    let running = running();
    if running.is_null() {
        return StackInfo::NONE;
    }
    // SAFETY: a non-null record is valid between `enter` and `leave`, and
    // this thread is between them (it runs that coroutine or its unwind).
    unsafe { (*running).stack }
}
