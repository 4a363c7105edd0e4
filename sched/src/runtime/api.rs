//! What goroutines call: `go`, `yield_now`, `preempt_point`, `blocking`,
//! `current`, and the engine interface the primitives are written against
//! (`park` / `unpark` of the current goroutine).

use super::context::{current_m, Asked, Entry, Switch};
use super::g::Body;
use super::g::{GShared, Task};
use super::join::{JoinHandle, JoinRef, Waiter};
use super::shared::{Shared, P_RUNNING, P_SYSCALL};
use super::stats::PCounters;
use crate::coro;
use model::BlockReason;
use std::panic::Location;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

const OUTSIDE: &str = "sched::go called outside a sched runtime: start one with \
     sched::run(|| ...) or Runtime::builder().build()?.block_on(|| ...)";

/// Starts a goroutine running `f` and returns its handle.
///
/// # Panics
/// Outside a runtime (not on a goroutine or an M of one).
#[track_caller]
pub fn go<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if let Some(x) = crate::det::context::current() {
        return crate::det::goroutine::go(&x, f, Location::caller());
    }
    let m = current_m().expect(OUTSIDE);
    // Nothing below switches goroutines until `preempt_point`, so the M's
    // context may be held (not its thread-local: see context.rs) until then.
    let (task, handle) = make_task(&m.shared, Some(&m), f, Location::caller());
    super::worker::queue_here(&m, task, m.shared.ready_to_runnext(true));
    drop(m);
    preempt_check();
    handle
}

/// Builds a goroutine (not yet queued). It gets its stack when it first
/// runs (`worker::start`; why: `g::Body`).
pub(crate) fn make_task<F, T>(
    shared: &Arc<Shared>,
    m: Option<&super::context::MCtx>,
    f: F,
    location: &'static Location<'static>,
) -> (Task, JoinHandle<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // From the caller's P's caches (ids, a task box) when it is on an M
    // with one (`m`); a goroutine spawned from outside the runtime's Ms goes
    // to the shared counter.
    let cached = m.and_then(|m| {
        m.with_p(|p| {
            let id = p.next_gid(&shared.next_gid);
            (id, p.spare_task(&shared.free_tasks))
        })
    });
    let (id, spare) = cached.unwrap_or_else(|| {
        // Relaxed: uniqueness only needs the RMW's atomicity.
        (shared.next_gid.fetch_add(1, Relaxed), None)
    });
    // The descriptor, the body and the join slot: one allocation (`GNode`),
    // with its first two references made at once (the handle's and the
    // task's: no clone, so no atomic read-modify-write).
    let (node, for_task) = crate::queue::NodeRc::new_pair_with(|| super::g::GNode {
        g: GShared::new(id, location, shared.clone()),
        join: Body::new(f),
    });
    super::trace::emit(shared, || model::Event::GCreated {
        g: super::worker::gid(id),
        parent: current().map(|c| super::worker::gid(c.id)),
        location: model::Location::from_std(location),
    });
    let g: super::g::GRef = for_task.erase(|n| n);
    let task = super::g::GTask::boxed(g, spare);
    let task_addr = std::ptr::from_ref::<super::g::GTask>(&task) as usize;
    (
        task,
        JoinHandle {
            inner: JoinRef::Node(node.erase(|n| n)),
            id,
            location,
            object: model::ObjId(0),
            task: task_addr,
        },
    )
}

/// A goroutine's body returned (`panicked` if it unwound), on its own
/// stack: traced, and marked exited before its joiner can observe the
/// result, so a main goroutine that joined everything sees no leaks (the
/// M takes it out of the registry later, in a batch). A goroutine unwound
/// at shutdown ends on the thread that drops it, after the registry was
/// cleared, and is neither.
pub(crate) fn body_ended(g: &GShared, panicked: bool) {
    if let Some(m) = current_m() {
        super::trace::emit(&m.shared, || model::Event::GEnded {
            g: super::worker::gid(g.id),
            panicked,
        });
        g.set_exited();
    }
}

/// Gives up the P: the goroutine goes where the policy sends yields (Go:
/// the global queue; tokio-like: the local tail). Outside a goroutine, a
/// plain OS-thread yield.
///
/// Inlined into the caller with the switch, so the goroutine resumes in
/// the caller's frame (why: `coro::suspend`); the rest is out of line.
#[inline(always)]
#[track_caller]
pub fn yield_now() {
    match super::context::ask_switch(Switch::Yield) {
        Asked::Switching => coro::suspend(),
        other => yield_elsewhere(other, Location::caller()),
    }
}

/// [`yield_now`] off a goroutine of an M: a deterministic run's, or a thread.
#[inline(never)]
fn yield_elsewhere(asked: Asked, at: &'static Location<'static>) {
    match asked {
        Asked::NotM => match crate::det::context::current() {
            Some(x) => x.yield_now(at),
            None => std::thread::yield_now(),
        },
        _ => std::thread::yield_now(),
    }
}

/// A preemption check: if the goroutine has run past its quantum, it yields.
/// Every runtime entry calls this; call it in long loops without them.
/// In a deterministic run it is a visible op (a point where the chooser may
/// switch goroutines).
#[track_caller]
pub fn preempt_point() {
    match super::context::entry() {
        Entry::Run => {}
        Entry::Preempt => preempt(),
        Entry::NotM => {
            if let Some(x) = crate::det::context::current() {
                let op = crate::engine::Op::new(
                    model::OpKind::Preempt,
                    model::ObjId(0),
                    model::event::Access::None,
                    Location::caller(),
                );
                x.visible(&op);
            }
        }
    }
}

/// The production engine's half of [`preempt_point`], for a caller that
/// already read `entry` or knows it is not in a deterministic run (`go`).
fn preempt_check() {
    if super::context::entry() == Entry::Preempt {
        preempt();
    }
}

/// Yields the P: the running goroutine's quantum is over.
pub(crate) fn preempt() {
    switch_out(Switch::Preempted);
}

/// How many times a goroutine may spin on a held lock before it parks
/// (Go's `active_spin`).
pub(crate) const ACTIVE_SPIN: u32 = 4;

/// Whether a goroutine waiting for a lock should spin (busy-wait briefly)
/// for the `iter`-th time instead of parking (Go's `sync_runtime_canSpin`):
/// only a few times, only on a multicore machine with more than one P,
/// only while another P is running (its goroutine may be about to unlock)
/// and only if no goroutine waits in this P's local queue (it would be
/// kept from running). Spinning costs CPU; parking costs two context
/// switches and a wake-up, which dominate a short critical section.
pub(crate) fn can_spin(iter: u32) -> bool {
    // Cached: `available_parallelism` reads cgroup files.
    static NCPU: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    if iter >= ACTIVE_SPIN || *NCPU.get_or_init(super::builder::default_procs) <= 1 {
        return false;
    }
    let Some(m) = current_m() else { return false };
    let (procs, counts) = (m.shared.config.procs, &m.shared.counts);
    if procs <= counts.npidle() + counts.nmspinning() + 1 {
        return false;
    }
    m.with_p(|p| p.local.is_empty()).unwrap_or(false)
}

/// Suspends the current goroutine back to its M with `why`; false when not
/// on a goroutine.
fn switch_out(why: Switch) -> bool {
    if super::context::ask_switch(why) != Asked::Switching {
        return false;
    }
    coro::suspend();
    true
}

/// A waiter record for the current goroutine (or OS thread outside one).
pub(crate) fn current_waiter() -> Waiter {
    match current_m() {
        Some(m) => match m.current_g() {
            Some(g) => Waiter::Goroutine(g),
            None => Waiter::Thread(std::thread::current()),
        },
        None => Waiter::Thread(std::thread::current()),
    }
}

/// Parks the current goroutine until `unpark` (or, if an unpark token is
/// pending, only switches out and back). Outside a goroutine, parks the OS
/// thread.
/// Callers re-check their condition in a loop (a stale token can end a park).
#[inline(always)]
pub(crate) fn park_current(reason: BlockReason, location: &'static Location<'static>) {
    park_current_joining(reason, location, 0);
}

/// [`park_current`] for a join waiting for the goroutine whose task box is
/// at `task` (0: not a join): if the policy promotes joins and that box is
/// the newest in this P's ring, it first moves into `runnext`, to run next;
/// then, if the policy wakes joins at the tail and that box is not in
/// `runnext`, the goroutine's wake-up is marked for the waker's tail
/// (`model::queue::RunQueues::park_joining` states the rule). One M
/// lookup serves both (spawn_join at 1 P paid 1.9 % for a second one).
///
/// The switch itself is inlined into the caller (see [`yield_now`]).
#[inline(always)]
pub(crate) fn park_current_joining(
    reason: BlockReason,
    _location: &'static Location<'static>,
    task: usize,
) {
    if prepare_park(reason, task) {
        coro::suspend();
    }
}

/// [`park_current_joining`] up to the switch: true when the caller is a
/// goroutine that must now switch out; false when it was an OS thread,
/// parked (and woken) here.
#[inline(never)]
fn prepare_park(reason: BlockReason, task: usize) -> bool {
    let Some(m) = current_m() else {
        std::thread::park();
        return false;
    };
    // Borrowed, not cloned: a reference-count RMW pair per park showed in
    // the channel benchmarks' profiles.
    let current = m.current.borrow();
    let Some(g) = current.as_ref() else {
        drop(current);
        drop(m);
        std::thread::park();
        return false;
    };
    // The M finishes the park after the switch (`queue::Wake`): a pending
    // unpark token makes it requeue us at once instead.
    g.set_block_reason(Some(reason));
    // A join: promote the target, then mark us for a wake-up at the tail
    // if the target is not next (`RunQueues::park_joining` is the rule).
    if let Some(task) = std::ptr::NonNull::new(task as *mut ()) {
        let shared = &m.shared;
        m.with_p(|p| {
            let promoted = shared
                .join_promotes
                .then(|| p.local.take_newest(task))
                .flatten();
            if let Some(task) = promoted {
                p.local.push(task, true, &shared.global);
                PCounters::bump(&shared.p(p.id).counters.join_promotions);
            }
            if shared.join_wakes_tail && !p.local.runnext_holds(task) {
                g.wake_to_tail();
            }
        });
    }
    drop(current);
    m.switch.set(Switch::Park);
    true
}

/// Runs a blocking call (`f`) without holding up other goroutines: the P
/// stays with this M, but if the call lasts longer than a sysmon tick,
/// sysmon hands the P to another M. On return the goroutine takes its P back,
/// or an idle one, or queues itself globally while its M parks.
///
/// `f` must not use sched primitives (it runs outside the scheduler's view).
/// In a deterministic run a blocking call is uncontrolled nondeterminism: the
/// run fails with `det::Failure::Uncontrolled` unless the config allows it.
#[track_caller]
pub fn blocking<R>(f: impl FnOnce() -> R) -> R {
    if let Some(x) = crate::det::context::current() {
        return x.blocking(f, Location::caller());
    }
    let Some(m) = current_m() else { return f() };
    if m.current.borrow().is_none() {
        drop(m);
        return f();
    }
    let shared = m.shared.clone();
    let g = m.current_g().expect("checked above");
    let mut p =
        m.p.borrow_mut()
            .take()
            .expect("a running goroutine's M holds a P");
    // Yields this P held go to the global queue, where sysmon sees them as
    // work to retake the P for.
    super::worker::release_held(&shared, &mut p);
    let pid = p.id;
    let ps = shared.p(pid);
    PCounters::bump(&ps.counters.syscalls);
    super::trace::emit(&shared, || model::Event::SyscallEnter {
        g: super::worker::gid(g.id),
        m: m.id,
        p: pid,
    });
    // Relaxed: a hint for sysmon's retake timing (read Relaxed in sysmon.rs).
    ps.slice_start.store(shared.now_ns(), Relaxed);
    *ps.syscall.lock().unwrap_or_else(|e| e.into_inner()) = Some(p);
    // Release: pairs with sysmon's Acquire load of `status`, after the P was
    // put in the syscall slot (which the slot's mutex also orders).
    ps.status.store(P_SYSCALL, Release);
    super::sysmon::wake_for_blocking_call(&shared);
    drop(m);

    let r = f();

    let m = current_m().expect("blocking returns on an M");
    let (gid, mid) = (super::worker::gid(g.id), m.id);
    let back = ps.syscall.lock().unwrap_or_else(|e| e.into_inner()).take();
    match back {
        Some(p) => {
            // Release: pairs with sysmon's Acquire load of `status`.
            ps.status.store(P_RUNNING, Release);
            *m.p.borrow_mut() = Some(p);
        }
        None => {
            let mut idle = shared.lock_idle();
            match shared.pidleget(&mut idle) {
                Some(p) => {
                    drop(idle);
                    *m.p.borrow_mut() = Some(p);
                }
                None => {
                    drop((idle, m));
                    switch_out(Switch::SyscallNoP);
                }
            }
        }
    }
    let p = current_m().and_then(|m| m.with_p(|p| p.id));
    super::trace::emit(&shared, || model::Event::SyscallExit { g: gid, m: mid, p });
    r
}

/// Locks the calling goroutine to its current OS thread (Go's
/// `runtime.LockOSThread`): from now on it runs only on this M, and this M
/// runs no other goroutine — when the goroutine blocks or yields, the M hands
/// its P to another M and sleeps until the goroutine is runnable again. Use
/// it for code that needs thread identity (thread-locals held across
/// runtime calls, thread-affine C libraries). Outside a goroutine: no-op.
pub fn lock_os_thread() {
    let Some(m) = goroutine_m() else { return };
    m.shared.locked_mailbox(m.id.0);
    m.lock_request.set(Some(m.id.0 + 1));
}

/// Undoes [`lock_os_thread`]: the goroutine may migrate again.
pub fn unlock_os_thread() {
    if let Some(m) = goroutine_m() {
        m.lock_request.set(Some(0));
    }
}

/// This thread's M, if a goroutine runs on it (the caller).
fn goroutine_m() -> Option<std::rc::Rc<super::context::MCtx>> {
    current_m().filter(|m| m.current.borrow().is_some())
}

/// What a goroutine knows about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoroutineInfo {
    pub id: u64,
    pub location: &'static Location<'static>,
    /// `None` when running or runnable; the reason when blocked.
    pub blocked_on: Option<BlockReason>,
}

/// The current goroutine, or `None` outside one.
pub fn current() -> Option<GoroutineInfo> {
    if let Some(x) = crate::det::context::current() {
        return x.info();
    }
    let m = current_m()?;
    let g = m.current_g()?;
    Some(GoroutineInfo {
        id: g.id,
        location: g.location,
        blocked_on: None,
    })
}

impl GoroutineInfo {
    pub(crate) fn of(g: &GShared) -> Self {
        GoroutineInfo {
            id: g.id,
            location: g.location,
            blocked_on: g.block_reason(),
        }
    }
}

thread_local! {
    static RAND: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A fast, non-cryptographic uniform index in `0..n` (`select!` fairness,
/// Go's `cheaprand`): a per-thread SplitMix64 stream seeded from the thread.
#[inline(never)]
pub(crate) fn fast_random(n: usize) -> usize {
    RAND.with(|c| {
        let mut s = c.get();
        if s == 0 {
            s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                ^ (c as *const _ as u64);
        }
        let mut rng = model::Rng::new(s);
        let v = rng.index(n);
        c.set(rng.next_u64() | 1);
        v
    })
}

/// A way back into the caller's runtime, kept for later: a timer callback
/// (which runs on any M, or on sysmon) starts goroutines through it.
#[derive(Clone)]
pub(crate) struct Spawner(Arc<Shared>);

impl std::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spawner")
    }
}

/// The caller's runtime, if it runs on one.
pub(crate) fn spawner() -> Option<Spawner> {
    current_m().map(|m| Spawner(m.shared.clone()))
}

impl Spawner {
    /// Starts `f` as a detached goroutine from any thread (global queue).
    pub(crate) fn spawn(&self, f: Box<dyn FnOnce() + Send>, location: &'static Location<'static>) {
        let m = current_m().filter(|m| Arc::ptr_eq(&m.shared, &self.0));
        let (task, _detached) = make_task(&self.0, m.as_deref(), f, location);
        self.0.global.push(task);
        super::worker::wake_after_ready(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::{can_spin, ACTIVE_SPIN};
    use crate::runtime::Runtime;
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Arc;

    #[test]
    fn a_goroutine_gets_its_stack_when_it_first_runs_not_when_spawned() {
        const N: usize = 2_000;
        let rt = Runtime::builder().procs(1).build().unwrap();
        let (queued, after) = rt.block_on(|| {
            let out = || {
                let m = super::current_m().expect("on an M");
                m.shared.stacks.stats().handed_out
            };
            let before = out();
            // One P and no yield: all of them wait in the queues meanwhile.
            let hs: Vec<_> = (0..N).map(|i| crate::go(move || i)).collect();
            let queued = out() - before;
            let sum: usize = hs.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(sum, N * (N - 1) / 2);
            (queued, out() - before)
        });
        // Spawning took nothing from the pool (a refill of the P's cache
        // would show as a batch); running them one at a time reused a few.
        assert!(
            queued <= crate::stack::CACHE_BATCH,
            "{queued} stacks for queued goroutines"
        );
        assert!(
            after <= 2 * crate::stack::CACHE_BATCH,
            "{after} stacks to run them one by one"
        );
    }

    #[test]
    fn a_goroutine_is_anchored_to_its_descriptor_for_values_on_its_own_stack() {
        use crate::stack::{anchor_at, running_anchored};
        fn addr(v: &u8) -> usize {
            v as *const u8 as usize
        }
        let local = 0u8;
        assert!(!running_anchored(), "a plain thread has no anchor");
        assert_eq!(anchor_at(addr(&local)), None);
        let rt = Runtime::builder().procs(1).build().unwrap();
        rt.block_on(|| {
            let inner = crate::go(move || {
                assert!(running_anchored());
                let m = super::current_m().expect("on an M");
                let g = m.current_g().expect("a running goroutine");
                let me: *const crate::stack::AnchorTarget = &**g;
                let here = 0u8;
                assert_eq!(
                    anchor_at(addr(&here)).map(|a| a.as_ptr().cast_const()),
                    Some(me),
                    "a local is anchored to its goroutine's descriptor"
                );
                let boxed = Box::new(0u8);
                assert_eq!(anchor_at(addr(&boxed)), None, "the heap is not the stack");
                // Another goroutine's stack is not this one's.
                addr(&here)
            });
            let theirs = inner.join().unwrap();
            assert_eq!(anchor_at(theirs), None);
        });
    }

    #[test]
    fn a_lock_waiter_spins_only_while_another_p_runs_and_only_a_few_times() {
        assert!(!can_spin(0), "outside a runtime nothing spins");
        let one = Runtime::builder().procs(1).build().unwrap();
        assert!(
            !one.block_on(|| can_spin(0)),
            "one P: the holder cannot run"
        );
        let two = Runtime::builder().procs(2).build().unwrap();
        assert!(
            !two.block_on(|| can_spin(0)),
            "the other P is idle: nobody runs who could unlock"
        );
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            return; // one CPU: spinning never pays (Go's `ncpu > 1`)
        }
        two.block_on(|| {
            let (started, stop) = (
                Arc::new(AtomicBool::new(false)),
                Arc::new(AtomicBool::new(false)),
            );
            let (s, st) = (started.clone(), stop.clone());
            let busy = crate::go(move || {
                s.store(true, Relaxed);
                while !st.load(Relaxed) {
                    std::hint::spin_loop();
                }
            });
            while !started.load(Relaxed) {
                std::hint::spin_loop();
            }
            // The other P runs `busy`; a spinning M may linger a moment.
            let t0 = std::time::Instant::now();
            while !can_spin(0) {
                assert!(t0.elapsed().as_secs() < 10, "never allowed to spin");
                std::hint::spin_loop();
            }
            assert!(can_spin(ACTIVE_SPIN - 1));
            assert!(!can_spin(ACTIVE_SPIN), "the spin budget is Go's 4 rounds");
            stop.store(true, Relaxed);
            busy.join().unwrap();
        });
    }
}
