//! Parking Ms: each idle M waits on its own mailbox for a P (Go's
//! `stopm`/`startm` with `mp.park` and `mp.nextp`).
//!
//! The protocol, shared by `worker::acquire_p` and `Shared::startm`:
//!
//! - an M with nothing to do puts its mailbox on the idle-M list and parks
//!   until a P is delivered or shutdown is requested ([`wait_for_work`]);
//! - a waker pops a mailbox off the list and delivers a P *while holding the
//!   list's lock* ([`hand_to_idle`]), and unparks the M *after* releasing
//!   it ([`Delivered::wake`]);
//! - on shutdown, the M takes itself off the list and empties its mailbox
//!   under the same lock, so a P is either delivered to a live M or given
//!   back — never left in the mailbox of an M that has exited.
//!
//! Delivering outside the lock loses a P in exactly that race (the M leaves
//! between the pop and the delivery); the shuttle suite (`mailbox_shuttle`)
//! explores it. The unpark needs no lock: the P is in the mailbox, and an M
//! checks its mailbox before every park (a thread's unpark token covers
//! the rest). Unparking under the lock made the woken M, which takes the
//! same lock at once to wake a spinner, block on it and be woken a second
//! time by the unlock, on whichever CPU was idle then: on the 2-core VM
//! that moved it onto the CPU where the next M was pinned (`cpu.rs`), and
//! that M then waited behind it for the whole of a fib(30) at 2 P.
//!
//! This file is compiled a second time against shuttle's primitives for
//! that suite.

use super::mailbox_sync::{park, Mutex, MutexGuard, Thread};

/// One M's parking spot.
#[derive(Debug)]
pub(crate) struct Mailbox<T> {
    slot: Mutex<Option<T>>,
    thread: Thread,
}

impl<T> Mailbox<T> {
    /// A mailbox for the calling thread.
    pub(crate) fn for_current_thread() -> Self {
        Mailbox {
            slot: Mutex::new(None),
            thread: super::mailbox_sync::current(),
        }
    }

    fn take(&self) -> Option<T> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Puts `t` in the mailbox without waking its M ([`Delivered::wake`]).
    fn put(&self, t: T) {
        let old = self
            .slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(t);
        assert!(
            old.is_none(),
            "sched: a P was delivered to an M that already had one"
        );
    }

    /// Parks until something is delivered (`Some`) or `stop()` holds
    /// (`None`); for a mailbox on no list (a locked M's).
    pub(crate) fn wait_alone(&self, stop: impl Fn() -> bool) -> Option<T> {
        loop {
            if let Some(t) = self.take() {
                return Some(t);
            }
            if stop() {
                return None;
            }
            park();
        }
    }

    /// Takes what was delivered, if anything (shutdown drains).
    pub(crate) fn drain(&self) -> Option<T> {
        self.take()
    }

    /// Hands `t` to the mailbox's M and wakes it.
    pub(crate) fn send(&self, t: T) {
        self.put(t);
        self.thread.unpark();
    }

    /// Wakes the M without delivering anything (shutdown).
    pub(crate) fn nudge(&self) {
        self.thread.unpark();
    }
}

/// Parks the calling M (whose mailbox is `me`) on the idle list until a P is
/// delivered (`Ok`) or `stop()` holds; on stop, anything delivered in the
/// meantime comes back as `Err(Some(t))` for the caller to give back.
pub(crate) fn wait_for_work<T, L>(
    idle: &Mutex<L>,
    list: impl Fn(&mut L) -> &mut Vec<std::sync::Arc<Mailbox<T>>>,
    me: &std::sync::Arc<Mailbox<T>>,
    stop: impl Fn() -> bool,
) -> Result<T, Option<T>> {
    list(&mut lock(idle)).push(me.clone());
    loop {
        if let Some(t) = me.take() {
            return Ok(t);
        }
        if stop() {
            let mut guard = lock(idle);
            list(&mut guard).retain(|m| !std::sync::Arc::ptr_eq(m, me));
            return Err(me.take());
        }
        park();
    }
}

/// Delivers `t` to an idle M, if one is parked; gives `t` back otherwise.
/// `ms` is borrowed from the locked idle list: holding that lock is what makes the
/// delivery safe against an M leaving on shutdown. The M is not woken yet:
/// the caller wakes it once the lock is released ([`Delivered::wake`]).
pub(crate) fn hand_to_idle<T>(
    ms: &mut Vec<std::sync::Arc<Mailbox<T>>>,
    t: T,
) -> Result<Delivered, T> {
    match ms.pop() {
        Some(m) => {
            m.put(t);
            Ok(Delivered(m.thread.clone()))
        }
        None => Err(t),
    }
}

/// An M that [`hand_to_idle`] gave work to, still to be woken.
#[must_use = "an M handed a P sleeps until woken"]
pub(crate) struct Delivered(Thread);

impl Delivered {
    /// Wakes the M (after the idle list's lock is released: module docs).
    pub(crate) fn wake(self) {
        self.0.unpark();
    }
}

fn lock<L>(m: &Mutex<L>) -> MutexGuard<'_, L> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
