//! `Stack`: one goroutine stack handed out by the pool — a usable region
//! with a guard (or, in canary mode, an unused gap) page below it.
//!
//! Layout, low to high addresses (stacks grow down):
//!
//! ```text
//! limit            usable_lo                                      base
//!   | guard / gap page | canary (64 B, canary stacks) ... frames ... |
//! ```
//!
//! `corosensei::stack::Stack` asks for `base` (highest address, aligned to
//! `STACK_ALIGNMENT`) and `limit` (lowest, *including* the guard), and says a
//! stack "must have a guard page which catches stack overflows". Guarded
//! kinds meet that contract. Canary stacks do not: they are the stated
//! fallback for kernels without `MADV_GUARD_INSTALL` once the map-count
//! budget for `mprotect` guards is spent (see `stack/mod.rs`); an overflow
//! there is caught at the next switch-out by the canary, after the fact.
//!
//! Dropping a `Stack` gives it back to its pool's shared free lists.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use corosensei::stack::{StackPointer, STACK_ALIGNMENT};

use super::pool::PoolShared;

/// How one stack's overflow is caught (the resolved form of a `GuardMode`).
///
/// Word-sized (`repr(u64)`): as one byte it left seven bytes of padding in
/// [`StackInfo`], which every move of a stack (a goroutine's start and
/// exit, the per-P cache, the pool) copied as a byte plus two overlapping
/// 4-byte moves, and a load overlapping two earlier stores cannot be
/// forwarded from them (a stall; 9 % of `worker::run`'s samples in
/// ping_pong at 1 P). [`StackInfo`] is 24 bytes either way. Paired, 1 P:
/// chained_spawn 0.91, ping_pong 0.95, spawn_many 0.96, skynet 0.96.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum StackKind {
    /// Slab stack with a `MADV_GUARD_INSTALL` guard page.
    MadviseGuard,
    /// Own mapping with an `mprotect(PROT_NONE)` guard page.
    Mprotect,
    /// Slab stack with an unused gap page and a canary checked on switch-out.
    Canary,
}

impl StackKind {
    /// Whether a touch of the page below the usable region faults.
    pub fn has_guard_page(self) -> bool {
        !matches!(self, StackKind::Canary)
    }
}

/// Words in the canary at a canary stack's low end: one 64-byte line, so the
/// check on every switch-out is one cache line of compares.
pub(crate) const CANARY_WORDS: usize = 8;
const CANARY_SEED: u64 = 0x5ced_57ac_c0de_ca9e;

/// A stack's geometry, copied where the stack itself is not reachable (the
/// coroutine owns the stack; the signal handler reads this from TLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackInfo {
    /// Lowest address, including the guard or gap page.
    pub limit: usize,
    /// Highest address (exclusive): where the stack starts growing down.
    pub base: usize,
    /// How overflow is caught.
    pub kind: StackKind,
}

impl StackInfo {
    /// Lowest usable address: the end of the guard or gap page, which is
    /// always one page (derived, not stored: every goroutine carries a copy
    /// of its stack's geometry, and this word was what tipped its task over
    /// a malloc size class).
    pub fn usable_lo(&self) -> usize {
        self.limit + super::sys::page_size()
    }

    /// Usable bytes.
    pub fn usable(&self) -> usize {
        self.base - self.usable_lo()
    }

    /// Whether `addr` lies in this stack's guard page.
    pub fn guard_contains(&self, addr: usize) -> bool {
        self.kind.has_guard_page() && (self.limit..self.usable_lo()).contains(&addr)
    }

    fn canary_word(&self, i: usize) -> u64 {
        CANARY_SEED ^ (self.usable_lo() as u64).rotate_left(17) ^ i as u64
    }

    /// Writes the canary (canary stacks only).
    ///
    /// # Safety
    /// The stack is mapped and no frame lives in its lowest 64 bytes.
    pub(crate) unsafe fn write_canary(&self) {
        if self.kind != StackKind::Canary {
            return;
        }
        let words = self.usable_lo() as *mut u64;
        for i in 0..CANARY_WORDS {
            // SAFETY: the caller guarantees the low 64 bytes are mapped and
            // unused; usable_lo is page aligned, so every word is aligned.
            unsafe { words.add(i).write_volatile(self.canary_word(i)) };
        }
    }

    /// Whether the canary is intact (always true for guarded stacks).
    ///
    /// # Safety
    /// The stack is still mapped (its owner has not dropped it).
    pub(crate) unsafe fn canary_intact(&self) -> bool {
        if self.kind != StackKind::Canary {
            return true;
        }
        let words = self.usable_lo() as *const u64;
        (0..CANARY_WORDS).all(|i| {
            // SAFETY: the caller guarantees the stack is mapped; the words
            // are aligned (see write_canary). Volatile: frames of another
            // context may have written here behind the compiler's back.
            unsafe { words.add(i).read_volatile() == self.canary_word(i) }
        })
    }
}

/// The part of a stack the pool keeps on its free lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawStack {
    pub(crate) info: StackInfo,
}

/// A goroutine stack from a [`crate::stack::StackPool`]. Dropping it
/// returns it to the pool.
pub struct Stack {
    raw: RawStack,
    pool: Arc<PoolShared>,
}

// SAFETY: a Stack is exclusive ownership of a memory region (no other handle
// to it exists until it is dropped back into the pool), and the pool handle
// is an Arc of a Sync type; moving that ownership between threads is sound.
unsafe impl Send for Stack {}
// SAFETY: &Stack only exposes the geometry and a read of the canary words,
// which are plain memory reads.
unsafe impl Sync for Stack {}

impl Stack {
    pub(crate) fn new(raw: RawStack, pool: Arc<PoolShared>) -> Stack {
        Stack { raw, pool }
    }

    /// Gives up ownership without returning the stack to the pool (the
    /// caller returns the raw part, e.g. in a batch).
    pub(crate) fn into_raw(self) -> RawStack {
        let me = std::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again, so the Arc is moved
        // out exactly once and its count stays balanced.
        drop(unsafe { std::ptr::read(&me.pool) });
        me.raw
    }

    /// The stack's geometry.
    pub fn info(&self) -> StackInfo {
        self.raw.info
    }

    /// Usable bytes (excluding the guard or gap page).
    pub fn size(&self) -> usize {
        self.raw.info.usable()
    }

    /// How this stack's overflow is caught.
    pub fn kind(&self) -> StackKind {
        self.raw.info.kind
    }

    /// Whether the canary is intact (always true for guarded stacks).
    pub fn canary_intact(&self) -> bool {
        // SAFETY: &self proves the stack is still owned, hence mapped.
        unsafe { self.raw.info.canary_intact() }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.pool.give_back(self.raw);
    }
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("base", &format_args!("{:#x}", self.raw.info.base))
            .field("size", &self.size())
            .field("kind", &self.kind())
            .finish()
    }
}

// SAFETY: base and limit bound memory this Stack owns exclusively for its
// whole life (the pool hands a region to one Stack at a time and unmaps
// nothing while a Stack holds the pool's Arc). Both are page aligned, hence
// STACK_ALIGNMENT aligned (pinned below). Guarded kinds have a guard page
// inside [limit, base); canary stacks replace it by a checked canary — the
// documented, detected-after-the-fact exception (module prose).
unsafe impl corosensei::stack::Stack for Stack {
    #[inline]
    fn base(&self) -> StackPointer {
        NonZeroUsize::new(self.raw.info.base).expect("stack base is never null")
    }

    #[inline]
    fn limit(&self) -> StackPointer {
        NonZeroUsize::new(self.raw.info.limit).expect("stack limit is never null")
    }
}

// Pages are at least 4 KiB, which every STACK_ALIGNMENT divides.
const _: () = assert!(4096 % STACK_ALIGNMENT == 0);
const _: () = assert!(CANARY_WORDS * 8 == 64);
const _: () = assert!(CANARY_WORDS * 8 <= corosensei::stack::MIN_STACK_SIZE);
