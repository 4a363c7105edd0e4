//! The state of one deterministic run, shared (on one OS thread) by the
//! run loop and the goroutines' engine verbs: logical Ps with the model's
//! [`RunQueues`], the goroutines, virtual time, the race detector, the trace.
//!
//! One `Exec` lives in an `Rc` behind a thread-local (`context.rs`); its
//! `RefCell` is borrowed only between switches, never across a `resume` or
//! a `suspend`, and never while a timer callback runs.

use super::clock::Clock;
use super::config::Config;
use super::outcome::Failure;
use super::race::Detector;
use crate::coro::Coro;
use crate::engine::Op;
use crate::stack::StackCache;
use model::event::{Access, Ordering};
use model::queue::RunQueues;
use model::trace::{Trace, TraceEntry};
use model::{BlockReason, GId, ObjId, OpKind, PId, Rng, SchedPolicy};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;

/// A fast hasher for small integer keys (object ids): the multiply-rotate
/// step of rustc's `FxHasher`; SipHash's flood resistance buys nothing here.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u64(u64::from(b)));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FastHash = std::hash::BuildHasherDefault<FastHasher>;

/// An [`Op`] with its object renumbered for this run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpRec {
    pub(crate) kind: OpKind,
    pub(crate) object: ObjId,
    #[allow(dead_code)] // kept for DPOR's dependence relation (verify)
    pub(crate) access: Access,
    pub(crate) ordering: Option<Ordering>,
    pub(crate) reason: BlockReason,
    pub(crate) location: &'static Location<'static>,
}

/// Where a goroutine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GStatus {
    /// In a run queue.
    Runnable,
    /// Holding P (stopped at a visible op, or executing).
    Running(PId),
    /// Parked until `unpark`.
    Blocked,
    Done,
}

/// One goroutine of the run.
pub(crate) struct GRec {
    /// Out while the goroutine executes (the loop holds it then).
    pub(crate) coro: Option<Coro>,
    pub(crate) status: GStatus,
    pub(crate) spawned_at: &'static Location<'static>,
    /// An `unpark` that came before the `park` (consumed by the next park).
    pub(crate) token: bool,
    /// Its last visible op (trace entries, block reports).
    pub(crate) op: Option<OpRec>,
    /// The op whose effects apply when it is next resumed, and whether it
    /// parked in it (then only the acquire applies).
    pub(crate) effect: Option<(OpRec, bool)>,
    /// Where its exit clock is released for joiners.
    pub(crate) join_object: ObjId,
    /// Its panic message, once it panicked.
    pub(crate) panic: Option<String>,
}

/// What the executing goroutine asked for when it suspended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    None,
    /// Stopped at a visible op; stays on its P.
    Visible,
    /// Parked: leaves its P.
    Park,
    /// Yielded: goes where the policy sends yields.
    Yield,
    /// Needs a recorded random index in `0..n`: a `select!` arm
    /// (`rand == false`) or a `sched::rand` draw (`rand == true`).
    Rand {
        n: usize,
        rand: bool,
    },
}

/// One logical P.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PSlot {
    pub(crate) current: Option<GId>,
    /// Visible ops in the current time slice.
    pub(crate) slice: u32,
}

/// Everything a run knows.
pub(crate) struct State {
    pub(crate) cfg: Config,
    pub(crate) queues: RunQueues,
    pub(crate) ps: Vec<PSlot>,
    pub(crate) gs: Vec<GRec>,
    /// The policy's randomness (victim order), seeded by `Config::seed`.
    pub(crate) rng: Rng,
    pub(crate) clock: Clock,
    /// Process-wide object ids → this run's dense ids, in order of first use.
    objects: HashMap<u64, ObjId, FastHash>,
    next_object: u64,
    /// Each goroutine's join object (renumbered) → the goroutine: what a
    /// parking join waits for (`Exec::park_joining`).
    pub(crate) joins: HashMap<ObjId, GId, FastHash>,
    pub(crate) step: u64,
    pub(crate) race: Detector,
    pub(crate) failure: Option<Failure>,
    pub(crate) request: Request,
    pub(crate) rand_answer: usize,
    /// The goroutine executing on its stack right now.
    pub(crate) running: Option<GId>,
    /// The creator of the timer whose callback runs now (spawn edges).
    pub(crate) firing: Option<GId>,
    /// The goroutine that suspended last (trace entries describe its op).
    pub(crate) last: Option<GId>,
    pub(crate) stacks: Option<StackCache>,
    /// The run is over: verbs do nothing while unfinished goroutines unwind.
    pub(crate) tearing_down: bool,
    pub(crate) main_done: bool,
    /// Entries of the trace (the header is written when the run ends).
    pub(crate) entries: Vec<TraceEntry>,
}

/// One run: its id (to recognise foreign handles) and its state.
pub(crate) struct Exec {
    pub(crate) id: u64,
    pub(crate) st: RefCell<State>,
}

impl State {
    pub(crate) fn new(cfg: &Config, stacks: StackCache) -> State {
        let procs = cfg.procs as usize;
        State {
            cfg: cfg.clone(),
            queues: RunQueues::new(procs),
            ps: vec![PSlot::default(); procs],
            gs: Vec::with_capacity(8),
            rng: Rng::new(cfg.seed),
            clock: Clock::default(),
            objects: HashMap::default(),
            next_object: 1,
            joins: HashMap::default(),
            step: 0,
            race: Detector::default(),
            failure: None,
            request: Request::None,
            rand_answer: 0,
            running: None,
            firing: None,
            last: None,
            stacks: Some(stacks),
            tearing_down: false,
            main_done: false,
            entries: Vec::with_capacity(32),
        }
    }

    /// The trace of the run so far, with its header.
    pub(crate) fn take_trace(&mut self) -> Trace {
        let c = &self.cfg;
        let mut t = Trace::new(
            &c.program,
            c.policy.clone(),
            c.procs,
            c.seed,
            &c.strategy,
            c.scope,
        );
        t.entries = std::mem::take(&mut self.entries);
        t
    }

    pub(crate) fn policy(&self) -> &dyn SchedPolicy {
        &self.cfg.policy
    }

    /// This run's id for a process-wide object id (`ObjId(0)`, "no
    /// object", stays 0).
    pub(crate) fn renumber(&mut self, global: ObjId) -> ObjId {
        if global.0 == 0 {
            return global;
        }
        if let Some(&local) = self.objects.get(&global.0) {
            return local;
        }
        let local = self.fresh_object();
        self.objects.insert(global.0, local);
        local
    }

    /// A new object id of this run (timers, join objects).
    pub(crate) fn fresh_object(&mut self) -> ObjId {
        let id = ObjId(self.next_object);
        self.next_object += 1;
        id
    }

    pub(crate) fn record(&mut self, op: &Op) -> OpRec {
        OpRec {
            kind: op.kind,
            object: self.renumber(op.object),
            access: op.access,
            ordering: op.ordering,
            reason: op.block_reason(),
            location: op.location,
        }
    }

    /// The P a readied goroutine goes to: the waker's, else the first idle
    /// P (a timer fires on a P that is scheduling), else P0.
    pub(crate) fn ready_p(&self) -> PId {
        if let Some(GStatus::Running(p)) = self.running.map(|g| self.gs[g.index()].status) {
            return p;
        }
        let idle = self.ps.iter().position(|p| p.current.is_none());
        PId::from(idle.unwrap_or(0))
    }

    /// Makes `g` runnable if it is parked, else leaves it a token.
    pub(crate) fn unpark(&mut self, g: GId) {
        if self.tearing_down {
            return;
        }
        match self.gs[g.index()].status {
            GStatus::Blocked => {
                self.gs[g.index()].status = GStatus::Runnable;
                let p = self.ready_p();
                self.queues.push_ready(p, g, false, &self.cfg.policy);
            }
            GStatus::Running(_) | GStatus::Runnable => self.gs[g.index()].token = true,
            GStatus::Done => {}
        }
    }
}
