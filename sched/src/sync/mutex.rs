//! `Mutex<T>` (Go's `sync.Mutex`, `sync/mutex.go`), parking goroutines.
//!
//! Two modes, as in Go:
//!
//! - **Normal.** Waiters queue FIFO, but a woken waiter does not own the
//!   lock: it competes with goroutines just arriving, which usually win
//!   (they are already running). A woken waiter that loses goes back to the
//!   *front* of the queue.
//! - **Starvation.** A waiter that has waited more than
//!   [`STARVATION_THRESHOLD`] (1 ms) and still fails switches the mutex to
//!   starvation mode: `unlock` then hands the lock directly to the oldest
//!   waiter, and newcomers queue at the tail without trying. The mode ends
//!   when the waiter that receives the lock is the last one, or waited less
//!   than the threshold.
//!
//! Normal mode is fast (a goroutine can take the lock many times in a row);
//! starvation mode bounds the tail latency.
//!
//! At most one woken competitor is in flight (Go's `mutexWoken`): `unlock`
//! wakes a waiter only if no woken waiter is on its way back and no spinner
//! is about to take the lock. Waking one per `unlock` (as this file did
//! first) woke every waiter in turn only for most to lose and park again:
//! 8 goroutines at 2 Ps parked ~250k times per 1M locks (~500 ns/lock);
//! with the rule ~1.7k times (~68 ns/lock; Go 53 ns on the same machine).
//!
//! Before queueing, a goroutine in normal mode *spins* a few rounds while
//! the lock is held, if the engine allows it (`engine::can_spin`: Go's
//! `runtime_canSpin`, at most 4 rounds of 30 `PAUSE`s, only while another P
//! runs and nothing waits in our local queue; never in deterministic runs).
//! A short critical section on another P usually ends within that time, and
//! the lock is then taken without the two context switches and the wake-up
//! of a park.
//!
//! The protected value lives in a `Box` that the guard takes out of the
//! mutex and puts back on unlock, so no `unsafe` and no OS lock is held
//! across a park (a goroutine may change OS threads while holding a guard).
//! The guard is `Send` like a Go lock, which any goroutine may unlock; a
//! leaked guard (`mem::forget`) loses the value and the lock stays locked.
//! There is no poisoning (Go has none): a panic unlocks on unwinding.

use super::waiter::Waiter;
use crate::engine::{self, Op};
use crate::time::Instant;
use model::event::Access;
use model::{ObjId, OpKind};
use std::collections::VecDeque;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Go's `starvationThresholdNs`.
pub const STARVATION_THRESHOLD: Duration = Duration::from_millis(1);
const _: () = assert!(
    STARVATION_THRESHOLD.as_nanos() == 1_000_000,
    "the prose says 1 ms"
);

/// A mutual-exclusion lock for goroutines, with Go's fairness rules.
pub struct Mutex<T> {
    id: ObjId,
    state: std::sync::Mutex<State<T>>,
    /// `state.locked`, mirrored for spinners so they poll without taking
    /// the state lock. Written under it; a hint only (Relaxed): a spinner
    /// re-checks under the lock before it takes the mutex.
    held: AtomicBool,
    /// How many times `unlock` handed the lock to a waiter directly
    /// (starvation mode). Diagnostics only: Relaxed.
    handoffs: AtomicU64,
}

struct State<T> {
    locked: bool,
    starving: bool,
    /// A goroutine that may take the lock without being woken is running:
    /// a woken waiter on its way back, or a spinner (Go's `mutexWoken`).
    /// While it is set, `unlock` wakes nobody else: one competitor in
    /// flight is enough, and waking more only makes them park again.
    woken: bool,
    waiters: VecDeque<Arc<Waiter>>,
    /// The protected value while no guard holds it (kept under the same
    /// lock as the state, so locking and unlocking take one OS lock each).
    value: Option<Box<T>>,
}

/// Holds the lock; gives the value back and unlocks on drop.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    value: Option<Box<T>>,
}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            id: engine::new_object(),
            state: std::sync::Mutex::new(State {
                locked: false,
                starving: false,
                woken: false,
                waiters: VecDeque::new(),
                value: Some(Box::new(value)),
            }),
            held: AtomicBool::new(false),
            handoffs: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn op(&self, kind: OpKind, location: &'static Location<'static>) -> Op {
        Op::new(kind, self.id, Access::ReadWrite, location)
    }

    /// Locks, parking the goroutine while another holds the lock.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock_at(Location::caller())
    }

    /// `lock`, reported at `location` (`Cond::wait` relocks for its caller).
    pub(crate) fn lock_at(&self, location: &'static Location<'static>) -> MutexGuard<'_, T> {
        let op = self.op(OpKind::Lock, location);
        engine::visible(&op);
        let value = self.acquire(&op);
        self.guard(value)
    }

    /// Locks only if the lock is free now (and not reserved for a starving
    /// waiter).
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        engine::visible(&self.op(OpKind::Lock, Location::caller()));
        let mut st = self.state();
        if st.locked || st.starving {
            return None;
        }
        self.set_locked(&mut st, true);
        let value = st.value.take();
        drop(st);
        Some(self.guard(value))
    }

    fn set_locked(&self, st: &mut State<T>, locked: bool) {
        st.locked = locked;
        // Relaxed: a hint for spinners (field docs).
        self.held.store(locked, Relaxed);
    }

    /// Go's `lockSlow`: compete, spin, queue, park; until acquired or
    /// handed. Returns the value, taken out of the state.
    fn acquire(&self, op: &Op) -> Option<Box<T>> {
        let mut since: Option<Instant> = None;
        let mut spins = 0;
        // Whether this goroutine set `woken` (as a spinner) or was woken
        // (which set it): it clears the flag when it next looks.
        let mut awoke = false;
        loop {
            let mut st = self.state();
            if std::mem::take(&mut awoke) {
                st.woken = false;
            }
            if !st.locked && !st.starving {
                self.set_locked(&mut st, true);
                return st.value.take();
            }
            if !st.starving && engine::can_spin(spins) {
                // Tell `unlock` not to wake a waiter: we are here to take
                // the lock (Go's spinner sets `mutexWoken`).
                if !st.woken && !st.waiters.is_empty() {
                    st.woken = true;
                    awoke = true;
                }
                drop(st);
                spins += 1;
                self.spin();
                continue;
            }
            let now = engine::now();
            let first = since.is_none();
            let start = *since.get_or_insert(now);
            if st.locked && now.saturating_duration_since(start) > STARVATION_THRESHOLD {
                st.starving = true;
            }
            let w = Waiter::new(start);
            match first {
                true => st.waiters.push_back(w.clone()),
                false => st.waiters.push_front(w.clone()), // woken and lost: LIFO
            }
            drop(st);
            if w.wait(op) {
                // Handed over in starvation mode (the value is back in).
                return self.state().value.take();
            }
            spins = 0; // woken to compete: spin again, as Go does
            awoke = true;
        }
    }

    /// One spin round (Go's `procyield(active_spin_cnt)`), cut short when
    /// the lock is released.
    fn spin(&self) {
        for _ in 0..30 {
            // Relaxed: a hint (field docs).
            if !self.held.load(Relaxed) {
                return;
            }
            std::hint::spin_loop();
        }
    }

    /// Go's `unlockSlow`: put the value back, then hand off (starving) or
    /// release and wake one.
    fn release(&self, value: Option<Box<T>>) {
        let mut st = self.state();
        st.value = value;
        if st.starving {
            let w = st.waiters.pop_front().expect("starvation mode has waiters");
            if st.waiters.is_empty() || w.since.elapsed() < STARVATION_THRESHOLD {
                st.starving = false;
            }
            drop(st);
            self.handoffs.fetch_add(1, Relaxed);
            w.grant();
            return;
        }
        self.set_locked(&mut st, false);
        if st.woken {
            return; // a competitor is already on its way (field docs)
        }
        let w = st.waiters.pop_front();
        st.woken = w.is_some();
        drop(st);
        if let Some(w) = w {
            w.wake();
        }
    }

    fn guard(&self, value: Option<Box<T>>) -> MutexGuard<'_, T> {
        assert!(
            value.is_some(),
            "sched: Mutex value lost (a guard was leaked)"
        );
        MutexGuard { mutex: self, value }
    }

    /// How many times the lock was handed directly to a starving waiter.
    #[doc(hidden)]
    pub fn handoffs(&self) -> u64 {
        self.handoffs.load(Relaxed)
    }

    /// The value (no locking needed: `&mut self` is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        st.value
            .as_mut()
            .expect("sched: Mutex value lost (a guard was leaked)")
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        let st = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        *st.value
            .expect("sched: Mutex value lost (a guard was leaked)")
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        write!(f, "Mutex(locked: {}, starving: {})", st.locked, st.starving)
    }
}

impl<'a, T> MutexGuard<'a, T> {
    /// The mutex this guard locks (`Cond::wait` unlocks and relocks it).
    pub(crate) fn mutex(&self) -> &'a Mutex<T> {
        self.mutex
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a live guard holds the value")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("a live guard holds the value")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        engine::visible(&self.mutex.op(OpKind::Unlock, Location::caller()));
        self.mutex.release(self.value.take());
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
