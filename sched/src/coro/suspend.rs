//! The running coroutine's way back: [`suspend`], through the yielder kept
//! in the coroutine's `Running` record, which `Coro::resume` makes this
//! thread's current record on every switch-in (`stack/current.rs`).
//!
//! The `Yielder` lives in the coroutine's root frame, on its own stack, so
//! its address is fixed for the coroutine's life and stays valid on
//! whichever thread resumes it. The thread slot is read only through
//! `#[inline(never)]` functions: after a switch the goroutine may be on
//! another OS thread, and a TLS address cached across the switch would name
//! the old thread's slot (llvm/llvm-project#98479).

use corosensei::Yielder;

use crate::stack;

pub(crate) type CoroYielder = Yielder<(), ()>;

/// Whether the caller runs inside a coroutine.
pub fn in_coroutine() -> bool {
    !stack::running().is_null()
}

/// Switches back to whoever resumed the running coroutine; returns when it
/// is resumed again, possibly on another OS thread.
///
/// Always inlined, and so are the runtime's callers down to the public
/// operation (`yield_now`, a channel's wait, a lock's wait): the switch
/// should sit in the frame the goroutine carries on in. The CPU predicts
/// returns from one return-stack buffer, which the two stacks share:
/// corosensei pairs the switch's own `call` and `ret`, but every frame
/// between the switch and the code that continues after it is returned
/// from on resume while the buffer holds the M's addresses, and pushes an
/// address the M then pops on the way back: two mispredicted returns per
/// frame per park. One frame (a non-inlined `yield_now`) cost a yield at
/// 1 P 15 ns of 54 on an AMD EPYC (Zen 4); none brings it to 39.
///
/// # Panics
/// When called outside a coroutine.
#[inline(always)]
pub fn suspend() {
    let running = stack::running();
    assert!(
        !running.is_null(),
        "coro::suspend called outside a coroutine"
    );
    // SAFETY: a non-null record is the running coroutine's, valid until its
    // resumer leaves (after this switch-out). Its yielder was stored by the
    // coroutine's root frame before any user code ran, and lives in that
    // frame until the coroutine finishes. Neither pointer is used after the
    // switch, when this code may be on another thread with another record.
    unsafe {
        let yielder = (*running).yielder.get().cast::<CoroYielder>();
        (*yielder).suspend(());
    }
}

/// Stores the coroutine's yielder in its record (first thing it does).
pub(crate) fn register_yielder(yielder: &CoroYielder) {
    let running = stack::running();
    debug_assert!(!running.is_null());
    // SAFETY: the coroutine starts only inside `Coro::resume`, which entered
    // its record on this thread.
    unsafe {
        (*running)
            .yielder
            .set((yielder as *const CoroYielder).cast())
    };
}
