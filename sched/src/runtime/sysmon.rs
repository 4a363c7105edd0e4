//! sysmon: a thread without a P that watches the Ps (Go's `sysmon`).
//!
//! - Backs off from 20 µs to 10 ms: after 50 idle rounds the delay doubles;
//!   any action resets it (Go's `idle > 50` rule and `delay` bounds).
//! - Preemption: a P whose time slice has lasted past the policy's quantum
//!   gets its `preempt` flag set; the running goroutine yields at its next
//!   runtime entry. A goroutine that ignores the flag for 10× the quantum
//!   (at least 100 ms) is reported once on stderr — no silent starvation.
//! - Hand-off: a P whose M has been in a blocking call for over one tick
//!   (20 µs) is retaken when it has work (or after 10 ms regardless) and
//!   handed to another M (Go's `retake` / `handoffp`).

use super::shared::{Shared, P, P_IDLE, P_RUNNING, P_SYSCALL};
use super::stats::PCounters;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::Duration;

/// sysmon's shortest sleep.
pub(crate) const MIN_DELAY_US: u64 = 20;
/// sysmon's longest sleep.
pub(crate) const MAX_DELAY_US: u64 = 10_000;
/// Idle rounds before the delay starts doubling.
const IDLE_ROUNDS: u32 = 50;
/// A blocking call longer than this loses its P when the P has work.
pub(crate) const RETAKE_NS: u64 = 20_000;
/// ... and loses it regardless after this long.
const RETAKE_IDLE_NS: u64 = 10_000_000;
/// How often sysmon returns the memory of stacks idle for a whole period.
const SCAVENGE_PERIOD_NS: u64 = 1_000_000_000;

pub(crate) fn sysmon(shared: Arc<Shared>) {
    *shared.sysmon.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current());
    let mut delay_us = MIN_DELAY_US;
    let mut idle_rounds = 0u32;
    let mut seen = vec![Seen::default(); shared.ps.len()];
    let mut last_scavenge = shared.now_ns();
    while !shared.shutdown.load(Acquire) {
        sleep(&shared, delay_us);
        let now = shared.now_ns();
        let mut acted = shared.run_all_timers() > 0;
        if now - last_scavenge > SCAVENGE_PERIOD_NS {
            shared.stacks.scavenge(crate::stack::DEFAULT_WARM_LIMIT);
            last_scavenge = now;
        }
        for (ps, seen) in shared.ps.iter().zip(&mut seen) {
            match ps.status.load(Acquire) {
                P_RUNNING => check_quantum(&shared, ps, seen, now),
                P_SYSCALL => acted |= retake(&shared, ps, now),
                _ => {}
            }
        }
        if acted {
            idle_rounds = 0;
            delay_us = MIN_DELAY_US;
        } else {
            idle_rounds += 1;
            if idle_rounds > IDLE_ROUNDS {
                delay_us = (delay_us * 2).min(MAX_DELAY_US);
            }
        }
    }
}

/// Sleeps `delay_us`, or less if a timer is due sooner; a new earlier timer
/// unparks us (timers.rs).
fn sleep(shared: &Shared, delay_us: u64) {
    let now = crate::time::Instant::real_now().as_nanos();
    let wake = (now + delay_us * 1_000).min(shared.next_timer().max(now + MIN_DELAY_US * 1_000));
    // Relaxed: a hint for `add_timer` (which also re-checks by unparking).
    shared.sysmon_wake_at.store(wake, Relaxed);
    std::thread::park_timeout(Duration::from_nanos(wake - now));
}

/// What sysmon last saw of a P: its schedtick, when the tick changed, and
/// when sysmon last raised the preempt flag (to tell an ignored request
/// from one that was served and raised again).
#[derive(Clone, Copy, Default)]
struct Seen {
    tick: u64,
    since: u64,
    flagged_at: u64,
    reported: bool,
}

/// Flags a P whose slice has run past the quantum, and reports a request
/// ignored for long. Never counts as sysmon "acting": as in Go's `retake`,
/// only a P taken from a blocking call resets the back-off. (Resetting on
/// every preemption kept sysmon polling every 20 µs on a core the Ms need:
/// 7.3% of all CPU samples of pingpong at P=1, 0.2% without.)
fn check_quantum(shared: &Shared, ps: &super::shared::PShared, seen: &mut Seen, now: u64) {
    let quantum = shared.config.quantum_ns;
    let gid = ps.running_g.load(Relaxed);
    // Relaxed: a hint; a stale tick only delays a preemption by one round.
    let tick = ps.tick.load(Relaxed);
    if tick != seen.tick {
        *seen = Seen {
            tick,
            since: now,
            flagged_at: 0,
            reported: false,
        };
        return;
    }
    if gid == 0 || now.saturating_sub(seen.since) < quantum {
        return;
    }
    // Relaxed: a hint; the goroutine polls it at runtime entries, and the
    // M clears it when the goroutine yields to it.
    if !ps.preempt.swap(true, Relaxed) {
        seen.flagged_at = now;
        seen.reported = false;
        return;
    }
    let ignored = now.saturating_sub(seen.flagged_at);
    let patience = (10 * quantum).max(100_000_000);
    if ignored > patience && !std::mem::replace(&mut seen.reported, true) {
        let at = ps
            .running_at
            .load()
            .map_or_else(|| "<unknown>".to_owned(), |l| l.to_string());
        eprintln!(
            "sched: goroutine {gid} (spawned at {at}) has ignored a preemption request for {} ms \
             (quantum {} ms): it runs a loop with no runtime entry; call sched::preempt_point() in it",
            ignored / 1_000_000,
            quantum / 1_000_000
        );
    }
}

fn retake(shared: &Shared, ps: &super::shared::PShared, now: u64) -> bool {
    let since = ps.slice_start.load(Relaxed);
    let long = now.saturating_sub(since);
    if long < RETAKE_NS {
        return false;
    }
    let has_work = !ps.stealer.is_empty() || !shared.global.is_empty();
    if !has_work && long < RETAKE_IDLE_NS {
        return false;
    }
    let Some(p) = ps.syscall.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return false;
    };
    // Release: pairs with the Acquire load in sysmon's loop; the P itself
    // moved through the syscall slot's mutex.
    ps.status.store(P_IDLE, Release);
    PCounters::bump_shared(&ps.counters.handoffs, 1);
    handoff(shared, p);
    true
}

/// Go's `handoffp`: a P with work gets an M; otherwise it goes idle.
pub(crate) fn handoff(shared: &Shared, p: Box<P>) {
    if !shared.p(p.id).stealer.is_empty() || !shared.global.is_empty() {
        // Relaxed: a hint for sysmon; `startm` hands the P over under a lock.
        shared.p(p.id).status.store(P_RUNNING, Relaxed);
        shared.startm(p, false);
    } else {
        let mut idle = shared.lock_idle();
        shared.pidleput(&mut idle, p);
    }
}
