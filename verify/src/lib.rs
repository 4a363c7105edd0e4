//! # verify — model checking of sched programs
//!
//! `verify::check(|| …)` is the user's entry point in a test:
//!
//! ```no_run
//! #[test]
//! fn counter_is_not_lost() {
//!     verify::check(|| {
//!         let hs: Vec<_> = (0..2).map(|_| sched::go(|| { /* … */ })).collect();
//!         for h in hs {
//!             h.join().unwrap();
//!         }
//!     });
//! }
//! ```
//!
//! 1. With `SCHED_REPLAY=<trace file>` set and the trace recorded by this
//!    test, it replays exactly that schedule on the deterministic engine
//!    and fails the same way (or reports that the program diverged from
//!    the trace) — nothing else runs.
//! 2. Otherwise it runs the [`Config`]'s deterministic schedules — without
//!    the `model-check` feature a few (8: round-robin, then PCT and random
//!    alternately — fast enough for every `cargo test`), with it many
//!    (1000) — then the body once on the production engine. Bounds, seeds
//!    and shards come from [`Config`] and `SCHED_CHECK_*` variables.
//! 3. At the first failing schedule it writes the trace to
//!    `target/sched-failures/<test>-<n>.json`, prints the failure, the last
//!    decisions with source locations and the replay command
//!    (`SCHED_REPLAY=<file> cargo test -p <pkg> <test> -- --exact`), and
//!    panics so the test fails.
//!
//! Files: `config` (settings, defaults, environment), `check` (the steps
//! above), `explore/` (strategies behind the [`Explorer`] trait, where an
//! exhaustive DPOR explorer plugs in), `engine/` (the deterministic engine
//! behind one trait), `production` (the production run), `report` (trace
//! files, the failure report, the test name).
//!
//! Still to come here: exhaustive DFS with sleep sets and DPOR and a
//! preemption bound, failure minimisation, and the project's loom /
//! shuttle suites that need more than one crate.

mod check;
pub mod config;
pub mod engine;
pub mod explore;
mod production;
pub mod report;

pub use check::{check, check_with, replay_file, replay_trace, Replayed, REPLAY_VAR};
pub use config::{Config, Strategy};
pub use explore::{Explorer, Observed, Schedule};
pub use model::chooser::Chooser;
