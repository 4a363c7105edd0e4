//! The invariants every [`Machine`] state must satisfy, checked after every
//! transition by [`Machine::apply`].
//!
//! Each is a named function with its statement and bound in its doc line.
//! They are written from the outside: they read the machine's state and the
//! events a transition reported, and where they need the scheduler's
//! behaviour (could an idle P find work?) they run the policy's own
//! schedule loop on a copy, rather than trusting the machine's shortcuts.
//!
//! ## The fairness bound, derived
//!
//! Go's schedule loop looks at the global queue first whenever the P's
//! `schedtick` (time slices started so far) is a multiple of `k` (61) and
//! the queue is not empty, and it always takes the queue's head. The global
//! queue is FIFO (nothing is ever put at its front), so a G that entered it
//! with `a` Gs ahead leaves it after at most `a + 1` removals from the head.
//!
//! Count the slices a P starts while G stays in the global queue: every one
//! is preceded by a schedule loop that checked the global queue first if
//! its `schedtick` was a multiple of `k`; those ticks are consecutive, so
//! `s` slices on one P include at least `⌊s/k⌋` such checks, and each took
//! a G from the head that was not G — one of the `a` ahead of it. Summed
//! over Ps, `Σ ⌊s_p/k⌋ ≤ a`, and with `s_p ≤ k⌊s_p/k⌋ + (k − 1)`:
//!
//! ```text
//!     slices started while G waits in the global queue  ≤  k·a + procs·(k − 1)
//! ```
//!
//! ([`fairness_bound`]; tight: two Ps each starting slices 1..=60 while G
//! waits alone in the queue reach exactly 120 for Go). Slices, not steps:
//! a `runnext` chain inherits its time slice (`inheritTime`), so any number
//! of steps may pass without a tick, in Go as in the model. Once out of the
//! global queue, G runs at once (it was the head) or waits in that P's ring.
//!
//! With [`GlobalCheck::Never`] the policy offers no bound at all: local work
//! that keeps starting slices starves the global queue for as long as it
//! lasts. The invariant then holds the policy to the interval of
//! [`MachineConfig::fairness_interval`](super::MachineConfig) (Go's 61), and
//! a long enough workload breaks it — which is how the checks catch an
//! unfair policy. Fairness is checked in the policy-faithful scope only: in
//! the any-interleaving scope the chooser decides who runs, and may starve
//! anyone.

use super::machine::Machine;
use crate::event::Event;
use crate::ids::{GId, MId, PId};
use crate::policy::GlobalCheck;
use crate::state::{GState, MState, PState};
use crate::trace::{Scope, Trace};
use std::fmt;

/// The invariants, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invariant {
    /// Every transition is one its entities' states allow.
    LegalTransition,
    /// Every live G is in exactly one place; dead Gs are nowhere.
    GInExactlyOnePlace,
    /// P, M and G states agree about who holds whom.
    EntityStatesAgree,
    /// `runnext` holds at most one G, and only under a policy that uses it.
    RunnextHoldsAtMostOne,
    /// Every local ring is within the policy's capacity.
    LocalRingsWithinCapacity,
    /// The queued Gs change only as the transition's events say.
    NoGLostOrDuplicated,
    /// No runnable G waits for an idle P while no P is looking for work.
    WorkConservation,
    /// A G in the global queue leaves it within [`fairness_bound`] slices.
    GlobalQueueFairness,
}

impl Invariant {
    /// Every invariant, in the order they are checked.
    pub const ALL: [Invariant; 8] = [
        Invariant::LegalTransition,
        Invariant::GInExactlyOnePlace,
        Invariant::EntityStatesAgree,
        Invariant::RunnextHoldsAtMostOne,
        Invariant::LocalRingsWithinCapacity,
        Invariant::NoGLostOrDuplicated,
        Invariant::WorkConservation,
        Invariant::GlobalQueueFairness,
    ];

    /// The name tests and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::LegalTransition => "legal_transition",
            Invariant::GInExactlyOnePlace => "g_in_exactly_one_place",
            Invariant::EntityStatesAgree => "entity_states_agree",
            Invariant::RunnextHoldsAtMostOne => "runnext_holds_at_most_one",
            Invariant::LocalRingsWithinCapacity => "local_rings_within_capacity",
            Invariant::NoGLostOrDuplicated => "no_g_lost_or_duplicated",
            Invariant::WorkConservation => "work_conservation",
            Invariant::GlobalQueueFairness => "global_queue_fairness",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An invariant a state broke, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    pub invariant: Invariant,
    pub detail: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.invariant, self.detail)
    }
}

/// A broken invariant with the run that broke it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: Invariant,
    /// The transition (0-based) after which it was broken.
    pub step: u64,
    pub detail: String,
    /// Every decision of the run, up to and including the breaking one
    /// (boxed: a `Result` carrying a violation stays small).
    pub trace: Box<Trace>,
}

impl fmt::Display for Violation {
    /// The invariant, what broke, and the readable decision sequence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invariant `{}` violated at step {}: {}",
            self.invariant, self.step, self.detail
        )?;
        write!(f, "{}", self.trace)
    }
}

impl std::error::Error for Violation {}

/// Slices that may start (on all Ps) while a G that entered the global
/// queue with `ahead` Gs in front of it is still there, under global-check
/// interval `k`: `k·ahead + procs·(k − 1)` (module documentation).
pub fn fairness_bound(k: u32, ahead: u32, procs: usize) -> u64 {
    let k = u64::from(k);
    k * u64::from(ahead) + procs as u64 * (k - 1)
}

/// What a transition started from, for the checks that compare.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Queued Gs, sorted, with repetitions.
    queued: Vec<GId>,
    /// Each P's `schedtick`.
    pub(super) ticks: Vec<u64>,
}

impl Snapshot {
    /// The queued Gs and ticks of `m` now.
    pub fn of(m: &Machine) -> Self {
        let mut queued: Vec<GId> = m.queues.queued().map(|(g, _)| g).collect();
        queued.sort_unstable();
        let ticks = m.queues.locals.iter().map(|l| l.schedtick).collect();
        Snapshot { queued, ticks }
    }
}

/// Every invariant, in [`Invariant::ALL`] order.
pub(super) fn check(m: &Machine, before: &Snapshot, events: &[Event]) -> Result<(), Broken> {
    g_in_exactly_one_place(m)?;
    entity_states_agree(m)?;
    runnext_holds_at_most_one(m)?;
    local_rings_within_capacity(m)?;
    no_g_lost_or_duplicated(m, before, events)?;
    work_conservation(m)?;
    if m.cfg.scope == Scope::PolicyFaithful {
        global_queue_fairness(m)?;
    }
    Ok(())
}

fn broken(invariant: Invariant, detail: String) -> Result<(), Broken> {
    Err(Broken { invariant, detail })
}

/// Every live G is in exactly one place — queued once (Runnable), current on
/// one P (Running), in one M's blocking call (Syscall), or nowhere
/// (Waiting) — and a G is Dead exactly when its program has exited. Bound:
/// exact, in every state.
pub fn g_in_exactly_one_place(m: &Machine) -> Result<(), Broken> {
    let n = m.gs.len();
    if n != m.prog.created() {
        let detail = format!("{n} Gs known, {} created", m.prog.created());
        return broken(Invariant::GInExactlyOnePlace, detail);
    }
    let mut seen = vec![[0u32; 3]; n];
    for (g, _) in m.queues.queued() {
        seen[g.index()][0] += 1;
    }
    for g in m.ps.iter().filter_map(|p| p.current) {
        seen[g.index()][1] += 1;
    }
    for g in m.ms.iter().filter_map(|m| m.syscall) {
        seen[g.index()][2] += 1;
    }
    for (i, (state, places)) in m.gs.iter().zip(&seen).enumerate() {
        let want = match state {
            GState::Runnable => [1, 0, 0],
            GState::Running => [0, 1, 0],
            GState::Syscall => [0, 0, 1],
            GState::Waiting(_) | GState::Dead => [0, 0, 0],
        };
        let g = GId::from(i);
        if *places != want {
            let [q, r, s] = *places;
            let detail =
                format!("{g} is {state:?} but queued {q}×, running on {r} Ps, in {s} calls");
            return broken(Invariant::GInExactlyOnePlace, detail);
        }
        if (*state == GState::Dead) != m.prog.is_done(g) {
            let detail = format!(
                "{g} is {state:?} but its program says done={}",
                m.prog.is_done(g)
            );
            return broken(Invariant::GInExactlyOnePlace, detail);
        }
    }
    Ok(())
}

/// P, M and G states agree: an idle P is on the idle list without an M; a
/// running P's M holds it back and runs (with a G) or spins (without); a P
/// in a call is held by an M in a call; a parked M holds nothing and is on
/// the idle-M list. Bound: exact, in every state.
pub fn entity_states_agree(m: &Machine) -> Result<(), Broken> {
    for (i, slot) in m.ps.iter().enumerate() {
        let p = PId::from(i);
        let listed = m.idle_ps.iter().filter(|&&q| q == p).count();
        let ok = match (slot.state, slot.m) {
            (PState::Idle, None) => listed == 1 && slot.current.is_none(),
            (PState::Running, Some(mm)) => {
                let want = if slot.current.is_some() {
                    MState::Running
                } else {
                    MState::Spinning
                };
                let held = &m.ms[mm.index()];
                listed == 0 && held.p == Some(p) && held.state == want
            }
            (PState::InSyscall, Some(mm)) => {
                let held = &m.ms[mm.index()];
                listed == 0
                    && slot.current.is_none()
                    && held.p == Some(p)
                    && held.state == MState::InSyscall
            }
            _ => false,
        };
        if !ok {
            let detail = format!(
                "{p} is {:?} with {:?}, listed idle {listed}×",
                slot.state, slot.m
            );
            return broken(Invariant::EntityStatesAgree, detail);
        }
    }
    for (i, slot) in m.ms.iter().enumerate() {
        let mm = MId::from(i);
        let listed = m.idle_ms.iter().filter(|&&x| x == mm).count();
        let ok = match slot.state {
            MState::Parked => listed == 1 && slot.p.is_none() && slot.syscall.is_none(),
            MState::Spinning | MState::Running => {
                listed == 0
                    && slot.syscall.is_none()
                    && slot.p.is_some_and(|p| m.ps[p.index()].m == Some(mm))
            }
            MState::InSyscall => {
                listed == 0
                    && slot.syscall.is_some()
                    && slot.p.is_none_or(|p| m.ps[p.index()].m == Some(mm))
            }
        };
        if !ok {
            let detail = format!(
                "{mm} is {:?} holding {:?}, listed idle {listed}×",
                slot.state, slot.p
            );
            return broken(Invariant::EntityStatesAgree, detail);
        }
    }
    Ok(())
}

/// `runnext` holds at most one G (its type holds one), and only under a
/// policy that readies or promotes Gs into the slot. Bound: exact.
pub fn runnext_holds_at_most_one(m: &Machine) -> Result<(), Broken> {
    let uses_slot = m.policy.ready_to_runnext(true)
        || m.policy.ready_to_runnext(false)
        || m.policy.join_promotes();
    for (i, local) in m.queues.locals.iter().enumerate() {
        if let (Some(g), false) = (local.runnext, uses_slot) {
            let detail = format!("p{i}'s runnext holds {g} under {}", m.policy.name());
            return broken(Invariant::RunnextHoldsAtMostOne, detail);
        }
    }
    Ok(())
}

/// Every local ring holds at most the policy's capacity (Go: 256), overflow
/// having gone to the global queue. Bound: exact.
pub fn local_rings_within_capacity(m: &Machine) -> Result<(), Broken> {
    let Some(cap) = m.policy.local_capacity() else {
        return Ok(());
    };
    for (i, local) in m.queues.locals.iter().enumerate() {
        if local.ring.len() > cap {
            let detail = format!("p{i}'s ring holds {} > {cap}", local.ring.len());
            return broken(Invariant::LocalRingsWithinCapacity, detail);
        }
    }
    Ok(())
}

/// Across a transition — steals, overflows and global batches included —
/// the multiset of queued Gs changes exactly by the Gs its events say were
/// readied (created, unblocked, preempted or yielded, back from a call
/// without a P) or started. Bound: exact, per transition.
pub fn no_g_lost_or_duplicated(
    m: &Machine,
    before: &Snapshot,
    events: &[Event],
) -> Result<(), Broken> {
    let n = m.gs.len();
    let mut want = vec![0i64; n];
    for g in &before.queued {
        want[g.index()] += 1;
    }
    for e in events {
        match *e {
            Event::GCreated { g, .. }
            | Event::GUnblocked { g, .. }
            | Event::GPreempted { g, .. }
            | Event::SyscallExit { g, p: None, .. } => want[g.index()] += 1,
            Event::GStarted { g, .. } => want[g.index()] -= 1,
            _ => {}
        }
    }
    let mut have = vec![0i64; n];
    for (g, _) in m.queues.queued() {
        have[g.index()] += 1;
    }
    if let Some(i) = (0..n).find(|&i| want[i] != have[i]) {
        let detail = format!(
            "g{i} is queued {}× but the transition's events account for {}×",
            have[i], want[i]
        );
        return broken(Invariant::NoGLostOrDuplicated, detail);
    }
    Ok(())
}

/// Go's no-lost-wake-up rule: an idle P has no queued work of its own, and
/// if an idle P's schedule loop (the policy's own, run on a copy) would find
/// a G, some P is spinning and will run that loop at its next transition.
/// Bound: 0 transitions — no state may leave takeable work, an idle P and
/// no spinning P together. (A G in a `runnext` slot the policy forbids
/// thieves to take, e.g. tokio's, is not takeable: it waits for its own P,
/// at most until that P's current slice ends — `quantum_steps` steps.)
pub fn work_conservation(m: &Machine) -> Result<(), Broken> {
    for &p in &m.idle_ps {
        if !m.queues.locals[p.index()].is_empty() {
            let detail = format!("{p} is idle with Gs in its own queues");
            return broken(Invariant::WorkConservation, detail);
        }
    }
    let Some(&idle) = m.idle_ps.last() else {
        return Ok(());
    };
    if (0..m.ps.len()).any(|i| m.is_spinning(PId::from(i))) {
        return Ok(());
    }
    let mut queues = m.queues.clone();
    let mut rng = m.rng.clone();
    if let Some(found) = queues.find_runnable(idle, &*m.policy, &mut rng) {
        let detail = format!(
            "{idle} is idle and no P is spinning, but {idle}'s schedule loop would find {} ({:?})",
            found.g, found.source
        );
        return broken(Invariant::WorkConservation, detail);
    }
    Ok(())
}

/// A G that entered the global queue with `a` Gs ahead leaves it before
/// more than [`fairness_bound`]`(k, a, procs)` time slices start on all Ps,
/// `k` being the policy's global-check interval (or, for a policy that never
/// checks, the configured `fairness_interval`). Derivation: module
/// documentation. Policy-faithful scope only.
pub fn global_queue_fairness(m: &Machine) -> Result<(), Broken> {
    let k = match m.policy.base().global_check {
        GlobalCheck::Every(k) => k,
        GlobalCheck::Never => m.cfg.fairness_interval,
    };
    for (i, wait) in m.waits.iter().enumerate() {
        let Some(w) = wait else { continue };
        let bound = fairness_bound(k, w.ahead, m.ps.len());
        if w.slices > bound {
            let detail = format!(
                "g{i} entered the global queue behind {} Gs and has waited {} slices > k·a + procs·(k−1) = {bound} (k = {k}, policy {})",
                w.ahead,
                w.slices,
                m.policy.name()
            );
            return broken(Invariant::GlobalQueueFairness, detail);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{Choice, MachineConfig};
    use crate::policy::{GlobalCheck, Policy, GO_GLOBAL_CHECK_INTERVAL};
    use crate::workload::Workload;

    fn machine(policy: Policy, procs: usize) -> Machine {
        Machine::new(Workload::tree(1, 2, 1), policy, MachineConfig::new(procs))
    }

    #[test]
    fn go_fairness_bound_is_120_slices_for_a_lone_g_on_two_ps() {
        assert_eq!(GO_GLOBAL_CHECK_INTERVAL, 61);
        assert_eq!(fairness_bound(61, 0, 2), 120);
        assert_eq!(fairness_bound(61, 3, 1), 3 * 61 + 60);
        assert_eq!(fairness_bound(1, 5, 4), 5);
    }

    #[test]
    fn invariant_names_are_stable() {
        let names: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
        assert_eq!(names[6], "work_conservation");
        assert_eq!(names[7], "global_queue_fairness");
    }

    #[test]
    fn a_fresh_machine_satisfies_every_invariant() {
        let m = machine(Policy::go(), 3);
        let before = Snapshot::of(&m);
        assert_eq!(check(&m, &before, &[]), Ok(()));
    }

    #[test]
    fn a_duplicated_g_is_caught_twice_over() {
        let mut m = machine(Policy::go(), 2);
        let before = Snapshot::of(&m);
        m.queues.push_global(GId(0));
        assert_eq!(
            g_in_exactly_one_place(&m).unwrap_err().invariant,
            Invariant::GInExactlyOnePlace
        );
        assert_eq!(
            no_g_lost_or_duplicated(&m, &before, &[])
                .unwrap_err()
                .invariant,
            Invariant::NoGLostOrDuplicated
        );
    }

    #[test]
    fn a_lost_wake_up_is_caught() {
        // P0 runs g0; put a G in the global queue with P1 idle and no P spinning.
        let mut m = machine(Policy::go(), 2);
        m.apply(Choice::Schedule { p: PId(0) }).unwrap();
        assert!(!m.is_spinning(PId(0)));
        m.gs.push(GState::Runnable);
        m.waits.push(None);
        m.queues.push_global(GId(1));
        let e = work_conservation(&m).unwrap_err();
        assert_eq!(e.invariant, Invariant::WorkConservation);
        assert!(e.detail.contains("would find g1"), "{e}");
    }

    #[test]
    fn an_overfull_ring_and_a_stray_slot_are_caught() {
        let small = Policy::parse("fifo,capacity=2").unwrap();
        let mut m = machine(small, 1);
        m.queues.locals[0].ring.extend([GId(5), GId(6), GId(7)]);
        assert_eq!(
            local_rings_within_capacity(&m).unwrap_err().invariant,
            Invariant::LocalRingsWithinCapacity
        );
        m.queues.locals[0].runnext = Some(GId(8));
        assert_eq!(
            runnext_holds_at_most_one(&m).unwrap_err().invariant,
            Invariant::RunnextHoldsAtMostOne
        );
    }

    #[test]
    fn a_long_global_wait_is_caught_under_never_and_judged_by_k_otherwise() {
        let never = Policy::go().with_global_check(GlobalCheck::Never);
        let mut m = machine(never, 1);
        m.waits[0] = Some(crate::machine::GlobalWait {
            ahead: 0,
            slices: 61,
        });
        let e = global_queue_fairness(&m).unwrap_err();
        assert_eq!(e.invariant, Invariant::GlobalQueueFairness);
        assert!(e.detail.contains("= 60 (k = 61"), "{e}");
        let mut m = machine(Policy::go(), 1);
        m.waits[0] = Some(crate::machine::GlobalWait {
            ahead: 0,
            slices: 60,
        });
        assert_eq!(global_queue_fairness(&m), Ok(()));
    }

    #[test]
    fn disagreeing_states_are_caught() {
        let mut m = machine(Policy::go(), 2);
        m.ps[1].state = PState::Running;
        assert_eq!(
            entity_states_agree(&m).unwrap_err().invariant,
            Invariant::EntityStatesAgree
        );
    }
}
