//! The lock-free queues compiled a second time, against loom.
//!
//! The `#[path]`s below mount the same source files as `queue/mod.rs` does;
//! only `sync` differs (`loom_sync.rs`). `item`, `outcome`, `fifo` and
//! `blocks` are shared with the std copy (they hold no primitives a model
//! checks; `blocks` is allocator state), so a `Steal<T>` or an `Item` is the
//! same type in both copies.

// The second mount of each file is the point of this module.
#![allow(clippy::duplicate_mod)]

#[path = "loom_sync.rs"]
mod sync;

#[path = "global.rs"]
pub(crate) mod global;
#[path = "join_cell.rs"]
pub(crate) mod join_cell;
#[path = "node.rs"]
pub(crate) mod node;
#[path = "pinned.rs"]
pub(crate) mod pinned;
#[path = "ring.rs"]
pub(crate) mod ring;
#[path = "runnext.rs"]
mod runnext;
#[path = "slot.rs"]
pub(crate) mod slot;
#[path = "spin_lock.rs"]
pub(crate) mod spin_lock;
#[path = "value_slot.rs"]
pub(crate) mod value_slot;
#[path = "wake.rs"]
pub(crate) mod wake;

use super::{blocks, fifo, item, outcome};
