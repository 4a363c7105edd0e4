//! Interim coroutine layer (replaced by the stack/context-switch work): a
//! goroutine body on a corosensei coroutine that can be resumed from any
//! thread, one at a time.
//!
//! Follows shuttle's single-file use of corosensei: the closure runs on its
//! own stack; panics are caught at the coroutine boundary and returned, never
//! unwound across a switch.

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

type Inner = Coroutine<(), (), std::thread::Result<()>>;

/// What a resumed coroutine did.
pub(crate) enum CoroState {
    /// It called [`suspend`].
    Suspended,
    /// Its body returned (`Ok`) or panicked (`Err` with the payload).
    Finished(std::thread::Result<()>),
}

/// A goroutine body on its own stack.
pub(crate) struct Coro {
    inner: Inner,
    yielder: Box<Cell<*const Yielder<(), ()>>>,
}

// SAFETY: a `Coro` is resumed by one thread at a time (the M that dequeued its
// goroutine), its body is `Send`, and the runtime forbids holding thread-local
// references across a suspension (see the crate docs), so nothing on its stack
// is tied to the thread that last resumed it.
unsafe impl Send for Coro {}

thread_local! {
    static YIELDER: Cell<*const Yielder<(), ()>> = const { Cell::new(ptr::null()) };
}

impl Coro {
    pub(crate) fn new(stack_size: usize, f: Box<dyn FnOnce() + Send>) -> Coro {
        let yielder: Box<Cell<*const Yielder<(), ()>>> = Box::new(Cell::new(ptr::null()));
        let slot: *const Cell<*const Yielder<(), ()>> = &*yielder;
        let slot = SendPtr(slot);
        let stack =
            DefaultStack::new(stack_size).expect("sched: could not allocate a goroutine stack");
        let inner = Coroutine::with_stack(stack, move |y: &Yielder<(), ()>, ()| {
            let slot = slot;
            // SAFETY: `slot` points into the `Box` owned by the `Coro`, which
            // outlives every run of this closure.
            unsafe { (*slot.0).set(y) };
            set_yielder(y);
            catch_unwind(AssertUnwindSafe(f))
        });
        Coro { inner, yielder }
    }

    /// Runs the coroutine until it suspends or finishes.
    pub(crate) fn resume(&mut self) -> CoroState {
        let saved = get_yielder();
        set_yielder(self.yielder.get());
        let r = self.inner.resume(());
        set_yielder(saved);
        match r {
            CoroutineResult::Yield(()) => CoroState::Suspended,
            CoroutineResult::Return(r) => CoroState::Finished(r),
        }
    }
}

struct SendPtr<T>(*const T);
// SAFETY: the pointer is only dereferenced on the coroutine, which the owning
// `Coro` keeps alive (see `Coro`'s `Send`).
unsafe impl<T> Send for SendPtr<T> {}

#[inline(never)]
fn get_yielder() -> *const Yielder<(), ()> {
    YIELDER.with(Cell::get)
}

#[inline(never)]
fn set_yielder(y: *const Yielder<(), ()>) {
    YIELDER.with(|c| c.set(y));
}

/// Switches from the running coroutine back to whoever resumed it.
///
/// # Panics
/// When called outside a coroutine.
pub(crate) fn suspend() {
    let y = get_yielder();
    assert!(!y.is_null(), "sched: suspend() called outside a goroutine");
    // SAFETY: a non-null YIELDER is the yielder of the coroutine running on
    // this thread right now (set by `resume` before switching in).
    unsafe { (*y).suspend(()) };
    // Resumed, perhaps on another thread: `resume` there set YIELDER again.
}
