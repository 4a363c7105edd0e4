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

/// Ids a thread takes from [`NEXT_OBJECT`] at once, so that a new
/// primitive costs no shared atomic: a channel made and dropped per
/// request paid a contended `fetch_add` on one process-wide line.
const ID_BLOCK: u64 = 1024;

static NEXT_OBJECT: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's unused ids: `next..end` of its current block.
    static IDS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// A fresh object id for a new primitive (ids are unique per process; the
/// deterministic engine renumbers them per run so traces are stable). Not
/// inlined: the runtime reads its thread-locals through calls (llvm#98479,
/// `runtime/context.rs`).
#[inline(never)]
pub(crate) fn new_object() -> ObjId {
    IDS.with(|ids| {
        let (mut next, mut end) = ids.get();
        if next == end {
            // Relaxed: disjoint blocks need only the RMW's atomicity.
            next = NEXT_OBJECT.fetch_add(ID_BLOCK, Relaxed);
            end = next + ID_BLOCK;
        }
        ids.set((next + 1, end));
        ObjId(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_unique_across_threads_and_never_zero() {
        let per = 3 * ID_BLOCK as usize + 7;
        let ids: Vec<u64> = (0..4)
            .map(|_| std::thread::spawn(move || (0..per).map(|_| new_object().0).collect()))
            .collect::<Vec<std::thread::JoinHandle<Vec<u64>>>>()
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let unique: std::collections::HashSet<u64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "an id was handed out twice");
        assert!(!unique.contains(&0), "0 means no object");
    }
}
