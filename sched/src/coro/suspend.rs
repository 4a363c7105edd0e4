//! The running coroutine's way back: its `Yielder`, kept in a per-thread
//! slot that `Coro::resume` sets on every switch-in, and [`suspend`].
//!
//! The `Yielder` lives in the coroutine's root frame, on its own stack, so
//! its address is fixed for the coroutine's life and stays valid on
//! whichever thread resumes it. The slot is read and written only through
//! `#[inline(never)]` functions: after a switch the goroutine may be on
//! another OS thread, and a TLS address cached across the switch would name
//! the old thread's slot (llvm/llvm-project#98479).

use std::cell::Cell;
use std::ptr;

use corosensei::Yielder;

pub(crate) type CoroYielder = Yielder<(), ()>;

thread_local! {
    static YIELDER: Cell<*const CoroYielder> = const { Cell::new(ptr::null()) };
}

/// Replaces this thread's yielder slot, returning the old value.
#[inline(never)]
pub(crate) fn swap_yielder(y: *const CoroYielder) -> *const CoroYielder {
    YIELDER.with(|s| s.replace(y))
}

#[inline(never)]
fn current_yielder() -> *const CoroYielder {
    YIELDER.with(|s| s.get())
}

/// Whether the caller runs inside a coroutine.
pub fn in_coroutine() -> bool {
    !current_yielder().is_null()
}

/// Switches back to whoever resumed the running coroutine; returns when it
/// is resumed again, possibly on another OS thread.
///
/// # Panics
/// When called outside a coroutine.
pub fn suspend() {
    let y = current_yielder();
    assert!(!y.is_null(), "coro::suspend called outside a coroutine");
    // SAFETY: a non-null slot holds the yielder of the coroutine running on
    // this thread: `Coro::resume` stores it before switching in and
    // restores the resumer's value after switching out, and the yielder
    // lives in that coroutine's root frame until the coroutine finishes.
    unsafe { &*y }.suspend(());
}
