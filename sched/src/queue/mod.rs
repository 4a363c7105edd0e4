//! Run queues of the production engine: each P's local queue (Go's ring plus
//! `runnext`, or crossbeam's Chase-Lev deque for comparison) and the global
//! queue.
//!
//! The meaning of these queues is `model::queue::RunQueues` (the logical
//! queues and Go's find-runnable order); every policy decision comes from
//! `model::policy::SchedPolicy`, asked by the caller and passed in as a
//! value (`to_runnext`, `slot_may_run`, `steal_runnext`) or a function (the
//! steal amount, the global batch). The queues implement mechanisms only.
//!
//! | file          | noun |
//! |---------------|------|
//! | `item.rs`     | `Item`: what the lock-free queues hold (one pointer) |
//! | `outcome.rs`  | `Source` of a pop, `Steal` result |
//! | `runnext.rs`  | the stealable `runnext` slot |
//! | `slot.rs`     | `Slot`: a one-item mailbox (an unlocked mutex's value) |
//! | `static_ref.rs` | `StaticRef`: an atomic `Option<&'static T>` (the spawn location of the goroutine a P runs) |
//! | `value_slot.rs` | `ValueSlot`: a one-value mailbox for any `T` (a `select!` arm's or timed channel operation's value; a goroutine's body) |
//! | `wake.rs`     | `Wake`: a goroutine's park / unpark protocol and its parked task's cell |
//! | `pinned.rs`   | `Pinned` / `PinnedRef`: a value on its owner's stack, lent by pointer, with a cell the holder owns while lent (a blocked channel operation's waiter and value) |
//! | `node.rs`     | `NodeRc`: a goroutine's node (or a shared claim), counted |
//! | `blocks.rs`   | the size-class blocks nodes live in: per-thread lists, a shared pool, slabs |
//! | `block_box.rs` | `BlockBox`: a `Box` in a block (the engine's task boxes) |
//! | `join_cell.rs` | `JoinCell`: a goroutine's outcome and its joiner's waker, lock-free |
//! | `ring.rs`     | Go's bounded SPMC ring (`runqput` … `runqsteal`); `solo` for one P (no thieves) |
//! | `chase_lev.rs`| crossbeam's Chase-Lev deque behind the same interface |
//! | `global.rs`   | the global MPMC queue (`globrunqput`, `globrunqget`) |
//! | `spin_lock.rs` | `SpinLock`: the global queue's lock (spin, then yield; unlock is a store) |
//! | `spin_mutex.rs` | `SpinMutex`: the same lock with a guard (a channel's state) |
//! | `local.rs`    | `LocalQueue` / `QueueStealer`: either kind, picked by policy |
//! | `sync.rs`, `loom_sync.rs` | the primitive facade: std, or loom |
//! | `loom_build.rs` | the second mount of the lock-free files, on loom |
//! | `loom_tests.rs`, `wake_loom_tests.rs` | loom suites (`--features model-check`) |
//! | `oracle_tests.rs` | proptest against `model::queue::RunQueues` |
//! | `stress_tests.rs` | 1 owner + 3 thieves, 1M Gs per kind |
//! | `unit_tests.rs` | drop, clamping, construction edges |
//!
//! ## For the schedule loop
//!
//! - `len`/`is_empty` (local and global) are Relaxed hints. The spinning /
//!   parking protocol (Go: `runqput` then `wakep` reads `nmspinning`; a
//!   spinning M decrements `nmspinning` then re-checks every queue) needs a
//!   StoreLoad edge between "made a G visible" and "looked at the other
//!   side"; the queues' Release/Acquire pairs do not give one, so that
//!   protocol must add its own `SeqCst` fence (or SeqCst RMW) on both sides.
//! - `steal_into` returns `Steal::Retry` on a lost race; Go's `runqgrab`
//!   retries the same victim at once, and a Retry means someone else made
//!   progress, so retrying immediately is lock-free.
//! - Go's 3 µs pause before stealing a running victim's `runnext` is the
//!   loop's to take (see `runnext.rs`).
//!
//! ## Model checking in the same build
//!
//! `ring.rs`, `runnext.rs`, `slot.rs`, `value_slot.rs`, `join_cell.rs`, `pinned.rs`, `wake.rs` and `global.rs` name their primitives through
//! `super::sync`. Here `sync` is std's; under `--features model-check` the
//! module `loom_build` mounts the *same files* a second time next to a `sync`
//! that is loom's, so the loom suite (`loom_tests.rs`) checks the code that
//! runs, with no `RUSTFLAGS="--cfg loom"` and no second build. `item.rs` and
//! `outcome.rs` hold no primitives and are shared by both copies. The
//! Chase-Lev wrapper is not mounted: crossbeam's deque is not loom-aware.

mod block_box;
mod blocks;
pub mod chase_lev;
mod fifo;
mod global;
mod item;
mod join_cell;
mod local;
mod node;
mod outcome;
mod pinned;
pub mod ring;
mod runnext;
mod send_arc;
mod slot;
mod spin_lock;
/// `spin_lock.rs` again, on shuttle, with its suite (loom cannot explore a
/// spin lock).
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod spin_lock_shuttle;
mod spin_mutex;
mod static_ref;
mod sync;
mod value_slot;
mod wake;

// The global queue's lock, its inline items and its length mirror share
// one cache line (`fifo.rs`: the point of keeping the queue's head
// inline). Checked on the std copy (loom's atomics are larger).
const _: () = assert!(
    std::mem::size_of::<spin_lock::SpinLock<fifo::Fifo<Box<u8>>>>()
        + std::mem::size_of::<std::sync::atomic::AtomicUsize>()
        <= 64
);

pub(crate) use block_box::BlockBox;
pub use chase_lev::{Local as ChaseLevLocal, Stealer as ChaseLevStealer};
pub use global::{Global, Refill};
pub use item::{Hinted, Item, Raw, ITEM_WARM_BYTES};
pub(crate) use join_cell::JoinCell;
pub use local::{LocalQueue, QueueStealer};
pub(crate) use node::NodeRc;
pub use outcome::{Source, Steal};
pub(crate) use pinned::{with_outer, Outered, Pinned, PinnedRef};
pub use ring::{Local as RingLocal, Stealer as RingStealer, MAX_CAPACITY};
pub(crate) use send_arc::SendArc;
pub(crate) use slot::Slot;
pub(crate) use spin_mutex::{SpinGuard, SpinMutex};
pub(crate) use static_ref::StaticRef;
pub(crate) use value_slot::ValueSlot;
pub(crate) use wake::{Parks, Wake};

/// The second copy of the lock-free queues, against loom's primitives.
#[cfg(feature = "model-check")]
#[allow(dead_code)] // only the loom suites call into this copy
pub(crate) mod loom_build;

#[cfg(all(test, feature = "model-check"))]
mod loom_tests;
#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod stress_tests;
#[cfg(test)]
mod unit_tests;
#[cfg(all(test, feature = "model-check"))]
mod wake_loom_tests;
