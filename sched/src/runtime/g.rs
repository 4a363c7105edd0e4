//! Goroutines: the shared descriptor (`GShared`), the runnable unit that
//! travels through run queues (`Task`), and the wake protocol.
//!
//! ## The wake protocol (park / unpark without lost wake-ups)
//!
//! A goroutine's `state` moves through:
//!
//! ```text
//!  RUNNABLE ──M runs it──▶ RUNNING ──park()──▶ PARKING ──M after switch-out──▶ PARKED
//!     ▲                      │  ▲                 │                               │
//!     │                      │  └─ park() consumes ┘ (unpark came first:          │
//!     │                      ▼     NOTIFIED → RUNNING, no switch)                  │
//!     │                   NOTIFIED ◀──unpark()── RUNNING | PARKING                │
//!     └──────────────────────────────unpark(): PARKED → RUNNABLE, requeue ◀───────┘
//! ```
//!
//! `unpark` is a token, like `std::thread::unpark`: if the goroutine is not
//! parked yet it sets `NOTIFIED`, and the next `park` (or the M finishing the
//! switch-out) consumes it. The parked `Task` is stored in `parked` *before*
//! the M publishes `PARKED`, so an unparker that wins `PARKED → RUNNABLE`
//! always finds it there. This is Go's `gopark`/`goready` with the
//! `unlockf`-after-switch idea replaced by the token (tokio's task state and
//! `std::thread::park` use the same token idea).

use crate::coro::Coro;
use model::BlockReason;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering::*};
use std::sync::{Arc, Mutex};

pub(crate) const RUNNABLE: u8 = 0;
pub(crate) const RUNNING: u8 = 1;
pub(crate) const PARKING: u8 = 2;
pub(crate) const PARKED: u8 = 3;
pub(crate) const NOTIFIED: u8 = 4;
pub(crate) const DONE: u8 = 5;

/// What every part of the runtime may know about a goroutine.
pub(crate) struct GShared {
    pub(crate) id: u64,
    pub(crate) location: &'static Location<'static>,
    /// The wake protocol state (module docs).
    pub(crate) state: AtomicU8,
    /// The goroutine's task while it is parked (module docs for the order).
    pub(crate) parked: Mutex<Option<Task>>,
    /// Why it is blocked, encoded (`0` = not blocked), for leak and deadlock reports.
    block_reason: AtomicU8,
    /// The M it is locked to (`lock_os_thread`), as `MId + 1`; 0 if none.
    /// Written only by the goroutine itself; read by Ms that dequeue it
    /// (Relaxed: the run-queue hand-over orders the write before the read).
    pub(crate) locked_m: AtomicU32,
}

impl std::fmt::Debug for GShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "goroutine {} (spawned at {})", self.id, self.location)
    }
}

/// A runnable goroutine: what run queues hold (boxed, as one pointer: the
/// lock-free ring stores `queue::Item`s) and Ms resume.
pub(crate) type Task = Box<GTask>;

pub(crate) struct GTask {
    /// The goroutine's descriptor. While the goroutine runs, its M holds it
    /// (moved into `MCtx::current`, not cloned: a reference-count RMW per
    /// switch showed up as the top cost of the schedule loop).
    g: Option<Arc<GShared>>,
    pub(crate) coro: Coro,
}

impl GTask {
    pub(crate) fn new(g: Arc<GShared>, coro: Coro) -> Self {
        GTask { g: Some(g), coro }
    }

    /// The descriptor (not while the goroutine is running).
    pub(crate) fn g(&self) -> &Arc<GShared> {
        self.g
            .as_ref()
            .expect("a running goroutine's descriptor is lent to its M")
    }

    /// Lends the descriptor to the M for the duration of a run.
    pub(crate) fn lend_g(&mut self) -> Arc<GShared> {
        self.g.take().expect("descriptor already lent")
    }

    /// Takes the descriptor back after the run.
    pub(crate) fn return_g(&mut self, g: Arc<GShared>) {
        self.g = Some(g);
    }

    /// Splits a finished task into its descriptor and coroutine.
    pub(crate) fn into_parts(self) -> (Arc<GShared>, Coro) {
        (self.g.expect("descriptor returned"), self.coro)
    }
}

impl std::fmt::Debug for GTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.g {
            Some(g) => g.fmt(f),
            None => f.write_str("goroutine (running)"),
        }
    }
}

const REASONS: [BlockReason; 11] = [
    BlockReason::ChanSend,
    BlockReason::ChanRecv,
    BlockReason::Select,
    BlockReason::Lock,
    BlockReason::RLock,
    BlockReason::WaitGroup,
    BlockReason::Cond,
    BlockReason::Once,
    BlockReason::Sleep,
    BlockReason::Join,
    BlockReason::Other,
];

impl GShared {
    pub(crate) fn new(id: u64, location: &'static Location<'static>) -> Self {
        GShared {
            id,
            location,
            state: AtomicU8::new(RUNNABLE),
            parked: Mutex::new(None),
            block_reason: AtomicU8::new(0),
            locked_m: AtomicU32::new(0),
        }
    }

    /// Records why the goroutine is about to block (reports only: Relaxed).
    pub(crate) fn set_block_reason(&self, reason: Option<BlockReason>) {
        let code = reason.map_or(0, |r| {
            REASONS.iter().position(|x| *x == r).unwrap_or(10) as u8 + 1
        });
        self.block_reason.store(code, Relaxed);
    }

    /// Why the goroutine is blocked, if it is.
    pub(crate) fn block_reason(&self) -> Option<BlockReason> {
        match self.block_reason.load(Relaxed) {
            0 => None,
            c => Some(REASONS[usize::from(c - 1)]),
        }
    }

    /// Consumes a pending `unpark` token if there is one; otherwise moves
    /// `RUNNING → PARKING`. Returns whether the goroutine must switch out.
    pub(crate) fn begin_park(&self) -> bool {
        // AcqRel: on success, pairs with the Acquire of `unpark`'s CAS so the
        // unparker sees our registration; on failure (NOTIFIED) the Acquire
        // pairs with `unpark`'s Release so we see what the waker published.
        match self
            .state
            .compare_exchange(RUNNING, PARKING, AcqRel, Acquire)
        {
            Ok(_) => true,
            Err(NOTIFIED) => {
                // Pairs with nothing new: the token was published by the failed CAS's Acquire.
                self.state.store(RUNNING, Relaxed);
                false
            }
            Err(s) => unreachable!("park from goroutine state {s}"),
        }
    }

    /// Called by the M after the switch-out: stores the task and publishes
    /// `PARKED`. Returns the task back if an `unpark` came in the meantime.
    pub(crate) fn finish_park(&self, task: Task) -> Option<Task> {
        *self.parked.lock().expect("parked slot poisoned") = Some(task);
        // Release: publishes the stored task to the unparker's Acquire CAS.
        match self
            .state
            .compare_exchange(PARKING, PARKED, AcqRel, Acquire)
        {
            Ok(_) => None,
            Err(NOTIFIED) => {
                self.state.store(RUNNABLE, Relaxed);
                self.parked.lock().expect("parked slot poisoned").take()
            }
            Err(s) => unreachable!("finish_park from goroutine state {s}"),
        }
    }

    /// The unpark side. Returns the task if the goroutine was parked and the
    /// caller must queue it; `None` if a token was left or it was not blocked.
    pub(crate) fn unpark(&self) -> Option<Task> {
        let mut s = self.state.load(Acquire);
        loop {
            let next = match s {
                RUNNING | PARKING => NOTIFIED,
                PARKED => RUNNABLE,
                _ => return None, // already notified, runnable or done
            };
            // AcqRel: Release publishes the waker's writes (the value handed
            // over) to the parked goroutine; Acquire pairs with `finish_park`.
            match self.state.compare_exchange_weak(s, next, AcqRel, Acquire) {
                Ok(_) if next == RUNNABLE => {
                    self.set_block_reason(None);
                    return self.parked.lock().expect("parked slot poisoned").take();
                }
                Ok(_) => return None,
                Err(actual) => s = actual,
            }
        }
    }
}
