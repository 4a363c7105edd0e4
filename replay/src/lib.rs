//! # replay — trace files
//!
//! Owns the on-disk form of [`model::trace::Trace`] and the views of it:
//!
//! - [`file`](mod@file): versioned, self-describing JSON files, one decision per line;
//!   [`save`] / [`load`] with a distinct [`TraceFileError`] for every way a
//!   file can be wrong (empty, truncated, corrupt, foreign, newer or older
//!   format, wrong field types), each saying what to do;
//! - [`show()`]: the readable timeline, per goroutine;
//! - [`stats()`]: counts per decision kind, goroutine and P, and the choice
//!   points with their branching;
//! - [`diff()`]: the first divergence of two traces;
//! - [`perfetto()`]: Chrome trace-event JSON with one track per P, from a
//!   deterministic trace or from the production engine's timed events.
//!
//! The trace *types* live in `model`; this crate only reads, writes and
//! presents them. The `sched-replay` binary is a thin CLI over these.

pub mod diff;
pub mod error;
pub mod file;
pub mod perfetto;
pub mod show;
pub mod stats;

pub use diff::{diff, TraceDiff};
pub use error::{ErrorKind, TraceFileError};
pub use file::{from_bytes, load, save, to_string};
pub use model::trace::{Trace, TRACE_FORMAT_VERSION};
pub use perfetto::{perfetto, perfetto_string, Source};
pub use show::show;
pub use stats::{stats, Stats};
