//! The M's thread-local context and the goroutine → M switch protocol.
//!
//! A goroutine may move to another OS thread at every runtime entry, so the
//! runtime never caches a thread-local across a switch: every read goes
//! through the `#[inline(never)]` accessors below (LLVM may otherwise keep a
//! thread-local's address across a call that switches stacks, llvm#98479).
//! The same rule binds users: a reference into a `thread_local!` must not be
//! held across a blocking operation (see the crate docs).

use super::g::GRef;
use super::shared::{Shared, P};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Why a goroutine switched back to its M.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Switch {
    /// `yield_now`: back into a run queue per the policy.
    Yield,
    /// Quantum expired: like `Yield`, counted as a preemption.
    Preempted,
    /// `park`: the M finishes the park protocol.
    Park,
    /// Returned from a blocking call and found no P: the M queues the
    /// goroutine globally and looks for a P itself.
    SyscallNoP,
}

/// What an M thread knows about itself.
pub(crate) struct MCtx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) p: RefCell<Option<Box<P>>>,
    pub(crate) current: RefCell<Option<GRef>>,
    pub(crate) switch: Cell<Switch>,
    /// This M's id (its thread's index).
    pub(crate) id: model::MId,
    /// Buffered trace events (trace.rs); empty unless the runtime traces.
    pub(crate) events: RefCell<Vec<model::event::TimedEvent>>,
    /// A goroutine that just yielded to the global queue, held until this
    /// M next looks at that queue, which then takes the push and the pop in
    /// one critical section (worker.rs, `find_runnable`).
    pub(crate) yielded: RefCell<Option<super::g::Task>>,
    /// What the running goroutine asked of `lock_os_thread` or
    /// `unlock_os_thread` since it was resumed (the new `GTask::locked_m`),
    /// applied to its task box when it switches out.
    pub(crate) lock_request: Cell<Option<u32>>,
}

thread_local! {
    static M_CTX: RefCell<Option<Rc<MCtx>>> = const { RefCell::new(None) };
}

/// The context of the M this code runs on, if it is an M.
#[inline(never)]
pub(crate) fn current_m() -> Option<Rc<MCtx>> {
    M_CTX.with(|c| c.borrow().clone())
}

/// What a runtime entry (an operation of a primitive, `yield_now`,
/// `preempt_point`) finds on this thread, in one thread-local read: every
/// operation asks, so this reads the context in place (no clone) and also
/// answers "is this an M?", which spares the production engine the
/// deterministic engine's thread-local read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Not an M: a plain thread, or a deterministic run (which hides the M
    /// context of a thread it runs on: [`hide_m`]).
    NotM,
    /// An M: carry on.
    Run,
    /// An M whose goroutine sysmon asked to yield (its P's preempt flag).
    Preempt,
}

#[inline(never)]
pub(crate) fn entry() -> Entry {
    M_CTX.with(|c| {
        let c = c.borrow();
        let Some(m) = c.as_ref() else {
            return Entry::NotM;
        };
        let p = m.p.borrow();
        let Some(p) = p.as_ref() else {
            return Entry::Run;
        };
        // Relaxed: a hint set by sysmon; no data is published through it.
        if m.shared.p(p.id).preempt.load(Relaxed) && m.current.borrow().is_some() {
            Entry::Preempt
        } else {
            Entry::Run
        }
    })
}

/// What [`ask_switch`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asked {
    /// Not an M (see [`Entry::NotM`]).
    NotM,
    /// An M between goroutines: nothing to switch out.
    NoGoroutine,
    /// The M will handle the switch: the caller suspends the coroutine.
    Switching,
}

/// Asks this thread's M to switch its running goroutine out for `why`, in
/// one thread-local read (no clone of the context); the caller then
/// suspends the coroutine. A goroutine yielding went through two reads and
/// a clone before: yield at P = 1 took 113 ns then, 91 ns now.
#[inline(never)]
pub(crate) fn ask_switch(why: Switch) -> Asked {
    M_CTX.with(|c| {
        let c = c.borrow();
        let Some(m) = c.as_ref() else {
            return Asked::NotM;
        };
        if m.current.borrow().is_none() {
            return Asked::NoGoroutine;
        }
        m.switch.set(why);
        Asked::Switching
    })
}

/// Takes this thread's M context away (a deterministic run starting on an
/// M's thread, inside a goroutine: its goroutines must not look like the
/// M's, see [`Entry::NotM`]) until the returned guard drops, also when the
/// run unwinds.
#[inline(never)]
pub(crate) fn hide_m() -> HiddenM {
    HiddenM(M_CTX.with(|c| c.borrow_mut().take()))
}

/// The M context [`hide_m`] took; put back on drop.
pub(crate) struct HiddenM(Option<Rc<MCtx>>);

impl Drop for HiddenM {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            set_current_m(Some(m));
        }
    }
}

#[inline(never)]
pub(crate) fn set_current_m(m: Option<Rc<MCtx>>) {
    M_CTX.with(|c| *c.borrow_mut() = m);
}

impl MCtx {
    /// The running goroutine (only valid inside one).
    pub(crate) fn current_g(&self) -> Option<GRef> {
        self.current.borrow().clone()
    }

    /// Runs `f` on the M's P, if it holds one.
    pub(crate) fn with_p<R>(&self, f: impl FnOnce(&mut P) -> R) -> Option<R> {
        self.p.borrow_mut().as_mut().map(|p| f(p))
    }
}
