//! # Goroutine stacks
//!
//! Everything unsafe about stack memory lives here; the runtime uses the
//! safe API below (and `crate::coro` to run code on a stack).
//!
//! ## What a stack is
//!
//! A [`Stack`] is `size` usable bytes (default 256 KiB, [`StackConfig`])
//! with one guard page below — Go's `stackalloc` design minus the growth:
//! Go starts goroutines on 2–8 KiB stacks and copies them bigger, which
//! needs a compiler that knows every pointer into the stack. Rust has no
//! such compiler support, so a stack is fixed-size and *virtual*: only the
//! pages a goroutine touches cost physical memory (an idle goroutine touches
//! one 4 KiB page; a canary stack one more for its canary — measured by
//! `examples/stack_modes.rs`). Mappings are `MAP_NORESERVE`, so a million
//! 256 KiB stacks reserve 256 GiB of address space but no commit charge
//! under the default heuristic overcommit (`vm.overcommit_memory=0`, this
//! machine's setting; under strict accounting, mode 2, pick a smaller
//! `size`). Stack mappings are opted out of transparent huge pages
//! (`MADV_NOHUGEPAGE`, implied by `MAP_STACK` since Linux 6.7), so a
//! touched stack page stays 4 KiB instead of a 2 MiB page spanning eight
//! stacks.
//!
//! ## Guard pages and the map-count limit
//!
//! `vm.max_map_count` is 65530 on stock machines and the runtime must not
//! need it raised. A stack with its own mapping and an `mprotect`ed guard
//! costs 2 map entries (~32k stacks), yet the runtime must hold 1,000,000
//! live goroutines. The guard strategy ([`GuardMode`]) is therefore:
//!
//! - **Linux ≥ 6.13** (`MADV_GUARD_INSTALL`, DESIGN.md's kernel note):
//!   stacks are carved from slabs of up to 1024 stacks, one mapping each,
//!   and every stack gets a real guard page installed by `madvise`, which
//!   does not split the mapping. A slab costs at most one map entry, so a
//!   million guarded stacks cost at most ~1000 — in practice adjacent slabs
//!   merge into one mapping: a million live goroutines added 3 entries on
//!   this machine (`tests/many_goroutines.rs` asserts the bound). This is
//!   what `Auto` picks here (kernel 6.18).
//! - **Older kernels** (Debian 12: 6.1, `madvise` answers `EINVAL`):
//!   `mprotect`-guarded stacks while the map budget lasts — half of the
//!   entries free at pool creation (`max_map_count` minus the lines of
//!   `/proc/self/maps`), at two entries per stack — then guard-free slab
//!   stacks with a canary at their low end, checked on every switch-out by
//!   `Coro::resume`. The change prints one notice on stderr. An overflow on
//!   a canary stack is reported at the next switch, after it may already
//!   have corrupted memory: detection, not prevention. A one-page unused
//!   gap below each canary stack absorbs small overflows before they reach
//!   the neighbouring stack.
//!
//! ## Overflow reports
//!
//! [`init_thread`] (called by the scheduler on every M thread) installs a
//! `SIGSEGV`/`SIGBUS` handler once per process and an alternate signal
//! stack per thread. The goroutine's [`GoroutineLabel`] (id and spawn
//! location, two words) lives in its `Coro`'s record, which `Coro::resume`
//! makes the thread's current record with one pointer store, so the handler
//! and the canary check name the goroutine without allocation, locks or a
//! per-switch call by the scheduler.
//!
//! ## Memory return
//!
//! See `pool.rs`: free stacks beyond a warm high-water mark give their
//! pages back with `MADV_DONTNEED`; per-P [`StackCache`]s never do.

mod cache;
mod config;
mod current;
mod label;
mod overflow;
mod pool;
mod region;
mod slab;
mod sys;

#[cfg(test)]
mod tests;

pub use cache::{StackCache, CACHE_BATCH, CACHE_CAPACITY};
pub use config::{
    GuardMode, StackConfig, StackConfigError, DEFAULT_SLAB_STACKS, DEFAULT_STACK_SIZE,
    DEFAULT_WARM_LIMIT, FIRST_SLAB_STACKS, MAX_STACK_SIZE, MIN_STACK_SIZE,
};
pub use label::GoroutineLabel;
pub use overflow::{init_thread, ALT_STACK_SIZE};
pub use pool::{
    guarded_budget, PoolStats, StackError, StackPool, MAPS_PER_MPROTECT_STACK, MAP_HEADROOM_DIVISOR,
};
pub use region::{Stack, StackInfo, StackKind};
pub use sys::{map_count, resident_bytes};

pub(crate) use current::{
    anchor_at, enter, leave, running, running_anchored, Anchor, AnchorTarget, Owner, Running,
};
pub(crate) use overflow::{report_and_abort, Detected};

/// Whether this kernel supports `madvise(MADV_GUARD_INSTALL)` (Linux ≥ 6.13).
pub fn guard_install_supported() -> bool {
    sys::guard_install_supported()
}
