//! `StackCache`: a small per-P cache of free stacks in front of the shared
//! pool, so starting and ending goroutines on one P takes no lock most of
//! the time (a goroutine takes its stack when it first runs: `runtime/g.rs`, `Body`).
//!
//! Follows Go's `stackcache` (`runtime/stack.go`, `stackcacherefill` /
//! `stackcacherelease`): when empty it takes half a cache from the shared
//! pool in one lock acquisition; when full it gives half back. Cached
//! stacks stay resident (no `madvise`): they are the ones about to be
//! reused.

use std::io;

use super::pool::StackPool;
use super::region::Stack;

/// Most stacks one cache holds.
pub const CACHE_CAPACITY: usize = 16;
/// Stacks moved per refill or spill: half a cache, as in Go.
pub const CACHE_BATCH: usize = CACHE_CAPACITY / 2;

/// A per-P cache of free stacks. Owned by one P (`&mut self`); dropping it
/// returns its stacks to the shared pool.
#[derive(Debug)]
pub struct StackCache {
    pool: StackPool,
    stacks: Vec<Stack>,
}

impl StackCache {
    /// An empty cache in front of `pool`.
    pub fn new(pool: &StackPool) -> StackCache {
        StackCache {
            pool: pool.clone(),
            stacks: Vec::with_capacity(CACHE_CAPACITY),
        }
    }

    /// A stack from the cache, refilling it from the shared pool when empty
    /// and making new stacks, half a cache at once, when the pool has none
    /// free (`pool.rs`, "Fresh batches").
    pub fn get(&mut self) -> io::Result<Stack> {
        if self.stacks.is_empty() {
            self.pool.refill(CACHE_BATCH, &mut self.stacks)?;
        }
        Ok(self.stacks.pop().expect("a refill appends a stack"))
    }

    /// Keeps `stack` for reuse, spilling half the cache when full.
    pub fn put(&mut self, stack: Stack) {
        if self.stacks.len() == CACHE_CAPACITY {
            let spill = self.stacks.split_off(CACHE_CAPACITY - CACHE_BATCH);
            self.pool.put_many(spill);
        }
        self.stacks.push(stack);
    }

    /// Stacks held now.
    pub fn len(&self) -> usize {
        self.stacks.len()
    }

    /// Whether the cache holds no stack.
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
    }
}

impl Drop for StackCache {
    fn drop(&mut self) {
        self.pool.put_many(self.stacks.drain(..));
    }
}

const _: () = assert!(CACHE_CAPACITY == 16 && CACHE_BATCH * 2 == CACHE_CAPACITY);
