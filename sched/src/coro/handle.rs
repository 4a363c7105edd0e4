//! `Coro`: a goroutine's coroutine — its stack, its closure, and where it
//! stopped. See `coro/mod.rs` for the decisions (panics, migration, drop).

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::thread;

use corosensei::{Coroutine, CoroutineResult};

use super::suspend::{register_yielder, CoroYielder};
use crate::stack::{
    self, AnchorTarget, Detected, GoroutineLabel, Owner, Running, Stack, StackInfo,
};
use std::ptr::NonNull;
use std::sync::Arc;

/// What a [`Coro::resume`] ended with.
#[derive(Debug)]
pub enum CoroState {
    /// The coroutine called `suspend`; resume it again later.
    Suspended,
    /// The closure returned (`Ok`) or panicked (`Err` with the payload, as
    /// `std::thread::JoinHandle::join` reports it).
    Finished(thread::Result<()>),
}

type Inner = Coroutine<(), (), thread::Result<()>, Stack>;

/// A stackful coroutine on a pool [`Stack`]. `Send`: it may be resumed from
/// a different OS thread each time, one thread at a time.
pub struct Coro {
    inner: Inner,
    /// The stack's geometry and the yielder; this thread's current record
    /// while `resume` runs (the stack itself is owned by `inner`).
    running: Running,
}

// SAFETY: `Coroutine` is !Send only because it cannot know what its stack
// holds. The closure is `Send`; `resume` takes `&mut self`, so one thread at
// a time runs or unwinds the stack; the yielder pointer targets that stack,
// not any thread's memory; and values a goroutine keeps across `suspend`
// must be `Send` by the runtime's contract — the thread-local caveat is
// documented in `coro/mod.rs` and DESIGN.md ("Thread-locals"). The record's
// anchor pointer (`Owner::Anchored`) targets a `Sync` goroutine descriptor,
// owned by the closure, so it may travel with it.
unsafe impl Send for Coro {}

/// An owning pointer whose pointee stays at one address, and alive, for as
/// long as the pointer exists, wherever the pointer itself moves: what
/// [`Coro::with_anchor`] needs of the owner it keeps in the root frame.
///
/// # Safety
///
/// `Deref` must return a reference into memory that neither moves nor is
/// freed while `self` (moved anywhere) is alive, and the pointer must be
/// `Send + 'static`.
pub(crate) unsafe trait StableOwner: std::ops::Deref + Send + 'static {}

// SAFETY: an `Arc`'s pointee is a heap allocation that stays put and alive
// while any `Arc` to it exists; `Arc<T>` is `Send` for `T: Send + Sync`.
unsafe impl<T: ?Sized + Send + Sync + 'static> StableOwner for Arc<T> {}

impl Coro {
    /// A coroutine that will run `f` on `stack` when first resumed. Its
    /// overflow report says "a goroutine without a label" until
    /// [`Coro::set_label`]; the scheduler uses [`Coro::with_label`].
    ///
    /// `f` is moved onto the coroutine's own stack (no heap allocation for
    /// it); a `Box<dyn FnOnce() + Send>` works too.
    pub fn new<F: FnOnce() + Send + 'static>(stack: Stack, f: F) -> Coro {
        let info = stack.info();
        let inner = Coroutine::with_stack(stack, move |y: &CoroYielder, ()| {
            register_yielder(y);
            panic::catch_unwind(AssertUnwindSafe(f))
        });
        Coro {
            inner,
            running: Running {
                yielder: Cell::new(ptr::null()),
                stack: info,
                owner: Owner::unknown(),
            },
        }
    }

    /// A coroutine that will run `f(&owner)`, anchored to `anchor(&owner)`
    /// (which also labels it): `owner` lives in the coroutine's root frame until
    /// `f` returns or the stack is unwound through it, after every other
    /// frame, so values on the stack may refer to the anchor uncounted
    /// (`stack::Anchor`, `stack::anchor_at`). The scheduler anchors a
    /// goroutine to its descriptor.
    pub(crate) fn with_anchor<N, O>(
        stack: Stack,
        owner: O,
        anchor: fn(&N) -> &AnchorTarget,
        f: impl FnOnce(&N) + Send + 'static,
    ) -> Coro
    where
        N: ?Sized + Send + Sync + 'static,
        O: StableOwner + std::ops::Deref<Target = N>,
    {
        // The anchor is inside (or borrowed from) `owner`'s pointee, which
        // does not move when `owner` does (`StableOwner`) and stays alive
        // while the closure below holds `owner`: for the whole life of
        // every frame above it.
        let at = NonNull::from(anchor(&owner));
        let mut coro = Coro::new(stack, move || f(&owner));
        coro.running.owner = Owner::Anchored(at);
        coro
    }

    /// A coroutine whose overflow report names it by `label`.
    pub fn with_label<F: FnOnce() + Send + 'static>(
        stack: Stack,
        label: GoroutineLabel,
        f: F,
    ) -> Coro {
        let mut coro = Coro::new(stack, f);
        coro.set_label(label);
        coro
    }

    /// Sets what the overflow report calls this coroutine.
    pub fn set_label(&mut self, label: GoroutineLabel) {
        self.running.owner = Owner::Labelled(label);
    }

    /// What the overflow report calls this coroutine.
    pub fn label(&self) -> Option<GoroutineLabel> {
        self.running.label(!self.inner.done())
    }

    /// Runs the coroutine until it suspends or finishes. On a canary stack
    /// the canary is checked after every switch-out; an overwritten canary
    /// reports the overflow (naming the coroutine's label) and aborts.
    ///
    /// # Panics
    /// When the coroutine has already finished.
    pub fn resume(&mut self) -> CoroState {
        assert!(!self.inner.done(), "Coro::resume on a finished coroutine");
        // `self.running` stays put while `&mut self` is held, and only the
        // disjoint field `inner` is touched until `leave`.
        let prev = stack::enter(&self.running);
        let result = self.inner.resume(());
        stack::leave(prev);
        self.check_canary();
        match result {
            CoroutineResult::Yield(()) => CoroState::Suspended,
            CoroutineResult::Return(r) => CoroState::Finished(r),
        }
    }

    /// Checks the canary of a canary stack (a no-op on guarded stacks);
    /// on overflow writes the report to stderr and aborts. `resume` already
    /// calls this on every switch-out.
    pub fn check_canary(&self) {
        // SAFETY: `self.inner` owns the stack, so it is mapped.
        if !unsafe { self.running.stack.canary_intact() } {
            stack::report_and_abort(&self.running, !self.inner.done(), Detected::Canary);
        }
    }

    /// Whether the closure has returned or panicked.
    pub fn is_finished(&self) -> bool {
        self.inner.done()
    }

    /// Whether the coroutine has run at least once.
    pub fn is_started(&self) -> bool {
        self.inner.started()
    }

    /// The stack's geometry.
    pub fn stack_info(&self) -> StackInfo {
        self.running.stack
    }

    /// The stack back, for reuse. An unfinished coroutine is force-unwound
    /// first on this thread (every destructor on its stack runs).
    pub fn into_stack(mut self) -> Stack {
        self.unwind();
        let me = std::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again, so `inner` is moved
        // out exactly once; `running` holds no resources.
        let inner = unsafe { ptr::read(&me.inner) };
        inner.into_stack()
    }

    /// Force-unwinds an unfinished coroutine with its yielder in this
    /// thread's slot, so `suspend` during the unwind finds it.
    fn unwind(&mut self) {
        if self.inner.done() {
            return;
        }
        let prev = stack::enter(&self.running);
        self.inner.force_unwind();
        stack::leave(prev);
    }
}

impl Drop for Coro {
    fn drop(&mut self) {
        self.unwind();
    }
}

impl fmt::Debug for Coro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coro")
            .field("started", &self.inner.started())
            .field("finished", &self.inner.done())
            .field("stack", &self.running.stack)
            .finish()
    }
}
