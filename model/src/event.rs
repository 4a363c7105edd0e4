//! The vocabulary shared by both engines, the model, the checkers and traces.
//!
//! - [`Op`] describes one visible operation of a goroutine (what the engine
//!   interface's `park(op)` / `visible(op)` receive): its kind, the object it
//!   touches, whether it writes, and the caller's source location.
//! - [`Decision`] is one choice a scheduler made: which G runs and from where,
//!   a steal, a preemption, a `select!` arm, a timer firing, … Traces are
//!   sequences of decisions.
//! - [`Event`] is what an engine reports happened (created, started, blocked,
//!   unblocked, preempted, ended, stole, syscall, hand-off). The production
//!   engine's tracing and the deterministic engine emit the same events, so
//!   one exporter (Perfetto) serves both.

use crate::ids::{GId, MId, ObjId, PId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a goroutine is not runnable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockReason {
    /// Waiting to send on a channel (full buffer or no receiver).
    ChanSend,
    /// Waiting to receive from a channel.
    ChanRecv,
    /// Waiting in a `select!` with no ready arm.
    Select,
    /// Waiting for a `Mutex` or the write side of an `RwLock`.
    Lock,
    /// Waiting for the read side of an `RwLock`.
    RLock,
    /// Waiting on a `WaitGroup`.
    WaitGroup,
    /// Waiting on a `Cond`.
    Cond,
    /// Waiting for another caller's `Once` to finish.
    Once,
    /// Sleeping until a timer fires.
    Sleep,
    /// Waiting for another goroutine to finish (`JoinHandle::join`).
    Join,
    /// An abstract wait of the model's workloads (no primitive behind it).
    Other,
}

/// The kind of a visible operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpKind {
    Spawn,
    Join,
    Yield,
    Preempt,
    Send,
    Recv,
    Close,
    Select,
    Lock,
    Unlock,
    RLock,
    RUnlock,
    Wait,
    Done,
    Add,
    Signal,
    Broadcast,
    OnceCall,
    Load,
    Store,
    Rmw,
    CellRead,
    CellWrite,
    Sleep,
    TimerStart,
    TimerStop,
    Rand,
    SyscallEnter,
    SyscallExit,
    Exit,
}

/// Whether an operation reads or writes its object (DPOR's dependence relation
/// and the race detector need it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    Read,
    Write,
    /// Both (read-modify-write, channel operations, locks).
    ReadWrite,
    /// Touches no shared object (yield, preempt point).
    None,
}

/// Memory ordering of an atomic operation, as carried by an [`Op`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ordering {
    Relaxed,
    Acquire,
    Release,
    AcqRel,
    SeqCst,
}

/// A source location (`#[track_caller]`), owned so it serialises.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl Location {
    /// The location of a `#[track_caller]` caller.
    pub fn from_std(loc: &std::panic::Location<'_>) -> Self {
        Location {
            file: loc.file().to_owned(),
            line: loc.line(),
            col: loc.column(),
        }
    }

    /// A location for events with no source (model workloads, the runtime itself).
    pub fn unknown() -> Self {
        Location {
            file: String::from("<runtime>"),
            line: 0,
            col: 0,
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One visible operation, as the engine interface sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Op {
    pub kind: OpKind,
    /// The object touched, if any.
    pub object: Option<ObjId>,
    pub access: Access,
    /// For atomics: the ordering the caller asked for.
    pub ordering: Option<Ordering>,
    pub location: Location,
}

/// Where a P found the G it runs (Go's `findRunnable` sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunSource {
    /// The P's `runnext` / LIFO slot.
    RunNext,
    /// The P's local ring.
    Local,
    /// The global run queue.
    Global,
    /// Stolen from another P's queue in this decision.
    Stolen(PId),
    /// Made runnable by the poller (timers, I/O).
    Netpoll,
}

/// One scheduling choice. Traces are sequences of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Decision {
    /// P starts running G, taken from `source`.
    Run {
        p: PId,
        g: GId,
        source: RunSource,
    },
    /// Thief took `count` goroutines from victim's queue.
    Steal {
        thief: PId,
        victim: PId,
        count: u32,
    },
    /// The G running on P proceeds to its next visible operation: the
    /// model's unit of progress, and the deterministic engine's "which P
    /// moves next" when several hold a running G.
    Step {
        p: PId,
        g: GId,
    },
    /// The running G on P was preempted (quantum expired or yield).
    Preempt {
        p: PId,
        g: GId,
    },
    /// G blocked on `object` for `reason`.
    Block {
        g: GId,
        reason: BlockReason,
        object: Option<ObjId>,
    },
    /// `waker` made `g` runnable again.
    Wake {
        g: GId,
        waker: Option<GId>,
    },
    /// An M parked (gave up its P) or was unparked (took one).
    ParkM {
        m: MId,
    },
    UnparkM {
        m: MId,
        p: PId,
    },
    /// G entered / left a blocking call.
    SyscallEnter {
        g: GId,
        p: PId,
    },
    SyscallExit {
        g: GId,
        reacquired: Option<PId>,
    },
    /// sysmon retook `p` from a blocked M and gave it to `to`.
    HandOff {
        p: PId,
        to: MId,
    },
    /// `select!` chose arm `arm` of `of` ready arms.
    SelectArm {
        g: GId,
        arm: u32,
        of: u32,
    },
    /// A timer on `object` fired, waking `g` (if any).
    TimerFired {
        object: ObjId,
        g: Option<GId>,
    },
    /// `sched::rand` handed out a value.
    Rand {
        g: GId,
        value: u64,
    },
}

/// Something that happened, as reported by an engine (observability).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    GCreated {
        g: GId,
        parent: Option<GId>,
        location: Location,
    },
    GStarted {
        g: GId,
        p: PId,
        m: MId,
        source: RunSource,
    },
    GBlocked {
        g: GId,
        reason: BlockReason,
        object: Option<ObjId>,
    },
    GUnblocked {
        g: GId,
        by: Option<GId>,
    },
    GPreempted {
        g: GId,
        p: PId,
    },
    GEnded {
        g: GId,
        panicked: bool,
    },
    Stole {
        thief: PId,
        victim: PId,
        count: u32,
    },
    SyscallEnter {
        g: GId,
        m: MId,
        p: PId,
    },
    SyscallExit {
        g: GId,
        m: MId,
        p: Option<PId>,
    },
    HandOff {
        p: PId,
        from: MId,
        to: MId,
    },
    MParked {
        m: MId,
    },
    MUnparked {
        m: MId,
    },
}

/// An [`Event`] with the time it happened (ns since the run started; virtual
/// time in the model and the deterministic engine).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedEvent {
    pub at_ns: u64,
    pub event: Event,
}
