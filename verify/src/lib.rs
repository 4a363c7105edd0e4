//! # verify — model checking of sched programs
//!
//! Will hold `verify::check(|| …)`, the user's entry point in a test, the
//! exploration strategies (exhaustive DFS with DPOR and preemption bounding,
//! PCT, random), the detectors (deadlock, leak, race) and failure
//! minimisation, plus the project's loom / shuttle / proptest suites that need
//! more than one crate. Filled in by the deterministic-engine issue; the
//! model's own exhaustive checks live in `model/tests/`.

pub use model::chooser::Chooser;
