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
//!   with [`Found::new_slice`](crate::queue::Found::new_slice) starts (the
//!   `runnext` slot may inherit it).
//! - **ready**: spawned and woken Gs go through [`RunQueues::push_ready`] on
//!   the readying P, then `wakep`: if no P spins and one is parked, it wakes
//!   after `unpark` and spins.
//! - **blocking calls**: the P waits with its M; if the call outlasts
//!   `retake`, sysmon hands the P off (Go's `retake` skips a P with an empty
//!   queue while others spin or idle, for up to 10 ms; `handoffp` starts the
//!   P after `unpark` if there is work, or spinning if no P is idle or
//!   spinning, else parks it). On return the G
//!   continues on its P if it still has it, else takes a parked P, else joins
//!   the global queue ([`RunQueues::push_global`]).
//!
//! Every policy question is asked of the [`SchedPolicy`], through
//! [`RunQueues`]; nothing here decides order.

mod running;
mod schedule;
mod syscall;

use super::config::SimConfig;
use super::costs::Costs;
use super::error::SimError;
use super::proc::{Idle, PState, Proc};
use super::report::{Latency, SimReport};
use crate::ids::{GId, PId};
use crate::policy::SchedPolicy;
use crate::queue::RunQueues;
use crate::rng::Rng;
use crate::workload::{Program, Workload};
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
    join_promotions: u64,
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
            join_promotions: c.join_promotions,
            latency: Latency::of(&mut self.latencies),
            per_p,
            events,
        }
    }
}
