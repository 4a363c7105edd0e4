//! # The deterministic engine
//!
//! The same user programs (`go`, `join`, `yield_now`, `time::sleep`, and
//! every primitive written against `crate::engine`) run on the calling OS
//! thread; goroutines are the same stackful coroutines and switch only at
//! visible operations. Every scheduling choice comes from a
//! [`model::Chooser`] and is written to a [`model::trace::Trace`]; replaying
//! the trace with [`ReplayChooser`] reproduces the run step for step, and
//! the detectors report panics, deadlocks, leaks, data races, runaway runs,
//! divergences and uncontrolled nondeterminism as a [`Failure`].
//!
//! ```
//! use sched::det::{self, Config, RandomChooser};
//! let out = det::run(&Config::new().seed(1), &mut RandomChooser::new(1), || {
//!     let h = sched::go(|| 6 * 7);
//!     sched::time::sleep(std::time::Duration::from_secs(3600)); // instant
//!     h.join().unwrap()
//! });
//! assert_eq!(out.result.unwrap(), 42);
//! ```
//!
//! Files, one noun each: `config` (settings), `engine` (the run loop),
//! `state` (what a run knows), `context` (the goroutine side of the verbs),
//! `goroutine` (spawning), `clock` (virtual time and timers), `choose`
//! (choice points and trace entries — what a choice is, per scope), `race`
//! (vector clocks), `detect` (panics, deadlocks, leaks, foreign wake-ups),
//! `outcome` (results and failure reports), `replay`, `pct` (choosers),
//! `probe` (minimal test primitives on the engine interface).
//!
//! Prior art followed: shuttle (`runtime/execution.rs`, `scheduler/`), loom
//! (`rt/`), PCT (Burckhardt et al., ASPLOS 2010), FastTrack (Flanagan &
//! Freund, PLDI 2009).

mod choose;
mod clock;
mod config;
pub(crate) mod context;
mod detect;
mod engine;
pub(crate) mod goroutine;
mod outcome;
mod pct;
#[doc(hidden)]
pub mod probe;
mod race;
mod replay;
mod state;

pub use config::{Config, ConfigError, DEFAULT_QUANTUM_STEPS, DEFAULT_STEP_LIMIT, MAX_PROCS};
pub use engine::{run, run_twice};
pub use model::chooser::{Chooser, RandomChooser, RoundRobinChooser};
pub use model::trace::{Scope, Trace};
pub use outcome::{Access, BlockedG, Failure, Outcome};
pub use pct::PctChooser;
pub use replay::ReplayChooser;

/// Replays `trace` against `main` under `config` (which must be the
/// recording's: the header's procs, policy, scope and seed are checked;
/// `quantum_steps` and `step_limit` are not in the trace format's header,
/// so pass the same values).
///
/// # Panics
/// When `config` does not match the trace's header.
#[track_caller]
pub fn replay<T, F>(config: &Config, trace: &Trace, main: F) -> Outcome<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let h = &trace.header;
    assert!(
        (h.procs, &h.policy, h.scope, h.seed)
            == (config.procs, &config.policy, config.scope, config.seed),
        "sched::det::replay: the config differs from the trace header \
         (trace: {} procs, policy {}, {:?}, seed {}; config: {} procs, policy {}, {:?}, seed {})",
        h.procs,
        h.policy.name,
        h.scope,
        h.seed,
        config.procs,
        config.policy.name,
        config.scope,
        config.seed
    );
    let config = config.clone().strategy("replay");
    run(&config, &mut ReplayChooser::new(trace), main)
}
