//! The run loop of the deterministic engine.
//!
//! Follows shuttle's `runtime/execution.rs` (one OS thread, continuations,
//! a scheduler asked at every switch) and loom's `rt/execution.rs`, but the
//! scheduler is the model of Go's: logical Ps with the model's
//! [`RunQueues`](model::queue::RunQueues), every placement and every
//! `findRunnable` asked of the [`SchedPolicy`](model::SchedPolicy), as the
//! model `Machine` does (see `choose.rs` for what a choice is per scope).
//!
//! One iteration: list the options; none → jump virtual time to the next
//! timer, or report a deadlock; one → take it; more → ask the chooser and
//! write a trace entry; then apply it — usually resuming one goroutine until
//! its next visible op (`State::request` says what it stopped for). The run
//! ends when `main` returns (blocked goroutines are leaks), at the first
//! failure, or at the step limit. Unfinished goroutines are then unwound
//! (their destructors run; engine verbs do nothing meanwhile).

use super::choose::{self, Opt};
use super::config::Config;
use super::context;
use super::detect;
use super::goroutine;
use super::outcome::{Access, Failure, Outcome};
use super::race::Race;
use super::state::{Exec, GStatus, OpRec, Request, State};
use crate::coro::{Coro, CoroState};
use crate::engine;
use model::chooser::{ChoiceKind, Chooser};
use model::event::Decision;
use model::trace::Scope;
use model::{BlockReason, GId, OpKind, PId};
use std::cell::{RefCell, RefMut};
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Runs `main` as goroutine 0 of a deterministic run on this thread; every
/// choice comes from `chooser`. Returns `main`'s value or the first
/// failure, the trace, and the number of steps.
///
/// # Panics
/// If `config` is invalid (the message names the field), or when called
/// inside a deterministic run.
#[track_caller]
pub fn run<T, F>(config: &Config, chooser: &mut dyn Chooser, main: F) -> Outcome<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run_at(config, chooser, main, Location::caller())
}

/// [`run`], then a replay of the run's own trace (shuttle's check for
/// uncontrolled nondeterminism): if the replay does not retrace the run
/// step for step, or ends differently, the program depends on something
/// the engine does not control (real time, OS threads, process-global
/// state, hash order) and the outcome is `Failure::Uncontrolled`.
#[track_caller]
pub fn run_twice<T, F>(config: &Config, chooser: &mut dyn Chooser, main: F) -> Outcome<T>
where
    F: FnOnce() -> T + Send + Clone + 'static,
    T: Send + 'static,
{
    let at = Location::caller();
    let mut first = run_at(config, chooser, main.clone(), at);
    let mut replay = super::ReplayChooser::new(&first.trace);
    let second = run_at(config, &mut replay, main, at);
    let what = match &second.result {
        Err(Failure::Divergence {
            step,
            expected,
            found,
        }) => Some(format!(
            "replaying the run's own trace diverged at step {step}: expected {expected}, found {found}"
        )),
        _ if second.trace.outcome != first.trace.outcome || second.steps != first.steps => {
            Some(format!(
                "the same schedule ended differently: first {:?} after {} steps, then {:?} after {}",
                first.trace.outcome, first.steps, second.trace.outcome, second.steps
            ))
        }
        _ => None,
    };
    if let Some(what) = what {
        first.result = Err(Failure::Uncontrolled { what });
    }
    first
}

fn run_at<T, F>(
    config: &Config,
    chooser: &mut dyn Chooser,
    main: F,
    at: &'static Location<'static>,
) -> Outcome<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if let Err(e) = config.validate() {
        panic!("sched::det::run: {e}");
    }
    assert!(
        context::current().is_none(),
        "sched::det::run called inside a deterministic run: runs do not nest"
    );
    detect::install_panic_hook();
    static NEXT_RUN: AtomicU64 = AtomicU64::new(1);
    let exec = Rc::new(Exec {
        // Relaxed: uniqueness only.
        id: NEXT_RUN.fetch_add(1, Relaxed),
        st: RefCell::new(State::new(config, goroutine::take_cache())),
    });
    // A run started inside a goroutine of the production engine: its
    // goroutines must not look like the M's (`engine::visible` asks the M
    // context first). Given back when the run ends (or unwinds).
    let _hidden_m = crate::runtime::hide_m();
    context::set_current(Some(exec.clone()));
    let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let body = Box::new(move || match catch_unwind(AssertUnwindSafe(main)) {
        Ok(v) => *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(v),
        Err(payload) => detect::note_panic(payload.as_ref()),
    });
    exec.add_goroutine(body, at, engine::new_object());
    let mut lp = Loop {
        exec: &exec,
        chooser,
        opts: Vec::new(),
        decisions: Vec::new(),
    };
    lp.run();
    let (failure, trace, steps) = lp.finish();
    context::set_current(None);
    let value = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    let result = match (failure, value) {
        (Some(f), _) => Err(f),
        (None, Some(v)) => Ok(v),
        (None, None) => unreachable!("sched::det: main neither returned nor failed"),
    };
    Outcome {
        result,
        trace,
        steps,
    }
}

struct Loop<'a> {
    exec: &'a Rc<Exec>,
    chooser: &'a mut dyn Chooser,
    /// Reused buffers: the options of the current point, their decisions.
    opts: Vec<Opt>,
    decisions: Vec<Decision>,
}

impl<'a> Loop<'a> {
    fn st(&self) -> RefMut<'a, State> {
        self.exec.st.borrow_mut()
    }

    fn fail(&self, f: Failure) {
        self.st().failure.get_or_insert(f);
    }

    fn run(&mut self) {
        loop {
            {
                let st = self.st();
                if st.failure.is_some() || st.main_done {
                    return;
                }
                if st.step >= st.cfg.step_limit {
                    let steps = st.step;
                    drop(st);
                    return self.fail(Failure::StepLimit { steps });
                }
            }
            choose::options(&mut self.st(), &mut self.opts);
            if self.opts.is_empty() {
                if !self.jump() {
                    let goroutines = detect::blocked(&self.st());
                    let f = detect::foreign_failure(self.exec.id)
                        .unwrap_or(Failure::Deadlock { goroutines });
                    return self.fail(f);
                }
            } else {
                let kind = match self.st().cfg.scope {
                    Scope::PolicyFaithful => ChoiceKind::Transition,
                    Scope::AnyInterleaving => ChoiceKind::RunG,
                };
                let Some(i) = self.pick(kind) else {
                    return;
                };
                self.apply(self.opts[i]);
            }
            self.st().step += 1;
        }
    }

    /// Index of the option to take: forced, or asked (`None`: divergence).
    fn pick(&mut self, kind: ChoiceKind) -> Option<usize> {
        if self.opts.len() == 1 {
            return Some(0);
        }
        let mut st = self.st();
        self.decisions.clear();
        let opts = &self.opts;
        self.decisions
            .extend(opts.iter().map(|&o| choose::decision(&st, o)));
        self.decide(&mut st, kind)
    }

    /// Asks the chooser about `self.decisions`; a divergence stops the run.
    fn decide(&mut self, st: &mut State, kind: ChoiceKind) -> Option<usize> {
        match choose::decide(st, self.chooser, kind, &self.decisions) {
            Ok(i) => Some(i),
            Err(f) => {
                st.failure.get_or_insert(f);
                None
            }
        }
    }

    /// Nothing can run: the clock jumps to the earliest timer (a choice
    /// when several are due then). False when no timer is pending.
    fn jump(&mut self) -> bool {
        let due = self.st().clock.due_first();
        let i = match due.len() {
            0 => return false,
            1 => due[0],
            _ => {
                let mut st = self.st();
                self.decisions.clear();
                self.decisions
                    .extend(due.iter().map(|&i| choose::decision(&st, Opt::Timer(i))));
                match self.decide(&mut st, ChoiceKind::Timer) {
                    Some(k) => due[k],
                    None => return true,
                }
            }
        };
        self.fire(i);
        true
    }

    /// Fires timer `i` (its callback runs with the state unborrowed).
    fn fire(&mut self, i: usize) {
        let t = {
            let mut st = self.st();
            let t = st.clock.take(i);
            st.firing = t.creator;
            t
        };
        t.key.fire();
        self.st().firing = None;
    }

    fn apply(&mut self, opt: Opt) {
        match opt {
            Opt::Step { p, g } => self.resume(p, g),
            Opt::Preempt { p, g } => {
                let mut st = self.st();
                st.gs[g.index()].status = GStatus::Runnable;
                st.ps[p.index()].current = None;
                let s = &mut *st;
                s.queues.push_yielded(p, g, &s.cfg.policy);
            }
            Opt::Schedule { p } => {
                let g = {
                    let mut st = self.st();
                    let s = &mut *st;
                    let found = s
                        .queues
                        .find_runnable(p, &s.cfg.policy, &mut s.rng)
                        .expect("a schedule option is offered only when the loop finds work");
                    if found.new_slice {
                        s.queues.start_slice(p);
                        s.ps[p.index()].slice = 0;
                    }
                    found.g
                };
                self.resume(p, g);
            }
            Opt::Run { p, g } => {
                {
                    let mut st = self.st();
                    let s = &mut *st;
                    s.queues.remove(g);
                    if let Some(old) = s.ps[p.index()].current.take() {
                        s.gs[old.index()].status = GStatus::Runnable;
                        s.queues.push_yielded(p, old, &s.cfg.policy);
                    }
                    s.queues.start_slice(p);
                    s.ps[p.index()].slice = 0;
                }
                self.resume(p, g);
            }
            Opt::Timer(i) => self.fire(i),
        }
    }

    /// Takes `g` onto P: applies its pending op's effects, then runs it
    /// until its next visible op (or its end).
    fn resume(&mut self, p: PId, g: GId) {
        loop {
            let Some(mut coro) = self.enter(p, g) else {
                return;
            };
            let r = coro.resume();
            let mut st = self.st();
            st.running = None;
            st.last = Some(g);
            match r {
                CoroState::Suspended => {
                    st.gs[g.index()].coro = Some(coro);
                    match std::mem::replace(&mut st.request, Request::None) {
                        Request::Visible => st.ps[p.index()].slice += 1,
                        Request::Park => st.ps[p.index()].current = None,
                        Request::Yield => {
                            st.gs[g.index()].status = GStatus::Runnable;
                            st.ps[p.index()].current = None;
                            let s = &mut *st;
                            s.queues.push_yielded(p, g, &s.cfg.policy);
                        }
                        Request::Rand { n, rand } => {
                            self.decisions.clear();
                            let kind = if rand {
                                self.decisions
                                    .extend((0..n).map(|v| Decision::Rand { g, value: v as u64 }));
                                ChoiceKind::Rand
                            } else {
                                self.decisions.extend((0..n).map(|arm| Decision::SelectArm {
                                    g,
                                    arm: arm as u32,
                                    of: n as u32,
                                }));
                                ChoiceKind::SelectArm
                            };
                            match self.decide(&mut st, kind) {
                                Some(i) => {
                                    st.rand_answer = i;
                                    continue;
                                }
                                None => return,
                            }
                        }
                        Request::None => panic!(
                            "sched::det: goroutine {} suspended outside an engine verb \
                             (coro::suspend called directly?)",
                            g.0
                        ),
                    }
                }
                CoroState::Finished(_) => self.exit(&mut st, p, g, coro),
            }
            return;
        }
    }

    /// Marks `g` running on P and applies its pending op; its coroutine,
    /// or `None` when that op completed a race (the run stops).
    fn enter(&mut self, p: PId, g: GId) -> Option<Coro> {
        let mut st = self.st();
        st.gs[g.index()].status = GStatus::Running(p);
        st.ps[p.index()].current = Some(g);
        if let Some((op, parked)) = st.gs[g.index()].effect.take() {
            if let Some(race) = st.race.apply(g, &op, parked) {
                st.failure.get_or_insert(race_failure(&race));
                return None;
            }
        }
        st.running = Some(g);
        st.request = Request::None;
        Some(
            st.gs[g.index()]
                .coro
                .take()
                .expect("a goroutine that can run has its coroutine"),
        )
    }

    /// `g` returned (or panicked): release its clock for joiners, free P.
    fn exit(&mut self, st: &mut State, p: PId, g: GId, coro: Coro) {
        st.gs[g.index()].status = GStatus::Done;
        st.ps[p.index()].current = None;
        let object = st.gs[g.index()].join_object;
        st.race.exit(g, object);
        st.gs[g.index()].op = Some(OpRec {
            kind: OpKind::Exit,
            object,
            access: model::event::Access::Write,
            ordering: None,
            reason: BlockReason::Other,
            location: st.gs[g.index()].spawned_at,
        });
        if let Some(stacks) = st.stacks.as_mut() {
            stacks.put(coro.into_stack());
        }
        if let Some(message) = st.gs[g.index()].panic.take() {
            let f = detect::panic_failure(st, g, message);
            st.failure.get_or_insert(f);
        }
        if g == GId(0) {
            st.main_done = true;
        }
    }

    /// Leak check, replay's end check, teardown; the failure, trace, steps.
    fn finish(self) -> (Option<Failure>, model::trace::Trace, u64) {
        let coros: Vec<Coro> = {
            let mut st = self.st();
            st.tearing_down = true;
            if st.failure.is_none() && st.main_done {
                let leaked = detect::blocked(&st);
                if !leaked.is_empty() {
                    st.failure = Some(Failure::Leak { goroutines: leaked });
                }
            }
            if st.failure.is_none() {
                st.failure = detect::foreign_failure(self.exec.id);
            }
            if let Err(m) = self.chooser.check_end() {
                let step = st.step;
                st.failure.get_or_insert(Failure::Divergence {
                    step,
                    expected: m.expected,
                    found: m.found,
                });
            }
            st.gs.iter_mut().filter_map(|g| g.coro.take()).collect()
        };
        // Unwind unfinished goroutines with the state unborrowed: their
        // destructors may call engine verbs (which now do nothing).
        let stacks: Vec<_> = coros.into_iter().map(Coro::into_stack).collect();
        let mut st = self.st();
        let mut cache = st.stacks.take().expect("the run holds its stack cache");
        stacks.into_iter().for_each(|s| cache.put(s));
        goroutine::return_cache(cache);
        let failure = st.failure.clone();
        let mut trace = st.take_trace();
        trace.outcome = Some(match &failure {
            None => "ok".to_owned(),
            Some(f) => format!("{}: {f}", f.kind()),
        });
        (failure, trace, st.step)
    }
}

fn race_failure(r: &Race) -> Failure {
    Failure::Race {
        first: Access {
            g: r.first.g,
            location: Race::location(&r.first),
            write: r.first_write,
        },
        second: Access {
            g: r.second.g,
            location: Race::location(&r.second),
            write: r.second_write,
        },
        object: r.object,
    }
}
