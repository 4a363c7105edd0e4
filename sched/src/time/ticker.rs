//! `Ticker` (Go's `time.Ticker`): sends the time every period.
//!
//! Like Go's, its channel buffers one tick and a tick that finds it full is
//! dropped, so a slow receiver sees fewer ticks, never a backlog. The next
//! tick is due one period after the one just due; if the engine ran late by
//! more than a period, the missed ones are skipped (Go's `t.when +=
//! t.period * (1 + -delta/t.period)`). `stop` and `reset` work by
//! generations as in `timer.rs`; dropping the ticker stops it.

use crate::chan::{chan, Receiver, Sender};
use crate::engine::{self, TimerKey};
use crate::time::Instant;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Sends the time on [`Ticker::c`] every period.
pub struct Ticker {
    /// Receives the ticks.
    pub c: Receiver<Instant>,
    inner: Arc<Inner>,
}

struct Inner {
    tx: Sender<Instant>,
    rx: Receiver<Instant>,
    state: Mutex<State>,
}

struct State {
    generation: u64,
    period: Duration,
    key: Option<TimerKey>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Arms the next tick at `when` (caller holds the lock).
fn arm(inner: &Arc<Inner>, st: &mut State, when: Instant) {
    let (me, generation) = (inner.clone(), st.generation);
    st.key = Some(engine::timer(
        when,
        Box::new(move || tick(&me, generation, when)),
    ));
}

/// The engine timer's callback: sends (or drops) a tick, arms the next.
fn tick(inner: &Arc<Inner>, generation: u64, when: Instant) {
    let mut st = inner.lock();
    if st.generation != generation {
        return;
    }
    let now = engine::now();
    inner.tx.offer(now);
    let period = st.period.as_nanos().max(1);
    let late = now.saturating_duration_since(when).as_nanos();
    let periods = 1 + late / period;
    let next = when + Duration::from_nanos((period * periods).min(u64::MAX as u128) as u64);
    arm(inner, &mut st, next);
}

/// Cancels the pending tick and drains the channel (caller holds the lock).
fn disarm(inner: &Inner, st: &mut State) {
    st.generation += 1;
    if let Some(k) = st.key.take() {
        k.stop();
    }
    inner.rx.drain();
}

impl Ticker {
    /// A ticker with period `d`.
    ///
    /// # Panics
    /// If `d` is zero (Go: "non-positive interval for NewTicker").
    pub fn new(d: Duration) -> Ticker {
        assert!(!d.is_zero(), "sched: non-positive interval for Ticker::new");
        let (tx, rx) = chan(1);
        let inner = Arc::new(Inner {
            tx,
            rx: rx.clone(),
            state: Mutex::new(State {
                generation: 0,
                period: d,
                key: None,
            }),
        });
        arm(&inner, &mut inner.lock(), engine::now() + d);
        Ticker { c: rx, inner }
    }

    /// The channel the ticks arrive on (the same as `c`).
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.c
    }

    /// Stops the ticks; no tick is received after `stop` returns.
    pub fn stop(&self) {
        disarm(&self.inner, &mut self.inner.lock());
    }

    /// Restarts with period `d`, the first tick `d` from now.
    ///
    /// # Panics
    /// If `d` is zero.
    pub fn reset(&self, d: Duration) {
        assert!(
            !d.is_zero(),
            "sched: non-positive interval for Ticker::reset"
        );
        let mut st = self.inner.lock();
        disarm(&self.inner, &mut st);
        st.period = d;
        arm(&self.inner, &mut st, engine::now() + d);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ticker(period {:?})", self.inner.lock().period)
    }
}
