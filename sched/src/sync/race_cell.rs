//! `RaceCell<T>`: a non-atomic cell whose every access is a visible op
//! (`CellRead` / `CellWrite`), so the deterministic engine can detect data
//! races by vector clocks: two accesses, one a write, not ordered by the
//! happens-before edges of the primitives, are reported even when the run
//! itself was sequential. It is the checker's version of an `UnsafeCell`.
//!
//! It must be `Sync` to be shared, and the crate keeps `unsafe` out of its
//! primitives, so in production the value sits in a `std::sync::RwLock`:
//! accesses are serialised and a racy program does not corrupt memory —
//! it is *reported* by the deterministic engine, not *prevented* here.
//! Production pays a lock per access; this is a checking tool, not a fast
//! path. Do not block (channel, lock, sleep) inside the closures: the OS
//! lock is held while they run.

use super::object::LazyId;
use crate::engine::{self, Op};
use model::event::Access;
use model::OpKind;
use std::fmt;
use std::panic::Location;
use std::sync::RwLock;

/// A cell checked for data races by the deterministic engine.
#[derive(Default)]
pub struct RaceCell<T> {
    id: LazyId,
    v: RwLock<T>,
}

impl<T> RaceCell<T> {
    /// A cell holding `v`.
    pub const fn new(v: T) -> Self {
        RaceCell {
            id: LazyId::new(),
            v: RwLock::new(v),
        }
    }

    /// Reads the value (one `CellRead`).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let op = Op::new(
            OpKind::CellRead,
            self.id.get(),
            Access::Read,
            Location::caller(),
        );
        engine::visible(&op);
        f(&self.v.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Writes the value (one `CellWrite`).
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let op = Op::new(
            OpKind::CellWrite,
            self.id.get(),
            Access::Write,
            Location::caller(),
        );
        engine::visible(&op);
        f(&mut self.v.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// The value (no check needed: `&mut self` is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.v.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    /// Consumes the cell, returning the value.
    pub fn into_inner(self) -> T {
        self.v.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: fmt::Debug> fmt::Debug for RaceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.v.try_read() {
            Ok(v) => write!(f, "RaceCell({:?})", &*v),
            Err(_) => f.write_str("RaceCell(<locked>)"),
        }
    }
}
