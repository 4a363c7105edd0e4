//! Running a goroutine: its steps through `Program::step`, compute in
//! chunks cut by the time slice, preemption, and readying the Gs a step
//! spawns or wakes.

use super::{Engine, GTime};
use crate::event::BlockReason;
use crate::ids::{GId, PId};
use crate::sim::proc::PState;
use crate::workload::{After, Step};

impl Engine<'_> {
    pub(super) fn slice_end(&self, p: PId) -> u64 {
        self.ps[p.index()].slice_start + self.policy.quantum_ns()
    }

    /// Continues `g`. It is preempted when it would compute past the end of
    /// its slice, or has run past it (runtime costs included) at a step
    /// boundary; a G whose work ends exactly at the slice's end is not.
    pub(super) fn run_g(&mut self, p: PId, g: GId) {
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

    pub(super) fn compute(&mut self, p: PId, g: GId) {
        let left = self.slice_end(p) - self.now;
        let gt = &mut self.gs[g.index()];
        let chunk = gt.pending.min(left);
        gt.pending -= chunk;
        self.ps[p.index()].stats.busy_ns += chunk;
        self.after(p, chunk, PState::Running(g));
    }

    pub(super) fn preempt(&mut self, p: PId, g: GId) {
        self.counters.preemptions += 1;
        self.charge(p, self.costs.preempt);
        self.gs[g.index()].ready_at = self.now;
        self.counters.overflowed += self.queues.push_yielded(p, g, self.policy) as u64;
        let next = PState::Scheduling { spinning: false };
        self.after(p, self.costs.preempt, next);
    }

    pub(super) fn step(&mut self, p: PId, g: GId) {
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
            After::Block(reason, _) => {
                if reason == BlockReason::Join
                    && self.prog.park_joining(g, p, &mut self.queues, self.policy)
                {
                    self.counters.join_promotions += 1;
                }
                self.after(p, cost, next)
            }
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
    pub(super) fn step_cost(&self, g: GId) -> u64 {
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
    pub(super) fn ready(&mut self, p: PId, g: GId, spawn: bool) {
        self.gs[g.index()].ready_at = self.now;
        self.counters.overflowed += self.queues.push_ready(p, g, spawn, self.policy) as u64;
        self.wakep();
    }
}
