//! The wake protocol of one goroutine: park / unpark without lost wake-ups
//! (Go's `gopark`/`goready`, with the `unlockf`-after-switch idea replaced
//! by a token, as in `std::thread::park` and tokio's task state).
//!
//! ```text
//!  ACTIVE ──the M, after the switch-out (finish_park)──▶ PARKED
//!    │                                                    │ unpark(): → ACTIVE, and
//!    │ unpark()                                           │ the unparker queues the task
//!    ▼                                                    │
//!  NOTIFIED ── the M finishing a switch-out consumes it: → ACTIVE, and the M
//!              requeues the goroutine, which re-checks its condition
//! ```
//!
//! `ACTIVE` means runnable *or* running: the M never writes the state when
//! it runs or requeues a goroutine, only the parties of the protocol do.
//! `unpark` is a token: if the goroutine is not parked yet it leaves
//! `NOTIFIED`, and the M finishing the next switch-out consumes it instead
//! of parking. The goroutine itself writes nothing before it switches out:
//! a park is one RMW, the M's `ACTIVE → PARKED` CAS. (A goroutine-side
//! `ACTIVE → PARKING` CAS used to consume a pending token without a
//! switch; it was a third RMW per park/wake cycle, pingpong paid about 3 %
//! for it, and a pending token is rare: its cost now is a switch and a
//! requeue.) The parked task is stored in the cell *before* the M
//! publishes `PARKED`, so an unparker that wins `PARKED → ACTIVE` always
//! finds it there.
//!
//! ## Why every transition is a read-modify-write
//!
//! A waker publishes its condition (say a `done` flag, Release) and then
//! unparks; the goroutine re-checks the condition (Acquire) before parking.
//! If `unpark` merely *loaded* the state and returned on seeing a pending
//! token (or a runnable goroutine), the pair would be the store-buffering
//! pattern — waker: write `done`, read `state`; goroutine: write `state`
//! (consume the token), read `done` — which Acquire/Release does not order
//! (and x86 does reorder: the waker's store waits in its store buffer while
//! its load runs). Both could read the old value: the waker sees the stale
//! token and leaves, the goroutine consumes it, misses `done` and parks for
//! good. That is the lost wake-up the benchmark harness hit once in ~10^9
//! channel operations (a `select!` consumer at 2 Ps; `wake_loom_tests.rs`
//! reproduces it when `unpark` goes back to a plain load).
//!
//! Here every write to the state is an RMW (AcqRel), so all of them are
//! totally ordered on the one location, and whichever of the two comes
//! second reads the first's value with Acquire. The goroutine's side is
//! the M's CAS after the switch-out (program order on the M's thread puts
//! the goroutine's check of its condition, and its registration as a
//! waiter, before it). If the waker's RMW is first, the M's CAS finds the
//! token, its consuming swap synchronises with the waker, and the
//! requeued goroutine sees `done`; if the M's is first, the waker finds
//! `PARKED` and queues the task, which then sees `done` through that
//! queue. The cost is none on the hot path: `unpark` was already a CAS
//! for a running or parked goroutine, and the M stores no state per run.
//! `wake_loom_tests.rs` checks this file under loom.
//!
//! ## The parked task's cell: no RMW, no reference count
//!
//! The task waits in a plain `AtomicPtr`. Only two parties ever touch it,
//! one at a time by the protocol: the M between its switch-out and its
//! `ACTIVE → PARKED` CAS (it stores the task; if an unpark came first, it
//! takes the task back itself), and the one unparker that wins
//! `PARKED → ACTIVE` (it takes the task). So the cell needs no swap: the
//! M's Relaxed store is published by its Release CAS, and the unparker's
//! Acquire CAS makes it visible to its Relaxed load. (It was a
//! `queue::Slot`, a locked swap on each side.)
//!
//! The cell lives in the goroutine's descriptor, which the task itself
//! keeps alive, so the M parks the task *into its own descriptor*
//! ([`Wake::finish_park`] takes the task, [`Parks`] finds the cell in it).
//! Safe code needs a second reference to the descriptor for that (the M
//! cloned an `Arc` per park, a locked increment and decrement); here the M
//! keeps a plain reference across the move, which is sound because nobody
//! can take the task out of the cell, and so drop the descriptor, before
//! the M's own CAS publishes `PARKED`, and the M does not touch the cell
//! after a successful CAS (after a failed one, an unpark came first, the
//! task was never published, and the M takes it back). The clone alone
//! cost pingpong at P = 1 8 % (524 → 484 ns); both changes together took
//! it from 512 to 462 ns (same-binary A/B).
//!
//! ## Prefetch
//!
//! The unparker that takes the task out starts loading it
//! ([`ITEM_LINES`](super::item::ITEM_LINES) lines): it is queued next, in
//! `runnext` as a rule, and its M reads it first thing. A goroutine woken
//! after a long wait (a skynet node, after its children ran) has a cold
//! task box, and that miss was the top line of `worker::run` (skynet at
//! 1 P: 759 → 743 ms, medians of 12).

use super::item::{prefetch_lines, Raw, ITEM_LINES};
use super::sync::{AtomicPtr, AtomicU8, Ordering::*};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// Runnable or running (or switching out to park).
pub(crate) const ACTIVE: u8 = 0;
/// Parked; the task waits in the cell for the unparker.
pub(crate) const PARKED: u8 = 1;
/// Not parked, with an unpark token pending.
pub(crate) const NOTIFIED: u8 = 2;
/// Finished; unparks are ignored.
pub(crate) const DONE: u8 = 3;

/// A parked item that holds its own wake cell: a goroutine's task, whose
/// descriptor holds the [`Wake`] it parks in.
pub(crate) trait Parks: Raw {
    /// The cell this item parks in. It must live in memory that the item
    /// keeps alive and that is not the item's own allocation (the one
    /// `into_raw` hands over): [`Wake::finish_park`] relies on both.
    fn wake(&self) -> &Wake<Self>;
}

/// One goroutine's wake state and parked-task cell (module docs).
pub(crate) struct Wake<T: Raw> {
    state: AtomicU8,
    /// The parked task (module docs: who writes it when).
    parked: AtomicPtr<()>,
    /// Owns a `T`, with a `Mutex<T>`'s auto traits (`slot.rs` says why
    /// they are derived, not declared).
    _owns: PhantomData<std::sync::Mutex<T>>,
}

impl<T: Raw> std::fmt::Debug for Wake<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Relaxed: a snapshot for display.
        write!(f, "Wake(state {})", self.state.load(Relaxed))
    }
}

impl<T: Raw> Wake<T> {
    /// A runnable goroutine's state.
    pub(crate) fn new() -> Self {
        Wake {
            state: AtomicU8::new(ACTIVE),
            parked: AtomicPtr::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// `NOTIFIED → ACTIVE`. An RMW, not a store: it reads the latest
    /// token-setting RMW (Acquire), so the caller sees what every waker so
    /// far published (module docs). Between the caller's read of
    /// `NOTIFIED` and this swap, unparkers can only rewrite `NOTIFIED`.
    fn consume_token(&self) {
        // AcqRel: pairs with the AcqRel CAS in `unpark`.
        let prev = self.state.swap(ACTIVE, AcqRel);
        debug_assert_eq!(prev, NOTIFIED, "only unparkers write a token");
    }

    /// Empties the cell. Only its current owner calls this (module docs):
    /// the unparker that won `PARKED → ACTIVE`, or the M whose CAS found a
    /// token.
    fn take_owned(&self) -> Option<T> {
        // Relaxed: the caller's Acquire RMW on the state (or its own store)
        // ordered the item's store before this load.
        let raw = NonNull::new(self.parked.load(Relaxed))?;
        prefetch_lines(raw.as_ptr().cast::<u8>(), ITEM_LINES);
        // Relaxed: the next store is the M's, after the task was queued and
        // run again (the run queues order it after this one).
        self.parked.store(ptr::null_mut(), Relaxed);
        // SAFETY: the cell held `raw` from `T::into_raw` (`finish_park`),
        // and only the cell's single owner (this caller) takes it out.
        Some(unsafe { T::from_raw(raw) })
    }

    /// The unpark side. Returns the task if the goroutine was parked and the
    /// caller must queue it; `None` if a token was left (or it had finished).
    pub(crate) fn unpark(&self) -> Option<T> {
        // Relaxed: only a first guess for the CAS, which validates it.
        let mut s = self.state.load(Relaxed);
        loop {
            let next = match s {
                // Even over an existing token this writes (module docs).
                ACTIVE | NOTIFIED => NOTIFIED,
                PARKED => ACTIVE,
                _ => return None, // DONE
            };
            // AcqRel: the Release publishes what the waker wrote before
            // unparking to the goroutine's next RMW on the state; the
            // Acquire (on PARKED) pairs with `finish_park`'s Release.
            match self.state.compare_exchange_weak(s, next, AcqRel, Relaxed) {
                Ok(_) if next == ACTIVE => {
                    let task = self.take_owned();
                    debug_assert!(task.is_some(), "a parked goroutine's task is in its cell");
                    return task;
                }
                Ok(_) => return None,
                Err(actual) => s = actual,
            }
        }
    }

    /// The goroutine finished: later unparks do nothing.
    pub(crate) fn set_done(&self) {
        // Release: pairs with the CAS loop in `unpark` (a late unparker sees DONE).
        self.state.store(DONE, Release);
    }

    /// The parked task, taken out at shutdown (nobody will unpark it).
    pub(crate) fn take_parked(&self) -> Option<T> {
        // AcqRel: a swap, whatever raced; the Acquire pairs with the
        // Release CAS that published the task.
        let raw = NonNull::new(self.parked.swap(ptr::null_mut(), AcqRel))?;
        // SAFETY: as in `take_owned`; the swap takes it out exactly once.
        Some(unsafe { T::from_raw(raw) })
    }
}

impl<T: Parks> Wake<T> {
    /// Called by the M after the switch-out: parks `task` in its own cell
    /// (`task.wake()`) and publishes `PARKED`. Returns the task back if an
    /// `unpark` came first (its token is consumed: the goroutine is
    /// `ACTIVE`, and the caller requeues it to re-check its condition).
    pub(crate) fn finish_park(task: T) -> Option<T> {
        let wake: *const Wake<T> = task.wake();
        // SAFETY: `task` keeps the cell alive (`Parks`) until someone takes
        // the task out of it and drops it. Until the CAS below publishes
        // `PARKED`, nobody but this thread may take it (unparkers take only
        // after winning `PARKED → ACTIVE`; shutdown takes only once every M
        // has stopped), and after the CAS this reference is not used. The
        // reference points into the descriptor, not into the task's own
        // allocation that the move below hands over.
        let wake = unsafe { &*wake };
        let raw = task.into_raw();
        // Relaxed: a check of the cell's own last write (this M's, or the
        // unparker's null, ordered by the run queues).
        debug_assert!(
            wake.parked.load(Relaxed).is_null(),
            "a goroutine parked twice"
        );
        // Relaxed: published by the Release of the CAS below.
        wake.parked.store(raw.as_ptr(), Relaxed);
        // AcqRel: the Release publishes the stored task to the unparker
        // whose CAS reads `PARKED` (Acquire).
        match wake.state.compare_exchange(ACTIVE, PARKED, AcqRel, Acquire) {
            Ok(_) => None,
            Err(NOTIFIED) => {
                wake.consume_token();
                wake.take_owned()
            }
            Err(s) => unreachable!("finish_park from goroutine state {s}"),
        }
    }
}

impl<T: Raw> Drop for Wake<T> {
    fn drop(&mut self) {
        drop(self.take_parked());
    }
}
