//! Goroutines: the shared descriptor (`GShared`), the runnable unit that
//! travels through run queues (`Task`); their wake protocol (park / unpark
//! without lost wake-ups) is `queue/wake.rs`.

use crate::coro::Coro;
use crate::queue::{NodeRc, Parks, ValueSlot, Wake};
use model::BlockReason;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::*};
use std::sync::Arc;

/// What every part of the runtime may know about a goroutine.
pub(crate) struct GShared {
    pub(crate) id: u64,
    pub(crate) location: &'static Location<'static>,
    /// Its runtime: where a waker queues it. Kept here rather than in
    /// every waiter handle: one reference count per blocked operation
    /// fewer. A `SendArc` because `Shared` holds run queues of tasks that
    /// hold this descriptor: with an `Arc`, `Send` / `Sync` of the queues'
    /// own impls would depend on themselves (`queue/send_arc.rs`). The
    /// reference cycle through `Shared::registry` is cut at shutdown, which
    /// clears the registry.
    runtime: crate::queue::SendArc<super::shared::Shared>,
    /// The wake protocol state and the task while parked (`queue/wake.rs`).
    pub(crate) wake: Wake<Task>,
    /// Why it is blocked, encoded (`0` = not blocked), for leak and deadlock reports.
    block_reason: AtomicU8,
    /// Set by the goroutine when it parks in a join whose target is not
    /// next to run (`Policy::join_wake_tail`): its waker queues it at the
    /// tail, not in the slot, and clears it. Relaxed: written before the
    /// park and read after the wake-up that hands its task over, which
    /// `Wake` orders (Release in `finish_park`, Acquire in `unpark`).
    wake_to_tail: AtomicBool,
    /// Its slot in the runtime's registry of blocked-at-some-point
    /// goroutines, packed (`RegKey::pack`), or `UNREGISTERED`. A goroutine
    /// enters the registry when it first parks (`worker.rs`): one that never
    /// blocks is always in a run queue or on an M, where shutdown finds it,
    /// and costs the registry nothing. Written once, by the M that parks
    /// it; read by the M it exits on (Relaxed: the run queues order the two).
    reg: AtomicU64,
    /// Set by the goroutine's body when it has returned (or panicked),
    /// before its joiner can see the result: the registry forgets exited
    /// goroutines in batches, and leak reports skip them meanwhile.
    exited: AtomicBool,
}

/// A goroutine's descriptor and its join slot, in one allocation: the
/// slot (`JoinInner<T>`, where the result waits for the `JoinHandle`) used
/// to be a second `Arc`, one more malloc and free per goroutine. The
/// runtime holds it type-erased ([`GRef`]); the handle holds it typed.
/// Both count it with a `queue::NodeRc`, whose freed blocks stay with the
/// thread that freed them for its next spawn (Go's per-P free `g`s): with
/// `Arc`, a node freed on another M than the one that spawned it went back
/// to glibc through the spawning thread's arena lock.
pub(crate) struct GNode<J: ?Sized> {
    pub(crate) g: GShared,
    pub(crate) join: J,
}

/// What a goroutine's node holds besides its descriptor: the body it will
/// run, then the result its `JoinHandle` takes (`GNode<Body<T, _>>`).
///
/// The closure waits here, on the heap, until the goroutine first runs;
/// only then does it get a stack (`worker.rs`, `start`). A stack taken at
/// spawn time sat cold for as long as the goroutine waited in a queue
/// (thousands of them under a spawn burst), and its first use missed the
/// cache; taken at first run, it comes warm off the P's LIFO stack cache,
/// and a goroutine that has not run yet costs no stack at all.
///
/// `S` is `ValueSlot<F>` for a body `F`. The handle names the node without
/// `F` (`S = dyn Send + Sync`), the runtime without `T` (`dyn JoinSlot`):
/// both are unsizings of the one allocation, possible because `S` is the
/// last field.
pub(crate) struct Body<T, S: ?Sized> {
    pub(crate) join: super::join::JoinInner<T>,
    start: S,
}

impl<T, F> Body<T, ValueSlot<F>> {
    /// A body that will run `f` and leave its result for the handle.
    pub(crate) fn new(f: F) -> Self {
        Body {
            join: super::join::JoinInner::new(),
            start: ValueSlot::new(Some(f)),
        }
    }
}

/// What the runtime needs of a node's body it cannot name: to run it, once,
/// on the goroutine's stack (and `Send + Sync`, to share the node across Ms).
pub(crate) trait JoinSlot: Send + Sync {
    /// Runs the body to its end (catching a panic for `join`) and stores
    /// the outcome; `g` is the node's descriptor.
    fn run(&self, g: &GShared);
    /// Ends the goroutine before its body ran, as if the body had panicked
    /// with `why` (its stack could not be allocated).
    fn fail(&self, why: String);
}

impl<T: Send, F: FnOnce() -> T + Send> JoinSlot for Body<T, ValueSlot<F>> {
    fn run(&self, g: &GShared) {
        let f = self
            .start
            .take()
            .expect("a goroutine's body runs once, on its first resume");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        super::api::body_ended(g, r.is_err());
        self.join.complete(r);
    }

    fn fail(&self, why: String) {
        drop(self.start.take());
        self.join.complete(Err(Box::new(why)));
    }
}

/// A goroutine's descriptor as the runtime holds it (`GNode`, erased).
pub(crate) type GRef = NodeRc<GNode<dyn JoinSlot>>;

impl<J: ?Sized> std::ops::Deref for GNode<J> {
    type Target = GShared;
    fn deref(&self) -> &GShared {
        &self.g
    }
}

impl<J: ?Sized> std::fmt::Debug for GNode<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.g.fmt(f)
    }
}

impl std::fmt::Debug for GShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "goroutine {} (spawned at {})", self.id, self.location)
    }
}

/// A runnable goroutine: what run queues hold (boxed, as one pointer: the
/// lock-free ring stores `queue::Item`s) and Ms resume.
pub(crate) type Task = crate::queue::BlockBox<GTask>;

// The run queues warm a task box whole before they hand it out.
const _: () = assert!(std::mem::size_of::<GTask>() <= crate::queue::ITEM_WARM_BYTES);

pub(crate) struct GTask {
    /// The goroutine's descriptor. While the goroutine runs, its M holds it
    /// (moved into `MCtx::current`, not cloned: a reference-count RMW per
    /// switch showed up as the top cost of the schedule loop).
    g: Option<GRef>,
    /// `None` until the goroutine first runs (its body waits in the node:
    /// [`Body`]), and in an emptied box kept for reuse (`P::free_tasks`).
    coro: Option<Coro>,
    /// The M the goroutine is locked to (`lock_os_thread`), as `MId + 1`;
    /// 0 if none. Kept in the box, which the M has in hand when it
    /// dequeues the task: in the descriptor, behind the node's unsized
    /// layout, its two reads per run were 11 % of a yield at 1 P. The
    /// goroutine itself cannot reach its box while it runs: it asks its M
    /// (`MCtx::lock_request`), which writes here after the switch-out.
    pub(crate) locked_m: u32,
}

impl GTask {
    /// A goroutine that has not run yet, in a recycled box if `spare` has one.
    pub(crate) fn boxed(g: GRef, spare: Option<Task>) -> Task {
        let task = GTask {
            g: Some(g),
            coro: None,
            locked_m: 0,
        };
        match spare {
            Some(mut b) => {
                debug_assert!(
                    b.g.is_none() && b.coro.is_none(),
                    "a task box reused while in use"
                );
                *b = task;
                b
            }
            None => Task::new(task),
        }
    }

    /// Whether the goroutine has its coroutine (it has run before).
    pub(crate) fn is_started(&self) -> bool {
        self.coro.is_some()
    }

    /// Gives a goroutine that has not run yet its coroutine.
    pub(crate) fn start(&mut self, coro: Coro) {
        debug_assert!(self.coro.is_none(), "a goroutine started twice");
        self.coro = Some(coro);
    }

    /// The goroutine's coroutine (once started).
    pub(crate) fn coro(&mut self) -> &mut Coro {
        self.coro
            .as_mut()
            .expect("a goroutine is started before it is resumed")
    }

    /// The descriptor (not while the goroutine is running).
    pub(crate) fn g(&self) -> &GRef {
        self.g
            .as_ref()
            .expect("a running goroutine's descriptor is lent to its M")
    }

    /// Lends the descriptor to the M for the duration of a run.
    pub(crate) fn lend_g(&mut self) -> GRef {
        self.g.take().expect("descriptor already lent")
    }

    /// Takes the descriptor back after the run.
    pub(crate) fn return_g(&mut self, g: GRef) {
        self.g = Some(g);
    }

    /// Empties a finished task into its descriptor and coroutine, leaving
    /// the box to be reused ([`GTask::boxed`]).
    pub(crate) fn take_parts(&mut self) -> (GRef, Coro) {
        (
            self.g.take().expect("descriptor returned"),
            self.coro.take().expect("a finished task has its coroutine"),
        )
    }
}

/// Where a queued task's node lies: the run queue warms it before it hands
/// the task out (`queue::ring::Hint`), so the first look at a goroutine that
/// waited in the queue (`worker::run` reads its id, then the body)
/// does not miss the cache. Null for a task whose descriptor is lent out
/// (never queued).
pub(crate) fn node_of(task: &Task) -> *const u8 {
    task.g.as_ref().map_or(std::ptr::null(), |g| g.addr())
}

// A task parks in its descriptor's cell: the descriptor is another
// allocation (the node), kept alive by the task's `GRef`.
impl Parks for Task {
    fn wake(&self) -> &Wake<Task> {
        &self.g().wake
    }
}

impl std::fmt::Debug for GTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.g, &self.coro) {
            (Some(g), _) => g.fmt(f),
            (None, Some(_)) => f.write_str("goroutine (running)"),
            (None, None) => f.write_str("emptied task box"),
        }
    }
}

/// `GShared::reg` of a goroutine that has never parked.
const UNREGISTERED: u64 = u64::MAX;

const REASONS: [BlockReason; 11] = [
    BlockReason::ChanSend,
    BlockReason::ChanRecv,
    BlockReason::Select,
    BlockReason::Lock,
    BlockReason::RLock,
    BlockReason::WaitGroup,
    BlockReason::Cond,
    BlockReason::Once,
    BlockReason::Sleep,
    BlockReason::Join,
    BlockReason::Other,
];

impl GShared {
    pub(crate) fn new(
        id: u64,
        location: &'static Location<'static>,
        shared: Arc<super::shared::Shared>,
    ) -> Self {
        GShared {
            id,
            location,
            runtime: crate::queue::SendArc::new(shared),
            reg: AtomicU64::new(UNREGISTERED),
            exited: AtomicBool::new(false),
            wake: Wake::new(),
            block_reason: AtomicU8::new(0),
            wake_to_tail: AtomicBool::new(false),
        }
    }

    /// The runtime the goroutine belongs to.
    pub(crate) fn shared(&self) -> &super::shared::Shared {
        &self.runtime
    }

    /// Its registry slot, if it has ever parked.
    pub(crate) fn reg_key(&self) -> Option<super::shared::RegKey> {
        // Relaxed: see the field.
        match self.reg.load(Relaxed) {
            UNREGISTERED => None,
            k => Some(super::shared::RegKey::unpack(k)),
        }
    }

    /// Records its registry slot (the M that first parks it).
    pub(crate) fn set_reg_key(&self, key: super::shared::RegKey) {
        // Relaxed: see the field.
        self.reg.store(key.pack(), Relaxed);
    }

    /// The body has returned: see the field.
    pub(crate) fn set_exited(&self) {
        // Release: pairs with the Acquire load in `has_exited` (the joiner
        // is ordered after this by the join state's lock anyway).
        self.exited.store(true, Release);
    }

    /// Whether the body has returned.
    pub(crate) fn has_exited(&self) -> bool {
        // Acquire: pairs with the Release store in `set_exited`.
        self.exited.load(Acquire)
    }

    /// Records why the goroutine is about to block (reports only: Relaxed).
    pub(crate) fn set_block_reason(&self, reason: Option<BlockReason>) {
        let code = reason.map_or(0, |r| {
            REASONS.iter().position(|x| *x == r).unwrap_or(10) as u8 + 1
        });
        self.block_reason.store(code, Relaxed);
    }

    /// Why the goroutine is blocked, if it is.
    pub(crate) fn block_reason(&self) -> Option<BlockReason> {
        match self.block_reason.load(Relaxed) {
            0 => None,
            c => Some(REASONS[usize::from(c - 1)]),
        }
    }

    /// Its next wake-up goes to the waker's local tail (a join that parks
    /// with its target not next: `RunQueues::park_joining` states the rule).
    pub(crate) fn wake_to_tail(&self) {
        // Relaxed: see the field.
        self.wake_to_tail.store(true, Relaxed);
    }

    /// Takes the mark [`GShared::wake_to_tail`] left (the waker, once it
    /// holds the task; or the goroutine's own M when a token cancelled the
    /// park). A load first: most wake-ups find no mark and write nothing.
    pub(crate) fn take_wake_to_tail(&self) -> bool {
        // Relaxed: see the field.
        let marked = self.wake_to_tail.load(Relaxed);
        if marked {
            self.wake_to_tail.store(false, Relaxed);
        }
        marked
    }

    /// See [`Wake::unpark`]; also clears the block reason of a woken goroutine.
    pub(crate) fn unpark(&self) -> Option<Task> {
        let task = self.wake.unpark();
        if task.is_some() {
            self.set_block_reason(None);
        }
        task
    }
}

/// A goroutine's coroutine is anchored to its descriptor (`worker.rs`,
/// `start`): a waiter on its stack wakes it through this, uncounted.
impl crate::stack::Anchor for GShared {
    /// Unparks the goroutine (a token if it is not parked yet) and queues it.
    fn wake(&self) {
        if let Some(task) = self.unpark() {
            let shared = self.shared();
            super::trace::emit(shared, || model::Event::GUnblocked {
                g: super::worker::gid(self.id),
                by: super::api::current().map(|c| super::worker::gid(c.id)),
            });
            let to_slot = !self.take_wake_to_tail() && shared.ready_to_runnext(false);
            super::worker::ready_to(shared, task, to_slot);
        }
    }

    fn label(&self) -> crate::stack::GoroutineLabel {
        crate::stack::GoroutineLabel::new(self.id, self.location)
    }
}
