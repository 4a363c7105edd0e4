//! # replay — trace files
//!
//! Owns the on-disk form of [`model::trace::Trace`]: versioned, self-describing
//! files, load/save with clear errors (corrupt, foreign, newer version), the
//! readable timeline, `diff` (first divergence), Perfetto / Chrome trace-event
//! export, and the `sched-replay` CLI. The trace *types* live in `model`; this
//! crate only reads and writes them. Filled in by the deterministic-engine issue.

pub use model::trace::{Trace, TRACE_FORMAT_VERSION};
