//! The race detector: vector clocks built from the happens-before edges of
//! the operations the goroutines perform.
//!
//! Follows loom's `rt/vv.rs` (one version vector per thread and per
//! synchronising object) and the epoch representation of FastTrack
//! (Flanagan & Freund, PLDI 2009): a cell remembers its last write as one
//! epoch `(g, t)` and its reads as one epoch per reader, and an earlier
//! access happens-before the current goroutine `h` iff `t <= C_h[g]`.
//!
//! Edges, per object (each object has one clock; a release joins the
//! goroutine's clock into it and ticks the goroutine, an acquire joins the
//! object's clock into the goroutine's):
//!
//! | op kind                                   | acquire | release |
//! |-------------------------------------------|---------|---------|
//! | `Lock`, `RLock`, `Wait`, `Join`           | yes     |         |
//! | `Unlock`, `RUnlock`, `Done`, `Add`, `Signal`, `Broadcast`, `Exit` | | yes |
//! | `Send`, `Recv`, `Close`, `Select`, `OnceCall` | yes | yes     |
//! | `Load` (`Acquire`/`AcqRel`/`SeqCst`)      | yes     |         |
//! | `Store` (`Release`/`AcqRel`/`SeqCst`)     |         | yes     |
//! | `Rmw`                                     | per ordering | per ordering |
//! | `Relaxed` atomics, `Yield`, `Sleep`, …    |         |         |
//!
//! plus spawn (the child starts with the parent's clock) and exit → join
//! (the goroutine's last clock is released into its join object). An
//! operation's effects apply when its goroutine is resumed past it; a
//! goroutine returning from `park` acquires its op's object again (so a
//! receiver that blocked sees the sender that woke it). An atomic without
//! an ordering counts as `SeqCst`.
//!
//! Per-object clocks over-approximate happens-before for channels, once and
//! wait groups (a receive acquires every earlier send, not just the one it
//! received; both channel ends release): the detector may miss a race that
//! only a weaker ordering allows, but never reports one that cannot happen.

use super::state::OpRec;
use model::event::{Location, Ordering};
use model::{GId, ObjId, OpKind};
use std::collections::HashMap;

/// Goroutines whose clock entries live inline (no allocation per clock in
/// small programs); later ones spill to a vector.
const INLINE: usize = 8;

/// A vector clock indexed by goroutine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VClock {
    inline: [u32; INLINE],
    spill: Vec<u32>,
}

impl VClock {
    fn get(&self, g: GId) -> u32 {
        match g.index() {
            i if i < INLINE => self.inline[i],
            i => self.spill.get(i - INLINE).copied().unwrap_or(0),
        }
    }

    fn set(&mut self, g: GId, t: u32) {
        match g.index() {
            i if i < INLINE => self.inline[i] = t,
            i => {
                let j = i - INLINE;
                if self.spill.len() <= j {
                    self.spill.resize(j + 1, 0);
                }
                self.spill[j] = t;
            }
        }
    }

    fn tick(&mut self, g: GId) {
        let t = self.get(g) + 1;
        self.set(g, t);
    }

    fn join(&mut self, other: &VClock) {
        for (a, b) in self.inline.iter_mut().zip(&other.inline) {
            *a = (*a).max(*b);
        }
        if self.spill.len() < other.spill.len() {
            self.spill.resize(other.spill.len(), 0);
        }
        for (a, b) in self.spill.iter_mut().zip(&other.spill) {
            *a = (*a).max(*b);
        }
    }
}

/// One access to a cell: who, when (the goroutine's own clock entry), where.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Epoch {
    pub(crate) g: GId,
    t: u32,
    pub(crate) location: &'static std::panic::Location<'static>,
}

#[derive(Default)]
struct CellState {
    write: Option<Epoch>,
    reads: Vec<Epoch>,
}

/// A race: the earlier access, whether it wrote, and the current one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Race {
    pub(crate) first: Epoch,
    pub(crate) first_write: bool,
    pub(crate) second: Epoch,
    pub(crate) second_write: bool,
    pub(crate) object: ObjId,
}

impl Race {
    pub(crate) fn location(e: &Epoch) -> Location {
        Location::from_std(e.location)
    }
}

/// Every goroutine's and object's clock, and every cell's last accesses.
#[derive(Default)]
pub(crate) struct Detector {
    gs: Vec<VClock>,
    objs: Vec<VClock>,
    cells: HashMap<ObjId, CellState, super::state::FastHash>,
}

/// Whether an op of `kind` with `ordering` acquires and/or releases.
fn edges(kind: OpKind, ordering: Option<Ordering>) -> (bool, bool) {
    let ord = ordering.unwrap_or(Ordering::SeqCst);
    let acq = matches!(ord, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst);
    let rel = matches!(ord, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst);
    match kind {
        OpKind::Lock | OpKind::RLock | OpKind::Wait | OpKind::Join => (true, false),
        OpKind::Unlock
        | OpKind::RUnlock
        | OpKind::Done
        | OpKind::Add
        | OpKind::Signal
        | OpKind::Broadcast
        | OpKind::Exit => (false, true),
        OpKind::Send | OpKind::Recv | OpKind::Close | OpKind::Select | OpKind::OnceCall => {
            (true, true)
        }
        OpKind::Load => (acq, false),
        OpKind::Store => (false, rel),
        OpKind::Rmw => (acq, rel),
        _ => (false, false),
    }
}

impl Detector {
    /// The first goroutine (main) starts at time 1.
    pub(crate) fn start(&mut self, main: GId) {
        let mut c = VClock::default();
        c.set(main, 1);
        self.gs = vec![VClock::default(); main.index()];
        self.gs.push(c);
    }

    /// Spawn edge: the child starts with its parent's clock; the parent
    /// ticks so that what it does next is not ordered before the child.
    pub(crate) fn spawn(&mut self, parent: Option<GId>, child: GId) {
        let mut c = parent.map_or_else(VClock::default, |p| self.gs[p.index()].clone());
        c.set(child, 1);
        if self.gs.len() <= child.index() {
            self.gs.resize(child.index() + 1, VClock::default());
        }
        self.gs[child.index()] = c;
        if let Some(p) = parent {
            self.gs[p.index()].tick(p);
        }
    }

    fn acquire(&mut self, g: GId, o: ObjId) {
        let i = o.0 as usize;
        if let Some(c) = self.objs.get(i) {
            self.gs[g.index()].join(c);
        }
    }

    fn release(&mut self, g: GId, o: ObjId) {
        let i = o.0 as usize;
        if self.objs.len() <= i {
            self.objs.resize(i + 1, VClock::default());
        }
        let mine = &mut self.gs[g.index()];
        self.objs[i].join(mine);
        mine.tick(g);
    }

    /// Exit edge: `g`'s last clock goes into its join object.
    pub(crate) fn exit(&mut self, g: GId, join_object: ObjId) {
        self.release(g, join_object);
    }

    /// Applies `op`'s effects for `g` (only the acquire when `g` returns
    /// from parking in it); a cell access is checked against earlier ones.
    pub(crate) fn apply(&mut self, g: GId, op: &OpRec, parked: bool) -> Option<Race> {
        match op.kind {
            OpKind::CellRead | OpKind::CellWrite if !parked => {
                return self.access(g, op, op.kind == OpKind::CellWrite);
            }
            _ => {}
        }
        let (acq, rel) = edges(op.kind, op.ordering);
        if acq {
            self.acquire(g, op.object);
        }
        if rel && !parked {
            self.release(g, op.object);
        }
        None
    }

    fn access(&mut self, g: GId, op: &OpRec, write: bool) -> Option<Race> {
        let now = &self.gs[g.index()];
        let me = Epoch {
            g,
            t: now.get(g),
            location: op.location,
        };
        let cell = self.cells.entry(op.object).or_default();
        let unordered = |e: &Epoch| e.t > now.get(e.g);
        let race = |first: Epoch, first_write: bool| Race {
            first,
            first_write,
            second: me,
            second_write: write,
            object: op.object,
        };
        if let Some(w) = cell.write.filter(unordered) {
            return Some(race(w, true));
        }
        if write {
            if let Some(r) = cell.reads.iter().copied().find(unordered) {
                return Some(race(r, false));
            }
            cell.write = Some(me);
            cell.reads.clear();
        } else {
            match cell.reads.iter_mut().find(|r| r.g == g) {
                Some(r) => *r = me,
                None => cell.reads.push(me),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_orders_nothing_and_release_acquire_does() {
        assert_eq!(
            edges(OpKind::Store, Some(Ordering::Relaxed)),
            (false, false)
        );
        assert_eq!(edges(OpKind::Load, Some(Ordering::Relaxed)), (false, false));
        assert_eq!(edges(OpKind::Store, Some(Ordering::Release)), (false, true));
        assert_eq!(edges(OpKind::Load, Some(Ordering::Acquire)), (true, false));
        assert_eq!(edges(OpKind::Rmw, Some(Ordering::AcqRel)), (true, true));
        assert_eq!(edges(OpKind::Load, None), (true, false));
    }

    #[test]
    fn join_takes_the_maximum() {
        let mut a = VClock::default();
        a.set(GId(0), 3);
        let mut b = VClock::default();
        b.set(GId(1), 2);
        b.set(GId(0), 1);
        a.join(&b);
        assert_eq!((a.get(GId(0)), a.get(GId(1))), (3, 2));
        // Past the inline entries.
        let mut c = VClock::default();
        c.set(GId(20), 7);
        a.join(&c);
        assert_eq!((a.get(GId(20)), a.get(GId(19)), a.get(GId(0))), (7, 0, 3));
        c.tick(GId(20));
        assert_eq!(c.get(GId(20)), 8);
    }
}
