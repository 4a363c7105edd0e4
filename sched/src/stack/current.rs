//! What runs on this thread now: a pointer to the running coroutine's
//! [`Running`] record (its stack's geometry, its label and its way back),
//! one slot per OS thread, read by the overflow signal handler, the canary
//! report and `coro::suspend`.
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
use std::ptr;

use super::label::GoroutineLabel;
use super::region::StackInfo;

/// The running coroutine's record: its stack's geometry, its label and its
/// yielder (type-erased here; `coro` owns its meaning).
#[derive(Debug)]
pub(crate) struct Running {
    /// The coroutine's `Yielder`, in its root frame; null until it first
    /// runs (the coroutine stores it on entry).
    pub(crate) yielder: Cell<*const ()>,
    /// The stack it runs on.
    pub(crate) stack: StackInfo,
    /// What the overflow report calls it.
    pub(crate) label: Option<GoroutineLabel>,
}

thread_local! {
    static RUNNING: Cell<*const Running> = const { Cell::new(ptr::null()) };
}

/// Makes `running` the record of the coroutine running on this thread;
/// returns the previous one for [`leave`]. The pointer must stay valid
/// until [`leave`].
#[inline(never)]
pub(crate) fn enter(running: *const Running) -> *const Running {
    RUNNING.with(|r| r.replace(running))
}

/// Restores the record [`enter`] returned.
#[inline(never)]
pub(crate) fn leave(prev: *const Running) {
    RUNNING.with(|r| r.set(prev));
}

/// The running coroutine's record on this thread (null outside one).
#[inline(never)]
pub(crate) fn running() -> *const Running {
    RUNNING.try_with(Cell::get).unwrap_or(ptr::null())
}

/// The record of the coroutine running on this thread, if any.
pub(crate) fn running_record<'a>() -> Option<&'a Running> {
    let running = running();
    // SAFETY: a non-null record is valid between `enter` and `leave`, and
    // the caller (the fault handler, on this thread) runs between them: it
    // interrupted that coroutine or its unwind, which `leave` follows.
    (!running.is_null()).then(|| unsafe { &*running })
}
