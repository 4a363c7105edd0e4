//! The production engine's event stream (`Builder::tracing(true)`), in the
//! model's vocabulary (`model::Event`), so the deterministic engine's traces
//! and real runs export through the same code (`replay`'s Perfetto export).
//!
//! Each M buffers its events in its context (no lock on the hot path) and
//! flushes them to the runtime's list when the buffer fills and when the M
//! exits; threads that are not Ms (sysmon, the `block_on` caller) append to
//! the list directly. With tracing off, each event site costs one branch.

use super::context::current_m;
use super::shared::Shared;
use model::event::{Event, TimedEvent};
use std::sync::Mutex;

/// Events an M buffers before flushing.
pub(crate) const M_BUFFER: usize = 4096;

/// The runtime's collected events (present only with tracing on).
#[derive(Default)]
pub(crate) struct EventLog {
    events: Mutex<Vec<TimedEvent>>,
}

impl EventLog {
    pub(crate) fn append(&self, batch: &mut Vec<TimedEvent>) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(batch);
    }

    /// Every event so far, in time order.
    pub(crate) fn snapshot(&self) -> Vec<TimedEvent> {
        let mut v = self
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        v.sort_by_key(|e| e.at_ns);
        v
    }
}

/// Records `event` if the runtime traces: into the M's buffer when called on
/// one of this runtime's Ms, else straight into the log.
pub(crate) fn emit(shared: &Shared, event: impl FnOnce() -> Event) {
    let Some(log) = &shared.events else { return };
    let e = TimedEvent {
        at_ns: shared.now_ns(),
        event: event(),
    };
    if let Some(m) = current_m().filter(|m| std::ptr::eq(&*m.shared, shared)) {
        let mut buf = m.events.borrow_mut();
        buf.push(e);
        if buf.len() >= M_BUFFER {
            log.append(&mut buf);
        }
        return;
    }
    log.append(&mut vec![e]);
}

/// Flushes the calling M's buffer (at M exit).
pub(crate) fn flush(shared: &Shared, buf: &mut Vec<TimedEvent>) {
    if let Some(log) = &shared.events {
        log.append(buf);
    }
}
