//! The schedule loop: find a G (local, global, steal), spin, park, and
//! the wake-up protocol that brings parked Ps back (Go's `findRunnable`,
//! `wakep`, `resetspinning`, `stopm`).

use super::Engine;
use crate::event::RunSource;
use crate::ids::PId;
use crate::queue::Found;
use crate::sim::proc::PState;

impl Engine<'_> {
    pub(super) fn schedule(&mut self, p: PId, spinning: bool) {
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

    pub(super) fn steal_done(&mut self, p: PId, found: Option<Found>) {
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

    pub(super) fn begin_park(&mut self, p: PId) {
        self.charge(p, self.costs.park);
        self.after(p, self.costs.park, PState::Parking);
    }

    /// Go's re-check after dropping spinning: work that appeared while no
    /// wake-up could be sent is found here, so none is lost.
    pub(super) fn park_done(&mut self, p: PId) {
        if self.has_work_for(p) {
            self.idle.spinning += 1;
            return self.schedule(p, true);
        }
        self.ps[p.index()].state = PState::Idle;
        self.ps[p.index()].epoch += 1;
        self.idle.park(p);
    }

    /// Is there a G that `p`'s schedule loop would find now?
    pub(super) fn has_work_for(&self, p: PId) -> bool {
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
    pub(super) fn stop_spinning(&mut self) {
        self.idle.spinning -= 1;
        self.wakep();
    }

    /// Go's `wakep`: a parked P starts spinning, unless a P already spins.
    pub(super) fn wakep(&mut self) {
        if self.idle.spinning > 0 {
            return;
        }
        if let Some(p) = self.idle.take() {
            self.idle.spinning += 1;
            self.start_p(p, true);
        }
    }

    /// An M takes `p` (`startm`): its schedule loop runs after `unpark`.
    pub(super) fn start_p(&mut self, p: PId, spinning: bool) {
        self.counters.wakeups += 1;
        self.charge(p, self.costs.unpark);
        self.after(p, self.costs.unpark, PState::Scheduling { spinning });
    }

    pub(super) fn start(&mut self, p: PId, found: Found, cost: u64) {
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
}
