//! The engine interface: what every primitive is written against, once.
//!
//! A primitive (channel, mutex, wait group, timer, …) never talks to a
//! scheduler directly. It describes each operation as an [`Op`] (kind,
//! object, access, ordering, caller location) and uses five verbs:
//!
//! - [`visible`]`(op)`: a point where the engine may switch goroutines —
//!   the production engine checks for preemption; the deterministic engine
//!   makes a recorded choice and updates its race detector's clocks;
//! - [`current`]`()` and [`park`]`(op)`: register the running goroutine as a
//!   waiter (a [`Handle`]) and block it until `Handle::unpark`; `park` may
//!   return spuriously, so callers re-check their condition in a loop;
//! - [`now`]`()` and [`timer`]`(deadline, f)`: the engine's clock (virtual in
//!   the deterministic engine) and one-shot timers;
//! - [`random`]`(n)`: a uniform index (`select!` arms), recorded as a decision
//!   in the deterministic engine;
//! - [`spawner`]`()`: a handle that starts goroutines in the caller's engine
//!   later, from a timer callback (`after_func`, `timeout`).
//!
//! Each verb first asks whether the caller is a goroutine of a deterministic
//! run (`crate::det`, one `#[inline(never)]` thread-local read) and if so
//! goes to that engine; otherwise to the production engine as before.
//! `visible`, the verb of every operation, asks the other way round: the
//! production M's context first (`runtime::entry`, which also answers the
//! preemption check), the deterministic run's only off an M; a
//! deterministic run started on an M's thread hides that M meanwhile.
//!
//! Outside a runtime (a plain OS thread) the verbs still work: `park` parks
//! the thread and timers run on a fallback timer thread, so channels can
//! connect goroutines with ordinary threads.

mod op;
pub(crate) mod timer;

pub(crate) use op::{new_object, Op};
pub(crate) use timer::TimerKey;

use crate::det::context as det;
use crate::runtime::{self as rt};
use crate::time::Instant;
use std::panic::Location;
use std::time::Duration;

/// A goroutine (or OS thread) that can be woken: of the production engine
/// (or a plain thread), or of a deterministic run.
#[derive(Clone, Debug)]
pub(crate) enum Handle {
    Runtime(rt::Waiter),
    Det(det::Waiter),
}

impl Handle {
    /// Makes the waiter runnable (or leaves it a token if it is not parked yet).
    pub(crate) fn unpark(&self) {
        match self {
            Handle::Runtime(w) => w.wake(),
            Handle::Det(w) => w.wake(),
        }
    }

    /// Whether two handles name the same waiter.
    #[allow(dead_code)] // first users: the channel and select primitives
    pub(crate) fn same(&self, other: &Handle) -> bool {
        match (self, other) {
            (Handle::Runtime(a), Handle::Runtime(b)) => a.same(b),
            (Handle::Det(a), Handle::Det(b)) => a.same(b),
            _ => false,
        }
    }
}

/// The running goroutine (or thread) as a waiter.
pub(crate) fn current() -> Handle {
    if let Some(w) = det::current().and_then(|x| x.waiter()) {
        return Handle::Det(w);
    }
    Handle::Runtime(rt::current_waiter())
}

/// Blocks the caller until its handle is unparked (may return spuriously).
#[inline(always)]
pub(crate) fn park(op: &Op) {
    if let Some(x) = det::current() {
        return x.park(op);
    }
    rt::park_current(op.block_reason(), op.location);
}

/// [`park`], for a join (`op`, on the goroutine's join object in a
/// deterministic run) waiting for the goroutine whose task box is at `task`
/// (production): the engine may first move that goroutine to run next
/// (`Policy::join_to_runnext`).
#[inline(always)]
pub(crate) fn park_joining(op: &Op, task: usize) {
    if let Some(x) = det::current() {
        return x.park_joining(op);
    }
    rt::park_current_joining(op.block_reason(), op.location, task);
}

/// A scheduling point before `op` takes effect.
#[inline]
pub(crate) fn visible(op: &Op) {
    visible_on_m(op);
}

/// [`visible`], answering whether the caller is a production goroutine (on
/// an M): a primitive may then skip the scheduling point of the op's
/// counterpart (a mutex's unlock), which only the deterministic engine
/// needs; production checks preemption once per pair.
///
/// Inlined down to the thread-local read (`rt::entry`, which is not) and
/// one compare: every primitive's operation passes here, and the common
/// answer, "an M, carry on", is then one call instead of two (mutex at
/// 1 P −4 %, A/B).
#[inline]
pub(crate) fn visible_on_m(op: &Op) -> bool {
    // The M's context first: on an M (the common case) that one read is
    // all; a deterministic run hides the M of a thread it runs on.
    match rt::entry() {
        rt::Entry::Run => true,
        other => visible_rare(other, op),
    }
}

/// [`visible_on_m`] when sysmon asked for a yield, or off an M.
#[cold]
#[inline(never)]
fn visible_rare(entry: rt::Entry, op: &Op) -> bool {
    match entry {
        rt::Entry::Run => true,
        rt::Entry::Preempt => {
            rt::preempt();
            true
        }
        rt::Entry::NotM => {
            if let Some(x) = det::current() {
                x.visible(op);
            }
            false
        }
    }
}

/// Whether a goroutine waiting for a lock should busy-wait once more
/// (the `iter`-th time) before parking. Never in a deterministic run: one
/// OS thread runs every goroutine, so nobody could release the lock meanwhile.
pub(crate) fn can_spin(iter: u32) -> bool {
    if det::current().is_some() {
        return false;
    }
    rt::can_spin(iter)
}

/// The engine's clock.
pub(crate) fn now() -> Instant {
    if let Some(x) = det::current() {
        return x.now();
    }
    Instant::real_now()
}

/// Runs `f` once at `deadline` (on a scheduler thread: `f` must not block).
pub(crate) fn timer(deadline: Instant, f: Box<dyn FnOnce() + Send>) -> TimerKey {
    if let Some(x) = det::current() {
        return x.timer(deadline, f);
    }
    timer::start(deadline, f)
}

/// Sleeps the caller until `deadline`.
pub(crate) fn sleep_until(deadline: Instant, op: &Op) {
    let me = current();
    let fired = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = fired.clone();
    let _key = timer(
        deadline,
        Box::new(move || {
            // Release: pairs with the Acquire load below.
            f.store(true, std::sync::atomic::Ordering::Release);
            me.unpark();
        }),
    );
    // Acquire: pairs with the timer's Release store.
    while !fired.load(std::sync::atomic::Ordering::Acquire) {
        park(op);
    }
}

/// Whether the caller is a goroutine of a deterministic run (a primitive
/// that may pick a cheaper algorithm outside one asks).
pub(crate) fn is_deterministic() -> bool {
    det::current().is_some()
}

/// A uniform index in `0..n` (`n > 0`): a `select!` arm.
pub(crate) fn random(n: usize) -> usize {
    if let Some(x) = det::current() {
        return x.random(n, false);
    }
    rt::fast_random(n)
}

/// A uniform byte for `sched::rand`: a recorded `Rand` choice among 256 in
/// the deterministic engine.
pub(crate) fn random_byte() -> u8 {
    if let Some(x) = det::current() {
        return x.random(256, true) as u8;
    }
    rt::fast_random(256) as u8
}

/// Starts goroutines later, from anywhere (a timer callback): captured in
/// the caller's runtime, it spawns there; captured outside any runtime, it
/// starts an OS thread per function instead.
#[derive(Clone, Debug)]
pub(crate) enum Spawner {
    /// The production runtime (`None`: plain threads, outside any runtime).
    Runtime(Option<rt::Spawner>),
    /// Deterministic run number `run`: its goroutines can only be started
    /// from inside that run (its timer callbacks run there).
    Det(u64),
}

/// A spawner for the caller's engine (or for plain threads outside one).
pub(crate) fn spawner() -> Spawner {
    match crate::det::context::current() {
        Some(x) => Spawner::Det(x.run_id()),
        None => Spawner::Runtime(rt::spawner()),
    }
}

impl Spawner {
    /// Runs `f` in a new detached goroutine (or thread).
    pub(crate) fn spawn(&self, f: Box<dyn FnOnce() + Send>, location: &'static Location<'static>) {
        match self {
            Spawner::Runtime(Some(s)) => s.spawn(f, location),
            Spawner::Runtime(None) => {
                std::thread::Builder::new()
                    .name("sched-detached".into())
                    .spawn(f)
                    .expect("sched: could not start a thread");
            }
            Spawner::Det(run) => match crate::det::context::current() {
                Some(x) if x.run_id() == *run => x.spawn_detached(f, location),
                _ => panic!(
                    "sched: a goroutine of deterministic run {run} was started after the run ended \
                     (a timer or after_func outlived its run)"
                ),
            },
        }
    }
}

/// How long until `deadline` (zero if passed).
pub(crate) fn until(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(now())
}
