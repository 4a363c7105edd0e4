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
use std::ptr::{self, NonNull};

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
    /// Who it is: what the overflow report calls it, and what outlives
    /// every frame on the stack ([`Anchor`]), if anything.
    pub(crate) owner: Owner,
}

/// Who a coroutine is: 16 bytes, one field of its record (every
/// goroutine's task carries a record; a wider one tipped the task over a
/// malloc size class and skynet ran 2-5% slower). The anchor is therefore a
/// thin pointer to the one type coroutines are anchored to, which lets
/// `Anchored` share `Labelled`'s niche (a reference has one spare value, so
/// an unlabelled coroutine is labelled [`Owner::unknown`], not a third
/// variant).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Owner {
    /// Labelled for the overflow report, not anchored.
    Labelled(GoroutineLabel),
    /// Anchored; the anchor also gives the label.
    Anchored(NonNull<AnchorTarget>),
}

const _: () = assert!(std::mem::size_of::<Owner>() == 16);

/// Where an unlabelled coroutine's label points: no spawn site.
static NOWHERE: &std::panic::Location<'static> = std::panic::Location::caller();

impl Owner {
    /// A coroutine without a label ("a goroutine without a label"). A
    /// function, not a `const`: a constant may carry its own copy of the
    /// location, and [`Running::label`] recognises this one by address.
    pub(crate) fn unknown() -> Owner {
        Owner::Labelled(GoroutineLabel::new(0, NOWHERE))
    }
}

impl Running {
    /// What the overflow report calls the coroutine. `unfinished`: whether
    /// the coroutine has not returned yet (started or not), so that its
    /// root frame, which owns an anchor, still exists; a finished anchored
    /// coroutine has no label left. Async-signal-safe: an anchor's label
    /// reads two words (see [`Anchor::label`]).
    pub(crate) fn label(&self, unfinished: bool) -> Option<GoroutineLabel> {
        match self.owner {
            Owner::Labelled(l) if std::ptr::eq(l.spawned_at(), NOWHERE) => None,
            Owner::Labelled(l) => Some(l),
            // SAFETY: the root frame (or, before the first resume, the
            // closure waiting to run in it) owns the anchor until the
            // coroutine returns or is unwound (`coro::Coro::with_anchor`);
            // `unfinished` says it has not, and the caller holds the record,
            // that is the `Coro`, so it is not being unwound concurrently.
            Owner::Anchored(a) if unfinished => Some(unsafe { a.as_ref() }.label()),
            Owner::Anchored(_) => None,
        }
    }
}

/// Something that outlives every frame on a coroutine's stack: the
/// coroutine's root frame owns it (`coro::Coro::with_anchor`), and the root
/// frame is the last to go, whether the coroutine returns or is unwound.
/// A value living on that stack may therefore refer to it without a
/// reference count, for as long as the value itself is alive
/// ([`anchor_at`]). The runtime anchors each goroutine to its descriptor,
/// which a blocked channel operation's waiter on the goroutine's stack
/// uses to wake it (`queue/pinned.rs`): one reference-count increment and
/// one decrement fewer per blocked operation.
pub(crate) trait Anchor: Sync {
    /// Makes the coroutine's owner runnable again (an unpark, which queues
    /// it if it was parked, or leaves a token).
    fn wake(&self);

    /// The coroutine's label. Called from the overflow signal handler:
    /// must be async-signal-safe (read fields; no allocation, no lock).
    fn label(&self) -> GoroutineLabel;
}

/// The one type coroutines are anchored to: a goroutine's descriptor.
/// Concrete, so that the anchor is a thin pointer (see [`Owner`]).
pub(crate) type AnchorTarget = crate::runtime::GShared;

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

/// The anchor of the coroutine running on this thread, if it has one and
/// `addr` lies on its stack: then the anchor outlives whatever lives at
/// `addr` (see [`Anchor`]).
pub(crate) fn anchor_at(addr: usize) -> Option<NonNull<AnchorTarget>> {
    let running = running_record()?;
    let on_stack = (running.stack.usable_lo()..running.stack.base).contains(&addr);
    match running.owner {
        Owner::Anchored(a) if on_stack => Some(a),
        _ => None,
    }
}

/// Whether the coroutine running on this thread has an anchor (then a
/// value lent from its stack names it: `queue::PinnedRef::anchor`).
pub(crate) fn running_anchored() -> bool {
    running_record().is_some_and(|r| matches!(r.owner, Owner::Anchored(_)))
}

/// The record of the coroutine running on this thread, if any.
pub(crate) fn running_record<'a>() -> Option<&'a Running> {
    let running = running();
    // SAFETY: a non-null record is valid between `enter` and `leave`, and
    // the caller (the fault handler, on this thread) runs between them: it
    // interrupted that coroutine or its unwind, which `leave` follows.
    (!running.is_null()).then(|| unsafe { &*running })
}
