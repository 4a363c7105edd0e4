//! The decisions a policy makes, written once for every engine.
//!
//! Each method answers one question the schedule loop asks (Go's
//! `findRunnable`, `runqput`, `runqsteal`, `globrunqget`). Engines never
//! re-derive these answers: the production runtime, the deterministic engine,
//! the model `Machine` and the simulator all call through [`SchedPolicy`].

use super::{
    GlobalCheck, LocalQueueKind, Policy, StealAmount, StealRunnext, VictimOrder, YieldTarget,
};
use crate::ids::PId;
use crate::rng::Rng;

/// The questions a schedule loop asks its policy.
///
/// [`Policy`] answers them from its knobs. A custom policy implements
/// [`base`](SchedPolicy::base) (the knobs it does not change) and overrides
/// the methods it does; every engine accepts any `SchedPolicy`.
pub trait SchedPolicy: Send + Sync + std::fmt::Debug {
    /// The knob values this policy starts from.
    fn base(&self) -> &Policy;

    /// A label for tables and traces.
    fn name(&self) -> &str {
        &self.base().name
    }

    /// Should the P look at the global queue before its local one at this
    /// `schedtick`? (Go: `schedtick % 61 == 0`.)
    fn check_global_first(&self, schedtick: u64) -> bool {
        self.base().check_global_first(schedtick)
    }

    /// The first schedtick `>= from` at which [`check_global_first`] is
    /// true (`None`: never). An engine may test each schedtick against this
    /// answer instead of asking per schedule (Go's interval is a division).
    /// A policy that overrides `check_global_first` must override this to
    /// agree; the sched runtime asserts agreement in debug builds.
    ///
    /// [`check_global_first`]: SchedPolicy::check_global_first
    fn next_global_check(&self, from: u64) -> Option<u64> {
        self.base().next_global_check(from)
    }

    /// How many Gs to take from a global queue of `global_len` (the first runs,
    /// the rest go to the local queue), given `procs` and local capacity `cap`.
    fn global_batch(&self, global_len: usize, procs: usize, cap: usize) -> usize {
        self.base().global_batch(global_len, procs, cap)
    }

    /// How many Gs one steal takes from a victim with `available` queued.
    fn steal_count(&self, available: usize) -> usize {
        self.base().steal_count(available)
    }

    /// Rounds over all victims before a searching P gives up.
    fn steal_rounds(&self) -> u32 {
        self.base().steal_rounds
    }

    /// May a thief take the victim's `runnext` in round `round` (0-based)?
    fn may_steal_runnext(&self, round: u32) -> bool {
        self.base().may_steal_runnext(round)
    }

    /// The victims of one steal round, in order (the thief excluded).
    fn victims(&self, thief: PId, procs: usize, rng: &mut Rng) -> VictimIter {
        self.base().victims(thief, procs, rng)
    }

    /// Where a freshly spawned (`spawn`) or woken (`!spawn`) G goes: into the
    /// readying P's slot (true) or its local tail (false).
    fn ready_to_runnext(&self, spawn: bool) -> bool {
        self.base().ready_to_runnext(spawn)
    }

    /// A G blocks joining the G at the tail of its P's local ring: does that
    /// G move into the slot (`Policy::join_to_runnext`)? The queue decides
    /// whether it can (`RunQueues::promote_joined`).
    fn join_promotes(&self) -> bool {
        self.base().join_promotes()
    }

    /// A G parks in a join whose target is not in its P's slot: is its
    /// wake-up sent to the waker's local tail rather than the slot
    /// (`Policy::join_wake_tail`)? `RunQueues::park_joining` marks it.
    fn join_wakes_tail(&self) -> bool {
        self.base().join_wakes_tail()
    }

    /// May the slot run again after `consecutive` slot runs in a row?
    fn runnext_may_run(&self, consecutive: u32) -> bool {
        self.base().runnext_may_run(consecutive)
    }

    /// Does a G run from the slot continue the current time slice?
    fn runnext_inherits_time_slice(&self) -> bool {
        self.base().runnext.is_some_and(|s| s.inherit_time_slice)
    }

    /// Where a yielding or preempted G goes.
    fn yield_to(&self) -> YieldTarget {
        self.base().yield_to
    }

    /// Time slice in ns before a running G is asked to yield.
    fn quantum_ns(&self) -> u64 {
        self.base().quantum_ns
    }

    /// Capacity of the local ring; `None` for an unbounded queue.
    fn local_capacity(&self) -> Option<usize> {
        self.base().local_capacity()
    }

    /// This policy as plain knobs, when it overrides none of the questions
    /// (the built-in [`Policy`]; a custom policy answers `None`). An engine
    /// may then ask the knobs directly: the production schedule loop asks
    /// several questions per goroutine run, and each through `dyn` was a
    /// virtual call to the method and another to `base`.
    fn as_knobs(&self) -> Option<&Policy> {
        None
    }
}

impl SchedPolicy for Policy {
    fn base(&self) -> &Policy {
        self
    }

    fn as_knobs(&self) -> Option<&Policy> {
        Some(self)
    }
}

impl Policy {
    /// See [`SchedPolicy::check_global_first`].
    pub fn check_global_first(&self, schedtick: u64) -> bool {
        match self.global_check {
            GlobalCheck::Every(n) => schedtick.is_multiple_of(u64::from(n)),
            GlobalCheck::Never => false,
        }
    }

    /// See [`SchedPolicy::next_global_check`].
    pub fn next_global_check(&self, from: u64) -> Option<u64> {
        match self.global_check {
            GlobalCheck::Every(n) => from.checked_next_multiple_of(u64::from(n)),
            GlobalCheck::Never => None,
        }
    }

    /// See [`SchedPolicy::global_batch`]: Go's `globrunqget`,
    /// `min(len, len/procs + 1, cap/2)`, at least 1 when the queue is not empty.
    pub fn global_batch(&self, global_len: usize, procs: usize, cap: usize) -> usize {
        let fair = global_len / procs.max(1) + 1;
        global_len.min(fair).min((cap / 2).max(1))
    }

    /// See [`SchedPolicy::steal_count`].
    pub fn steal_count(&self, available: usize) -> usize {
        match self.steal {
            StealAmount::Half => available - available / 2,
            StealAmount::One => available.min(1),
            StealAmount::Fixed(k) => available.min(k as usize),
        }
    }

    /// See [`SchedPolicy::may_steal_runnext`].
    pub fn may_steal_runnext(&self, round: u32) -> bool {
        match self.runnext.map(|s| s.steal) {
            None | Some(StealRunnext::Never) => false,
            Some(StealRunnext::LastRound) => round + 1 >= self.steal_rounds,
            Some(StealRunnext::Always) => true,
        }
    }

    /// See [`SchedPolicy::victims`].
    pub fn victims(&self, thief: PId, procs: usize, rng: &mut Rng) -> VictimIter {
        let (start, stride) = match self.victim_order {
            VictimOrder::Sequential => ((thief.index() + 1) % procs.max(1), 1),
            VictimOrder::RandomStart => (rng.index(procs.max(1)), 1),
            VictimOrder::RandomCoprime => {
                let start = rng.index(procs.max(1));
                (start, coprime_stride(procs, rng))
            }
        };
        VictimIter {
            thief,
            procs,
            pos: start,
            stride,
            left: procs,
        }
    }

    /// See [`SchedPolicy::ready_to_runnext`].
    pub fn ready_to_runnext(&self, spawn: bool) -> bool {
        self.runnext.is_some()
            && if spawn {
                self.spawn_to_runnext
            } else {
                self.wake_to_runnext
            }
    }

    /// See [`SchedPolicy::join_promotes`]: the knob, with a slot to promote
    /// into and a ring whose owner can take back its newest G (crossbeam's
    /// FIFO worker cannot).
    pub fn join_promotes(&self) -> bool {
        self.join_to_runnext
            && self.runnext.is_some()
            && matches!(self.local_queue, LocalQueueKind::GoRing { .. })
    }

    /// See [`SchedPolicy::join_wakes_tail`]: the knob, with a slot that
    /// wake-ups would otherwise go to.
    pub fn join_wakes_tail(&self) -> bool {
        self.join_wake_tail && self.runnext.is_some()
    }

    /// See [`SchedPolicy::runnext_may_run`].
    pub fn runnext_may_run(&self, consecutive: u32) -> bool {
        match self.runnext {
            None => false,
            Some(slot) => slot.max_consecutive.is_none_or(|max| consecutive < max),
        }
    }

    /// See [`SchedPolicy::local_capacity`].
    pub fn local_capacity(&self) -> Option<usize> {
        match self.local_queue {
            LocalQueueKind::GoRing { capacity } => Some(capacity as usize),
            LocalQueueKind::ChaseLev => None,
        }
    }
}

/// A stride in `1..procs` coprime with `procs` (Go's `randomOrder`), so that
/// `start + i*stride (mod procs)` visits every P exactly once.
fn coprime_stride(procs: usize, rng: &mut Rng) -> usize {
    if procs <= 2 {
        return 1;
    }
    let coprimes: Vec<usize> = (1..procs).filter(|&c| gcd(c, procs) == 1).collect();
    coprimes[rng.index(coprimes.len())]
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The victims of one steal round: every P but the thief, each once.
#[derive(Clone, Debug)]
pub struct VictimIter {
    thief: PId,
    procs: usize,
    pos: usize,
    stride: usize,
    left: usize,
}

impl Iterator for VictimIter {
    type Item = PId;

    fn next(&mut self) -> Option<PId> {
        while self.left > 0 {
            self.left -= 1;
            let p = self.pos;
            self.pos = (self.pos + self.stride) % self.procs;
            if p != self.thief.index() {
                return Some(PId::from(p));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RunNextSlot;

    #[test]
    fn steal_half_rounds_up() {
        let go = Policy::go();
        assert_eq!([0, 1, 2, 3, 7].map(|n| go.steal_count(n)), [0, 1, 1, 2, 4]);
        assert_eq!(Policy::steal_one().steal_count(7), 1);
        assert_eq!(go.with_steal(StealAmount::Fixed(3)).steal_count(2), 2);
    }

    #[test]
    fn every_victim_order_visits_each_other_p_once() {
        let mut rng = Rng::new(7);
        for order in [
            VictimOrder::RandomCoprime,
            VictimOrder::RandomStart,
            VictimOrder::Sequential,
        ] {
            let policy = Policy {
                victim_order: order,
                ..Policy::go()
            };
            for procs in 1..=12 {
                for thief in 0..procs {
                    let mut v: Vec<usize> = policy
                        .victims(PId::from(thief), procs, &mut rng)
                        .map(PId::index)
                        .collect();
                    v.sort_unstable();
                    let want: Vec<usize> = (0..procs).filter(|&p| p != thief).collect();
                    assert_eq!(v, want, "{order:?} procs={procs} thief={thief}");
                }
            }
        }
    }

    #[test]
    fn go_steals_runnext_only_on_the_last_of_four_rounds() {
        let go = Policy::go();
        assert_eq!(
            [0, 1, 2, 3].map(|r| go.may_steal_runnext(r)),
            [false, false, false, true]
        );
        assert!(!Policy::tokio_like().may_steal_runnext(0));
        assert!(!Policy::fifo().may_steal_runnext(3));
    }

    #[test]
    fn global_check_interval() {
        let go = Policy::go();
        assert!(
            go.check_global_first(0) && go.check_global_first(61) && !go.check_global_first(60)
        );
        assert!(!go
            .with_global_check(GlobalCheck::Never)
            .check_global_first(61));
    }

    #[test]
    fn the_next_global_check_is_the_first_tick_that_checks() {
        let policies = [
            Policy::go(),
            Policy::tokio_like(),
            Policy::steal_one(),
            Policy::fifo(),
        ]
        .into_iter()
        .chain([1, 2, 7].map(|n| Policy::go().with_global_check(GlobalCheck::Every(n))))
        .chain([Policy::go().with_global_check(GlobalCheck::Never)]);
        for policy in policies {
            for from in 0..300 {
                let want = (from..400).find(|&t| policy.check_global_first(t));
                let got = policy.next_global_check(from);
                match want {
                    Some(_) => assert_eq!(got, want, "{policy:?} from {from}"),
                    None => assert!(got.is_none_or(|t| t >= 400), "{policy:?} from {from}"),
                }
            }
        }
    }

    #[test]
    fn global_batch_is_gos_globrunqget() {
        let go = Policy::go();
        assert_eq!(go.global_batch(0, 4, 256), 0);
        assert_eq!(go.global_batch(1, 4, 256), 1);
        assert_eq!(go.global_batch(100, 4, 256), 26);
        assert_eq!(go.global_batch(1000, 1, 256), 128);
    }

    #[test]
    fn lifo_limit() {
        let t = Policy::tokio_like();
        assert!(t.runnext_may_run(2) && !t.runnext_may_run(3));
        assert!(Policy::go().runnext_may_run(1_000_000));
        let slot = RunNextSlot {
            inherit_time_slice: false,
            max_consecutive: None,
            steal: StealRunnext::Always,
        };
        assert!(!Policy::go()
            .with_runnext(Some(slot))
            .runnext_inherits_time_slice());
        assert!(!Policy::fifo().ready_to_runnext(true));
    }
}
