//! `sched::det` behind [`DetEngine`].

use super::{Body, DetEngine, FailureText, PctFactory, RunResult, RunSettings};
use model::chooser::Chooser;
use model::trace::Trace;
use sched::det;

/// The deterministic engine.
pub fn deterministic() -> &'static dyn DetEngine {
    &SchedDet
}

struct SchedDet;

fn config(s: &RunSettings) -> det::Config {
    det::Config::new()
        .procs(s.procs)
        .policy(s.policy.clone())
        .scope(s.scope)
        .seed(s.seed)
        .step_limit(s.step_limit)
        .strategy(&s.strategy)
        .program(&s.program)
}

fn result(out: det::Outcome<()>) -> RunResult {
    RunResult {
        result: out.result.map_err(|f| FailureText {
            kind: f.kind(),
            message: f.to_string(),
        }),
        trace: out.trace,
        steps: out.steps,
    }
}

impl DetEngine for SchedDet {
    #[track_caller]
    fn run(&self, settings: &RunSettings, chooser: &mut dyn Chooser, body: &Body) -> RunResult {
        let body = body.clone();
        result(det::run(&config(settings), chooser, move || body()))
    }

    #[track_caller]
    fn replay(&self, trace: &Trace, step_limit: u64, body: &Body) -> RunResult {
        let h = &trace.header;
        let settings = RunSettings {
            procs: h.procs,
            policy: h.policy.clone(),
            scope: h.scope,
            seed: h.seed,
            step_limit,
            strategy: "replay".into(),
            program: h.program.clone(),
        };
        let body = body.clone();
        result(det::replay(&config(&settings), trace, move || body()))
    }

    fn pct(&self) -> PctFactory {
        |seed, depth, steps| Box::new(det::PctChooser::new(seed, depth, steps))
    }
}
