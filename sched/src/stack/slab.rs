//! `Slab`: one large mapping carved into many stacks, so that a million
//! stacks cost a few hundred map entries instead of two million.
//!
//! Each slot is `page + usable` bytes: the low page is the slot's guard
//! (`MADV_GUARD_INSTALL`, which leaves the slab one mapping — the DESIGN.md
//! kernel note: 100k guarded stacks from one mapping stayed one mapping on
//! 6.18) or, for canary slabs, an unused gap that absorbs a small overflow
//! before it reaches the neighbouring stack's frames. Slots are carved
//! lazily, so a slab costs address space only until its stacks are used.
//! Like Go's stack spans (`runtime/stack.go`, `stackpool`), a slab is never
//! returned to the kernel while its pool lives; idle stacks give back their
//! physical pages instead (`pool.rs`).

use std::io;

use super::region::{RawStack, StackInfo, StackKind};
use super::sys;

/// One slab mapping.
#[derive(Debug)]
pub(crate) struct Slab {
    base: usize,
    slots: usize,
    stride: usize,
    carved: usize,
    kind: StackKind,
}

impl Slab {
    /// Maps a slab of `slots` stacks of `usable` bytes each.
    pub(crate) fn map(slots: usize, usable: usize, kind: StackKind) -> io::Result<Slab> {
        debug_assert!(
            kind != StackKind::Mprotect,
            "mprotect stacks are not slab stacks"
        );
        let stride = sys::page_size() + usable;
        let len = stride
            .checked_mul(slots)
            .ok_or(io::ErrorKind::OutOfMemory)?;
        let base = sys::map(len)?;
        Ok(Slab {
            base,
            slots,
            stride,
            carved: 0,
            kind,
        })
    }

    /// Whether every slot has been carved.
    pub(crate) fn is_full(&self) -> bool {
        self.carved == self.slots
    }

    /// Stacks this slab holds when full.
    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    /// Takes the next uncarved slot. Its guard is not installed yet: the
    /// caller does that outside the pool lock with [`prepare`].
    pub(crate) fn carve(&mut self) -> Option<RawStack> {
        if self.is_full() {
            return None;
        }
        let limit = self.base + self.carved * self.stride;
        self.carved += 1;
        Some(RawStack {
            info: StackInfo {
                limit,
                base: limit + self.stride,
                kind: self.kind,
            },
        })
    }
}

/// Makes a freshly carved slot ready: installs its guard page (guarded
/// slabs). Canary slabs need nothing here; the canary is written at every
/// hand-out because `MADV_DONTNEED` zeroes it.
pub(crate) fn prepare(raw: &RawStack) -> io::Result<()> {
    match raw.info.kind {
        // SAFETY: the slot was just carved, so nothing refers to its guard
        // page; the range lies inside the slab mapping.
        StackKind::MadviseGuard => unsafe {
            sys::install_guard(raw.info.limit, raw.info.usable_lo() - raw.info.limit)
        },
        StackKind::Canary => Ok(()),
        StackKind::Mprotect => unreachable!("mprotect stacks are not slab stacks"),
    }
}

impl Drop for Slab {
    fn drop(&mut self) {
        // SAFETY: a slab is dropped only with its pool, after every Stack
        // carved from it has come back (each Stack holds the pool's Arc).
        unsafe { sys::unmap(self.base, self.slots * self.stride) };
    }
}
