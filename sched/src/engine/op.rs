//! Operation descriptors: what a primitive tells the engine about each step.

use model::event::{Access, Ordering};
use model::{BlockReason, ObjId, OpKind};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One visible operation (cheap to build: all fields are `Copy`). The
/// production engine reads only `kind`; the deterministic engine reads all.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // object/access/ordering: read by the deterministic engine
pub(crate) struct Op {
    pub(crate) kind: OpKind,
    pub(crate) object: ObjId,
    pub(crate) access: Access,
    pub(crate) ordering: Option<Ordering>,
    /// What a goroutine blocked in this op waits for, when the kind alone
    /// does not say (a `Cond` wait is `OpKind::Wait` but not a `WaitGroup`).
    pub(crate) reason: Option<BlockReason>,
    pub(crate) location: &'static Location<'static>,
}

impl Op {
    pub(crate) fn new(
        kind: OpKind,
        object: ObjId,
        access: Access,
        location: &'static Location<'static>,
    ) -> Self {
        Op {
            kind,
            object,
            access,
            ordering: None,
            reason: None,
            location,
        }
    }

    /// The same op, reported as blocking for `reason`.
    pub(crate) fn blocking_as(mut self, reason: BlockReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// The same op carrying an atomic ordering.
    pub(crate) fn ordered(mut self, ordering: Ordering) -> Self {
        self.ordering = Some(ordering);
        self
    }

    /// What a goroutine blocked in this op is waiting for.
    pub(crate) fn block_reason(&self) -> BlockReason {
        if let Some(r) = self.reason {
            return r;
        }
        match self.kind {
            OpKind::Send => BlockReason::ChanSend,
            OpKind::Recv | OpKind::Close => BlockReason::ChanRecv,
            OpKind::Select => BlockReason::Select,
            OpKind::Lock => BlockReason::Lock,
            OpKind::RLock => BlockReason::RLock,
            OpKind::Wait => BlockReason::WaitGroup,
            OpKind::Signal | OpKind::Broadcast => BlockReason::Cond,
            OpKind::OnceCall => BlockReason::Once,
            OpKind::Sleep | OpKind::TimerStart => BlockReason::Sleep,
            OpKind::Join => BlockReason::Join,
            _ => BlockReason::Other,
        }
    }
}

static NEXT_OBJECT: AtomicU64 = AtomicU64::new(1);

/// A fresh object id for a new primitive (ids are unique per process; the
/// deterministic engine renumbers them per run so traces are stable).
pub(crate) fn new_object() -> ObjId {
    // Relaxed: uniqueness only needs the RMW's atomicity.
    ObjId(NEXT_OBJECT.fetch_add(1, Relaxed))
}
