//! # The G-P-M machine: the scheduler as an explicit transition system
//!
//! A [`Machine`] is the state of Go's scheduler running an abstract
//! [`Workload`]: `procs` Ps, each with a local ring and `runnext` slot
//! ([`RunQueues`]), logical Ms, the goroutines' states, and the program's
//! own state ([`Program`]). [`Machine::enabled`] lists what may happen next
//! as [`Choice`]s; [`Machine::apply`] performs one, returns the
//! [`Event`]s an engine would report, and checks every invariant
//! ([`super::invariants`]) before it returns. Nothing here decides policy or
//! program meaning: the schedule loop is [`RunQueues::find_runnable`], every
//! placement is a `RunQueues` method asking the [`SchedPolicy`], and every
//! goroutine step is [`Program::step`].
//!
//! ## What is a choice, what is not
//!
//! Following `proc.go`, each P held by an M does one thing at a time:
//!
//! - a P whose M is *spinning* (holds the P, no G) runs the schedule loop
//!   ([`Choice::Schedule`]): `findRunnable` in the policy's order — the
//!   periodic global check, `runnext`, the ring, the global queue, then
//!   `steal_rounds` rounds over the victims the policy's
//!   [`victims`](SchedPolicy::victims) yields from the machine's seeded
//!   [`Rng`]. The victim order is therefore *not* a choice point: for one
//!   seed the policy behaves as it would in production, and the
//!   any-interleaving scope (below) covers every other victim. If the loop
//!   finds nothing, the P goes idle and its M parks;
//! - a P running a G lets it take one program step ([`Choice::Step`]);
//!   once the time slice has taken [`MachineConfig::quantum_steps`] steps
//!   (and the G at least one, since sysmon runs concurrently with it), the
//!   only move left is [`Choice::Preempt`] — sysmon's `preemptone` after
//!   10 ms; the G goes where the policy sends yielded Gs;
//! - a G that enters a blocking call keeps its P and M (`entersyscall`);
//!   then both [`Choice::SyscallExit`] (the call returns: the M gets its P
//!   back, else an idle P, else the G joins the global queue and the M
//!   parks — `exitsyscall`) and [`Choice::Retake`] (sysmon retakes the P and
//!   hands it to another M, `retake` + `handoffp`) are enabled, because how
//!   long a call lasts is the environment's choice, not the policy's.
//!
//! Which P (or which returning call) moves next is the choice in both
//! scopes. [`Scope::AnyInterleaving`] adds [`Choice::Run`]: any P that is
//! idle or spinning may run any queued G, wherever it is queued — a
//! superset of every policy, for bug finding.
//!
//! ## Waking Ps (Go's `wakep`)
//!
//! Go wakes an idle P whenever it readies work and no M is spinning
//! (`newproc`, `ready`, `goschedImpl`, `resetspinning` after a spinning M
//! found work), so a runnable G never waits while every P with an M ignores
//! it. The machine applies the same rule after every transition: if a P is
//! idle, none is spinning, and some queued G could be taken by an idle P
//! (in the global queue, in a ring, or in a `runnext` slot the policy lets
//! thieves take), the head of the idle-P list (a LIFO, like `sched.pidle`)
//! gets an M — a parked one, else a new one — and starts spinning. Go wakes
//! even when the work is not takeable, and the woken M parks again after a
//! fruitless search; the model skips those fruitless spins, which changes no
//! G's fate. The [`work_conservation`](super::invariants) invariant checks
//! the rule from the outside, with the policy's own schedule loop.
//!
//! ## Ms
//!
//! Ms are logical threads: one per P at the start, plus one more for each P
//! handed off while its M sits in a blocking call. A parked M is reused
//! before a new one is made (`mget` before `newm`).

use super::choice::Choice;
use super::config::MachineConfig;
use super::invariants::{self, Broken, Snapshot};
use crate::event::{BlockReason, Decision, Event, Location, OpKind, RunSource};
use crate::ids::{GId, MId, ObjId, PId};
use crate::policy::SchedPolicy;
use crate::queue::{Found, QueuePlace, RunQueues};
use crate::rng::Rng;
use crate::state::{GState, MState, PState, TransitionError};
use crate::trace::Scope;
use crate::workload::{After, Program, Step, Workload};
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// One P as the machine sees it (its queues live in [`RunQueues`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PSlot {
    pub state: PState,
    /// The M holding it (running, spinning, or in a blocking call).
    pub m: Option<MId>,
    /// The G it runs.
    pub current: Option<GId>,
    /// Steps taken in the current time slice (sysmon's clock).
    pub slice_steps: u32,
    /// Steps the current G has taken since it started on this P.
    pub g_steps: u32,
}

/// One M.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MSlot {
    pub state: MState,
    /// The P it holds.
    pub p: Option<PId>,
    /// The G whose blocking call it is in.
    pub syscall: Option<GId>,
}

/// Bookkeeping of a G in the global queue, for the fairness invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalWait {
    /// Gs ahead of it when it entered the global queue.
    pub ahead: u32,
    /// Time slices started (on all Ps) while it stayed in the global queue.
    pub slices: u64,
}

/// A transition the machine refused, or an invariant it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MachineError {
    /// The choice is not enabled in this state.
    NotEnabled(Choice),
    /// A G, P or M was asked for a state change its state does not allow.
    IllegalG(GId, TransitionError<GState>),
    IllegalP(PId, TransitionError<PState>),
    IllegalM(MId, TransitionError<MState>),
    /// The transition happened and left the machine in a bad state.
    Invariant(Broken),
}

impl fmt::Display for MachineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MachineError::NotEnabled(c) => write!(f, "not enabled: {c}"),
            MachineError::IllegalG(g, e) => write!(f, "{g}: {e}"),
            MachineError::IllegalP(p, e) => write!(f, "{p}: {e}"),
            MachineError::IllegalM(m, e) => write!(f, "{m}: {e}"),
            MachineError::Invariant(b) => write!(f, "{b}"),
        }
    }
}

impl std::error::Error for MachineError {}

/// The G-P-M state machine over a workload. See the module documentation.
#[derive(Clone, Debug)]
pub struct Machine {
    pub(super) cfg: MachineConfig,
    pub(super) policy: Arc<dyn SchedPolicy>,
    pub(super) workload: Arc<Workload>,
    pub(super) prog: Program,
    pub(super) queues: RunQueues,
    pub(super) gs: Vec<GState>,
    pub(super) ps: Vec<PSlot>,
    pub(super) ms: Vec<MSlot>,
    /// Go's `sched.pidle`: the last pushed is the next woken.
    pub(super) idle_ps: Vec<PId>,
    /// Go's `sched.midle`.
    pub(super) idle_ms: Vec<MId>,
    pub(super) rng: Rng,
    /// Per G: its wait in the global queue, while it is there.
    pub(super) waits: Vec<Option<GlobalWait>>,
    /// Transitions taken so far.
    pub(super) steps: u64,
}

impl Machine {
    /// The machine at the start of a run: the main goroutine `g0` in P0's
    /// slot (Go's `newproc` for `main`), P0 held by M0 spinning, the other
    /// Ps idle and their Ms parked.
    pub fn new<P: SchedPolicy + 'static>(
        workload: Workload,
        policy: P,
        cfg: MachineConfig,
    ) -> Self {
        Machine::with_shared(Arc::new(workload), Arc::new(policy), cfg)
    }

    /// [`Machine::new`] with a shared workload and policy.
    pub fn with_shared(
        workload: Arc<Workload>,
        policy: Arc<dyn SchedPolicy>,
        cfg: MachineConfig,
    ) -> Self {
        let procs = cfg.procs;
        let mut queues = RunQueues::new(procs);
        queues.push_ready(PId(0), GId(0), true, &*policy);
        let ps = (0..procs)
            .map(|i| PSlot {
                state: if i == 0 {
                    PState::Running
                } else {
                    PState::Idle
                },
                m: (i == 0).then_some(MId(0)),
                current: None,
                slice_steps: 0,
                g_steps: 0,
            })
            .collect();
        let ms = (0..procs)
            .map(|i| MSlot {
                state: if i == 0 {
                    MState::Spinning
                } else {
                    MState::Parked
                },
                p: (i == 0).then_some(PId(0)),
                syscall: None,
            })
            .collect();
        Machine {
            rng: Rng::new(cfg.seed),
            prog: Program::new(&workload),
            queues,
            gs: vec![GState::Runnable],
            ps,
            ms,
            idle_ps: (1..procs).rev().map(PId::from).collect(),
            idle_ms: (1..procs).rev().map(MId::from).collect(),
            waits: vec![None],
            steps: 0,
            cfg,
            policy,
            workload,
        }
    }

    pub fn config(&self) -> &MachineConfig {
        &self.cfg
    }

    pub fn policy(&self) -> &dyn SchedPolicy {
        &*self.policy
    }

    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    pub fn program(&self) -> &Program {
        &self.prog
    }

    pub fn queues(&self) -> &RunQueues {
        &self.queues
    }

    /// Transitions taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The state of every G created so far, by id.
    pub fn g_states(&self) -> &[GState] {
        &self.gs
    }

    pub fn p_slot(&self, p: PId) -> &PSlot {
        &self.ps[p.index()]
    }

    /// Number of Ms created so far.
    pub fn m_count(&self) -> usize {
        self.ms.len()
    }

    /// The fairness bookkeeping of `g`, while it is in the global queue.
    pub fn global_wait(&self, g: GId) -> Option<GlobalWait> {
        self.waits.get(g.index()).copied().flatten()
    }

    /// Whether every goroutine created has exited.
    pub fn all_done(&self) -> bool {
        self.gs.iter().all(|s| *s == GState::Dead)
    }

    /// Whether P holds an M that looks for work without a G.
    pub fn is_spinning(&self, p: PId) -> bool {
        let slot = &self.ps[p.index()];
        slot.state == PState::Running && slot.current.is_none()
    }

    /// A 64-bit digest of everything that decides the machine's future
    /// (not the step count): what the explorer stores per visited state.
    pub fn fingerprint(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }

    /// Every transition possible now, in a fixed order: per P (schedule,
    /// step or preempt, retake), then returning calls, then (any
    /// interleaving only) every idle or spinning P with every queued G.
    pub fn enabled(&self) -> Vec<Choice> {
        let mut out = Vec::new();
        for (i, slot) in self.ps.iter().enumerate() {
            let p = PId::from(i);
            match (slot.state, slot.current, slot.m) {
                (PState::Running, Some(g), _) if self.quantum_used(slot) => {
                    out.push(Choice::Preempt { p, g });
                }
                (PState::Running, Some(g), _) => out.push(Choice::Step { p, g }),
                (PState::Running, None, _) => out.push(Choice::Schedule { p }),
                (PState::InSyscall, _, Some(m)) => out.push(Choice::Retake { p, m }),
                _ => {}
            }
        }
        for (i, m) in self.ms.iter().enumerate() {
            if let Some(g) = m.syscall {
                out.push(Choice::SyscallExit { m: MId::from(i), g });
            }
        }
        if self.cfg.scope == Scope::AnyInterleaving {
            for (i, slot) in self.ps.iter().enumerate() {
                if slot.state == PState::Idle || self.is_spinning(PId::from(i)) {
                    let p = PId::from(i);
                    out.extend(self.queues.queued().map(|(g, _)| Choice::Run { p, g }));
                }
            }
        }
        out
    }

    fn quantum_used(&self, slot: &PSlot) -> bool {
        slot.slice_steps >= self.cfg.quantum_steps && slot.g_steps >= 1
    }

    /// Performs `choice`, returns the events it produced, and checks every
    /// invariant on the state it leads to.
    pub fn apply(&mut self, choice: Choice) -> Result<Vec<Event>, MachineError> {
        if !self.enabled().contains(&choice) {
            return Err(MachineError::NotEnabled(choice));
        }
        let before = Snapshot::of(self);
        let mut ev = Vec::new();
        match choice {
            Choice::Schedule { p } => self.schedule(p, &mut ev)?,
            Choice::Step { p, g } => self.step_g(p, g, &mut ev)?,
            Choice::Preempt { p, g } => self.preempt(p, g, &mut ev)?,
            Choice::SyscallExit { m, g } => self.syscall_exit(m, g, &mut ev)?,
            Choice::Retake { p, m } => self.retake(p, m, &mut ev)?,
            Choice::Run { p, g } => self.run_any(p, g, &mut ev)?,
        }
        self.wakep(&mut ev)?;
        self.track_global_waits(&before);
        self.steps += 1;
        invariants::check(self, &before, &ev).map_err(MachineError::Invariant)?;
        Ok(ev)
    }

    /// `findRunnable` for a spinning P: run what it finds, or park.
    fn schedule(&mut self, p: PId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        match self.queues.find_runnable(p, &*self.policy, &mut self.rng) {
            Some(found) => {
                if let RunSource::Stolen(victim) = found.source {
                    // The thief's ring was empty (the loop steals only then):
                    // it now holds the rest of the batch.
                    let rest = self.queues.locals[p.index()].ring.len();
                    let count = u32::try_from(rest + 1).unwrap_or(u32::MAX);
                    ev.push(Event::Stole {
                        thief: p,
                        victim,
                        count,
                    });
                }
                self.start_g(p, found, ev)
            }
            None => self.park(p, ev),
        }
    }

    /// `execute`: `found.g` starts running on P, whose M stops spinning.
    fn start_g(&mut self, p: PId, found: Found, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let g = found.g;
        if found.new_slice {
            self.queues.start_slice(p);
            self.ps[p.index()].slice_steps = 0;
        }
        self.set_g(g, GState::transition_to_running)?;
        let m = self.m_of(p)?;
        self.set_m(m, MState::transition_to_running)?;
        let slot = &mut self.ps[p.index()];
        slot.current = Some(g);
        slot.g_steps = 0;
        ev.push(Event::GStarted {
            g,
            p,
            m,
            source: found.source,
        });
        Ok(())
    }

    /// `stopm`: P goes on the idle list, its M parks.
    fn park(&mut self, p: PId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let m = self.m_of(p)?;
        self.set_p(p, PState::transition_to_idle)?;
        self.set_m(m, MState::transition_to_parked)?;
        self.ps[p.index()].m = None;
        self.ms[m.index()].p = None;
        self.idle_ps.push(p);
        self.idle_ms.push(m);
        ev.push(Event::MParked { m });
        Ok(())
    }

    /// One program step of the G running on P, and its consequences.
    fn step_g(&mut self, p: PId, g: GId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let effect = self.prog.step(&self.workload, g);
        let slot = &mut self.ps[p.index()];
        slot.slice_steps += 1;
        slot.g_steps += 1;
        if let Some(child) = effect.spawned {
            debug_assert_eq!(child.index(), self.gs.len(), "Program numbers Gs densely");
            self.gs.push(GState::Runnable);
            self.waits.push(None);
            ev.push(Event::GCreated {
                g: child,
                parent: Some(g),
                location: Location::unknown(),
            });
            self.queues.push_ready(p, child, true, &*self.policy);
        }
        for woken in effect.woke {
            self.set_g(woken, GState::transition_to_runnable)?;
            ev.push(Event::GUnblocked {
                g: woken,
                by: Some(g),
            });
            self.queues.push_ready(p, woken, false, &*self.policy);
        }
        match effect.then {
            After::Continue => {}
            After::Block(reason, object) => {
                self.set_g(g, |s| s.transition_to_waiting(reason))?;
                ev.push(Event::GBlocked { g, reason, object });
                if reason == BlockReason::Join {
                    self.prog
                        .park_joining(g, p, &mut self.queues, &*self.policy);
                }
                self.vacate(p)?;
            }
            After::Yield => {
                self.set_g(g, GState::transition_to_runnable)?;
                self.queues.push_yielded(p, g, &*self.policy);
                ev.push(Event::GPreempted { g, p });
                self.vacate(p)?;
            }
            After::Syscall(_) => self.enter_syscall(p, g, ev)?,
            After::Exit => {
                self.set_g(g, GState::transition_to_dead)?;
                ev.push(Event::GEnded { g, panicked: false });
                self.vacate(p)?;
            }
        }
        Ok(())
    }

    /// The G left P (blocked, yielded, exited): P's M spins (`schedule()`).
    fn vacate(&mut self, p: PId) -> Result<(), MachineError> {
        let m = self.m_of(p)?;
        self.set_m(m, MState::transition_to_spinning)?;
        self.ps[p.index()].current = None;
        Ok(())
    }

    /// `entersyscall`: G, its P and its M all enter the call together.
    fn enter_syscall(&mut self, p: PId, g: GId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let m = self.m_of(p)?;
        self.set_g(g, GState::transition_to_syscall)?;
        self.set_p(p, PState::transition_to_syscall)?;
        self.set_m(m, MState::transition_to_syscall)?;
        self.ps[p.index()].current = None;
        self.ms[m.index()].syscall = Some(g);
        ev.push(Event::SyscallEnter { g, m, p });
        Ok(())
    }

    /// sysmon's `preemptone` on a slice that used its quantum (`gopreempt_m`).
    fn preempt(&mut self, p: PId, g: GId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        self.set_g(g, GState::transition_to_runnable)?;
        self.queues.push_yielded(p, g, &*self.policy);
        ev.push(Event::GPreempted { g, p });
        self.vacate(p)
    }

    /// `exitsyscall`: keep the P if sysmon left it, else take an idle P,
    /// else queue the G globally and park (`exitsyscall0`).
    fn syscall_exit(&mut self, m: MId, g: GId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        self.prog.syscall_done(g);
        self.ms[m.index()].syscall = None;
        let held = self.ms[m.index()].p;
        let p = match held {
            Some(p) => {
                self.set_p(p, PState::transition_to_running_from_syscall)?;
                Some(p)
            }
            None => self.idle_ps.pop(),
        };
        let Some(p) = p else {
            self.set_g(g, GState::transition_to_runnable)?;
            self.queues.push_global(g);
            self.set_m(m, MState::transition_to_parked)?;
            self.idle_ms.push(m);
            ev.push(Event::SyscallExit { g, m, p: None });
            ev.push(Event::MParked { m });
            return Ok(());
        };
        if held.is_none() {
            self.set_p(p, PState::transition_to_running)?;
            self.ps[p.index()].m = Some(m);
            self.ms[m.index()].p = Some(p);
            self.ps[p.index()].slice_steps = 0;
        }
        self.set_g(g, GState::transition_to_running_from_syscall)?;
        self.set_m(m, MState::transition_to_running)?;
        let slot = &mut self.ps[p.index()];
        slot.current = Some(g);
        slot.g_steps = 0;
        ev.push(Event::SyscallExit { g, m, p: Some(p) });
        Ok(())
    }

    /// `retake` + `handoffp`: P leaves M (still in its call) for another M,
    /// which spins on it; if there is nothing to run it will park.
    fn retake(&mut self, p: PId, from: MId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        self.set_p(p, PState::transition_to_idle)?;
        self.ps[p.index()].m = None;
        self.ms[from.index()].p = None;
        let to = self.start_m(p)?;
        ev.push(Event::HandOff { p, from, to });
        Ok(())
    }

    /// Any-interleaving scope: P (idle or spinning) runs `g` from wherever
    /// it is queued.
    fn run_any(&mut self, p: PId, g: GId, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let place = self
            .queues
            .remove(g)
            .ok_or(MachineError::NotEnabled(Choice::Run { p, g }))?;
        let source = match place {
            QueuePlace::Global => RunSource::Global,
            QueuePlace::RunNext(q) if q == p => RunSource::RunNext,
            QueuePlace::Local(q) if q == p => RunSource::Local,
            QueuePlace::RunNext(q) | QueuePlace::Local(q) => RunSource::Stolen(q),
        };
        if self.ps[p.index()].state == PState::Idle {
            self.idle_ps.retain(|&q| q != p);
            let m = self.start_m(p)?;
            ev.push(Event::MUnparked { m });
        }
        let found = Found {
            g,
            source,
            new_slice: true,
        };
        self.start_g(p, found, ev)
    }

    /// `startm`: an M (parked, else new) takes idle P and spins on it.
    fn start_m(&mut self, p: PId) -> Result<MId, MachineError> {
        let m = match self.idle_ms.pop() {
            Some(m) => m,
            None => {
                self.ms.push(MSlot {
                    state: MState::Parked,
                    p: None,
                    syscall: None,
                });
                MId::from(self.ms.len() - 1)
            }
        };
        self.set_p(p, PState::transition_to_running)?;
        self.set_m(m, MState::transition_to_spinning)?;
        self.ps[p.index()].m = Some(m);
        self.ps[p.index()].current = None;
        self.ms[m.index()].p = Some(p);
        Ok(m)
    }

    /// Go's `wakep`, applied after every transition (module documentation).
    fn wakep(&mut self, ev: &mut Vec<Event>) -> Result<(), MachineError> {
        let spinning = (0..self.ps.len()).any(|i| self.is_spinning(PId::from(i)));
        if spinning || !self.takeable_work() {
            return Ok(());
        }
        let Some(p) = self.idle_ps.pop() else {
            return Ok(());
        };
        let m = self.start_m(p)?;
        ev.push(Event::MUnparked { m });
        Ok(())
    }

    /// Whether an idle P's schedule loop would find something: a G in the
    /// global queue, in a ring, or in a slot that thieves may take.
    fn takeable_work(&self) -> bool {
        let last_round = self.policy.steal_rounds().saturating_sub(1);
        let slots = self.policy.may_steal_runnext(last_round);
        !self.queues.global.is_empty()
            || self
                .queues
                .locals
                .iter()
                .any(|l| !l.ring.is_empty() || (slots && l.runnext.is_some()))
    }

    /// Updates each global-queue G's wait: newcomers record how many are
    /// ahead of them, stayers count the time slices started meanwhile.
    fn track_global_waits(&mut self, before: &Snapshot) {
        let started: u64 = self
            .queues
            .locals
            .iter()
            .zip(&before.ticks)
            .map(|(l, t)| l.schedtick - t)
            .sum();
        let mut in_global = vec![false; self.gs.len()];
        for (i, &g) in self.queues.global.iter().enumerate() {
            in_global[g.index()] = true;
            let wait = &mut self.waits[g.index()];
            match wait {
                Some(w) => w.slices += started,
                None => {
                    *wait = Some(GlobalWait {
                        ahead: u32::try_from(i).unwrap_or(u32::MAX),
                        slices: 0,
                    });
                }
            }
        }
        for (wait, here) in self.waits.iter_mut().zip(in_global) {
            if !here {
                *wait = None;
            }
        }
    }

    /// The decision `choice` stands for, as a trace or chooser shows it. A
    /// schedule is previewed on a copy of the queues and the random stream,
    /// so it names the G it will find (or the M that will park).
    pub fn decision(&self, choice: Choice) -> Decision {
        match choice {
            Choice::Schedule { p } => {
                let mut queues = self.queues.clone();
                let mut rng = self.rng.clone();
                match queues.find_runnable(p, &*self.policy, &mut rng) {
                    Some(f) => Decision::Run {
                        p,
                        g: f.g,
                        source: f.source,
                    },
                    None => Decision::ParkM {
                        m: self.ps[p.index()].m.unwrap_or(MId(u32::MAX)),
                    },
                }
            }
            Choice::Step { p, g } => Decision::Step { p, g },
            Choice::Preempt { p, g } => Decision::Preempt { p, g },
            Choice::SyscallExit { m, g } => Decision::SyscallExit {
                g,
                reacquired: self.ms[m.index()].p.or(self.idle_ps.last().copied()),
            },
            Choice::Retake { p, .. } => Decision::HandOff {
                p,
                to: self
                    .idle_ms
                    .last()
                    .copied()
                    .unwrap_or(MId::from(self.ms.len())),
            },
            Choice::Run { p, g } => {
                let source = match self.queues.queued().find(|&(q, _)| q == g) {
                    Some((_, QueuePlace::RunNext(q))) if q == p => RunSource::RunNext,
                    Some((_, QueuePlace::Local(q))) if q == p => RunSource::Local,
                    Some((_, QueuePlace::RunNext(q) | QueuePlace::Local(q))) => {
                        RunSource::Stolen(q)
                    }
                    _ => RunSource::Global,
                };
                Decision::Run { p, g, source }
            }
        }
    }

    /// The visible operation a choice performs, for trace entries.
    pub fn op_of(&self, choice: Choice) -> (Option<OpKind>, Option<ObjId>) {
        match choice {
            Choice::Step { g, .. } => self.next_op(g),
            Choice::Preempt { .. } => (Some(OpKind::Preempt), None),
            Choice::SyscallExit { .. } => (Some(OpKind::SyscallExit), None),
            _ => (None, None),
        }
    }

    /// Whether `choice` is a step that only does CPU work (`Step::Compute`):
    /// it touches nothing but its own G's program counter and its P's slice
    /// counters, which no other transition reads and no invariant looks at.
    /// The explorer may take it alone at a state (a singleton ample set,
    /// Peled 1993): every other order of it against other transitions
    /// reaches the same states.
    pub fn is_local_step(&self, choice: Choice) -> bool {
        let Choice::Step { g, .. } = choice else {
            return false;
        };
        let gp = &self.prog.gs[g.index()];
        let task = &self.workload.tasks[gp.task as usize];
        matches!(task.steps.get(gp.pc), Some(Step::Compute(_)))
    }

    /// The longest wait, in time slices, of any G now in the global queue.
    pub fn max_global_wait(&self) -> u64 {
        self.waits
            .iter()
            .flatten()
            .map(|w| w.slices)
            .max()
            .unwrap_or(0)
    }

    /// What `g`'s next step does, read from its program counter.
    fn next_op(&self, g: GId) -> (Option<OpKind>, Option<ObjId>) {
        let gp = &self.prog.gs[g.index()];
        let task = &self.workload.tasks[gp.task as usize];
        match task.steps.get(gp.pc) {
            None => (Some(OpKind::Exit), None),
            Some(Step::Compute(_)) => (None, None),
            Some(Step::Spawn(_)) => (Some(OpKind::Spawn), None),
            Some(Step::JoinChildren) => (Some(OpKind::Join), None),
            Some(Step::Send(c)) => (Some(OpKind::Send), Some(Program::chan_obj(*c))),
            Some(Step::Recv(c)) => (Some(OpKind::Recv), Some(Program::chan_obj(*c))),
            Some(Step::Blocking(_)) => (Some(OpKind::SyscallEnter), None),
            Some(Step::Yield) => (Some(OpKind::Yield), None),
        }
    }

    fn m_of(&self, p: PId) -> Result<MId, MachineError> {
        self.ps[p.index()].m.ok_or(MachineError::IllegalP(
            p,
            TransitionError {
                from: self.ps[p.index()].state,
                transition: "act without an M",
            },
        ))
    }

    fn set_g(
        &mut self,
        g: GId,
        to: impl FnOnce(GState) -> Result<GState, TransitionError<GState>>,
    ) -> Result<(), MachineError> {
        let s = &mut self.gs[g.index()];
        *s = to(*s).map_err(|e| MachineError::IllegalG(g, e))?;
        Ok(())
    }

    fn set_p(
        &mut self,
        p: PId,
        to: impl FnOnce(PState) -> Result<PState, TransitionError<PState>>,
    ) -> Result<(), MachineError> {
        let s = &mut self.ps[p.index()].state;
        *s = to(*s).map_err(|e| MachineError::IllegalP(p, e))?;
        Ok(())
    }

    fn set_m(
        &mut self,
        m: MId,
        to: impl FnOnce(MState) -> Result<MState, TransitionError<MState>>,
    ) -> Result<(), MachineError> {
        let s = &mut self.ms[m.index()].state;
        *s = to(*s).map_err(|e| MachineError::IllegalM(m, e))?;
        Ok(())
    }
}

impl Hash for Machine {
    /// Everything that decides the future; not the configuration, policy
    /// and workload (fixed per run) nor the step count.
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.prog.hash(h);
        self.queues.hash(h);
        self.gs.hash(h);
        self.ps.hash(h);
        self.ms.hash(h);
        self.idle_ps.hash(h);
        self.idle_ms.hash(h);
        self.rng.hash(h);
        self.waits.hash(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::workload::Task;

    fn program(steps: Vec<Step>) -> Workload {
        let child = Task {
            name: "child".into(),
            steps: vec![Step::Compute(1)],
        };
        let main = Task {
            name: "main".into(),
            steps,
        };
        Workload {
            name: "test".into(),
            tasks: vec![main, child],
            chans: Vec::new(),
            main: 0,
        }
    }

    fn apply_all(m: &mut Machine, choices: &[Choice]) -> Vec<Event> {
        choices
            .iter()
            .flat_map(|&c| m.apply(c).unwrap_or_else(|e| panic!("{c}: {e}")))
            .collect()
    }

    const P0: PId = PId(0);
    const G0: GId = GId(0);
    const M0: MId = MId(0);

    fn in_call() -> Machine {
        let w = program(vec![Step::Blocking(10), Step::Compute(1)]);
        let mut m = Machine::new(w, Policy::go(), MachineConfig::new(1));
        assert_eq!(
            m.decision(Choice::Schedule { p: P0 }),
            Decision::Run {
                p: P0,
                g: G0,
                source: RunSource::RunNext
            }
        );
        let ev = apply_all(
            &mut m,
            &[Choice::Schedule { p: P0 }, Choice::Step { p: P0, g: G0 }],
        );
        assert!(ev.contains(&Event::SyscallEnter {
            g: G0,
            m: M0,
            p: P0
        }));
        assert_eq!(
            m.enabled(),
            [
                Choice::Retake { p: P0, m: M0 },
                Choice::SyscallExit { m: M0, g: G0 }
            ]
        );
        m
    }

    #[test]
    fn a_call_that_returns_before_sysmon_keeps_its_p() {
        let mut m = in_call();
        let ev = apply_all(&mut m, &[Choice::SyscallExit { m: M0, g: G0 }]);
        assert_eq!(
            ev,
            [Event::SyscallExit {
                g: G0,
                m: M0,
                p: Some(P0)
            }]
        );
        assert_eq!(m.p_slot(P0).current, Some(G0));
        assert_eq!(m.m_count(), 1);
    }

    #[test]
    fn a_retaken_p_goes_to_a_new_m_and_the_returning_g_queues_globally() {
        let mut m = in_call();
        let ev = apply_all(&mut m, &[Choice::Retake { p: P0, m: M0 }]);
        assert_eq!(
            ev,
            [Event::HandOff {
                p: P0,
                from: M0,
                to: MId(1)
            }]
        );
        assert!(m.is_spinning(P0));
        let ev = apply_all(&mut m, &[Choice::SyscallExit { m: M0, g: G0 }]);
        assert_eq!(
            ev,
            [
                Event::SyscallExit {
                    g: G0,
                    m: M0,
                    p: None
                },
                Event::MParked { m: M0 }
            ]
        );
        assert_eq!(m.queues().global, [G0]);
        let ev = apply_all(&mut m, &[Choice::Schedule { p: P0 }]);
        assert_eq!(
            ev,
            [Event::GStarted {
                g: G0,
                p: P0,
                m: MId(1),
                source: RunSource::Global
            }]
        );
    }

    #[test]
    fn a_returning_call_takes_an_idle_p() {
        let mut m = in_call();
        let ev = apply_all(
            &mut m,
            &[
                Choice::Retake { p: P0, m: M0 },
                Choice::Schedule { p: P0 },
                Choice::SyscallExit { m: M0, g: G0 },
            ],
        );
        assert!(ev.contains(&Event::MParked { m: MId(1) }));
        assert_eq!(
            ev.last(),
            Some(&Event::SyscallExit {
                g: G0,
                m: M0,
                p: Some(P0)
            })
        );
        assert_eq!(m.p_slot(P0).current, Some(G0));
    }

    #[test]
    fn a_slice_past_the_quantum_is_preempted_where_the_policy_says() {
        for (policy, global) in [(Policy::go(), true), (Policy::tokio_like(), false)] {
            let w = program(vec![Step::Compute(1); 5]);
            let cfg = MachineConfig::new(1).with_quantum_steps(2);
            let mut m = Machine::new(w, policy, cfg);
            let step = Choice::Step { p: P0, g: G0 };
            apply_all(&mut m, &[Choice::Schedule { p: P0 }, step, step]);
            assert_eq!(m.enabled(), [Choice::Preempt { p: P0, g: G0 }]);
            let ev = apply_all(&mut m, &[Choice::Preempt { p: P0, g: G0 }]);
            assert_eq!(ev, [Event::GPreempted { g: G0, p: P0 }]);
            assert_eq!(m.queues().global.contains(&G0), global);
            assert_eq!(m.queues().locals[0].ring.contains(&G0), !global);
        }
    }

    #[test]
    fn spawning_wakes_an_idle_p_and_any_interleaving_lets_it_run_any_g() {
        let w = program(vec![Step::Spawn(1), Step::Spawn(1)]);
        let cfg = MachineConfig::new(2).with_scope(Scope::AnyInterleaving);
        let mut m = Machine::new(w, Policy::go(), cfg);
        let step = Choice::Step { p: P0, g: G0 };
        let ev = apply_all(&mut m, &[Choice::Schedule { p: P0 }, step]);
        // g1 sits in p0's slot, which Go lets thieves take on the last round.
        assert!(ev.contains(&Event::MUnparked { m: MId(1) }), "{ev:?}");
        assert!(m.is_spinning(PId(1)));
        apply_all(&mut m, &[step]);
        let p1 = PId(1);
        let runs: Vec<Choice> = m
            .enabled()
            .into_iter()
            .filter(|c| matches!(c, Choice::Run { .. }))
            .collect();
        assert_eq!(
            runs,
            [
                Choice::Run { p: p1, g: GId(2) },
                Choice::Run { p: p1, g: GId(1) }
            ]
        );
        let ev = apply_all(&mut m, &[Choice::Run { p: p1, g: GId(1) }]);
        assert_eq!(
            ev,
            [Event::GStarted {
                g: GId(1),
                p: p1,
                m: MId(1),
                source: RunSource::Stolen(P0)
            }]
        );
    }

    #[test]
    fn a_choice_not_enabled_is_refused() {
        let mut m = Machine::new(program(vec![]), Policy::go(), MachineConfig::new(1));
        let c = Choice::Step { p: P0, g: G0 };
        assert_eq!(m.apply(c), Err(MachineError::NotEnabled(c)));
    }

    #[test]
    fn equal_states_have_equal_fingerprints_whatever_the_step_count() {
        let w = program(vec![Step::Compute(1)]);
        let a = Machine::new(w.clone(), Policy::go(), MachineConfig::new(2));
        let mut b = Machine::new(w, Policy::go(), MachineConfig::new(2));
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.steps = 7;
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.apply(Choice::Schedule { p: P0 }).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
