//! The production engine's side of timers: a goroutine's timer goes into
//! its P's heap; the P's M runs due timers each time it schedules, thieves
//! run a victim's due timers on their last steal round, and sysmon runs
//! every P's due timers and sleeps no longer than the earliest deadline
//! (Go 1.14+ per-P timers, `checkTimers`, `stealWork`'s timer step).

use super::context::current_m;
use crate::engine::TimerKey;
use crate::time::Instant;

type Callback = Box<dyn FnOnce() + Send>;

/// Adds a timer to the caller's P; gives `f` back outside the runtime.
pub(crate) fn add_timer(deadline: Instant, f: Callback) -> Result<TimerKey, Callback> {
    let Some(m) = current_m() else { return Err(f) };
    let shared = m.shared.clone();
    let pid = m.with_p(|p| p.id).unwrap_or(model::PId(0));
    drop(m);
    let (key, earliest) = shared.p(pid).timers.push(deadline, f);
    // sysmon re-reads every heap when it wakes.
    if earliest && shared.sysmon_wake_at.must_wake_for(deadline.nanos) {
        shared.wake_sysmon();
    }
    Ok(key)
}
