//! Logical run queues and the find-runnable order, shared by the model
//! [`Machine`](crate::machine) and the simulator.
//!
//! These are the *meaning* of the production engine's lock-free queues:
//! a bounded local ring per P plus the `runnext` slot, and one global FIFO.
//! Every policy decision is asked of [`SchedPolicy`]; the order of
//! [`RunQueues::find_runnable`] is Go's `findRunnable`:
//!
//! 1. every `global_check` schedticks, the global queue first (fairness);
//! 2. `runnext` (if the slot may run again), then the local ring;
//! 3. the global queue (a batch moves to the local ring);
//! 4. `steal_rounds` rounds over the victims in policy order, `runnext`
//!    stealable only in the rounds the policy allows;
//! 5. nothing: the P goes idle.
//!
//! Two rules keep a P's newest G its own to take back
//! ([`RunQueues::promote_joined`]): a steal from a ring of two or more
//! leaves at least one G ([`steal_take`]; Go's and tokio's half already
//! does), and the owner takes back only the ring's tail.

use crate::event::RunSource;
use crate::ids::{GId, PId};
use crate::policy::{SchedPolicy, YieldTarget};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

/// One P's queues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocalQueue {
    pub ring: VecDeque<GId>,
    pub runnext: Option<GId>,
    /// Slot runs in a row without a new time slice (tokio's LIFO limit).
    pub slot_streak: u32,
    /// Time slices started on this P (Go's `schedtick`).
    pub schedtick: u64,
}

impl LocalQueue {
    /// Number of queued Gs, slot included.
    pub fn len(&self) -> usize {
        self.ring.len() + usize::from(self.runnext.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `g` is queued here.
    pub fn contains(&self, g: GId) -> bool {
        self.runnext == Some(g) || self.ring.contains(&g)
    }
}

/// All Ps' queues and the global queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RunQueues {
    pub locals: Vec<LocalQueue>,
    pub global: VecDeque<GId>,
    /// Parked joiners whose next wake-up goes to the waker's tail
    /// ([`RunQueues::park_joining`], `Policy::join_wake_tail`).
    #[serde(default)]
    pub join_tail: BTreeSet<GId>,
}

impl RunQueues {
    pub fn new(procs: usize) -> Self {
        RunQueues {
            locals: vec![LocalQueue::default(); procs],
            global: VecDeque::new(),
            join_tail: BTreeSet::new(),
        }
    }

    pub fn procs(&self) -> usize {
        self.locals.len()
    }

    /// Total queued Gs.
    pub fn len(&self) -> usize {
        self.global.len() + self.locals.iter().map(LocalQueue::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Go's `runqput`: a G made ready on `p` (spawned if `spawn`, else woken).
    /// Into the slot if the policy says so (the slot's previous G is kicked to
    /// the tail), else the tail; a full ring moves half of itself plus the G to
    /// the global queue (`runqputslow`). Returns how many moved to global.
    /// A joiner [`RunQueues::park_joining`] marked goes to the tail, once.
    pub fn push_ready(&mut self, p: PId, g: GId, spawn: bool, policy: &dyn SchedPolicy) -> usize {
        let marked = !spawn && self.join_tail.remove(&g);
        let local = &mut self.locals[p.index()];
        let g = if !marked && policy.ready_to_runnext(spawn) {
            match local.runnext.replace(g) {
                Some(old) => old,
                None => return 0,
            }
        } else {
            g
        };
        self.push_tail(p, g, policy)
    }

    /// A yielding or preempted G, placed where the policy says.
    pub fn push_yielded(&mut self, p: PId, g: GId, policy: &dyn SchedPolicy) -> usize {
        match policy.yield_to() {
            YieldTarget::Global => {
                self.global.push_back(g);
                0
            }
            YieldTarget::LocalTail => self.push_tail(p, g, policy),
        }
    }

    /// Go's `globrunqput`: to the global tail, whatever the policy (a G whose
    /// blocking call returned and found no idle P).
    pub fn push_global(&mut self, g: GId) {
        self.global.push_back(g);
    }

    /// Appends to the local tail, spilling half plus `g` to global when full.
    pub fn push_tail(&mut self, p: PId, g: GId, policy: &dyn SchedPolicy) -> usize {
        let local = &mut self.locals[p.index()];
        match policy.local_capacity() {
            Some(cap) if local.ring.len() >= cap => {
                let half = cap / 2;
                let spilled: Vec<GId> = local.ring.drain(..half).collect();
                self.global.extend(spilled);
                self.global.push_back(g);
                half + 1
            }
            _ => {
                local.ring.push_back(g);
                0
            }
        }
    }

    /// Go's `findRunnable` for `p`, victims in policy order. Returns the G,
    /// where it came from, and whether it starts a new time slice.
    pub fn find_runnable(
        &mut self,
        p: PId,
        policy: &dyn SchedPolicy,
        rng: &mut Rng,
    ) -> Option<Found> {
        if let Some(found) = self.take_local_or_global(p, policy) {
            return Some(found);
        }
        self.steal_work(p, policy, rng).found
    }

    /// Step 4 of the order (Go's `stealWork`): up to `steal_rounds` rounds
    /// over the victims in policy order, stopping at the first success. The
    /// [`Search`] also says how many victims were probed and how many Gs
    /// changed hands, for engines that charge time per attempt.
    pub fn steal_work(&mut self, p: PId, policy: &dyn SchedPolicy, rng: &mut Rng) -> Search {
        let mut attempts = 0;
        for round in 0..policy.steal_rounds() {
            for victim in policy.victims(p, self.procs(), rng) {
                attempts += 1;
                let before = self.locals[p.index()].ring.len();
                if let Some(found) = self.steal(p, victim, round, policy) {
                    let taken = self.locals[p.index()].ring.len() - before + 1;
                    return Search {
                        found: Some(found),
                        attempts,
                        taken,
                    };
                }
            }
        }
        Search {
            found: None,
            attempts,
            taken: 0,
        }
    }

    /// Steps 1–3 of the order: periodic global check, slot, ring, global.
    pub fn take_local_or_global(&mut self, p: PId, policy: &dyn SchedPolicy) -> Option<Found> {
        let tick = self.locals[p.index()].schedtick;
        if policy.check_global_first(tick) && !self.global.is_empty() {
            if let Some(g) = self.take_global(p, policy) {
                return Some(Found::fresh(g, RunSource::Global));
            }
        }
        self.pop_local(p, policy).or_else(|| {
            self.take_global(p, policy)
                .map(|g| Found::fresh(g, RunSource::Global))
        })
    }

    /// The slot (within its streak limit), else the head of the ring.
    pub fn pop_local(&mut self, p: PId, policy: &dyn SchedPolicy) -> Option<Found> {
        let local = &mut self.locals[p.index()];
        if let Some(g) = local.runnext {
            if policy.runnext_may_run(local.slot_streak) {
                local.runnext = None;
                local.slot_streak += 1;
                let new_slice = !policy.runnext_inherits_time_slice();
                return Some(Found {
                    g,
                    source: RunSource::RunNext,
                    new_slice,
                });
            }
            // Over the streak limit: the slot G goes behind the ring.
            local.runnext = None;
            local.ring.push_back(g);
        }
        local
            .ring
            .pop_front()
            .map(|g| Found::fresh(g, RunSource::Local))
    }

    /// Go's `globrunqget`: one G to run, plus a batch into the local ring.
    pub fn take_global(&mut self, p: PId, policy: &dyn SchedPolicy) -> Option<GId> {
        let cap = policy.local_capacity().unwrap_or(usize::MAX / 2);
        let n = policy.global_batch(self.global.len(), self.procs(), cap);
        let first = self.global.pop_front()?;
        let room = cap.saturating_sub(self.locals[p.index()].ring.len());
        for _ in 1..n.min(room + 1) {
            let Some(g) = self.global.pop_front() else {
                break;
            };
            self.locals[p.index()].ring.push_back(g);
        }
        Some(first)
    }

    /// Go's `runqsteal`: take the policy's amount from `victim`'s ring (or its
    /// slot, in rounds that allow it) into `thief`'s; the last one taken runs.
    pub fn steal(
        &mut self,
        thief: PId,
        victim: PId,
        round: u32,
        policy: &dyn SchedPolicy,
    ) -> Option<Found> {
        let v = &mut self.locals[victim.index()];
        let count = steal_take(policy.steal_count(v.ring.len()), v.ring.len());
        let mut taken: Vec<GId> = v.ring.drain(..count).collect();
        if taken.is_empty() && policy.may_steal_runnext(round) {
            taken.extend(v.runnext.take());
        }
        let g = taken.pop()?;
        self.locals[thief.index()].ring.extend(taken);
        Some(Found::fresh(g, RunSource::Stolen(victim)))
    }

    /// A G on `p` blocks joining `target`: if the policy promotes joins
    /// ([`SchedPolicy::join_promotes`]) and `target` is the newest G of `p`'s
    /// ring, it moves into the slot (the slot's G to the ring's tail, where
    /// `target` was). Returns whether it moved. Sound against thieves in the
    /// lock-free ring because a steal never empties a ring of two or more
    /// ([`steal_take`]), and a lone G is taken back as a pop is.
    pub fn promote_joined(&mut self, p: PId, target: GId, policy: &dyn SchedPolicy) -> bool {
        let local = &mut self.locals[p.index()];
        if !policy.join_promotes() || local.ring.back() != Some(&target) {
            return false;
        }
        local.ring.pop_back();
        if let Some(kicked) = local.runnext.replace(target) {
            local.ring.push_back(kicked);
        }
        true
    }

    /// `joiner`, running on `p`, parks joining `target` (`None`: no target
    /// queued on `p`). First [`RunQueues::promote_joined`]; then, if the
    /// policy wakes joins at the tail ([`SchedPolicy::join_wakes_tail`]) and
    /// `target` is not in `p`'s slot (promoted or already there), `joiner`
    /// is marked, and its wake-up ([`RunQueues::push_ready`]) goes to the
    /// waker's tail: a join on a goroutine that runs next keeps fork-join
    /// depth first, a join on one further back lets the queue run first.
    /// Returns whether `target` was promoted.
    pub fn park_joining(
        &mut self,
        p: PId,
        joiner: GId,
        target: Option<GId>,
        policy: &dyn SchedPolicy,
    ) -> bool {
        let promoted = target.is_some_and(|t| self.promote_joined(p, t, policy));
        let next = target.is_some_and(|t| self.locals[p.index()].runnext == Some(t));
        if policy.join_wakes_tail() && !next {
            self.join_tail.insert(joiner);
        }
        promoted
    }

    /// Records that `p` started a time slice (called by the engine when a
    /// [`Found::new_slice`] G starts running).
    pub fn start_slice(&mut self, p: PId) {
        let local = &mut self.locals[p.index()];
        local.schedtick += 1;
        local.slot_streak = 0;
    }

    /// Takes `g` out of whichever queue holds it, wherever it is in that
    /// queue, and says where it was. No policy does this; the model's
    /// any-interleaving scope does ("any runnable G may run next").
    pub fn remove(&mut self, g: GId) -> Option<QueuePlace> {
        if let Some(i) = self.global.iter().position(|&x| x == g) {
            self.global.remove(i);
            return Some(QueuePlace::Global);
        }
        for (i, local) in self.locals.iter_mut().enumerate() {
            if local.runnext == Some(g) {
                local.runnext = None;
                return Some(QueuePlace::RunNext(PId::from(i)));
            }
            if let Some(j) = local.ring.iter().position(|&x| x == g) {
                local.ring.remove(j);
                return Some(QueuePlace::Local(PId::from(i)));
            }
        }
        None
    }

    /// Every queued G with its place, global first, then each P's slot and ring.
    pub fn queued(&self) -> impl Iterator<Item = (GId, QueuePlace)> + '_ {
        let global = self.global.iter().map(|&g| (g, QueuePlace::Global));
        let locals = self.locals.iter().enumerate().flat_map(|(i, l)| {
            let p = PId::from(i);
            let slot = l.runnext.map(|g| (g, QueuePlace::RunNext(p)));
            slot.into_iter()
                .chain(l.ring.iter().map(move |&g| (g, QueuePlace::Local(p))))
        });
        global.chain(locals)
    }

    /// Where `g` is queued, if anywhere: `Some(None)` for global.
    pub fn position(&self, g: GId) -> Option<Option<PId>> {
        if self.global.contains(&g) {
            return Some(None);
        }
        self.locals
            .iter()
            .position(|l| l.contains(g))
            .map(|i| Some(PId::from(i)))
    }
}

/// The outcome of one [`RunQueues::steal_work`] pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Search {
    /// The G to run, if a steal succeeded.
    pub found: Option<Found>,
    /// Victims probed (successful probe included).
    pub attempts: u32,
    /// Gs moved from the victim (the one that runs included).
    pub taken: usize,
}

/// Where a queued G sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueuePlace {
    Global,
    RunNext(PId),
    Local(PId),
}

/// A G found by the schedule loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub g: GId,
    pub source: RunSource,
    /// Whether running it starts a new time slice (bumps `schedtick`).
    pub new_slice: bool,
}

impl Found {
    fn fresh(g: GId, source: RunSource) -> Self {
        Found {
            g,
            source,
            new_slice: true,
        }
    }
}

/// How many Gs a steal takes from a ring of `available` when the policy
/// asks for `count`: at most what is there, and never the whole of a ring
/// of two or more, so the owner may take back its newest G without racing
/// the thief ([`RunQueues::promote_joined`]). Go's and tokio's half
/// (`n - n/2`) and steal-one already leave one; only `steal=<k>` with `k`
/// ≥ the ring's length is cut by one. The production rings call this too.
pub fn steal_take(count: usize, available: usize) -> usize {
    if available >= 2 {
        count.min(available - 1)
    } else {
        count.min(available)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn a_steal_never_empties_a_ring_of_two_or_more() {
        assert_eq!(steal_take(1, 1), 1);
        assert_eq!(steal_take(5, 1), 1);
        assert_eq!(steal_take(5, 2), 1);
        assert_eq!(steal_take(3, 7), 3);
        assert_eq!(steal_take(9, 7), 6);
        assert_eq!(steal_take(0, 0), 0);
        let fixed = Policy::parse("go,steal=8").unwrap();
        let mut q = RunQueues::new(2);
        for i in 0..3 {
            q.push_tail(p(0), GId(i), &fixed);
        }
        let f = q.steal(p(1), p(0), 0, &fixed).unwrap();
        assert_eq!(f.g, GId(1));
        assert_eq!(q.locals[0].ring, [GId(2)], "the newest stays");
    }

    #[test]
    fn a_join_promotes_the_newest_g_and_kicks_the_slot() {
        let go = Policy::go();
        let mut q = RunQueues::new(1);
        for g in 1..=3 {
            q.push_ready(p(0), GId(g), true, &go);
        }
        // Slot 3, ring [1, 2]: 1 is not the newest, 2 is.
        assert!(!q.promote_joined(p(0), GId(1), &go));
        assert!(!q.promote_joined(p(0), GId(3), &go), "already in the slot");
        assert!(q.promote_joined(p(0), GId(2), &go));
        assert_eq!(q.locals[0].runnext, Some(GId(2)));
        assert_eq!(q.locals[0].ring, [GId(1), GId(3)]);
        let off = Policy::parse("go,join=off").unwrap();
        assert!(!q.promote_joined(p(0), GId(3), &off));
        let chase = Policy::parse("go,queue=chase_lev").unwrap();
        assert!(!q.promote_joined(p(0), GId(3), &chase));
    }

    fn p(i: usize) -> PId {
        PId::from(i)
    }

    #[test]
    fn a_joiner_whose_target_is_not_next_wakes_at_the_tail_once() {
        let go = Policy::go();
        let main = GId(0);
        let mut q = RunQueues::new(1);
        for g in 1..=3 {
            q.push_ready(p(0), GId(g), true, &go);
        }
        // Slot 3, ring [1, 2]: a join on 1 (not newest, not next) marks main.
        assert!(!q.park_joining(p(0), main, Some(GId(1)), &go));
        assert!(q.join_tail.contains(&main));
        q.push_ready(p(0), main, false, &go);
        assert_eq!(q.locals[0].runnext, Some(GId(3)), "the slot is untouched");
        assert_eq!(q.locals[0].ring, [GId(1), GId(2), main]);
        assert!(q.join_tail.is_empty(), "the mark is spent by one wake-up");
        // Its next wake-up, from any other wait, goes to the slot again.
        q.locals[0].ring.pop_back();
        q.push_ready(p(0), main, false, &go);
        assert_eq!(q.locals[0].runnext, Some(main));

        // A target promoted into the slot, or already there: no mark.
        let mut q = RunQueues::new(1);
        for g in 1..=3 {
            q.push_ready(p(0), GId(g), true, &go);
        }
        assert!(q.park_joining(p(0), main, Some(GId(2)), &go));
        assert!(
            !q.park_joining(p(0), main, Some(GId(2)), &go),
            "in the slot"
        );
        assert!(q.join_tail.is_empty());
        // No target known here (on another P, running): marked.
        q.park_joining(p(0), main, None, &go);
        assert!(q.join_tail.contains(&main));
        // `joinwake=runnext`, and a policy without a slot, mark nothing.
        for spec in ["go,joinwake=runnext", "fifo"] {
            let mut q = RunQueues::new(1);
            q.park_joining(p(0), main, None, &Policy::parse(spec).unwrap());
            assert!(q.join_tail.is_empty(), "{spec}");
        }
        let e = Policy::parse("go,runnext=off,joinwake=tail").unwrap_err();
        assert_eq!(
            e.knob,
            "spawn_to_runnext/wake_to_runnext/join_to_runnext/join_wake_tail"
        );
        let e = Policy::parse("go,joinwake=slot").unwrap_err();
        assert_eq!(
            (e.knob.as_str(), e.allowed.as_str()),
            ("joinwake", "tail, runnext")
        );
    }

    #[test]
    fn spawn_goes_to_runnext_and_kicks_the_old_one_to_the_tail() {
        let go = Policy::go();
        let mut q = RunQueues::new(1);
        q.push_ready(p(0), GId(1), true, &go);
        q.push_ready(p(0), GId(2), true, &go);
        assert_eq!(q.locals[0].runnext, Some(GId(2)));
        assert_eq!(q.locals[0].ring, [GId(1)]);
        let f = q.pop_local(p(0), &go).unwrap();
        assert_eq!(
            (f.g, f.source, f.new_slice),
            (GId(2), RunSource::RunNext, false)
        );
    }

    #[test]
    fn fifo_has_no_slot() {
        let fifo = Policy::fifo();
        let mut q = RunQueues::new(1);
        q.push_ready(p(0), GId(1), true, &fifo);
        q.push_ready(p(0), GId(2), true, &fifo);
        assert_eq!(q.pop_local(p(0), &fifo).unwrap().g, GId(1));
    }

    #[test]
    fn overflow_moves_half_plus_one_to_global() {
        let small = Policy::parse("fifo,capacity=4").unwrap();
        let mut q = RunQueues::new(1);
        for i in 0..4 {
            assert_eq!(q.push_tail(p(0), GId(i), &small), 0);
        }
        assert_eq!(q.push_tail(p(0), GId(4), &small), 3);
        assert_eq!(q.global, [GId(0), GId(1), GId(4)]);
        assert_eq!(q.locals[0].ring, [GId(2), GId(3)]);
    }

    #[test]
    fn tokio_slot_is_limited_to_three_in_a_row() {
        let t = Policy::tokio_like();
        let mut q = RunQueues::new(1);
        q.push_tail(p(0), GId(9), &t);
        for g in 1..=4 {
            q.push_ready(p(0), GId(g), false, &t);
            let f = q.pop_local(p(0), &t).unwrap();
            if g <= 3 {
                assert_eq!(f.g, GId(g));
            } else {
                assert_eq!(f.g, GId(9), "fourth slot G waits behind the ring");
            }
        }
    }

    #[test]
    fn steal_half_takes_from_the_head_and_runs_the_last() {
        let go = Policy::go();
        let mut q = RunQueues::new(2);
        for i in 0..5 {
            q.push_tail(p(0), GId(i), &go);
        }
        let f = q.steal(p(1), p(0), 0, &go).unwrap();
        assert_eq!(f.g, GId(2));
        assert_eq!(q.locals[1].ring, [GId(0), GId(1)]);
        assert_eq!(q.locals[0].ring, [GId(3), GId(4)]);
    }

    #[test]
    fn steal_work_counts_attempts_and_taken() {
        let go = Policy::go();
        let mut q = RunQueues::new(4);
        let mut rng = Rng::new(3);
        let empty = q.steal_work(p(0), &go, &mut rng);
        assert_eq!((empty.found, empty.attempts, empty.taken), (None, 4 * 3, 0));
        for i in 0..5 {
            q.push_tail(p(2), GId(i), &go);
        }
        let s = q.steal_work(p(0), &go, &mut rng);
        assert_eq!((s.found.unwrap().g, s.taken), (GId(2), 3));
        assert!((1..=3).contains(&s.attempts));
    }

    #[test]
    fn runnext_is_stolen_only_on_the_last_round() {
        let go = Policy::go();
        let mut q = RunQueues::new(2);
        q.push_ready(p(0), GId(7), true, &go);
        assert!(q.steal(p(1), p(0), 0, &go).is_none());
        assert_eq!(q.steal(p(1), p(0), 3, &go).unwrap().g, GId(7));
    }

    #[test]
    fn remove_takes_a_g_from_anywhere_and_says_where() {
        let go = Policy::go();
        let mut q = RunQueues::new(2);
        q.push_global(GId(1));
        q.push_ready(p(1), GId(2), true, &go);
        q.push_tail(p(1), GId(3), &go);
        let all: Vec<_> = q.queued().collect();
        assert_eq!(
            all,
            [
                (GId(1), QueuePlace::Global),
                (GId(2), QueuePlace::RunNext(p(1))),
                (GId(3), QueuePlace::Local(p(1)))
            ]
        );
        assert_eq!(q.remove(GId(3)), Some(QueuePlace::Local(p(1))));
        assert_eq!(q.remove(GId(2)), Some(QueuePlace::RunNext(p(1))));
        assert_eq!(q.remove(GId(1)), Some(QueuePlace::Global));
        assert_eq!(q.remove(GId(1)), None);
        assert!(q.is_empty());
    }

    #[test]
    fn global_is_checked_first_every_61_ticks() {
        let go = Policy::go();
        let mut q = RunQueues::new(1);
        q.global.push_back(GId(100));
        q.push_tail(p(0), GId(1), &go);
        q.locals[0].schedtick = 61;
        assert_eq!(q.take_local_or_global(p(0), &go).unwrap().g, GId(100));
    }
}
