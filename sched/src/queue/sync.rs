//! The primitives the lock-free queues are written against: std's.
//!
//! `loom_sync.rs` is the same list pointing at loom, so `ring.rs`,
//! `runnext.rs` and `global.rs` compile twice in one `--features model-check`
//! build (tokio `src/loom/`, crossbeam `mod primitive`). Add a primitive to
//! both files or to neither.

pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};
pub(crate) use std::sync::{Arc, Mutex};
