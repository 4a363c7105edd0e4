//! The deterministic engine as `verify` sees it: one trait, so that the
//! exploration and reporting code does not depend on the engine's types.
//!
//! `sched_det.rs` adapts `sched::det::{run, replay, PctChooser}`.

mod sched_det;

pub use sched_det::deterministic;

use model::chooser::Chooser;
use model::policy::Policy;
use model::trace::{Scope, Trace};
use std::fmt;
use std::sync::Arc;

/// The body under test, run once per schedule.
pub type Body = Arc<dyn Fn() + Send + Sync + 'static>;

/// Settings of one deterministic run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSettings {
    pub procs: u32,
    pub policy: Policy,
    pub scope: Scope,
    pub seed: u64,
    pub step_limit: u64,
    /// The chooser's name, for the trace header.
    pub strategy: String,
    /// The test's name, for the trace header.
    pub program: String,
}

/// A failure found by a run, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureText {
    /// `panic`, `deadlock`, `leak`, `race`, `step-limit`, `divergence`, `uncontrolled`.
    pub kind: &'static str,
    /// The engine's full report (sites, goroutines, what to do).
    pub message: String,
}

impl FailureText {
    /// A replayed trace no longer matched the program.
    pub fn is_divergence(&self) -> bool {
        self.kind == "divergence"
    }
}

impl fmt::Display for FailureText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What one deterministic run did.
#[derive(Debug)]
pub struct RunResult {
    pub result: Result<(), FailureText>,
    pub trace: Trace,
    /// Scheduling steps taken.
    pub steps: u64,
}

/// Makes a PCT chooser: `(seed, depth, estimated steps)`.
pub type PctFactory = fn(u64, u32, u64) -> Box<dyn Chooser>;

/// A deterministic engine.
pub trait DetEngine: Sync {
    /// Runs `body` once, every choice from `chooser`.
    #[track_caller]
    fn run(&self, settings: &RunSettings, chooser: &mut dyn Chooser, body: &Body) -> RunResult;
    /// Runs `body` following `trace` (settings from its header, at most
    /// `step_limit` steps); a program that no longer matches it ends in a
    /// `divergence` failure.
    #[track_caller]
    fn replay(&self, trace: &Trace, step_limit: u64, body: &Body) -> RunResult;
    /// The engine's PCT chooser.
    fn pct(&self) -> PctFactory;
}
