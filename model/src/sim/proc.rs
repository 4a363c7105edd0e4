//! The simulator's Ps: what each is doing, and the idle/spinning accounting
//! that decides when an idle P is woken (Go's `pidle` list and
//! `sched.nmspinning`).

use super::report::PStats;
use crate::ids::{GId, PId};
use crate::queue::Found;
use crate::rng::Rng;

/// What a P is doing. Every state but `Idle` has exactly one pending event
/// (tagged with the P's current epoch) that moves it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PState {
    /// Parked in the idle list; only `wakep` (or a returning syscall) takes it.
    Idle,
    /// About to run the schedule loop; `spinning`: it counts in
    /// [`Idle::spinning`] (a woken P searches as a spinning M, as in Go).
    Scheduling { spinning: bool },
    /// Running `g`: the event continues it (next step, or the end of a
    /// compute chunk).
    Running(GId),
    /// Spinning through a steal pass; the event delivers its result.
    Stealing(Option<Found>),
    /// Gave up; the event re-checks every queue, then parks.
    Parking,
    /// Its M is in a blocking call with `g` since `since`; the event is
    /// sysmon's retake check.
    InSyscall { g: GId, since: u64 },
}

/// One P of the simulation.
#[derive(Clone, Debug)]
pub struct Proc {
    pub state: PState,
    /// Bumped whenever the P's pending event is replaced; stale events are
    /// dropped.
    pub epoch: u64,
    /// This P's own random stream (victim order), split from the seed.
    pub rng: Rng,
    /// When the current time slice started (Go's `schedwhen`).
    pub slice_start: u64,
    pub stats: PStats,
}

impl Proc {
    pub fn new(rng: Rng) -> Self {
        Proc {
            state: PState::Idle,
            epoch: 0,
            rng,
            slice_start: 0,
            stats: PStats::default(),
        }
    }
}

/// Idle Ps and spinning Ps (Go's `sched.pidle` and `sched.nmspinning`).
///
/// Go's rules, from `proc.go`: a readied G wakes an idle P only if no P is
/// spinning (`wakep`); a spinning P that finds work stops spinning and, if
/// it was the last spinner, wakes another (`resetspinning`), so parallelism
/// ramps up one wake-up latency at a time; a P out of local work starts
/// spinning only while spinners are fewer than half the busy Ps.
#[derive(Clone, Debug, Default)]
pub struct Idle {
    /// Parked Ps, most recently parked last (Go's list is LIFO).
    parked: Vec<PId>,
    /// Ps searching for work (woken and not yet running a G, or stealing).
    pub spinning: usize,
}

impl Idle {
    /// Every P but p0 parked, p1 on top (Go's `procresize` order).
    pub fn all_but_first(procs: usize) -> Self {
        Idle {
            parked: (1..procs).rev().map(PId::from).collect(),
            spinning: 0,
        }
    }

    pub fn parked(&self) -> usize {
        self.parked.len()
    }

    pub fn park(&mut self, p: PId) {
        self.parked.push(p);
    }

    /// Go's `pidleget`.
    pub fn take(&mut self) -> Option<PId> {
        self.parked.pop()
    }

    /// May a P that found no local work start spinning, given `procs`?
    /// (`2*nmspinning < gomaxprocs - npidle`.)
    pub fn may_spin(&self, procs: usize) -> bool {
        2 * self.spinning < procs - self.parked.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1_is_woken_first_and_spinners_stay_under_half_the_busy() {
        let mut idle = Idle::all_but_first(4);
        assert_eq!(idle.take(), Some(PId(1)));
        // 2 busy Ps (p0, p1): one spinner allowed, not two.
        assert!(idle.may_spin(4));
        idle.spinning = 1;
        assert!(!idle.may_spin(4));
    }
}
