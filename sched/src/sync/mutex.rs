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
//! of a park. The spin does not watch the lock (see `spin`).
//!
//! Measured (`bench-sched --workload mutex`, 8 goroutines, 2M locks, this
//! 2-core VM): with the value-slot fast path, 52 → 32 ns/lock at 1 P and
//! 51 → 33 ns/lock at 2 Ps, against the internal-OS-lock version. Then,
//! with the uncontended lock and unlock inlined (slow paths cold), the
//! engine's preemption check inlined down to its thread-local read, and
//! the first attempt one swap without a look first: 23.4 → 19.4 ns/lock
//! at 1 P (Go 17.5 in the same session; two locked RMWs alone cost ~14 ns
//! on this VM, and the rest of the gap is our per-operation preemption
//! check, which Go does not make).
//!
//! The protected value lives in a `Box` that the guard takes out of the
//! mutex and puts back on unlock, so no OS lock is held across a park (a
//! goroutine may change OS threads while holding a guard). The value's
//! presence *is* the lock (`lock_core.rs`): an uncontended lock is one
//! swap, an uncontended unlock one swap and a load (Go: one CAS, one add);
//! the queue of waiters and the `woken` rule live under a short internal
//! OS lock that only contended paths take. The guard is `Send` like a Go
//! lock, which any goroutine may unlock; a leaked guard (`mem::forget`)
//! loses the value and the lock stays locked. There is no poisoning (Go has
//! none): a panic unlocks on unwinding.

use super::lock_core::LockCore;
use super::waiter::Waiter;
use crate::engine::{self, Op};
use crate::time::Instant;
use model::event::Access;
use model::{ObjId, OpKind};
use std::collections::VecDeque;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
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
    /// The value while unlocked, the waiter count and the mode: the
    /// lock-free fast path (`lock_core.rs`).
    core: LockCore<Box<T>>,
    /// The waiters and the `woken` rule (contended paths only).
    queue: std::sync::Mutex<Queue>,
    /// How many times `unlock` handed the lock to a waiter directly
    /// (starvation mode). Diagnostics only: Relaxed.
    handoffs: AtomicU64,
}

/// Registered waiters (`LockCore::register`), oldest first. The `woken`
/// rule: `LockCore::woken` — a goroutine that may take the lock without
/// being woken is running (a woken waiter on its way back, or a spinner:
/// Go's `mutexWoken`); while it is set, `unlock` wakes nobody else: one
/// competitor in flight is enough, and waking more only makes them park
/// again. It is written under this lock.
struct Queue {
    waiters: VecDeque<Arc<Waiter>>,
}

/// Holds the lock; gives the value back and unlocks on drop.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    value: Option<Box<T>>,
    /// Locked by a production goroutine: its unlock is no scheduling point
    /// (the lock checked for preemption; only a deterministic run explores
    /// the unlock).
    on_m: bool,
}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            id: engine::new_object(),
            core: LockCore::new(Box::new(value)),
            queue: std::sync::Mutex::new(Queue {
                waiters: VecDeque::new(),
            }),
            handoffs: AtomicU64::new(0),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
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
    /// Inlined: the uncontended path is a preemption check and one swap;
    /// everything else is in the cold `acquire`, so the caller's frame
    /// does not pay its prologue (mutex at 1 P: see the module docs).
    #[inline]
    pub(crate) fn lock_at(&self, location: &'static Location<'static>) -> MutexGuard<'_, T> {
        let op = self.op(OpKind::Lock, location);
        let on_m = engine::visible_on_m(&op);
        let value = match self.core.take_first() {
            Some(v) => v,
            None => self.acquire(&op),
        };
        self.guard(value, on_m)
    }

    /// Locks only if the lock is free now (and not reserved for a starving
    /// waiter).
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let on_m = engine::visible_on_m(&self.op(OpKind::Lock, Location::caller()));
        let value = self.core.try_take()?;
        Some(self.guard(value, on_m))
    }

    /// Go's `lockSlow`: spin, register, park; until acquired or handed.
    #[cold]
    #[inline(never)]
    fn acquire(&self, op: &Op) -> Box<T> {
        let mut since: Option<Instant> = None;
        let mut spins = 0;
        // Whether this goroutine set `woken` (as a spinner) or was woken
        // (which set it): it clears the flag when it next looks, or when it
        // takes the lock.
        let mut awoke = false;
        loop {
            if !self.core.starving() && engine::can_spin(spins) {
                if !awoke && self.core.has_waiters() && !self.core.woken() {
                    // Tell `unlock` not to wake a waiter: we are here to
                    // take the lock (Go's spinner sets `mutexWoken`).
                    let q = self.queue();
                    if !self.core.woken() && !q.waiters.is_empty() {
                        self.core.set_woken(true);
                        awoke = true;
                    }
                }
                spins += 1;
                self.spin();
                if let Some(v) = self.core.try_take() {
                    if awoke {
                        let _q = self.queue();
                        self.core.set_woken(false);
                    }
                    return v;
                }
                continue;
            }
            let mut q = self.queue();
            if std::mem::take(&mut awoke) {
                self.core.set_woken(false);
            }
            if let Some(v) = self.core.register() {
                return v;
            }
            let now = engine::now();
            let first = since.is_none();
            let start = *since.get_or_insert(now);
            if now.saturating_duration_since(start) > STARVATION_THRESHOLD {
                self.core.set_starving(true);
            }
            let w = Waiter::new(start);
            match first {
                true => q.waiters.push_back(w.clone()),
                false => q.waiters.push_front(w.clone()), // woken and lost: LIFO
            }
            drop(q);
            if w.wait(op) {
                // Handed over in starvation mode.
                return self
                    .core
                    .take_handed()
                    .expect("a granted waiter finds the handed value");
            }
            spins = 0; // woken to compete: spin again, as Go does
            awoke = true;
        }
    }

    /// One spin round: Go's `procyield(active_spin_cnt)`, 30 `PAUSE`s that
    /// do not look at the lock. Polling it here (as this file once did)
    /// kept pulling the value slot's cache line away from the holder, whose
    /// every lock and unlock then missed: at 2 Ps the `mutex` benchmark ran
    /// at ~150 ns/lock with ~95k parks per 2M locks; without the poll
    /// ~33 ns with ~1k parks.
    fn spin(&self) {
        for _ in 0..30 {
            std::hint::spin_loop();
        }
    }

    /// Unlocks: puts the value back; only if someone must be woken or
    /// handed the lock does it leave the inlined fast path.
    #[inline]
    fn release(&self, value: Box<T>) {
        if self.core.starving() {
            return self.release_starving(value);
        }
        if self.core.put_back(value) {
            self.wake_one();
        }
    }

    /// Go's `unlockSlow` in starvation mode: hand the lock to the oldest
    /// waiter, or, with nobody left, end the mode and put the value back.
    #[cold]
    #[inline(never)]
    fn release_starving(&self, value: Box<T>) {
        {
            let mut q = self.queue();
            if let Some(w) = q.waiters.pop_front() {
                self.core.unregister();
                if q.waiters.is_empty() || w.since.elapsed() < STARVATION_THRESHOLD {
                    self.core.set_starving(false);
                }
                self.core.hand(value);
                drop(q);
                self.handoffs.fetch_add(1, Relaxed);
                w.grant();
                return;
            }
            // Nobody left to hand to.
            self.core.set_starving(false);
        }
        if self.core.put_back(value) {
            self.wake_one();
        }
    }

    /// Go's `unlockSlow` in normal mode, after the value is back: wake the
    /// oldest waiter unless a competitor is already on its way.
    #[cold]
    #[inline(never)]
    fn wake_one(&self) {
        let mut q = self.queue();
        if self.core.woken() {
            return; // a competitor is already on its way (`Queue` docs)
        }
        let w = q.waiters.pop_front();
        if w.is_some() {
            self.core.unregister();
            self.core.set_woken(true);
        }
        drop(q);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// The unlock's scheduling point, off an M (a deterministic run
    /// explores it; production checked preemption at the lock).
    #[cold]
    #[inline(never)]
    fn unlock_step(&self) {
        engine::visible(&self.op(OpKind::Unlock, Location::caller()));
    }

    fn guard(&self, value: Box<T>, on_m: bool) -> MutexGuard<'_, T> {
        MutexGuard {
            mutex: self,
            value: Some(value),
            on_m,
        }
    }

    /// How many times the lock was handed directly to a starving waiter.
    #[doc(hidden)]
    pub fn handoffs(&self) -> u64 {
        self.handoffs.load(Relaxed)
    }

    /// The value (no locking needed: `&mut self` is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.core
            .get_mut()
            .expect("sched: Mutex value lost (a guard was leaked)")
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        *self
            .core
            .into_value()
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
        write!(
            f,
            "Mutex(locked: {}, starving: {})",
            self.core.looks_held(),
            self.core.starving()
        )
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
    #[inline]
    fn drop(&mut self) {
        if !self.on_m {
            self.mutex.unlock_step();
        }
        if let Some(v) = self.value.take() {
            self.mutex.release(v);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
