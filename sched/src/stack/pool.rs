//! `StackPool`: the thread-safe source of goroutine stacks, and its policy
//! for giving physical memory back.
//!
//! Follows Go's stack allocator (`runtime/stack.go`): a global pool under a
//! lock (`stackpool`, `stackLarge`) behind small per-P caches
//! (`stackcache`, filled and drained half a cache at a time — here
//! `cache.rs`). Go returns idle stack memory from its background scavenger;
//! we have no background thread here, so the policy is applied where a
//! stack comes back:
//!
//! **Memory-return policy.** A stack given back to the shared pool is kept
//! resident ("warm") while the pool holds fewer than `warm_limit` (default
//! 256) warm stacks; beyond that its usable region is
//! `madvise(MADV_DONTNEED)`ed before it joins the "cold" list. Allocation
//! takes warm stacks first (LIFO, cache-hot), then cold ones, then carves
//! new ones. Per-P caches never madvise. So the resident memory of *idle
//! free* stacks is bounded by `(warm_limit + 16 × P) × pages touched`, and a
//! burst of a million goroutines that all end does not pin a million stacks'
//! worth of pages. `MADV_DONTNEED` rather than `MADV_FREE`: the drop in RSS
//! is immediate and measurable (the tests assert it), and a reused cold
//! stack page-faults in zeroed pages either way.
//!
//! **Scavenging (the runtime's policy).** A runtime builds its pool with
//! `warm_limit = usize::MAX`, so the free path never makes a syscall, and
//! lets sysmon call [`StackPool::scavenge`] about once a second: it returns
//! the pages of the warm stacks that stayed unused for the whole period
//! (the low-water mark of the warm list since the previous call, Go's
//! background scavenger in spirit and jemalloc's decay in form), oldest
//! first, keeping `keep` warm. A burst that ends gives its memory back
//! within two periods; a steady spawn/exit load never pays a page fault for
//! a reused stack. (Measured: releasing on the free path cost spawn_join
//! a `madvise` plus a TLB shoot-down per goroutine once past the limit.)
//!
//! **Fresh batches.** A per-P cache that finds the pool without free stacks
//! gets half a cache of new ones at once (`refill`), where stacks are
//! slab-guarded: the slots are carved under one lock, their guards are
//! installed by one `process_madvise` call, and their top pages, where each
//! coroutine's first frame goes, are touched in a row. One at a time, a new
//! stack cost a `madvise` and a page fault, each entering a kernel whose
//! code had gone cold since the last one, and at 2 P every `madvise` took
//! the process's `mmap_lock` against the other P. Measured (paired runs):
//! fib(30) with its leaves emptied, so that first use dominates, 0.947 at
//! 1 P (26 new stacks); idle_memory's spawn-until-started time 0.80 at 2 P.
//! The pages are touched, not populated with `MADV_POPULATE_WRITE`: that
//! holds `mmap_lock` for the whole batch, and at 2 P it convoyed with the
//! other P's `mprotect` (malloc growing its arena), idle_memory 1.13 where
//! touching gave 0.80; page faults take only the VMA's lock. The price:
//! up to `CACHE_BATCH - 1` carved stacks per P whose top page is resident
//! before a goroutine needs it (28 KiB per P at most).
//!
//! Allocation syscalls (`mmap`, guard installation) run outside the lock
//! except the rare mapping of a new slab.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};

use super::config::{GuardMode, StackConfig, StackConfigError, FIRST_SLAB_STACKS};
use super::region::{RawStack, Stack, StackInfo, StackKind};
use super::slab::{self, Slab};
use super::sys;

/// Map entries an mprotect-guarded stack costs: its mapping, split in two by
/// the `PROT_NONE` guard.
pub const MAPS_PER_MPROTECT_STACK: usize = 2;
/// Of the map entries still free at pool creation, `Auto` spends at most
/// this fraction (1/`MAP_HEADROOM_DIVISOR`) on guarded stacks; the rest is
/// headroom for the heap, thread stacks, libraries and file mappings.
pub const MAP_HEADROOM_DIVISOR: usize = 2;

/// A pool could not be created.
#[derive(Debug)]
pub enum StackError {
    /// The configuration was rejected.
    Config(StackConfigError),
    /// `GuardMode::MadviseGuard` was forced on a kernel without
    /// `MADV_GUARD_INSTALL` (Linux < 6.13).
    MadviseGuardUnsupported,
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StackError::Config(e) => e.fmt(f),
            StackError::MadviseGuardUnsupported => write!(
                f,
                "GuardMode::MadviseGuard needs madvise(MADV_GUARD_INSTALL) (Linux >= 6.13); \
                 this kernel rejects it"
            ),
        }
    }
}

impl std::error::Error for StackError {}

impl From<StackConfigError> for StackError {
    fn from(e: StackConfigError) -> Self {
        StackError::Config(e)
    }
}

/// What the pool's counters say now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Stacks handed out and not yet back in the shared pool (stacks in
    /// per-P caches count as handed out).
    pub handed_out: usize,
    /// Free stacks kept resident.
    pub warm: usize,
    /// Free stacks whose pages were returned with `MADV_DONTNEED`.
    pub cold: usize,
    /// Slab mappings.
    pub slabs: usize,
    /// Stacks with their own mprotect-guarded mapping.
    pub mprotect_stacks: usize,
    /// Slab stacks carved so far (guarded or canary).
    pub slab_stacks: usize,
}

#[derive(Debug, Default)]
struct PoolState {
    warm: Vec<RawStack>,
    /// The smallest `warm.len()` since the last `scavenge`: that many
    /// stacks (the oldest) were not touched during the period.
    low_water: usize,
    cold: Vec<RawStack>,
    slabs: Vec<Slab>,
    handed_out: usize,
    mprotect_stacks: usize,
    slab_stacks: usize,
}

/// The shared part of a pool; every `Stack` holds an `Arc` of it, so no
/// memory is unmapped while a stack is out.
#[derive(Debug)]
pub(crate) struct PoolShared {
    usable: usize,
    mode: GuardMode,
    slab_max: usize,
    warm_limit: usize,
    state: Mutex<PoolState>,
    /// Set once the canary notice has been printed. Relaxed: it orders no
    /// other memory; `swap` is one atomic read-modify-write, so exactly one
    /// caller sees `false` and prints.
    noticed: AtomicBool,
}

/// A thread-safe pool of goroutine stacks. Cloning shares the pool.
#[derive(Clone, Debug)]
pub struct StackPool {
    shared: Arc<PoolShared>,
}

impl StackPool {
    /// Creates a pool; `GuardMode::Auto` is resolved here (kernel probe,
    /// map-count budget) and [`StackPool::mode`] says what it chose.
    /// Also installs the overflow signal handler (once per process).
    pub fn new(config: StackConfig) -> Result<StackPool, StackError> {
        let usable = config.validate(sys::page_size())?;
        let mode = resolve(config.guard)?;
        super::overflow::install_handler();
        let shared = PoolShared {
            usable,
            mode,
            slab_max: config.slab_stacks,
            warm_limit: config.warm_limit,
            state: Mutex::new(PoolState::default()),
            noticed: AtomicBool::new(false),
        };
        Ok(StackPool {
            shared: Arc::new(shared),
        })
    }

    /// Hands out a stack: a free one if any, else a new one.
    pub fn alloc(&self) -> io::Result<Stack> {
        let raw = self.shared.take()?;
        Ok(Stack::new(raw, Arc::clone(&self.shared)))
    }

    /// The resolved guard mode (never `Auto`).
    pub fn mode(&self) -> GuardMode {
        self.shared.mode
    }

    /// Usable bytes per stack (the configured size rounded up to pages).
    pub fn stack_size(&self) -> usize {
        self.shared.usable
    }

    /// The pool's counters.
    pub fn stats(&self) -> PoolStats {
        let st = self.shared.lock();
        PoolStats {
            handed_out: st.handed_out,
            warm: st.warm.len(),
            cold: st.cold.len(),
            slabs: st.slabs.len(),
            mprotect_stacks: st.mprotect_stacks,
            slab_stacks: st.slab_stacks,
        }
    }

    /// Returns the memory of warm stacks unused since the previous call,
    /// keeping `keep` warm (module prose); returns how many were released.
    pub fn scavenge(&self, keep: usize) -> usize {
        let mut idle = {
            let mut st = self.shared.lock();
            let n = st.low_water.min(st.warm.len().saturating_sub(keep));
            let idle: Vec<RawStack> = st.warm.drain(..n).collect();
            st.low_water = st.warm.len();
            idle
        };
        let n = idle.len();
        for raw in &idle {
            // SAFETY: the stack is on no free list now and nobody runs on it.
            unsafe { sys::release(raw.info.usable_lo(), raw.info.usable()) };
        }
        self.shared.lock().cold.append(&mut idle);
        n
    }

    /// Returns stacks in one batch (what a per-P cache spills).
    pub(crate) fn put_many(&self, stacks: impl IntoIterator<Item = Stack>) {
        self.shared
            .give_back_many(stacks.into_iter().map(Stack::into_raw));
    }

    /// Refills a per-P cache in one lock acquisition: up to `n` free
    /// stacks, or, when the pool has none, up to `n` new ones where stacks
    /// are slab-guarded (module prose, "Fresh batches"), else one new one.
    /// Appends at least one stack to `out`, or nothing and the error.
    pub(crate) fn refill(&self, n: usize, out: &mut Vec<Stack>) -> io::Result<()> {
        let (free, fresh) = {
            let mut st = self.shared.lock();
            let mut free = Vec::with_capacity(n);
            while free.len() < n {
                match st.warm.pop().or_else(|| st.cold.pop()) {
                    Some(raw) => free.push(raw),
                    None => break,
                }
            }
            // Stacks a cache takes were in use this period (`scavenge`).
            st.low_water = st.low_water.min(st.warm.len());
            let mut fresh = Vec::new();
            if free.is_empty() && self.shared.mode == GuardMode::MadviseGuard {
                fresh.reserve(n);
                while fresh.len() < n {
                    match self.shared.carve(&mut st, StackKind::MadviseGuard) {
                        Ok(raw) => fresh.push(raw),
                        Err(e) if fresh.is_empty() => return Err(e),
                        Err(_) => break,
                    }
                }
            }
            st.handed_out += free.len() + fresh.len();
            (free, fresh)
        };
        if free.is_empty() && fresh.is_empty() {
            // Not slab-guarded: one new stack, as `alloc` makes it.
            out.push(self.alloc()?);
            return Ok(());
        }
        for raw in &free {
            // SAFETY: the stack just left the free lists, so nothing runs on it.
            unsafe { raw.info.write_canary() };
        }
        if !fresh.is_empty() {
            self.prepare_fresh(&fresh)?;
        }
        out.extend(
            free.into_iter()
                .chain(fresh)
                .map(|raw| Stack::new(raw, Arc::clone(&self.shared))),
        );
        Ok(())
    }

    /// Makes freshly carved slab slots ready: their guards installed by one
    /// call, their top pages touched in a row. On error the slots are given
    /// up (a slot whose guard may be missing is not reused).
    fn prepare_fresh(&self, fresh: &[RawStack]) -> io::Result<()> {
        let guards: Vec<(usize, usize)> = fresh
            .iter()
            .map(|r| (r.info.limit, r.info.usable_lo() - r.info.limit))
            .collect();
        // SAFETY: the slots were just carved, so nothing refers to their
        // guard pages; every range lies inside its slab mapping.
        if let Err(e) = unsafe { sys::advise_many(&guards, sys::MADV_GUARD_INSTALL) } {
            self.shared.lock().handed_out -= fresh.len();
            return Err(e);
        }
        for raw in fresh {
            // SAFETY: the slot was just carved and is owned by nobody yet;
            // its top word lies in the usable, read-write region. Writing
            // the zero it already reads changes nothing but residency.
            unsafe { ((raw.info.base - 8) as *mut u64).write_volatile(0) };
        }
        Ok(())
    }
}

/// Resolves `Auto` and checks forced modes against the kernel.
fn resolve(mode: GuardMode) -> Result<GuardMode, StackError> {
    match mode {
        GuardMode::Auto if sys::guard_install_supported() => Ok(GuardMode::MadviseGuard),
        GuardMode::Auto => Ok(GuardMode::MprotectThenCanary {
            guarded: guarded_budget(sys::max_map_count(), sys::map_count()),
        }),
        GuardMode::MadviseGuard if !sys::guard_install_supported() => {
            Err(StackError::MadviseGuardUnsupported)
        }
        forced => Ok(forced),
    }
}

/// How many mprotect-guarded stacks fit in the map-count budget.
pub fn guarded_budget(max_map_count: usize, maps_in_use: usize) -> usize {
    max_map_count.saturating_sub(maps_in_use) / MAP_HEADROOM_DIVISOR / MAPS_PER_MPROTECT_STACK
}

/// What a fresh stack is made of; decided under the lock, built outside it.
enum Fresh {
    Mprotect,
    Slab(RawStack),
}

impl PoolShared {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic while holding the lock cannot leave the free lists
        // inconsistent (each push/pop is whole), so poisoning is ignored.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a free stack or makes one.
    fn take(&self) -> io::Result<RawStack> {
        let fresh = {
            let mut st = self.lock();
            st.handed_out += 1;
            let got = st.warm.pop();
            st.low_water = st.low_water.min(st.warm.len());
            if let Some(raw) = got.or_else(|| st.cold.pop()) {
                drop(st);
                // SAFETY: the stack just left the free lists.
                unsafe { raw.info.write_canary() };
                return Ok(raw);
            }
            match self.fresh_kind(&st) {
                StackKind::Mprotect => {
                    st.mprotect_stacks += 1;
                    Ok(Fresh::Mprotect)
                }
                kind => self.carve(&mut st, kind).map(Fresh::Slab),
            }
        };
        let made = fresh.and_then(|fresh| match fresh {
            Fresh::Mprotect => self.map_mprotect().inspect_err(|_| {
                self.lock().mprotect_stacks -= 1;
            }),
            // A slot whose guard could not be installed is not reused.
            Fresh::Slab(raw) => slab::prepare(&raw).map(|()| raw),
        });
        match made {
            Ok(raw) => {
                // SAFETY: the stack is new and nothing runs on it.
                unsafe { raw.info.write_canary() };
                Ok(raw)
            }
            Err(e) => {
                self.lock().handed_out -= 1;
                Err(e)
            }
        }
    }

    /// The kind of the next new stack under this pool's mode.
    fn fresh_kind(&self, st: &PoolState) -> StackKind {
        match self.mode {
            GuardMode::MadviseGuard => StackKind::MadviseGuard,
            GuardMode::Mprotect => StackKind::Mprotect,
            GuardMode::Canary => StackKind::Canary,
            GuardMode::MprotectThenCanary { guarded } if st.mprotect_stacks < guarded => {
                StackKind::Mprotect
            }
            GuardMode::MprotectThenCanary { guarded } => {
                self.notice_canary(guarded);
                StackKind::Canary
            }
            GuardMode::Auto => unreachable!("Auto is resolved at pool creation"),
        }
    }

    /// Carves a slot from the newest slab, mapping a bigger slab when full.
    fn carve(&self, st: &mut PoolState, kind: StackKind) -> io::Result<RawStack> {
        if st.slabs.last().filter(|s| !s.is_full()).is_none() {
            let slots = st
                .slabs
                .last()
                .map_or(FIRST_SLAB_STACKS, |s| s.slots() * 2)
                .min(self.slab_max);
            st.slabs.push(Slab::map(slots, self.usable, kind)?);
        }
        st.slab_stacks += 1;
        Ok(st
            .slabs
            .last_mut()
            .and_then(Slab::carve)
            .expect("a slab with a free slot"))
    }

    /// Maps one stack with its own mprotect-guarded mapping.
    fn map_mprotect(&self) -> io::Result<RawStack> {
        let page = sys::page_size();
        let limit = sys::map(page + self.usable)?;
        // SAFETY: the mapping was just created; nothing refers to it.
        if let Err(e) = unsafe { sys::protect_none(limit, page) } {
            // SAFETY: as above; unmapped whole.
            unsafe { sys::unmap(limit, page + self.usable) };
            return Err(e);
        }
        Ok(RawStack {
            info: StackInfo {
                limit,
                base: limit + page + self.usable,
                kind: StackKind::Mprotect,
            },
        })
    }

    /// Prints the one notice of the change from guarded to canary stacks.
    fn notice_canary(&self, guarded: usize) {
        if self.noticed.swap(true, Relaxed) {
            return;
        }
        eprintln!(
            "sched: vm.max_map_count={} allows ~{guarded} guarded stacks; goroutines beyond \
             that get canary-checked stacks without guard pages (overflow detected at the \
             next switch, not at the faulting access)",
            sys::max_map_count()
        );
    }

    /// Takes a stack back, applying the memory-return policy (module prose).
    pub(crate) fn give_back(&self, raw: RawStack) {
        self.give_back_many(std::iter::once(raw));
    }

    /// Takes stacks back in one lock acquisition (plus one more if some go
    /// cold), applying the memory-return policy (module prose).
    pub(crate) fn give_back_many(&self, raws: impl IntoIterator<Item = RawStack>) {
        let mut cold = Vec::new();
        let mut st = self.lock();
        for raw in raws {
            st.handed_out -= 1;
            if st.warm.len() < self.warm_limit {
                st.warm.push(raw);
            } else {
                cold.push(raw);
            }
        }
        drop(st);
        if cold.is_empty() {
            return;
        }
        for raw in &cold {
            // SAFETY: the stack came back from its owner; its contents are dead.
            unsafe { sys::release(raw.info.usable_lo(), raw.info.usable()) };
        }
        self.lock().cold.append(&mut cold);
    }
}

impl Drop for PoolShared {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for raw in st.warm.iter().chain(&st.cold) {
            if raw.info.kind == StackKind::Mprotect {
                // SAFETY: every Stack held an Arc of this pool, so all are
                // back on the free lists and nothing runs on them; an
                // mprotect stack is exactly its own mapping.
                unsafe { sys::unmap(raw.info.limit, raw.info.base - raw.info.limit) };
            }
        }
        // Slabs unmap themselves when `st.slabs` drops.
    }
}

const _: () = assert!(MAPS_PER_MPROTECT_STACK == 2 && MAP_HEADROOM_DIVISOR == 2);
