//! The goroutine side of the deterministic engine: the thread-local that
//! says "this thread runs a deterministic run", and what each engine verb
//! does inside one.
//!
//! Every verb of `crate::engine` (and `go`, `join`, `yield_now`,
//! `preempt_point`, `blocking`) first asks [`current`]; `None` (one
//! thread-local read, `#[inline(never)]` as every runtime TLS read, see
//! `coro/suspend.rs`) sends it on to the production engine unchanged. Inside
//! a run, a verb records the op on its goroutine, says what it wants in
//! `State::request`, and suspends to the run loop, which decides who runs
//! next (shuttle's `runtime/execution.rs` does the same with
//! `ExecutionState::with` + `switch`).

use super::detect;
use super::outcome::Failure;
use super::state::{Exec, GStatus, Request};
use crate::coro;
use crate::engine::{Op, TimerKey};
use crate::time::Instant;
use model::event::Access;
use model::{GId, ObjId, OpKind};
use std::cell::RefCell;
use std::panic::Location;
use std::rc::Rc;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Exec>>> = const { RefCell::new(None) };
}

/// The deterministic run this thread drives, if any.
#[inline(never)]
pub(crate) fn current() -> Option<Rc<Exec>> {
    CURRENT.with(|c| c.borrow().clone())
}

#[inline(never)]
pub(crate) fn set_current(exec: Option<Rc<Exec>>) {
    CURRENT.with(|c| *c.borrow_mut() = exec);
}

/// A goroutine of a deterministic run as a waiter (`engine::Handle`'s
/// deterministic side): plain data, so it is `Send` like every handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Waiter {
    run: u64,
    g: GId,
}

impl Waiter {
    /// Unparks the goroutine. From outside its run (an OS thread) this is
    /// uncontrolled: the run is told and fails.
    pub(crate) fn wake(&self) {
        match current() {
            Some(exec) if exec.id == self.run => exec.st.borrow_mut().unpark(self.g),
            _ => detect::foreign_wake(self.run, self.g),
        }
    }

    pub(crate) fn same(&self, other: &Waiter) -> bool {
        self == other
    }
}

impl Exec {
    /// The executing goroutine, unless the run is over or the caller is the
    /// run loop itself (a timer callback).
    fn me(&self) -> Option<GId> {
        let st = self.st.borrow();
        st.running.filter(|_| !st.tearing_down)
    }

    /// The executing goroutine as a waiter.
    pub(crate) fn waiter(&self) -> Option<Waiter> {
        self.me().map(|g| Waiter { run: self.id, g })
    }

    /// A scheduling point before `op` takes effect.
    pub(crate) fn visible(&self, op: &Op) {
        self.stop_at(op, Request::Visible);
    }

    fn stop_at(&self, op: &Op, request: Request) {
        let Some(g) = self.me() else { return };
        {
            let mut st = self.st.borrow_mut();
            let rec = st.record(op);
            let gr = &mut st.gs[g.index()];
            gr.op = Some(rec);
            gr.effect = Some((rec, false));
            st.request = request;
        }
        coro::suspend();
    }

    /// Parks the goroutine until unparked (at once if a token is pending).
    pub(crate) fn park(&self, op: &Op) {
        let Some(g) = self.me() else { return };
        {
            let mut st = self.st.borrow_mut();
            if std::mem::take(&mut st.gs[g.index()].token) {
                return;
            }
            let rec = st.record(op);
            let gr = &mut st.gs[g.index()];
            gr.op = Some(rec);
            gr.effect = Some((rec, true));
            gr.status = GStatus::Blocked;
            st.request = Request::Park;
        }
        coro::suspend();
    }

    /// Parks joining the goroutine whose join object is `op`'s: first, if
    /// it sits newest in this P's ring, the policy may promote it into the
    /// slot, and if it is not in the slot then, the policy may send this
    /// goroutine's wake-up to the waker's tail (`RunQueues::park_joining`,
    /// as production does). A pending token means no park, and neither.
    pub(crate) fn park_joining(&self, op: &Op) {
        let Some(g) = self.me() else { return };
        {
            let mut st = self.st.borrow_mut();
            let st = &mut *st;
            if let (false, GStatus::Running(p)) = (st.gs[g.index()].token, st.gs[g.index()].status)
            {
                let object = st.renumber(op.object);
                let target = st.joins.get(&object).copied();
                st.queues.park_joining(p, g, target, &st.cfg.policy);
            }
        }
        self.park(op);
    }

    /// Gives up the P (where the policy sends yields).
    pub(crate) fn yield_now(&self, location: &'static Location<'static>) {
        let op = Op::new(OpKind::Yield, ObjId(0), Access::None, location);
        self.stop_at(&op, Request::Yield);
    }

    /// The virtual clock.
    pub(crate) fn now(&self) -> Instant {
        Instant {
            nanos: self.st.borrow().clock.now,
        }
    }

    /// A virtual-time timer; the chooser decides when it fires (module
    /// `clock.rs`).
    pub(crate) fn timer(&self, deadline: Instant, f: Box<dyn FnOnce() + Send>) -> TimerKey {
        let key = TimerKey::detached(f);
        let mut st = self.st.borrow_mut();
        let object = st.fresh_object();
        let creator = st.running;
        st.clock.add(deadline.nanos, key.clone(), object, creator);
        key
    }

    /// A recorded choice in `0..n` (`select!` arms).
    pub(crate) fn random(&self, n: usize, rand: bool) -> usize {
        if n <= 1 || self.me().is_none() {
            return 0;
        }
        self.st.borrow_mut().request = Request::Rand { n, rand };
        coro::suspend();
        self.st.borrow().rand_answer
    }

    /// A blocking call: run inline if the config allows it, else the run
    /// fails with `Failure::Uncontrolled` and the call never starts.
    pub(crate) fn blocking<R>(&self, f: impl FnOnce() -> R, at: &'static Location<'static>) -> R {
        let Some(g) = self.me() else { return f() };
        let op = Op::new(OpKind::SyscallEnter, ObjId(0), Access::None, at);
        if self.st.borrow().cfg.allow_blocking {
            self.visible(&op);
            return f();
        }
        {
            let mut st = self.st.borrow_mut();
            let spawned_at = st.gs[g.index()].spawned_at;
            st.failure.get_or_insert(Failure::Uncontrolled {
                what: format!(
                    "goroutine {} (spawned at {spawned_at}) called sched::blocking at {at}: \
                     a blocking call's duration and effects are outside the engine \
                     (Config::allow_blocking(true) runs it inline, unchecked)",
                    g.0
                ),
            });
        }
        self.visible(&op);
        unreachable!("sched::det: a failed run resumed a goroutine")
    }

    /// This run's id (a `Spawner` captured in a run spawns only there).
    #[allow(dead_code)] // first user: engine::Spawner (primitives branch)
    pub(crate) fn run_id(&self) -> u64 {
        self.id
    }

    /// Starts a detached goroutine from anywhere in the run — a timer
    /// callback included (`after_func`, `timeout` through
    /// `engine::Spawner`): the goroutine's clock starts from the spawning
    /// goroutine's, or from the timer creator's when a timer fires.
    #[allow(dead_code)] // first user: engine::Spawner (primitives branch)
    pub(crate) fn spawn_detached(
        &self,
        f: Box<dyn FnOnce() + Send>,
        location: &'static Location<'static>,
    ) {
        let object = crate::engine::new_object();
        let body = Box::new(move || {
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                detect::note_panic(payload.as_ref());
            }
        });
        let spawned = self.add_goroutine(body, location, object).is_some();
        if spawned && self.me().is_some() {
            self.visible(&Op::new(OpKind::Spawn, object, Access::Write, location));
        }
    }

    /// What `sched::current()` reports inside a run.
    pub(crate) fn info(&self) -> Option<crate::GoroutineInfo> {
        let g = self.me()?;
        let st = self.st.borrow();
        Some(crate::GoroutineInfo {
            id: u64::from(g.0),
            location: st.gs[g.index()].spawned_at,
            blocked_on: None,
        })
    }
}
