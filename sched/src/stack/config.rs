//! Stack configuration: the usable size, the guard strategy, and the pool's
//! memory-return policy knobs.
//!
//! Every number the module prose states is pinned by a `const` assertion at
//! the bottom of this file or by a test in `stack/tests.rs`.

use std::fmt;

/// Default usable stack size: 256 KiB of *virtual* memory per goroutine. Only
/// touched pages cost physical memory (an idle goroutine touches one or two),
/// and the mappings are `MAP_NORESERVE`, so 1,000,000 stacks reserve 256 GiB
/// of address space but no commit charge (see `stack/mod.rs`).
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;
/// Smallest accepted usable size. Below this a panic's unwinding and the
/// formatting machinery of `std` do not fit reliably.
pub const MIN_STACK_SIZE: usize = 16 * 1024;
/// Largest accepted usable size (1 GiB).
pub const MAX_STACK_SIZE: usize = 1024 * 1024 * 1024;
/// Default number of stacks in the largest slab (slabs start at
/// [`FIRST_SLAB_STACKS`] and double up to this).
pub const DEFAULT_SLAB_STACKS: usize = 1024;
/// Stacks in the first slab of a pool.
pub const FIRST_SLAB_STACKS: usize = 64;
/// Default number of free stacks the shared pool keeps resident ("warm");
/// stacks returned beyond it are `madvise(MADV_DONTNEED)`ed.
pub const DEFAULT_WARM_LIMIT: usize = 256;

/// How a stack's overflow is caught.
///
/// All modes can be forced, so every one of them is tested on any kernel
/// that supports it; production uses [`GuardMode::Auto`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GuardMode {
    /// [`GuardMode::MadviseGuard`] when the kernel supports
    /// `MADV_GUARD_INSTALL` (Linux ≥ 6.13), otherwise
    /// [`GuardMode::MprotectThenCanary`] with the guarded budget computed
    /// from `vm.max_map_count` and the maps already in use.
    #[default]
    Auto,
    /// Stacks carved from large slabs (one mapping each), with a guard page
    /// installed per stack by `madvise(MADV_GUARD_INSTALL)`, which does not
    /// split the mapping. Pool creation fails where the kernel lacks it.
    MadviseGuard,
    /// One mapping per stack and an `mprotect(PROT_NONE)` guard page: two
    /// map entries per stack, so at most ~32k stacks under the stock
    /// `vm.max_map_count` of 65530; allocation fails with `ENOMEM` beyond.
    Mprotect,
    /// Slab stacks without guard pages; a canary at each stack's low end is
    /// checked on every switch-out. An overflow is reported at the next
    /// switch, not at the faulting access, and may corrupt memory first.
    Canary,
    /// The first `guarded` stacks as [`GuardMode::Mprotect`], the rest as
    /// [`GuardMode::Canary`], with one notice on stderr at the change.
    MprotectThenCanary {
        /// How many mprotect-guarded stacks to create before switching.
        guarded: usize,
    },
}

/// Configuration of a [`crate::stack::StackPool`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackConfig {
    /// Usable bytes per stack, excluding the guard page; rounded up to whole
    /// pages. Must lie in [`MIN_STACK_SIZE`]`..=`[`MAX_STACK_SIZE`].
    pub size: usize,
    /// How overflow is caught.
    pub guard: GuardMode,
    /// Most stacks carved from one slab mapping (slab modes only).
    pub slab_stacks: usize,
    /// Free stacks the shared pool keeps resident; see the pool's policy.
    pub warm_limit: usize,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            size: DEFAULT_STACK_SIZE,
            guard: GuardMode::Auto,
            slab_stacks: DEFAULT_SLAB_STACKS,
            warm_limit: DEFAULT_WARM_LIMIT,
        }
    }
}

impl StackConfig {
    /// The default configuration with another usable size.
    pub fn with_size(size: usize) -> Self {
        StackConfig {
            size,
            ..StackConfig::default()
        }
    }

    /// Checks the knobs and returns the usable size rounded up to `page`.
    pub(crate) fn validate(&self, page: usize) -> Result<usize, StackConfigError> {
        if !(MIN_STACK_SIZE..=MAX_STACK_SIZE).contains(&self.size) {
            return Err(StackConfigError::Size(self.size));
        }
        if self.slab_stacks == 0 {
            return Err(StackConfigError::SlabStacks);
        }
        Ok(self.size.div_ceil(page) * page)
    }
}

/// A rejected [`StackConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackConfigError {
    /// The usable size lies outside the supported range.
    Size(usize),
    /// `slab_stacks` was zero.
    SlabStacks,
}

impl fmt::Display for StackConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackConfigError::Size(size) => write!(
                f,
                "stack size {size} bytes is outside the supported range {} KiB..={} GiB \
                 ({MIN_STACK_SIZE}..={MAX_STACK_SIZE} bytes)",
                MIN_STACK_SIZE / 1024,
                MAX_STACK_SIZE >> 30,
            ),
            StackConfigError::SlabStacks => write!(f, "slab_stacks must be at least 1"),
        }
    }
}

impl std::error::Error for StackConfigError {}

const _: () = assert!(DEFAULT_STACK_SIZE == 256 * 1024);
const _: () = assert!(MIN_STACK_SIZE == 16 * 1024 && MAX_STACK_SIZE == 1 << 30);
const _: () = assert!(MIN_STACK_SIZE <= DEFAULT_STACK_SIZE && DEFAULT_STACK_SIZE <= MAX_STACK_SIZE);
const _: () = assert!(FIRST_SLAB_STACKS == 64 && DEFAULT_SLAB_STACKS == 1024);
const _: () = assert!(DEFAULT_WARM_LIMIT == 256);
