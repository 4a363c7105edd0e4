//! The event loop: Ps running Go's schedule loop in virtual time.
//!
//! Events are ordered by `(time, sequence number)`, so equal times resolve in
//! the order they were scheduled and a run is a pure function of workload,
//! policy and configuration. Each P has at most one pending event (see
//! [`PState`]); goroutines in a blocking call have one more, their return.
//!
//! What a P does, and what it pays ([`Costs`]):
//!
//! - **schedule**: [`RunQueues::take_local_or_global`] (`switch`, plus
//!   `global_access` when the G came from the global queue); with nothing
//!   local it spins through one [`RunQueues::steal_work`] pass
//!   (`steal_attempt` per victim probed, `steal_success` if it took Gs) —
//!   only while spinners are fewer than half the busy Ps; with nothing to
//!   steal it re-checks every queue after `park` and parks (Go's
//!   drop-spinning-then-recheck, so no wake-up is lost).
//! - **run**: the G's steps go through [`Program::step`], one event per step.
//!   A step's effects (a spawned child, woken Gs) happen when it begins, its
//!   cost (`spawn`, `sync_op`, `syscall`) is paid after; `Compute(ns)` runs in
//!   chunks that stop at the end of the time slice, where the G is preempted
//!   (`preempt`, then [`RunQueues::push_yielded`]). A slice starts when a G
//!   with [`Found::new_slice`] starts (the `runnext` slot may inherit it).
//! - **ready**: spawned and woken Gs go through [`RunQueues::push_ready`] on
//!   the readying P, then `wakep`: if no P spins and one is parked, it wakes
//!   after `unpark` and spins.
//! - **blocking calls**: the P waits with its M; if the call outlasts
//!   `retake`, sysmon hands the P off (Go's `retake` skips a P with an empty
//!   queue while others spin or idle, for up to 10 ms; `handoffp` starts the
//!   P after `unpark` if there is work, else parks it). On return the G
//!   continues on its P if it still has it, else takes a parked P, else joins
//!   the global queue ([`RunQueues::push_global`]).
//!
//! Every policy question is asked of the [`SchedPolicy`], through
//! [`RunQueues`]; nothing here decides order.

use super::config::SimConfig;
use super::costs::Costs;
use super::error::SimError;
use super::proc::{Idle, PState, Proc};
use super::report::{Latency, SimReport};
use crate::event::RunSource;
use crate::ids::{GId, PId};
use crate::policy::SchedPolicy;
use crate::queue::{Found, RunQueues};
use crate::rng::Rng;
use crate::workload::{After, Program, Step, Workload};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How long sysmon leaves a P in a blocking call alone when its queue is
/// empty and other Ps are idle or spinning (`retake`: `syscallwhen + 10ms`).
pub const QUIET_RETAKE_NS: u64 = 10_000_000;

/// Runs `workload` on `config.procs` Ps under `policy` until every goroutine
/// has exited.
pub fn simulate(
    workload: &Workload,
    policy: &dyn SchedPolicy,
    config: SimConfig,
) -> Result<SimReport, SimError> {
    config.validate()?;
    Engine::new(workload, policy, config).run()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The P's pending event, valid while the P's epoch is this one.
    P(PId, u64),
    /// A goroutine's blocking call returns.
    SyscallReturn(GId),
}

/// Per-goroutine timing state (its program state is in [`Program`]).
#[derive(Clone, Copy, Debug, Default)]
struct GTime {
    /// `Compute` ns left of the current step (preemption splits it).
    pending: u64,
    /// When it last became runnable.
    ready_at: u64,
    /// The P its M keeps while in a blocking call, until sysmon retakes it.
    syscall_on: Option<PId>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Counters {
    steal_attempts: u64,
    steals: u64,
    stolen: u64,
    global_takes: u64,
    overflowed: u64,
    context_switches: u64,
    preemptions: u64,
    wakeups: u64,
    handoffs: u64,
}

struct Engine<'a> {
    workload: &'a Workload,
    policy: &'a dyn SchedPolicy,
    config: SimConfig,
    costs: Costs,
    prog: Program,
    queues: RunQueues,
    ps: Vec<Proc>,
    gs: Vec<GTime>,
    idle: Idle,
    events: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    seq: u64,
    now: u64,
    live: usize,
    peak_live: usize,
    latencies: Vec<u64>,
    counters: Counters,
}

impl<'a> Engine<'a> {
    fn new(workload: &'a Workload, policy: &'a dyn SchedPolicy, config: SimConfig) -> Self {
        let mut seeds = Rng::new(config.seed);
        let procs = config.procs;
        Engine {
            workload,
            policy,
            config,
            costs: config.costs,
            prog: Program::new(workload),
            queues: RunQueues::new(procs),
            ps: (0..procs).map(|_| Proc::new(seeds.split())).collect(),
            gs: vec![GTime::default()],
            idle: Idle::all_but_first(procs),
            events: BinaryHeap::new(),
            seq: 0,
            now: 0,
            live: 1,
            peak_live: 1,
            latencies: Vec::new(),
            counters: Counters::default(),
        }
    }

    fn run(mut self) -> Result<SimReport, SimError> {
        let p0 = PId(0);
        self.queues.push_ready(p0, GId(0), true, self.policy);
        self.after(p0, 0, PState::Scheduling { spinning: false });
        let mut events = 0;
        while self.live > 0 {
            let Some(Reverse((time, _, ev))) = self.events.pop() else {
                return Err(self.deadlock());
            };
            events += 1;
            if events > self.config.max_events {
                return Err(SimError::EventLimit {
                    limit: self.config.max_events,
                    at_ns: self.now,
                    live: self.live,
                });
            }
            self.now = time;
            match ev {
                Ev::P(p, epoch) if epoch == self.ps[p.index()].epoch => self.on_p(p),
                Ev::P(..) => {}
                Ev::SyscallReturn(g) => self.syscall_returned(g),
            }
        }
        Ok(self.report(events))
    }

    /// Replaces `p`'s pending event: it enters `state`, which acts at `now + delay`.
    fn after(&mut self, p: PId, delay: u64, state: PState) {
        let proc = &mut self.ps[p.index()];
        proc.state = state;
        proc.epoch += 1;
        let ev = Ev::P(p, proc.epoch);
        self.push_event(self.now + delay, ev);
    }

    fn push_event(&mut self, time: u64, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((time, self.seq, ev)));
    }

    /// Runtime cost paid by `p`.
    fn charge(&mut self, p: PId, ns: u64) {
        self.ps[p.index()].stats.overhead_ns += ns;
    }

    fn on_p(&mut self, p: PId) {
        match self.ps[p.index()].state {
            PState::Scheduling { spinning } => self.schedule(p, spinning),
            PState::Running(g) => self.run_g(p, g),
            PState::Stealing(found) => self.steal_done(p, found),
            PState::Parking => self.park_done(p),
            PState::InSyscall { g, since } => self.retake(p, g, since),
            PState::Idle => unreachable!("{p} is idle and has no pending event"),
        }
    }

    // ---- the schedule loop ------------------------------------------------

    fn schedule(&mut self, p: PId, spinning: bool) {
        if let Some(found) = self.queues.take_local_or_global(p, self.policy) {
            if spinning {
                self.stop_spinning();
            }
            let mut cost = self.costs.switch;
            if found.source == RunSource::Global {
                self.counters.global_takes += 1;
                cost += self.costs.global_access;
            }
            return self.start(p, found, cost);
        }
        if self.config.procs == 1 || !(spinning || self.idle.may_spin(self.config.procs)) {
            if spinning {
                self.idle.spinning -= 1;
            }
            return self.begin_park(p);
        }
        if !spinning {
            self.idle.spinning += 1;
        }
        let search = self
            .queues
            .steal_work(p, self.policy, &mut self.ps[p.index()].rng);
        let attempts = u64::from(search.attempts);
        self.counters.steal_attempts += attempts;
        let mut cost = attempts * self.costs.steal_attempt;
        if search.found.is_some() {
            self.counters.steals += 1;
            self.counters.stolen += search.taken as u64;
            cost += self.costs.steal_success;
        }
        self.charge(p, cost);
        self.after(p, cost, PState::Stealing(search.found));
    }

    fn steal_done(&mut self, p: PId, found: Option<Found>) {
        match found {
            Some(found) => {
                self.stop_spinning();
                self.start(p, found, self.costs.switch);
            }
            None => {
                self.idle.spinning -= 1;
                self.begin_park(p);
            }
        }
    }

    fn begin_park(&mut self, p: PId) {
        self.charge(p, self.costs.park);
        self.after(p, self.costs.park, PState::Parking);
    }

    /// Go's re-check after dropping spinning: work that appeared while no
    /// wake-up could be sent is found here, so none is lost.
    fn park_done(&mut self, p: PId) {
        if self.has_work_for(p) {
            self.idle.spinning += 1;
            return self.schedule(p, true);
        }
        self.ps[p.index()].state = PState::Idle;
        self.ps[p.index()].epoch += 1;
        self.idle.park(p);
    }

    /// Is there a G that `p`'s schedule loop would find now?
    fn has_work_for(&self, p: PId) -> bool {
        let last_round = self.policy.steal_rounds().saturating_sub(1);
        let slot = self.policy.may_steal_runnext(last_round);
        !self.queues.global.is_empty()
            || !self.queues.locals[p.index()].is_empty()
            || self
                .queues
                .locals
                .iter()
                .any(|l| !l.ring.is_empty() || (slot && l.runnext.is_some()))
    }

    /// Go's `resetspinning`: the last spinner to find work wakes another P.
    fn stop_spinning(&mut self) {
        self.idle.spinning -= 1;
        self.wakep();
    }

    /// Go's `wakep`: a parked P starts spinning, unless a P already spins.
    fn wakep(&mut self) {
        if self.idle.spinning > 0 {
            return;
        }
        if let Some(p) = self.idle.take() {
            self.idle.spinning += 1;
            self.start_p(p, true);
        }
    }

    /// An M takes `p` (`startm`): its schedule loop runs after `unpark`.
    fn start_p(&mut self, p: PId, spinning: bool) {
        self.counters.wakeups += 1;
        self.charge(p, self.costs.unpark);
        self.after(p, self.costs.unpark, PState::Scheduling { spinning });
    }

    fn start(&mut self, p: PId, found: Found, cost: u64) {
        self.charge(p, cost);
        let at = self.now + cost;
        if found.new_slice {
            self.queues.start_slice(p);
            self.ps[p.index()].slice_start = at;
        }
        self.latencies.push(at - self.gs[found.g.index()].ready_at);
        self.counters.context_switches += 1;
        self.after(p, cost, PState::Running(found.g));
    }

    // ---- running a goroutine ---------------------------------------------

    fn slice_end(&self, p: PId) -> u64 {
        self.ps[p.index()].slice_start + self.policy.quantum_ns()
    }

    /// Continues `g`. It is preempted when it would compute past the end of
    /// its slice, or has run past it (runtime costs included) at a step
    /// boundary; a G whose work ends exactly at the slice's end is not.
    fn run_g(&mut self, p: PId, g: GId) {
        let end = self.slice_end(p);
        let computing = self.gs[g.index()].pending > 0;
        if (computing && self.now >= end) || self.now > end {
            self.preempt(p, g);
        } else if computing {
            self.compute(p, g);
        } else {
            self.step(p, g);
        }
    }

    fn compute(&mut self, p: PId, g: GId) {
        let left = self.slice_end(p) - self.now;
        let gt = &mut self.gs[g.index()];
        let chunk = gt.pending.min(left);
        gt.pending -= chunk;
        self.ps[p.index()].stats.busy_ns += chunk;
        self.after(p, chunk, PState::Running(g));
    }

    fn preempt(&mut self, p: PId, g: GId) {
        self.counters.preemptions += 1;
        self.charge(p, self.costs.preempt);
        self.gs[g.index()].ready_at = self.now;
        self.counters.overflowed += self.queues.push_yielded(p, g, self.policy) as u64;
        let next = PState::Scheduling { spinning: false };
        self.after(p, self.costs.preempt, next);
    }

    fn step(&mut self, p: PId, g: GId) {
        let cost = self.step_cost(g);
        let effect = self.prog.step(self.workload, g);
        self.charge(p, cost);
        if let Some(child) = effect.spawned {
            self.live += 1;
            self.peak_live = self.peak_live.max(self.live);
            self.gs.push(GTime::default());
            self.ready(p, child, true);
        }
        for woken in effect.woke {
            self.ready(p, woken, false);
        }
        let next = PState::Scheduling { spinning: false };
        match effect.then {
            After::Continue => {
                self.gs[g.index()].pending = effect.cost_ns;
                self.after(p, cost, PState::Running(g));
            }
            After::Block(..) => self.after(p, cost, next),
            After::Yield => {
                self.gs[g.index()].ready_at = self.now;
                self.counters.overflowed += self.queues.push_yielded(p, g, self.policy) as u64;
                self.after(p, cost, next);
            }
            After::Syscall(ns) => self.enter_syscall(p, g, cost, ns),
            After::Exit => {
                self.live -= 1;
                self.after(p, cost, next);
            }
        }
    }

    /// The runtime cost of `g`'s next step (its `Compute` time is separate).
    fn step_cost(&self, g: GId) -> u64 {
        let gp = &self.prog.gs[g.index()];
        let steps = &self.workload.tasks[gp.task as usize].steps;
        match steps.get(gp.pc) {
            Some(Step::Spawn(_)) => self.costs.spawn,
            Some(Step::JoinChildren | Step::Send(_) | Step::Recv(_)) => self.costs.sync_op,
            Some(Step::Blocking(_)) => self.costs.syscall,
            Some(Step::Compute(_) | Step::Yield) | None => 0,
        }
    }

    /// `g` became runnable on `p` (spawned or woken); an idle P may wake.
    fn ready(&mut self, p: PId, g: GId, spawn: bool) {
        self.gs[g.index()].ready_at = self.now;
        self.counters.overflowed += self.queues.push_ready(p, g, spawn, self.policy) as u64;
        self.wakep();
    }

    // ---- blocking calls ---------------------------------------------------

    fn enter_syscall(&mut self, p: PId, g: GId, cost: u64, ns: u64) {
        let since = self.now + cost;
        self.gs[g.index()].syscall_on = Some(p);
        self.push_event(since + ns, Ev::SyscallReturn(g));
        self.after(p, cost + self.costs.retake, PState::InSyscall { g, since });
    }

    /// sysmon's `retake` of a P whose M has been in a call since `since`.
    fn retake(&mut self, p: PId, g: GId, since: u64) {
        let quiet =
            self.queues.locals[p.index()].is_empty() && self.idle.spinning + self.idle.parked() > 0;
        if quiet && self.now < since + QUIET_RETAKE_NS {
            let wait = since + QUIET_RETAKE_NS - self.now;
            return self.after(p, wait, PState::InSyscall { g, since });
        }
        self.gs[g.index()].syscall_on = None;
        self.counters.handoffs += 1;
        self.handoff(p);
    }

    /// Go's `handoffp`.
    fn handoff(&mut self, p: PId) {
        if !self.queues.locals[p.index()].is_empty() || !self.queues.global.is_empty() {
            self.start_p(p, false);
        } else if self.idle.spinning + self.idle.parked() == 0 {
            self.idle.spinning += 1;
            self.start_p(p, true);
        } else {
            self.ps[p.index()].state = PState::Idle;
            self.ps[p.index()].epoch += 1;
            self.idle.park(p);
        }
    }

    /// Go's `exitsyscall`: keep the P, or take a parked one, or queue globally.
    fn syscall_returned(&mut self, g: GId) {
        if let Some(p) = self.gs[g.index()].syscall_on.take() {
            return self.after(p, 0, PState::Running(g));
        }
        if let Some(p) = self.idle.take() {
            self.queues.start_slice(p);
            self.ps[p.index()].slice_start = self.now;
            return self.after(p, 0, PState::Running(g));
        }
        self.gs[g.index()].ready_at = self.now;
        self.queues.push_global(g);
        self.wakep();
    }

    // ---- the end ------------------------------------------------------------

    fn deadlock(&self) -> SimError {
        let blocked = (0..self.prog.created())
            .map(GId::from)
            .filter(|&g| !self.prog.is_done(g))
            .take(8)
            .collect();
        SimError::Deadlock {
            at_ns: self.now,
            blocked,
            live: self.live,
            queued: self.queues.len(),
        }
    }

    fn report(mut self, events: u64) -> SimReport {
        let per_p: Vec<_> = self.ps.iter().map(|p| p.stats).collect();
        let c = self.counters;
        SimReport {
            workload: self.workload.name.clone(),
            policy: self.policy.name().to_owned(),
            procs: self.config.procs,
            seed: self.config.seed,
            makespan_ns: self.now,
            work_ns: per_p.iter().map(|p| p.busy_ns).sum(),
            overhead_ns: per_p.iter().map(|p| p.overhead_ns).sum(),
            goroutines: self.prog.created(),
            peak_live: self.peak_live,
            steal_attempts: c.steal_attempts,
            steals: c.steals,
            stolen: c.stolen,
            global_takes: c.global_takes,
            overflowed: c.overflowed,
            context_switches: c.context_switches,
            preemptions: c.preemptions,
            wakeups: c.wakeups,
            handoffs: c.handoffs,
            latency: Latency::of(&mut self.latencies),
            per_p,
            events,
        }
    }
}
