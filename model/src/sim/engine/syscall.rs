//! Blocking calls: the P waits with its M until sysmon retakes it
//! (`retake`, `handoffp`); the returning G keeps its P, takes a parked one,
//! or joins the global queue (`exitsyscall`).

use super::{Engine, Ev, QUIET_RETAKE_NS};
use crate::ids::{GId, PId};
use crate::sim::proc::PState;

impl Engine<'_> {
    pub(super) fn enter_syscall(&mut self, p: PId, g: GId, cost: u64, ns: u64) {
        let since = self.now + cost;
        self.gs[g.index()].syscall_on = Some(p);
        self.push_event(since + ns, Ev::SyscallReturn(g));
        self.after(p, cost + self.costs.retake, PState::InSyscall { g, since });
    }

    /// sysmon's `retake` of a P whose M has been in a call since `since`.
    pub(super) fn retake(&mut self, p: PId, g: GId, since: u64) {
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
    pub(super) fn handoff(&mut self, p: PId) {
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
    pub(super) fn syscall_returned(&mut self, g: GId) {
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
}
