//! State shared by every M of a runtime: the Ps' public halves, the global
//! queue, the idle-P and idle-M lists, the spinning count, the registry of
//! live goroutines.
//!
//! The spinning/parking protocol that keeps a runnable goroutine from being
//! stranded lives in `idle.rs` (loom-checked); `wakep`, `pidleget` and
//! `pidleput` here, and `find_runnable` / `stop_p` in `worker.rs`, are its
//! callers.

use super::g::{GRef, Task};
use super::stats::PCounters;
use crate::queue::{Global, LocalQueue, QueueStealer};
use model::{PId, Rng, SchedPolicy};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::Thread;
use std::time::Instant;

/// P status, readable by sysmon.
pub(crate) const P_IDLE: u8 = 0;
pub(crate) const P_RUNNING: u8 = 1;
pub(crate) const P_SYSCALL: u8 = 2;

/// The owner half of a P: moved (boxed) between Ms.
pub(crate) struct P {
    pub(crate) id: PId,
    pub(crate) local: LocalQueue<Task>,
    pub(crate) schedtick: u64,
    /// The policy's answer to "when does this P next look at the global
    /// queue first" (`SchedPolicy::next_global_check`), as of a schedtick
    /// at or before the current one (`worker.rs`, `global_check_due`).
    pub(crate) next_global_check: Option<u64>,
    pub(crate) slot_streak: u32,
    pub(crate) rng: Rng,
    /// Free stacks kept by this P (Go's per-P `stackcache`).
    pub(crate) stacks: crate::stack::StackCache,
    /// Registry slots of goroutines that exited here, freed in batches.
    pub(crate) exited: Vec<RegKey>,
    /// Goroutine ids reserved by this P (Go's `pp.goidcache`): the shared
    /// counter is touched once per [`GID_BATCH`] spawns, not per spawn.
    pub(crate) gids: std::ops::Range<u64>,
    /// Boxes of goroutines that ended here, reused by the next spawns
    /// (Go's per-P `gFree` list keeps whole `g`s the same way): a spawn
    /// that finds one skips a malloc, an exit a free. At most
    /// [`FREE_TASKS`]; batches of [`FREE_BATCH`] go to and come from
    /// [`Shared::free_tasks`], so a P that only spawns reuses the boxes of
    /// a P that only runs what it stole (and no box is freed on another
    /// thread than the one that allocated it: glibc's slow path).
    pub(crate) free_tasks: Vec<Task>,
    /// Goroutines that yielded to the global queue in a runtime of one P,
    /// oldest first, not pushed yet: they join the global queue's tail the
    /// next time this P looks at it, under that lock (`worker.rs`,
    /// `push_yielded`). Empty with more Ps, and whenever the P is not in
    /// its schedule loop.
    pub(crate) held: Vec<Task>,
    /// Where a batch from the global queue waits between that queue's lock
    /// and this P's ring (`worker.rs`, `take_global`): empty outside
    /// `take_global`. With the prefetch hints they carry (`queue::Hinted`).
    pub(crate) staged: Vec<crate::queue::Hinted<Task>>,
}

/// How long `Shared::prestart_ms` waits for the Ms it started to park.
pub(crate) const PRESTART_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Goroutine ids a P reserves at a time (Go's `_GoidCacheBatch`).
pub(crate) const GID_BATCH: u64 = 16;

/// Task boxes a P keeps for reuse (Go keeps up to 64 free `g`s per P).
pub(crate) const FREE_TASKS: usize = 64;

/// Task boxes moved at a time between a P and the shared list (Go: 32).
pub(crate) const FREE_BATCH: usize = 32;

/// Task boxes the shared list keeps; beyond, boxes are freed.
pub(crate) const FREE_TASKS_SHARED: usize = 4096;

/// Emptied task boxes in transit between Ps (Go's `sched.gFree`), with a
/// length hint so that a P finding it empty takes no lock.
#[derive(Default)]
pub(crate) struct FreeTasks {
    list: Mutex<Vec<Task>>,
    /// `list.len()`, written under the lock (Relaxed: a hint; the lock is
    /// the truth).
    len: AtomicUsize,
}

impl P {
    /// A task box to reuse: this P's, or a batch from the shared list
    /// (Go's `gfget`).
    pub(crate) fn spare_task(&mut self, shared: &FreeTasks) -> Option<Task> {
        // Relaxed: a hint (field docs).
        if self.free_tasks.is_empty() && shared.len.load(Relaxed) > 0 {
            let mut g = shared.list.lock().unwrap_or_else(PoisonError::into_inner);
            let at = g.len().saturating_sub(FREE_BATCH);
            self.free_tasks.extend(g.drain(at..));
            shared.len.store(g.len(), Relaxed);
        }
        self.free_tasks.pop()
    }

    /// Keeps an emptied task box for reuse, moving a batch to the shared
    /// list when this P has plenty (Go's `gfput`).
    pub(crate) fn keep_task(&mut self, task: Task, shared: &FreeTasks) {
        self.free_tasks.push(task);
        if self.free_tasks.len() > FREE_TASKS {
            let at = self.free_tasks.len() - FREE_BATCH;
            let mut g = shared.list.lock().unwrap_or_else(PoisonError::into_inner);
            let room = FREE_TASKS_SHARED.saturating_sub(g.len());
            // Beyond the shared list's room the drain drops (frees) them.
            g.extend(self.free_tasks.drain(at..).take(room));
            shared.len.store(g.len(), Relaxed);
        }
    }

    /// The next goroutine id, from this P's reserved batch (refilled from
    /// `next` when used up).
    pub(crate) fn next_gid(&mut self, next: &AtomicU64) -> u64 {
        if let Some(id) = self.gids.next() {
            return id;
        }
        // Relaxed: uniqueness only needs the RMW's atomicity.
        let start = next.fetch_add(GID_BATCH, Relaxed);
        self.gids = start + 1..start + GID_BATCH;
        start
    }
}

/// The public half of a P. On its own cache lines: the owner writes
/// `tick`, `running_g` and its counters on every run, and another P's
/// owner must not pay for that (nor thieves reading a neighbour).
#[repr(align(128))]
pub(crate) struct PShared {
    pub(crate) stealer: QueueStealer<Task>,
    /// Sysmon asks the running goroutine to yield (a hint: Relaxed both ways).
    pub(crate) preempt: AtomicBool,
    /// The owner's schedtick, published for sysmon (Relaxed: a hint).
    pub(crate) tick: AtomicU64,
    /// When the current blocking call started, ns since the epoch (Relaxed).
    pub(crate) slice_start: AtomicU64,
    /// The id of the goroutine running on this P, 0 if none (Relaxed, reports).
    pub(crate) running_g: AtomicU64,
    /// Where that goroutine was spawned (for sysmon's report: the
    /// registry holds only goroutines that have blocked).
    pub(crate) running_at: crate::queue::StaticRef<std::panic::Location<'static>>,
    pub(crate) status: AtomicU8,
    /// The P while its M is in a blocking call; sysmon may take it.
    pub(crate) syscall: Mutex<Option<Box<P>>>,
    pub(crate) counters: PCounters,
    /// Timers started by goroutines running on this P.
    pub(crate) timers: crate::engine::timer::TimerHeap,
}

/// A parked M's mailbox: the P (and whether to start spinning) its waker
/// hands it (mailbox.rs has the protocol).
pub(crate) type MHandle = super::mailbox::Mailbox<(Box<P>, bool)>;

#[derive(Default)]
pub(crate) struct Idle {
    // Ps travel between Ms, this list and syscall slots as boxes; storing
    // them unboxed here would copy each in and out.
    #[allow(clippy::vec_box)]
    pub(crate) ps: Vec<Box<P>>,
    pub(crate) ms: Vec<Arc<MHandle>>,
}

/// Configuration fixed at build time.
pub(crate) struct Config {
    pub(crate) procs: usize,
    pub(crate) max_threads: usize,
    pub(crate) quantum_ns: u64,
}

pub(crate) struct Shared {
    /// Itself, for the rare callers that must keep it (a new M's thread):
    /// the hot paths pass `&Shared`, which is all a goroutine's descriptor
    /// can give them (`GShared::runtime`).
    pub(crate) me: std::sync::Weak<Shared>,
    pub(crate) policy: Arc<dyn SchedPolicy>,
    /// `policy` as plain knobs, if it is the built-in `Policy`: the
    /// schedule loop then asks them without virtual calls (`worker.rs`).
    pub(crate) knobs: Option<model::policy::Policy>,
    /// The policy's `join_promotes`, asked once: every join that parks
    /// reads it.
    pub(crate) join_promotes: bool,
    /// The policy's `join_wakes_tail`, asked once, for the same reason.
    pub(crate) join_wakes_tail: bool,
    pub(crate) config: Config,
    pub(crate) ps: Box<[PShared]>,
    pub(crate) global: Global<Task>,
    pub(crate) idle: Mutex<Idle>,
    /// Idle-P and spinning-M counts: the no-lost-wake-up protocol (idle.rs).
    /// Read by every `wakep`, written by spinning Ms: on its own lines.
    pub(crate) counts: Padded<super::idle::Idle>,
    /// OS threads started as Ms, live or exited (bounded by `max_threads`).
    pub(crate) nthreads: AtomicUsize,
    pub(crate) threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// Set when the main goroutine returned: Ms exit at their next schedule.
    pub(crate) shutdown: AtomicBool,
    pub(crate) next_gid: AtomicU64,
    pub(crate) registry: Registry,
    /// Emptied task boxes in transit between Ps (Go's `sched.gFree`).
    pub(crate) free_tasks: FreeTasks,
    pub(crate) epoch: Instant,
    /// The sysmon thread, to wake it early (`wake_sysmon`).
    pub(crate) sysmon: Mutex<Option<Thread>>,
    /// When sysmon plans to wake next (`sysmon_wake.rs` has the protocol).
    pub(crate) sysmon_wake_at: super::sysmon_wake::WakeAt,
    /// Goroutine stacks (Ps keep caches of it).
    pub(crate) stacks: crate::stack::StackPool,
    /// The event stream, when tracing.
    pub(crate) events: Option<super::trace::EventLog>,
    /// Mailboxes of Ms with a locked goroutine (`lock_os_thread`), by M id:
    /// an M that dequeues another M's locked goroutine delivers its own P
    /// and the goroutine there (Go's `startlockedm`).
    pub(crate) locked: Mutex<HashMap<u32, Arc<LockedMailbox>>>,
}

/// Where a locked M waits for its goroutine (and a P to run it on).
pub(crate) type LockedMailbox = super::mailbox::Mailbox<(Box<P>, Task)>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// The policy's `yield_to`, from the knobs when it has them.
    pub(crate) fn yield_to(&self) -> model::policy::YieldTarget {
        match &self.knobs {
            Some(k) => k.yield_to,
            None => self.policy.yield_to(),
        }
    }

    /// The policy's `ready_to_runnext`, from the knobs when it has them.
    pub(crate) fn ready_to_runnext(&self, spawn: bool) -> bool {
        match &self.knobs {
            Some(k) => k.ready_to_runnext(spawn),
            None => self.policy.ready_to_runnext(spawn),
        }
    }

    pub(crate) fn new(
        policy: Arc<dyn SchedPolicy>,
        config: Config,
        stacks: crate::stack::StackPool,
        seed: u64,
        tracing: bool,
    ) -> Arc<Shared> {
        let mut rng = Rng::new(seed);
        let mut ps = Vec::with_capacity(config.procs);
        let mut owners = Vec::with_capacity(config.procs);
        for i in 0..config.procs {
            let (mut local, stealer) = LocalQueue::for_policy(&*policy, config.procs);
            local.set_hint(super::g::node_of);
            ps.push(PShared {
                stealer,
                preempt: AtomicBool::new(false),
                tick: AtomicU64::new(0),
                slice_start: AtomicU64::new(0),
                running_g: AtomicU64::new(0),
                running_at: crate::queue::StaticRef::new(),
                status: AtomicU8::new(P_IDLE),
                syscall: Mutex::new(None),
                counters: PCounters::default(),
                timers: crate::engine::timer::TimerHeap::new(),
            });
            owners.push(Box::new(P {
                id: PId::from(i),
                stacks: crate::stack::StackCache::new(&stacks),
                local,
                schedtick: 0,
                next_global_check: policy.next_global_check(0),
                slot_streak: 0,
                rng: rng.split(),
                exited: Vec::with_capacity(REG_BATCH),
                gids: 0..0,
                free_tasks: Vec::new(),
                held: Vec::new(),
                staged: Vec::new(),
            }));
        }
        // Idle Ps are popped from the end: keep p0 on top.
        owners.reverse();
        let npidle = owners.len();
        let knobs = policy.as_knobs().cloned();
        let join_promotes = policy.join_promotes();
        let join_wakes_tail = policy.join_wakes_tail();
        Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            knobs,
            join_promotes,
            join_wakes_tail,
            policy,
            config,
            ps: ps.into_boxed_slice(),
            global: Global::new(),
            idle: Mutex::new(Idle {
                ps: owners,
                ms: Vec::new(),
            }),
            counts: Padded(super::idle::Idle::new(npidle)),
            nthreads: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            next_gid: AtomicU64::new(1),
            registry: Registry::default(),
            free_tasks: FreeTasks::default(),
            epoch: Instant::now(),
            sysmon: Mutex::new(None),
            sysmon_wake_at: super::sysmon_wake::WakeAt::new(),
            stacks,
            events: tracing.then(super::trace::EventLog::default),
            locked: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub(crate) fn p(&self, id: PId) -> &PShared {
        &self.ps[id.index()]
    }

    pub(crate) fn lock_idle(&self) -> MutexGuard<'_, Idle> {
        lock(&self.idle)
    }

    /// Takes an idle P, if any (Go's `pidleget`).
    pub(crate) fn pidleget(&self, idle: &mut Idle) -> Option<Box<P>> {
        let p = idle.ps.pop()?;
        self.counts.p_taken();
        // Relaxed: written under the idle lock; sysmon reads it as a hint.
        self.p(p.id).status.store(P_RUNNING, Relaxed);
        Some(p)
    }

    /// Returns a P to the idle list (Go's `pidleput`).
    pub(crate) fn pidleput(&self, idle: &mut Idle, p: Box<P>) {
        // Relaxed (both): written under the idle lock; sysmon reads them as hints.
        self.p(p.id).status.store(P_IDLE, Relaxed);
        self.p(p.id).running_g.store(0, Relaxed);
        idle.ps.push(p);
        self.counts.p_idle();
    }

    /// The locked-goroutine mailbox of M `m` (made on first use, which is
    /// on `m`'s own thread: `lock_os_thread`).
    pub(crate) fn locked_mailbox(&self, m: u32) -> Arc<LockedMailbox> {
        lock(&self.locked)
            .entry(m)
            .or_insert_with(|| Arc::new(LockedMailbox::for_current_thread()))
            .clone()
    }

    /// Unparks sysmon (a new earliest timer, a blocking call to retake).
    pub(crate) fn wake_sysmon(&self) {
        if let Some(t) = lock(&self.sysmon).as_ref() {
            t.unpark();
        }
    }

    /// Runs the due timers of every P (sysmon, and Ms with nothing to do).
    pub(crate) fn run_all_timers(&self) -> usize {
        let now = crate::time::Instant::real_now();
        self.ps.iter().map(|p| p.timers.run_due(now)).sum()
    }

    /// The earliest timer deadline over all Ps (ns), `u64::MAX` if none.
    pub(crate) fn next_timer(&self) -> u64 {
        self.ps
            .iter()
            .map(|p| p.timers.next_deadline())
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Whether any queue holds work (the spinner's re-check). The caller
    /// issues the SeqCst fence of the spinning protocol first.
    pub(crate) fn any_work(&self) -> bool {
        !self.global.is_empty() || self.ps.iter().any(|p| !p.stealer.is_empty())
    }

    /// Go's `wakep`: new work exists; if a P is idle and no M is spinning,
    /// start a spinning M on an idle P.
    pub(crate) fn wakep(&self) {
        if self.counts.claim_wake() {
            self.start_claimed_spinner();
        }
    }

    /// [`Shared::wakep`] after pushing onto the caller's own P (no fence:
    /// `Idle::claim_wake_for_own_p` says why that is enough).
    pub(crate) fn wakep_for_own_p(&self) {
        if self.counts.claim_wake_for_own_p() {
            self.start_claimed_spinner();
        }
    }

    /// Starts the spinning M a `claim_wake` won, on an idle P if any.
    fn start_claimed_spinner(&self) {
        let p = self.pidleget(&mut self.lock_idle());
        match p {
            Some(p) => self.startm(p, true),
            None => self.counts.cancel_wake(),
        }
    }

    /// Runs `p` on an idle M, or a new one (Go's `startm`). When no M can be
    /// had (thread limit), the P goes back to the idle list.
    pub(crate) fn startm(&self, p: Box<P>, spinning: bool) {
        // Delivered under the idle lock, woken after it (mailbox.rs says why).
        let handed = super::mailbox::hand_to_idle(&mut self.lock_idle().ms, (p, spinning));
        let (p, spinning) = match handed {
            Ok(m) => return m.wake(),
            Err(back) => back,
        };
        // Relaxed: a counter bounded by `max_threads`; only its RMW atomicity matters.
        let n = self.nthreads.fetch_add(1, Relaxed);
        if n >= self.config.max_threads || self.shutdown.load(Acquire) {
            self.nthreads.fetch_sub(1, Relaxed);
            if spinning {
                self.counts.cancel_wake();
            }
            self.pidleput(&mut self.lock_idle(), p);
            return;
        }
        self.spawn_m(n, Some(p), spinning);
    }

    /// Starts M number `n` (counted in `nthreads` by the caller) on its own
    /// thread, with `p` or, without one, straight onto the idle M list.
    fn spawn_m(&self, n: usize, p: Option<Box<P>>, spinning: bool) {
        let shared = self
            .me
            .upgrade()
            .expect("a runtime starts Ms only while it lives");
        let handle = std::thread::Builder::new()
            .name(format!("sched-m{n}"))
            .spawn(move || super::worker::m_main(shared, model::MId::from(n), p, spinning))
            .expect("sched: could not start an M thread");
        lock(&self.threads).push(handle);
    }

    /// Starts one idle M per P (at most `max_threads`) and waits, up to
    /// [`PRESTART_WAIT`], until they are parked on the idle M list. Creating
    /// a thread took 1 to 3 ms on the 2-core development VM (the new
    /// thread's vCPU must be woken too): a P woken for the first time then
    /// sat idle that long, which made a 3 ms `fib(30)` at 2 Ps run serially
    /// in about half the runs. tokio starts its workers when the runtime is
    /// built for the same reason; Go has spare Ms from its own start-up.
    /// Later Ms (for blocking calls, locked goroutines) start on demand.
    pub(crate) fn prestart_ms(&self) {
        let want = self.config.procs.min(self.config.max_threads);
        for _ in 0..want {
            // Relaxed: as in `startm`.
            let n = self.nthreads.fetch_add(1, Relaxed);
            self.spawn_m(n, None, false);
        }
        let deadline = Instant::now() + PRESTART_WAIT;
        while self.lock_idle().ms.len() < want && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_micros(20));
        }
    }
}

/// Goroutines that have blocked at least once and not exited, for leak
/// reports and shutdown (which must find parked goroutines: nothing else
/// holds them). A goroutine enters when it first parks, not at spawn: one
/// that never blocks is always in a run queue or on an M, and shutdown
/// finds it there; spawn-heavy work (most goroutines run to completion
/// without blocking) then pays the registry nothing. 16 shards (by
/// goroutine id), each a slab of slots with a free list. An exited
/// goroutine's slot is freed by its M in a batch ([`Registry::remove_batch`],
/// one lock per shard per batch: the shard lines would otherwise bounce
/// between Ps on every goroutine). No hashing, and 8 bytes per entry (a
/// hash map cost about 22: its table is kept at most 7/8 full and every
/// bucket page is touched). Exited goroutines still in a batch are skipped
/// by [`Registry::all`].
#[derive(Default)]
pub(crate) struct Registry {
    /// One shard per cache-line pair.
    shards: [Padded<Mutex<Slab>>; SHARDS],
}

const SHARDS: usize = 16;

/// A value on its own cache-line pair (no false sharing: x86 prefetches
/// lines in pairs).
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Exited goroutines an M collects before it frees their registry slots.
pub(crate) const REG_BATCH: usize = 64;

#[derive(Default)]
struct Slab {
    slots: Vec<Option<GRef>>,
    /// Indices of the empty slots.
    free: Vec<u32>,
}

/// Where a goroutine sits in the [`Registry`] (to leave it when it ends).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RegKey {
    shard: u8,
    slot: u32,
}

impl RegKey {
    /// As one word (`GShared::reg`); never `u64::MAX`.
    pub(crate) fn pack(self) -> u64 {
        u64::from(self.shard) << 32 | u64::from(self.slot)
    }

    pub(crate) fn unpack(k: u64) -> RegKey {
        RegKey {
            shard: (k >> 32) as u8,
            slot: k as u32,
        }
    }
}

impl Registry {
    /// Registers `g` (on its first park) and returns its key.
    pub(crate) fn insert(&self, g: GRef) -> RegKey {
        let shard = (g.id % SHARDS as u64) as usize;
        let mut s = lock(&self.shards[shard]);
        let slot = match s.free.pop() {
            Some(i) => i,
            None => {
                s.slots.push(None);
                u32::try_from(s.slots.len() - 1)
                    .expect("sched: more than 2^32 live goroutines in one registry shard")
            }
        };
        s.slots[slot as usize] = Some(g);
        RegKey {
            shard: shard as u8,
            slot,
        }
    }

    /// Frees the slots of `keys` (exited goroutines), one lock per shard.
    pub(crate) fn remove_batch(&self, keys: &mut Vec<RegKey>) {
        keys.sort_unstable_by_key(|k| k.shard);
        // Sized once: grown by doubling, its reallocations were 1 % of
        // skynet's profile at 1 P.
        let mut freed = Vec::with_capacity(keys.len());
        for run in keys.chunk_by(|a, b| a.shard == b.shard) {
            let mut s = lock(&self.shards[usize::from(run[0].shard)]);
            for key in run {
                // `clear` at shutdown may have emptied the slab already.
                // A key kept across a shutdown may name a slot reused
                // since: only an exited goroutine's slot is freed.
                if let Some(slot) = s.slots.get_mut(key.slot as usize) {
                    if slot.as_ref().is_some_and(|g| g.has_exited()) {
                        freed.extend(slot.take());
                        s.free.push(key.slot);
                    }
                }
            }
        }
        keys.clear();
        drop(freed); // descriptors released outside the locks
    }

    /// Every registered goroutine that has not exited, by id.
    pub(crate) fn all(&self) -> Vec<GRef> {
        let mut v: Vec<_> = self
            .shards
            .iter()
            .flat_map(|s| {
                lock(s)
                    .slots
                    .iter()
                    .flatten()
                    .filter(|g| !g.has_exited())
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort_by_key(|g| g.id);
        v
    }

    /// Removes everything; returns the parked tasks so the caller can drop them.
    pub(crate) fn clear(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        for s in &self.shards {
            let slab = std::mem::take(&mut *lock(s));
            for g in slab.slots.into_iter().flatten() {
                tasks.extend(g.wake.take_parked());
            }
        }
        tasks
    }
}
