//! `LazyId`: an object id assigned on first use, so atomics keep `const fn
//! new` (usable in statics) like std's.

use crate::engine;
use model::ObjId;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub(crate) struct LazyId(AtomicU64);

impl LazyId {
    pub(crate) const fn new() -> Self {
        LazyId(AtomicU64::new(0))
    }

    /// The id, assigned by the first caller.
    pub(crate) fn get(&self) -> ObjId {
        // Relaxed: the id carries no data; the CAS alone makes every caller
        // agree on one value.
        match self.0.load(Relaxed) {
            0 => {
                let fresh = engine::new_object().0;
                match self.0.compare_exchange(0, fresh, Relaxed, Relaxed) {
                    Ok(_) => ObjId(fresh),
                    Err(won) => ObjId(won),
                }
            }
            id => ObjId(id),
        }
    }
}
