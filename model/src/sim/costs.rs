//! What each runtime operation costs in virtual time.
//!
//! The defaults are *orders of magnitude* of Go's runtime on a current x86
//! server, not measurements of this machine; they exist so that scheduling
//! overheads are neither free nor dominant. Sources and reasoning:
//!
//! - `spawn` 250 ns: `go f()` allocates a G (from the P's free list) and a
//!   2 KiB stack, then `runqput`s it; Go's `BenchmarkCreateGoroutines` reports
//!   a few hundred ns per goroutine.
//! - `switch` 150 ns: one trip through `schedule` → `execute` → `gogo` when
//!   the next G is local (`BenchmarkPingPongHog`-style hand-offs cost
//!   ~100–300 ns).
//! - `sync_op` 60 ns: an uncontended channel operation or a `WaitGroup` wait
//!   including `gopark`/`goready` bookkeeping (`BenchmarkChanUncontended`,
//!   `BenchmarkChanSync` are tens of ns per operation).
//! - `global_access` 100 ns: `lock(&sched.lock)` plus `globrunqget`; an
//!   uncontended futex lock and a cache-line transfer.
//! - `steal_attempt` 40 ns: loading another P's `runqhead`/`runqtail`, a
//!   cache miss on a remote line; `steal_success` 200 ns more for the CAS and
//!   copying up to 128 G pointers (`runqgrab`).
//! - `park` 1 µs: a P that found nothing drops its M into `stopm`
//!   (`futexsleep`) after re-checking every queue.
//! - `unpark` 5 µs: `wakep` → `startm` → `futexwakeup` until the woken thread
//!   runs on an idle core: a futex wake-up and a Linux context switch, a few
//!   µs — the latency that makes fine-grained parallelism expensive.
//! - `syscall` 100 ns: `entersyscall` + `exitsyscall` fast path.
//! - `retake` 20 µs: sysmon's minimum sleep (`usleep(delay)` with
//!   `delay = 20`), after which it hands off the P of an M stuck in a call.
//! - `preempt` 1 µs: sysmon's `preemptone`, the signal (async preemption) and
//!   the G's trip to `gopreempt_m`.
//!
//! Every default is pinned by a test below; change both together.

use serde::{Deserialize, Serialize};

/// Per-operation costs in ns of virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Creating a goroutine and queueing it (`newproc`).
    pub spawn: u64,
    /// Switching the P to the next goroutine (`schedule` + `execute`).
    pub switch: u64,
    /// A channel send/receive or a join, blocking or not.
    pub sync_op: u64,
    /// Taking Gs from the global queue (under `sched.lock`).
    pub global_access: u64,
    /// Probing one victim's queue.
    pub steal_attempt: u64,
    /// Extra cost of a probe that takes Gs.
    pub steal_success: u64,
    /// A P giving up and parking its M.
    pub park: u64,
    /// From `wakep` until the woken P runs its schedule loop.
    pub unpark: u64,
    /// Entering and leaving a blocking call.
    pub syscall: u64,
    /// How long a P stays with an M in a blocking call before sysmon hands it off.
    pub retake: u64,
    /// Preempting a G whose time slice expired.
    pub preempt: u64,
}

impl Costs {
    /// The documented defaults (see the module prose).
    pub const GO: Costs = Costs {
        spawn: 250,
        switch: 150,
        sync_op: 60,
        global_access: 100,
        steal_attempt: 40,
        steal_success: 200,
        park: 1_000,
        unpark: 5_000,
        syscall: 100,
        retake: 20_000,
        preempt: 1_000,
    };

    /// Every operation free: the simulator then measures pure scheduling
    /// order (useful to separate policy effects from overheads).
    pub const ZERO: Costs = Costs {
        spawn: 0,
        switch: 0,
        sync_op: 0,
        global_access: 0,
        steal_attempt: 0,
        steal_success: 0,
        park: 0,
        unpark: 0,
        syscall: 0,
        retake: 0,
        preempt: 0,
    };
}

impl Default for Costs {
    fn default() -> Self {
        Costs::GO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_numbers() {
        let c = Costs::default();
        assert_eq!((c.spawn, c.switch, c.sync_op), (250, 150, 60));
        assert_eq!(
            (c.global_access, c.steal_attempt, c.steal_success),
            (100, 40, 200)
        );
        assert_eq!((c.park, c.unpark, c.syscall), (1_000, 5_000, 100));
        assert_eq!((c.retake, c.preempt), (20_000, 1_000));
    }
}
