//! The M: an OS thread running the schedule loop while it holds a P.
//!
//! `m_main` loops: find a runnable goroutine (Go's `findRunnable`, in the
//! policy's order), run it until it switches back, finish what the switch
//! asked for (requeue, park, exit), repeat. Without work it spins (bounded
//! by half the busy Ps), then releases its P and parks until a waker hands
//! it one (shared.rs has the no-lost-wake-up argument).
//!
//! Go's order (`proc.go`, `findRunnable`):
//! 1. every `global_check` schedticks, the global queue first;
//! 2. `runnext`, then the local ring;
//! 3. the global queue;
//! 4. steal: `steal_rounds` rounds over the victims in policy order, the
//!    victim's `runnext` only in rounds the policy allows, and from a
//!    running victim only after a grace period (`RUNNEXT_GRACE`, Go's
//!    `usleep(3)`: that P is about to run it). Measured on this 2-core VM,
//!    before → after the grace: pingpong at P = 2 950 → 700 ns, `select`
//!    640 → 500 ns, chan_throughput 145 → 107 ns; steals of the partner
//!    goroutine fell from ~40k to ~2k per 1M round trips, and M wake-ups
//!    from ~83k to ~6k;
//! 5. release the P, re-check, park.

use super::context::{current_m, set_current_m, MCtx, Switch};
use super::g::{GNode, JoinSlot, Task};
use super::shared::{MHandle, Shared, P};
use super::stats::PCounters;
use super::trace::emit;
use crate::coro::{Coro, CoroState};
use crate::queue::{Hinted, Refill, Steal};
use model::policy::SchedPolicy;
use model::{Event, MId, RunSource};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

pub(crate) fn m_main(shared: Arc<Shared>, id: MId, p: Option<Box<P>>, spinning: bool) {
    crate::stack::init_thread();
    // An M that starts idle, one of several, is pinned until it first
    // runs a goroutine (cpu.rs): its wake-ups then land on its own CPU,
    // not behind the M that woke it.
    let mut pin = match p {
        None if shared.config.procs > 1 => super::cpu::pin_to_spread_cpu(id.0 as usize),
        _ => super::cpu::Pinned::none(),
    };
    let m = Rc::new(MCtx {
        shared: shared.clone(),
        p: RefCell::new(p),
        current: RefCell::new(None),
        switch: Cell::new(Switch::Yield),
        id,
        events: RefCell::new(Vec::new()),
        yielded: RefCell::new(None),
        lock_request: Cell::new(None),
    });
    set_current_m(Some(m.clone()));
    let handle = Arc::new(MHandle::for_current_thread());
    let mut spinning = spinning;
    // A goroutine handed to this M (it is locked here) runs before anything else.
    let mut next: Option<Task> = None;
    loop {
        if let Some(task) = next.take() {
            pin.release();
            next = run(&m, task, RunSource::Local, true);
            continue;
        }
        if m.p.borrow().is_none() && !acquire_p(&m, &handle, &mut spinning) {
            break;
        }
        match find_runnable(&m, &mut spinning) {
            Some((task, source, new_slice)) => {
                if spinning {
                    reset_spinning(&shared, &mut spinning);
                }
                pin.release();
                next = run(&m, task, source, new_slice);
            }
            None => stop_p(&m, &mut spinning),
        }
    }
    super::trace::flush(&shared, &mut m.events.borrow_mut());
    set_current_m(None);
}

/// Waits on the idle-M list until handed a P; false on shutdown.
fn acquire_p(m: &MCtx, handle: &Arc<MHandle>, spinning: &mut bool) -> bool {
    let shared = &m.shared;
    emit(shared, || Event::MParked { m: m.id });
    let got = super::mailbox::wait_for_work(
        &shared.idle,
        |i| &mut i.ms,
        handle,
        || shared.shutdown.load(Acquire),
    );
    match got {
        Ok((p, spin)) => {
            emit(shared, || Event::MUnparked { m: m.id });
            if spin {
                PCounters::bump(&shared.p(p.id).counters.spins);
            }
            *m.p.borrow_mut() = Some(p);
            *spinning = spin;
            true
        }
        Err(late) => {
            // Shut down; a P delivered at the last moment goes back.
            if let Some((p, spin)) = late {
                if spin {
                    shared.counts.cancel_wake();
                }
                shared.pidleput(&mut shared.lock_idle(), p);
            }
            false
        }
    }
}

/// A spinning M found work: stop spinning, and if it was the last spinner,
/// wake another so new work keeps being picked up (Go's `resetspinning`).
fn reset_spinning(shared: &Shared, spinning: &mut bool) {
    *spinning = false;
    if shared.counts.stop_spinning_found() {
        shared.wakep();
    }
}

type Found = (Task, RunSource, bool);

/// Asks the built-in policy's knobs directly when the runtime has them
/// (`Shared::knobs`: the calls below inline), else the policy through `dyn`.
fn find_runnable(m: &MCtx, spinning: &mut bool) -> Option<Found> {
    match &m.shared.knobs {
        Some(knobs) => find_runnable_by(m, spinning, knobs),
        None => find_runnable_by(m, spinning, &*m.shared.policy),
    }
}

fn find_runnable_by<Pol: SchedPolicy + ?Sized>(
    m: &MCtx,
    spinning: &mut bool,
    policy: &Pol,
) -> Option<Found> {
    let shared = &m.shared;
    // A goroutine that yielded to the global queue and is not in it yet:
    // it goes in below, at the latest before anything else runs.
    let mut yielded = m.yielded.borrow_mut().take();
    if shared.shutdown.load(Acquire) {
        if let Some(y) = yielded {
            shared.global.push(y);
        }
        m.with_p(|p| release_held(shared, p));
        return None;
    }
    // Due timers of our P first (their callbacks ready goroutines onto it).
    // No borrow of the P may be held here: callbacks push onto it.
    if let Some(pid) = m.with_p(|p| p.id) {
        let timers = &shared.p(pid).timers;
        if timers.next_deadline() != u64::MAX {
            timers.run_due(crate::time::Instant::real_now());
        }
    }
    let mut pb = m.p.borrow_mut();
    let p = pb.as_mut().expect("find_runnable without a P");
    // The queue's emptiness first: a load, where the policy's question
    // costs more (`global_check_due`).
    let global_work = yielded.is_some() || !p.held.is_empty() || !shared.global.is_empty();
    if global_work && global_check_due(policy, p) {
        if let Some(t) = take_global(shared, policy, p, yielded.take()) {
            return Some((t, RunSource::Global, true));
        }
    }
    let slot_may_run = policy.runnext_may_run(p.slot_streak);
    if let Some((t, src)) = p
        .local
        .pop(slot_may_run)
        .map(|(t, s)| (t, RunSource::from(s)))
    {
        if let Some(y) = yielded {
            shared.global.push(y);
        }
        let new_slice = src != RunSource::RunNext || !policy.runnext_inherits_time_slice();
        return Some((t, src, new_slice));
    }
    if let Some(t) = take_global(shared, policy, p, yielded) {
        return Some((t, RunSource::Global, true));
    }
    // Spin only while fewer than half the busy Ps have a spinning M.
    if !*spinning && !shared.counts.may_spin(shared.config.procs) {
        return None;
    }
    if !*spinning {
        *spinning = true;
        shared.counts.start_spinning();
        PCounters::bump(&shared.p(p.id).counters.spins);
    }
    steal_work(shared, policy, p)
}

/// `policy.check_global_first(p.schedtick)`, from the policy's answer to
/// when that is next true, asked again only once the schedtick has passed
/// it: for Go's interval the question is a 64-bit division, 7% of a yield
/// when asked per schedule, and still 4% of `yield_many` at 1 P (whose
/// global queue is rarely empty) after the emptiness check went first.
fn global_check_due<Pol: SchedPolicy + ?Sized>(policy: &Pol, p: &mut P) -> bool {
    if p.next_global_check.is_some_and(|at| p.schedtick > at) {
        p.next_global_check = policy.next_global_check(p.schedtick);
    }
    let due = p.next_global_check == Some(p.schedtick);
    debug_assert_eq!(
        due,
        policy.check_global_first(p.schedtick),
        "{policy:?}: next_global_check disagrees with check_global_first"
    );
    due
}

/// Go's `globrunqget`: one to run, a fair batch into the local ring.
/// The P's held yields (`P::held`), then `yielded`, are queued first, under
/// the same lock.
fn take_global<Pol: SchedPolicy + ?Sized>(
    shared: &Shared,
    policy: &Pol,
    p: &mut P,
    yielded: Option<Task>,
) -> Option<Task> {
    let procs = shared.config.procs;
    let cap = policy.local_capacity().unwrap_or(usize::MAX / 2);
    let batch = |len| policy.global_batch(len, procs, cap);
    if yielded.is_none() && shared.global.is_empty() {
        return take_held(shared, p, batch);
    }
    let mut held = std::mem::take(&mut p.held);
    let pushing = yielded.is_some() || !held.is_empty();
    let mut staged = Staged::new(&mut p.staged, p.local.room());
    let t = match pushing {
        true => Some(shared.global.push_pop_batch(
            held.drain(..).chain(yielded),
            &mut staged,
            batch,
        )),
        false => shared.global.pop_batch(&mut staged, batch),
    };
    p.local.refill(p.staged.drain(..));
    p.held = held; // empty, its capacity kept
    t
}

/// [`take_global`] when the global queue is empty but for this P's held
/// yields (one P): they are the whole queue, so the batch comes straight
/// from them, without the lock. A push by another thread that the
/// emptiness check missed lands after them, as if just after this look.
fn take_held(shared: &Shared, p: &mut P, batch: impl FnOnce(usize) -> usize) -> Option<Task> {
    let mut items = p.held.drain(..);
    let first = items.next()?;
    let more = batch(items.len() + 1)
        .saturating_sub(1)
        .min(p.local.room())
        .min(items.len());
    p.local.refill(items.by_ref().take(more).map(Hinted::none));
    if items.len() > 0 {
        shared.global.push_batch(items); // beyond the batch: rare
    }
    Some(first)
}

/// A batch from the global queue on its way to the P's ring: moved out
/// under the queue's lock, written into the ring after it. With several Ps
/// contending for that lock (two Ps yielding), the ring's writes were a
/// third of the time it was held. `room` is the ring's room before the
/// lock; thieves can only add to it meanwhile.
struct Staged<'a> {
    buf: &'a mut Vec<Hinted<Task>>,
    room: usize,
}

impl<'a> Staged<'a> {
    fn new(buf: &'a mut Vec<Hinted<Task>>, room: usize) -> Self {
        debug_assert!(buf.is_empty(), "staged tasks left behind");
        Staged { buf, room }
    }
}

impl Refill<Task> for Staged<'_> {
    fn room(&self) -> usize {
        self.room
    }

    fn refill(&mut self, items: impl ExactSizeIterator<Item = Hinted<Task>>) {
        self.buf.extend(items);
    }
}

/// Pushes the P's held yields to the global queue (before the P leaves
/// its schedule loop: to a blocking call, to idle, at shutdown).
pub(crate) fn release_held(shared: &Shared, p: &mut P) {
    if !p.held.is_empty() {
        shared.global.push_batch(p.held.drain(..));
    }
}

/// Go's `stealWork`: rounds over victims in policy order.
fn steal_work<Pol: SchedPolicy + ?Sized>(
    shared: &Shared,
    policy: &Pol,
    p: &mut P,
) -> Option<Found> {
    for round in 0..policy.steal_rounds() {
        let steal_runnext = policy.may_steal_runnext(round);
        for victim in policy.victims(p.id, shared.config.procs, &mut p.rng) {
            // Relaxed: an early exit hint; `find_runnable` re-checks with Acquire.
            if shared.shutdown.load(Relaxed) {
                return None;
            }
            let vs = shared.p(victim);
            PCounters::bump(&shared.p(p.id).counters.steal_attempts);
            // A lost race (`Retry`) means another thief made progress: try
            // the same victim again at once (Go's `runqgrab` loop).
            let mut stolen = steal_from(vs, p, policy, false);
            if stolen.is_none() && steal_runnext && !vs.stealer.is_empty() {
                // Only the victim's `runnext` is left. A running victim is
                // about to run it: give it Go's grace period first
                // (`runqgrab`'s `usleep(3)`), during which this M still
                // counts as spinning, so readiers do not wake more Ms.
                // Relaxed: a hint, as for sysmon (`PShared::status`); a
                // stale read only skips or adds one grace period.
                if vs.status.load(Relaxed) == super::shared::P_RUNNING {
                    std::thread::sleep(RUNNEXT_GRACE);
                }
                stolen = steal_from(vs, p, policy, true);
            }
            if let Some((t, n)) = stolen {
                PCounters::bump_shared(&vs.counters.stolen_out, n as u64);
                emit(shared, || Event::Stole {
                    thief: p.id,
                    victim,
                    count: n as u32,
                });
                let c = &shared.p(p.id).counters;
                c.stolen_in
                    .store(c.stolen_in.load(Relaxed) + n as u64, Relaxed);
                return Some((t, RunSource::Stolen(victim), true));
            }
        }
        if let Some(t) = take_global(shared, policy, p, None) {
            return Some((t, RunSource::Global, true));
        }
    }
    None
}

/// How long a thief waits before taking a running victim's `runnext`
/// (Go's `usleep(3)` in `runqgrab`; a `nanosleep`, so in practice the
/// kernel's timer slack, ~50 µs, as for Go).
const RUNNEXT_GRACE: std::time::Duration = std::time::Duration::from_micros(3);

/// One steal attempt on `vs` (retried at once when a race was lost).
fn steal_from<Pol: SchedPolicy + ?Sized>(
    vs: &super::shared::PShared,
    p: &mut P,
    policy: &Pol,
    steal_runnext: bool,
) -> Option<(Task, usize)> {
    loop {
        match vs
            .stealer
            .steal_into(&mut p.local, |k| policy.steal_count(k), steal_runnext)
        {
            Steal::Retry => continue,
            Steal::Empty => return None,
            Steal::Success(t, n) => return Some((t, n)),
        }
    }
}

/// No work: release the P, drop spinning, re-check, park (Go's `stopm` path).
fn stop_p(m: &MCtx, spinning: &mut bool) {
    let shared = &m.shared;
    // Before giving up, run every P's due timers (Go's `stealWork` timer
    // step): they may ready goroutines for us.
    if shared.next_timer() != u64::MAX && shared.run_all_timers() > 0 {
        return;
    }
    let mut p = m.p.borrow_mut().take().expect("stop_p without a P");
    // Going idle: forget the goroutines that exited here. (Held yields
    // went to the global queue when the local one ran dry; this is a
    // guard.)
    shared.registry.remove_batch(&mut p.exited);
    release_held(shared, &mut p);
    {
        let mut idle = shared.lock_idle();
        shared.pidleput(&mut idle, p);
    }
    if *spinning {
        *spinning = false;
        // Decrement and fence, then re-check every queue (idle.rs).
        shared.counts.stop_spinning_and_recheck();
        if shared.any_work() && !shared.shutdown.load(Acquire) {
            let mut idle = shared.lock_idle();
            if let Some(p) = shared.pidleget(&mut idle) {
                drop(idle);
                *m.p.borrow_mut() = Some(p);
                *spinning = true;
                shared.counts.start_spinning();
            }
        }
    }
}

/// Runs `task` until it switches back, then does what the switch asked.
/// Returns a goroutine handed to this M to run next (its locked one).
fn run(m: &MCtx, task: Task, source: RunSource, new_slice: bool) -> Option<Task> {
    let shared = &m.shared;
    let locked = task.locked_m;
    if locked != 0 && locked != m.id.0 + 1 {
        // Locked to another M: give it our P and the goroutine (Go's
        // `startlockedm`); this M then looks for a P like any idle M.
        let p = m.p.borrow_mut().take().expect("run without a P");
        shared.locked_mailbox(locked - 1).send((p, task));
        return None;
    }
    let (pid, tick) = m
        .with_p(|p| {
            if new_slice {
                p.schedtick += 1;
                p.slot_streak = 0;
            } else {
                p.slot_streak += 1;
            }
            (p.id, p.schedtick)
        })
        .expect("run without a P");
    let ps = shared.p(pid);
    if new_slice {
        // No clock read here: sysmon times slices by watching `tick` (Go's
        // `sysmon`/`retake`: `pd.schedtick`, `pd.schedwhen`).
        ps.tick.store(tick, Relaxed);
        // Relaxed: the flag is a hint (sysmon.rs); clear it for the new slice.
        if ps.preempt.load(Relaxed) {
            ps.preempt.store(false, Relaxed);
        }
    }
    count_run(&ps.counters, source);
    emit(shared, || Event::GStarted {
        g: gid(task.g().id),
        p: pid,
        m: m.id,
        source,
    });
    let mut task = task;
    if !task.is_started() && !start(m, &mut task) {
        return None;
    }
    let g = task.lend_g();
    // Relaxed: a hint for sysmon's report (read Relaxed there).
    ps.running_g.store(g.id, Relaxed);
    ps.running_at.store(g.location);
    *m.current.borrow_mut() = Some(g);
    let state = task.coro().resume();
    // The goroutine may have locked or unlocked itself just now.
    if let Some(locked) = m.lock_request.take() {
        task.locked_m = locked;
    }
    let g = m
        .current
        .borrow_mut()
        .take()
        .expect("the running goroutine's descriptor");
    task.return_g(g);
    match state {
        CoroState::Finished(r) => {
            // The goroutine body catches its own panics for `join`.
            debug_assert!(r.is_ok(), "a panic escaped a goroutine body");
            let mut task = task;
            let (g, coro) = task.take_parts();
            g.wake.set_done();
            let stack = coro.into_stack();
            m.with_p(|p| {
                p.stacks.put(stack);
                p.keep_task(task, &shared.free_tasks);
                if let Some(key) = g.reg_key() {
                    p.exited.push(key);
                    if p.exited.len() >= super::shared::REG_BATCH {
                        shared.registry.remove_batch(&mut p.exited);
                    }
                }
            });
            None
        }
        CoroState::Suspended => {
            let locked_here = task.locked_m == m.id.0 + 1;
            after_switch(m, task);
            if locked_here {
                if let Some(y) = m.yielded.borrow_mut().take() {
                    shared.global.push(y);
                }
                m.with_p(|p| release_held(shared, p));
                return stop_locked_m(m);
            }
            None
        }
    }
}

/// Gives a goroutine about to run for the first time its coroutine, on a
/// stack from this P's cache (why here and not at spawn: `g::Body`). If no
/// stack can be had, the goroutine ends as if its body had panicked with
/// the reason (its joiner gets it; stderr says it too, for a detached
/// one), and this returns false.
fn start(m: &MCtx, task: &mut Task) -> bool {
    let g = task.g().clone();
    let stack = m
        .with_p(|p| p.stacks.get())
        .expect("a goroutine starts on an M with a P");
    match stack {
        Ok(stack) => {
            // Anchored to its descriptor, which the root frame owns: a
            // waiter on the stack wakes it without a reference count.
            let body = |g: &GNode<dyn JoinSlot>| g.join.run(g);
            task.start(Coro::with_anchor(stack, g, |g| &g.g, body));
            true
        }
        Err(e) => {
            let why = format!(
                "sched: could not allocate a stack for goroutine {} spawned at {}: {e}",
                g.id, g.location
            );
            eprintln!("{why}");
            g.set_exited();
            g.join.fail(why);
            g.wake.set_done();
            // Never ran, so never parked: not in the registry.
            false
        }
    }
}

/// The locked goroutine switched out (and was queued or parked as usual):
/// hand the P to another M and sleep until the goroutine comes back with a
/// P (Go's `stoplockedm`). Returns it, or `None` on shutdown.
fn stop_locked_m(m: &MCtx) -> Option<Task> {
    let shared = &m.shared;
    if let Some(p) = m.p.borrow_mut().take() {
        super::sysmon::handoff(shared, p);
    }
    let mailbox = shared.locked_mailbox(m.id.0);
    let (p, task) = mailbox.wait_alone(|| shared.shutdown.load(Acquire))?;
    *m.p.borrow_mut() = Some(p);
    Some(task)
}

fn count_run(c: &PCounters, source: RunSource) {
    PCounters::bump(&c.runs);
    match source {
        RunSource::RunNext => PCounters::bump(&c.runnext_hits),
        RunSource::Local => PCounters::bump(&c.local_hits),
        RunSource::Global => PCounters::bump(&c.global_hits),
        RunSource::Stolen(_) => PCounters::bump(&c.steal_hits),
        RunSource::Netpoll => {}
    }
}

fn after_switch(m: &MCtx, task: Task) {
    let shared = &m.shared;
    match m.switch.get() {
        Switch::Yield | Switch::Preempted => {
            let preempted = m.switch.get() == Switch::Preempted;
            m.with_p(|p| {
                if preempted {
                    // The request is served: the next goroutine (which may
                    // inherit this slice from runnext) starts unflagged, and
                    // sysmon asks again if the slice still runs on (as Go's
                    // per-goroutine `gp.preempt` behaves).
                    shared.p(p.id).preempt.store(false, Relaxed);
                    PCounters::bump(&shared.p(p.id).counters.preemptions);
                    // The id only here: a read of the descriptor (behind
                    // the node's unsized layout) was 10 % of `run` in a
                    // yield.
                    emit(shared, || Event::GPreempted {
                        g: gid(task.g().id),
                        p: p.id,
                    });
                }
                push_yielded(m, p, task);
            });
        }
        Switch::Park => {
            emit(shared, || Event::GBlocked {
                g: gid(task.g().id),
                reason: task.g().block_reason().unwrap_or(model::BlockReason::Other),
                object: None,
            });
            // First park: into the registry, where shutdown finds parked
            // goroutines (`shared.rs`, `Registry`).
            if task.g().reg_key().is_none() {
                let key = shared.registry.insert(task.g().clone());
                task.g().set_reg_key(key);
            }
            // The task parks in its own descriptor (no reference count
            // taken for it: `queue/wake.rs`).
            match crate::queue::Wake::finish_park(task) {
                None => {
                    if let Some(pid) = m.with_p(|p| p.id) {
                        PCounters::bump(&shared.p(pid).counters.parks);
                    }
                }
                Some(task) => {
                    // An unpark came first (or an earlier operation's token
                    // was pending): runnable at once, to re-check its
                    // condition. No park, so no join mark either (as in a
                    // deterministic run, where a token skips the join's).
                    task.g().set_block_reason(None);
                    task.g().take_wake_to_tail();
                    emit(shared, || Event::GUnblocked {
                        g: gid(task.g().id),
                        by: None,
                    });
                    ready_local(m, task);
                }
            }
        }
        Switch::SyscallNoP => {
            shared.global.push(task);
            wake_after_ready(shared);
            // Our M has no P; `m_main` will look for one.
        }
    }
}

/// Queues a yielding goroutine where the policy sends it. For the global
/// queue, it may wait instead: with the P's held yields while nobody else
/// looks for work, or, when this P has nothing queued, with the M until
/// `find_runnable` (one lock for the push and the next pop; the queue sees
/// it before anything else runs here).
fn push_yielded(m: &MCtx, p: &mut P, task: Task) {
    let shared = &m.shared;
    match shared.yield_to() {
        // Held by this P until it next looks at the global queue (its own
        // queue runs dry, or the policy's global check is due), when all
        // held yields go in with that look's lock: one lock per batch, not
        // two per yield. Held when nobody else could take them sooner:
        // with one P, nobody else takes from the global queue; with
        // several, all busy and no M spinning, nobody is looking for work,
        // and the busy Ps would find them only at their own interval's
        // look (now they find them after ours). Goroutines pushed meanwhile
        // (timers, spawns from outside, other Ps) may get ahead of them;
        // there is no order between those events to keep. Released before
        // the P leaves the loop. Two Ps yielding spent most of a yield on
        // the global queue's lock line, moving between them.
        model::policy::YieldTarget::Global
            if shared.config.procs == 1 || shared.counts.all_busy() =>
        {
            p.held.push(task)
        }
        // Held only when this P's own queue is empty, so that the next
        // look is at the global queue (with work queued here, the push now
        // costs the same lock and holding would only delay it).
        model::policy::YieldTarget::Global if p.local.is_empty() => {
            let displaced = m.yielded.borrow_mut().replace(task);
            debug_assert!(displaced.is_none(), "one yield per run");
        }
        model::policy::YieldTarget::Global => shared.global.push(task),
        model::policy::YieldTarget::LocalTail => {
            p.local.push(task, false, &shared.global);
        }
    }
}

/// Queues a woken goroutine on this M's P (slot or tail per policy), or on
/// the global queue if the M holds no P; then wakes a P if none is spinning.
pub(crate) fn ready_local(m: &MCtx, task: Task) {
    queue_here(m, task, m.shared.ready_to_runnext(false));
}

/// Queues `task` on this M's P (slot or tail: `to_slot`), or on the global
/// queue if the M holds no P, and wakes a P for it if none is spinning:
/// without a fence after an own-P push (`Idle::claim_wake_for_own_p`),
/// with one after a global push.
pub(crate) fn queue_here(m: &MCtx, task: Task, to_slot: bool) {
    let shared = &m.shared;
    match push_on_p(m, task, to_slot) {
        None => shared.wakep_for_own_p(),
        Some(task) => {
            shared.global.push(task);
            wake_after_ready(shared);
        }
    }
}

/// Pushes onto the M's P; gives the task back if the M holds no P.
pub(crate) fn push_on_p(m: &MCtx, task: Task, to_slot: bool) -> Option<Task> {
    let mut pb = m.p.borrow_mut();
    match pb.as_mut() {
        Some(p) => {
            p.local.push(task, to_slot, &m.shared.global);
            None
        }
        None => Some(task),
    }
}

/// After publishing work: the submitter half of the spinning protocol
/// (idle.rs: fence, then maybe wake a P).
pub(crate) fn wake_after_ready(shared: &Shared) {
    shared.wakep();
}

/// Queues a woken goroutine from anywhere: this M's P (into the slot or at
/// the tail, as `to_slot` says: the policy's `ready_to_runnext(false)`, or
/// the tail for a marked joiner, `GShared::wake_to_tail`) if the caller is
/// an M, else the global queue.
pub(crate) fn ready_to(shared: &Shared, task: Task, to_slot: bool) {
    match current_m() {
        Some(m) if std::ptr::eq(&*m.shared, shared) => queue_here(&m, task, to_slot),
        _ => {
            shared.global.push(task);
            wake_after_ready(shared);
        }
    }
}

/// A goroutine id in the model's vocabulary (`GId` is 32 bits; traces of
/// runs past 4G goroutines wrap, which only matters for display).
pub(crate) fn gid(id: u64) -> model::GId {
    model::GId(id as u32)
}
