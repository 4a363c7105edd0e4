//! Exploration strategies: an [`Explorer`] hands out one chooser per
//! schedule and is told what each schedule did.
//!
//! The seeded strategies ([`SeededExplorer`]: random, PCT, round-robin and
//! their mix) only learn PCT's step estimate from what they are told. An
//! exhaustive strategy (DFS with sleep sets and DPOR, preemption-bounded à
//! la CHESS) plugs in here:
//! - its chooser replays a prefix and then picks, and sees at every
//!   [`ChoicePoint`](model::chooser::ChoicePoint) the options as decisions
//!   (which goroutine / P each index means) — it records them into state it
//!   shares with the explorer (the backtrack candidates);
//! - [`Explorer::observe`] gets the run's trace: every entry carries the
//!   step, the goroutine, the op kind (its access follows from it:
//!   `CellRead`/`Load` read, `CellWrite`/`Store` write, `Rmw`, channel and
//!   lock ops both), the object, and the option taken out of how many —
//!   what the dependence relation and the backtrack sets are computed from;
//! - [`Explorer::next_schedule`] answers `None` when the bounded tree is
//!   covered, and `check` stops.

mod seeded;

pub use seeded::SeededExplorer;

use model::chooser::Chooser;
use model::trace::Trace;

/// One schedule to run: the chooser and how to name it in the trace header.
#[allow(missing_debug_implementations)] // a boxed chooser has no Debug
pub struct Schedule {
    /// Which schedule of the check this is (stable across shards: it names
    /// the trace file).
    pub index: u64,
    pub chooser: Box<dyn Chooser>,
    /// For the trace header: `random`, `pct(d=3,k=120)`, `round-robin`, …
    pub strategy: String,
    /// The seed of the deterministic run (policy randomness and header).
    pub seed: u64,
}

/// What a schedule did, as an explorer sees it.
#[derive(Clone, Copy, Debug)]
pub struct Observed<'a> {
    pub trace: &'a Trace,
    /// Scheduling steps the run took (forced ones included).
    pub steps: u64,
    pub failed: bool,
}

/// Produces the schedules of one check.
pub trait Explorer {
    /// The next schedule, or `None` when there is nothing left to explore.
    fn next_schedule(&mut self) -> Option<Schedule>;

    /// Told after each run what the schedule it produced did.
    fn observe(&mut self, _run: &Observed<'_>) {}
}

/// The explorer `config` asks for; `pct` makes the engine's PCT chooser.
pub fn explorer_for(config: &crate::Config, pct: crate::engine::PctFactory) -> Box<dyn Explorer> {
    Box::new(SeededExplorer::new(config, pct))
}
