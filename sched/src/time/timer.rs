//! `Timer`, `after`, `after_func` (Go's `time.Timer`, `time.After`,
//! `time.AfterFunc`, with Go 1.23's semantics).
//!
//! A timer owns a generation number under its lock. Arming (`new`,
//! `reset`) bumps it and starts an engine timer that carries it; the engine
//! timer delivers only if its generation is still current and the timer is
//! still active. `stop` and `reset` bump the generation and drain the
//! channel under the same lock, so — as in Go 1.23 — no stale value can be
//! received after `stop` or `reset` returns, and their return values say
//! whether the timer was active (armed and not yet fired), as Go's do.
//!
//! Delivery never blocks (it runs on a scheduler thread): the channel has a
//! buffer of one and a value that finds it full is dropped.

use crate::chan::{chan, Receiver, Sender};
use crate::engine::{self, Spawner, TimerKey};
use crate::time::Instant;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A one-shot timer: sends the time on [`Timer::c`] when it fires, or runs
/// a function (`after_func`).
pub struct Timer {
    /// Receives the firing time (never closes; for an `after_func` timer
    /// nothing is ever sent, like Go's nil `C`).
    pub c: Receiver<Instant>,
    inner: Arc<Inner>,
}

type Func = Arc<dyn Fn() + Send + Sync>;

struct Inner {
    tx: Sender<Instant>,
    /// Our own receiver, to drain stale values on `stop` / `reset`.
    rx: Receiver<Instant>,
    func: Option<(Spawner, Func, &'static Location<'static>)>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Bumped by every arm, stop and reset; an engine timer carrying an
    /// older generation does nothing.
    generation: u64,
    /// Armed and not fired or stopped since.
    active: bool,
    key: Option<TimerKey>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Arms `inner` to fire after `d` (caller holds the lock).
fn arm(inner: &Arc<Inner>, st: &mut State, d: Duration) {
    st.generation += 1;
    st.active = true;
    let (me, generation) = (inner.clone(), st.generation);
    let deadline = engine::now() + d;
    st.key = Some(engine::timer(
        deadline,
        Box::new(move || fire(&me, generation)),
    ));
}

/// Disarms (caller holds the lock); whether the timer was active.
fn disarm(inner: &Inner, st: &mut State) -> bool {
    st.generation += 1;
    if let Some(k) = st.key.take() {
        k.stop();
    }
    inner.rx.drain();
    std::mem::replace(&mut st.active, false)
}

/// The engine timer's callback: delivers if still current.
fn fire(inner: &Arc<Inner>, generation: u64) {
    let mut st = inner.lock();
    if st.generation != generation || !st.active {
        return;
    }
    st.active = false;
    st.key = None;
    match &inner.func {
        Some((spawner, f, loc)) => {
            let f = f.clone();
            spawner.spawn(Box::new(move || f()), loc);
        }
        None => {
            inner.tx.offer(engine::now());
        }
    }
}

impl Timer {
    fn build(func: Option<(Spawner, Func, &'static Location<'static>)>, d: Duration) -> Timer {
        let (tx, rx) = chan(1);
        let inner = Arc::new(Inner {
            tx,
            rx: rx.clone(),
            func,
            state: Mutex::new(State::default()),
        });
        arm(&inner, &mut inner.lock(), d);
        Timer { c: rx, inner }
    }

    /// A timer that sends the time on `c` after `d` (Go's `NewTimer`).
    pub fn new(d: Duration) -> Timer {
        Timer::build(None, d)
    }

    /// The channel the firing time arrives on (the same as `c`).
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.c
    }

    /// Prevents the firing. True if the call stopped an active timer; false
    /// if it had already fired or been stopped. After `stop` returns, no
    /// value is received from `c` until a `reset`.
    pub fn stop(&self) -> bool {
        disarm(&self.inner, &mut self.inner.lock())
    }

    /// Re-arms the timer to fire after `d`, discarding any unreceived value.
    /// True if the timer had been active (Go's `Reset`).
    pub fn reset(&self, d: Duration) -> bool {
        let mut st = self.inner.lock();
        let was = disarm(&self.inner, &mut st);
        arm(&self.inner, &mut st, d);
        was
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        write!(f, "Timer(active: {})", st.active)
    }
}

/// A receiver that gets the time once, after `d` (Go's `time.After`).
///
/// Unlike Go's channel, which stays open forever, this one closes after
/// its value: a second receive reports closed instead of blocking forever.
pub fn after(d: Duration) -> Receiver<Instant> {
    let (tx, rx) = chan(1);
    let deadline = engine::now() + d;
    engine::timer(
        deadline,
        Box::new(move || {
            tx.offer(engine::now());
        }),
    );
    rx
}

/// Runs `f` in its own goroutine after `d` (Go's `time.AfterFunc`); `stop`
/// prevents it, `reset` runs it (again) after a new delay.
///
/// The goroutine is started in the runtime the caller runs on. Outside a
/// runtime (a plain thread), `f` runs on a new OS thread instead.
#[track_caller]
pub fn after_func<F>(d: Duration, f: F) -> Timer
where
    F: Fn() + Send + Sync + 'static,
{
    let func: Func = Arc::new(f);
    Timer::build(Some((engine::spawner(), func, Location::caller())), d)
}
