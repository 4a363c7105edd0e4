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
