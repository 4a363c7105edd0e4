//! sysmon: a thread without a P that watches the Ps (Go's `sysmon`).
//!
//! - While a P runs goroutines, sleeps at most half the policy's quantum
//!   (and at most 10 ms): preemption then comes between one and one and a
//!   half quanta into a slice, for any quantum the policy sets. Go's fixed
//!   10 ms suits only its fixed 10 ms quantum; a 1 ms quantum here used to
//!   take 10 to 20 ms once sysmon had backed off. With every P idle there
//!   is nothing to preempt, and it sleeps 10 ms (or until the next timer).
//! - Ticks every 20 µs only while a blocking call may need its P retaken.
//!   A newly seen blocking call (or a retake) resets the delay to 20 µs;
//!   after 50 idle rounds it doubles back up to the longest sleep (Go's
//!   `idle > 50` rule). A blocking call wakes a sysmon that would sleep
//!   past the call's retake time (`wake_for_blocking_call`), so the call
//!   loses its P after about one tick even when sysmon had backed off;
//!   Go's waits out sysmon's sleep (up to 10 ms). Preemptions and timers
//!   do not reset the delay: sysmon already sleeps exactly until the next
//!   timer.
//! - Starts backed off. Go's sysmon ticks every 20 µs for its first 50
//!   rounds; with 2 Ps busy on 2 cores each tick preempted an M for about
//!   10 µs every 80 µs (`perf sched timehist` of fib(30) at 2 P; the 20 µs
//!   sleep lasts about 80 with the kernel's timer slack), a tenth of that
//!   M's time for the first milliseconds of every program, for no retake:
//!   nothing had blocked yet.
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
/// sysmon's longest sleep, whatever the quantum.
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
    let running_longest_us = longest_delay_us(shared.config.quantum_ns);
    let mut backoff = Backoff::settled(running_longest_us);
    let mut seen = vec![Seen::default(); shared.ps.len()];
    let mut last_scavenge = shared.now_ns();
    while !shared.shutdown.load(Acquire) {
        // Before the scan: a blocking call it misses unparks us
        // (sysmon_wake.rs).
        shared.sysmon_wake_at.sysmon_awake();
        let now = shared.now_ns();
        let mut acted = false;
        shared.run_all_timers();
        if now - last_scavenge > SCAVENGE_PERIOD_NS {
            shared.stacks.scavenge(crate::stack::DEFAULT_WARM_LIMIT);
            last_scavenge = now;
        }
        let mut running = false;
        for (ps, seen) in shared.ps.iter().zip(&mut seen) {
            match ps.status.load(Acquire) {
                P_RUNNING => {
                    running = true;
                    check_quantum(&shared, ps, seen, now);
                }
                P_SYSCALL => {
                    acted |= seen.new_call(ps);
                    acted |= retake(&shared, ps, now);
                }
                _ => {}
            }
        }
        let longest_us = if running {
            running_longest_us
        } else {
            MAX_DELAY_US
        };
        backoff.round(acted, longest_us);
        sleep(&shared, backoff.delay_us);
    }
}

/// The back-off of sysmon's sleep: Go's `delay`/`idle` pair.
struct Backoff {
    delay_us: u64,
    idle_rounds: u32,
}

impl Backoff {
    /// Backed off already: nothing to retake yet.
    fn settled(longest_us: u64) -> Self {
        Backoff {
            delay_us: longest_us,
            idle_rounds: IDLE_ROUNDS,
        }
    }

    /// The next delay, after a round that `acted` or not, capped by this
    /// round's `longest_us` (it drops to the quantum's as soon as a P runs).
    fn round(&mut self, acted: bool, longest_us: u64) {
        if acted {
            self.idle_rounds = 0;
            self.delay_us = MIN_DELAY_US;
            return;
        }
        self.idle_rounds = self.idle_rounds.saturating_add(1);
        if self.idle_rounds > IDLE_ROUNDS {
            self.delay_us *= 2;
        }
        self.delay_us = self.delay_us.min(longest_us);
    }
}

/// Called by an M that has just put its P in a blocking call (status
/// P_SYSCALL stored): wakes sysmon if it would sleep past the call's retake
/// time, so a long call loses its P after one tick, not one long sleep.
pub(crate) fn wake_for_blocking_call(shared: &Shared) {
    let retake_at = crate::time::Instant::real_now().as_nanos() + RETAKE_NS;
    if shared.sysmon_wake_at.blocking_call_must_wake(retake_at) {
        shared.wake_sysmon();
    }
}

/// Half the quantum, within sysmon's bounds.
fn longest_delay_us(quantum_ns: u64) -> u64 {
    (quantum_ns / 2_000).clamp(MIN_DELAY_US, MAX_DELAY_US)
}

/// Sleeps `delay_us`, or less if a timer is due sooner; a new earlier timer
/// or a blocking call unparks us (`sysmon_wake.rs`).
fn sleep(shared: &Shared, delay_us: u64) {
    let now = crate::time::Instant::real_now().as_nanos();
    let wake = (now + delay_us * 1_000).min(shared.next_timer().max(now + MIN_DELAY_US * 1_000));
    shared.sysmon_wake_at.sysmon_sleeps_until(wake);
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
    /// When the last blocking call sysmon saw on this P started.
    call_started: u64,
}

impl Seen {
    /// Whether the P's blocking call is one sysmon has not seen before.
    fn new_call(&mut self, ps: &super::shared::PShared) -> bool {
        // Relaxed: a hint, as in `retake`.
        let started = ps.slice_start.load(Relaxed);
        std::mem::replace(&mut self.call_started, started) != started
    }
}

/// Flags a P whose slice has run past the quantum, and reports a request
/// ignored for long. Never counts as sysmon "acting": only a blocking call
/// (newly seen, or its P retaken) resets the back-off. (Resetting on
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
            ..*seen
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
