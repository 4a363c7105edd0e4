//! Helpers shared by the integration tests.

#![allow(dead_code)] // each test crate uses some of them

use sched::{Policy, Runtime};

/// A runtime per policy preset, at `procs` Ps.
pub fn runtimes(procs: usize) -> Vec<Runtime> {
    Policy::presets()
        .into_iter()
        .map(|p| Runtime::builder().procs(procs).policy(p).build().unwrap())
        .collect()
}

/// The stress matrix: every policy preset at 1, 2 and 4 Ps.
pub fn every_runtime() -> impl Iterator<Item = Runtime> {
    [1, 2, 4].into_iter().flat_map(runtimes)
}

/// A value that counts its drops (in the `Arc` it holds): tests that a
/// value handed to the runtime or a channel is dropped exactly once.
pub struct Counted(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
