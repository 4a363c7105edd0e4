//! The side-by-side benchmark harness (see `papers/bench/README.md`).
//!
//! - [`common`]: what every Rust bench program shares with the Go one — the
//!   command line (`--workload NAME --n N --procs P [--policy SPEC]`), the
//!   unit of CPU work, RSS readings, and the one output line;
//! - [`sched_workloads`]: the workloads on the `sched` runtime (the
//!   `bench-sched` binary); channel workloads are in [`sched_chan`] behind
//!   the `chan` feature (default on; off builds the rest without channels).
//!
//! The tokio programs live in their own crate (`papers/bench/tokio`) so that
//! tokio never becomes a dependency of a library crate.

pub mod common;
#[cfg(feature = "chan")]
pub mod sched_chan;
pub mod sched_workloads;
