//! `check` itself: replay a trace when `SCHED_REPLAY` names one for this
//! test; otherwise explore deterministic schedules until one fails or the
//! explorer is done, then run the body once on the production engine. A
//! failing schedule is replayed once, its trace saved, and the test panics
//! with the report.

use crate::config::Config;
use crate::engine::{self, Body, DetEngine, FailureText, RunSettings};
use crate::explore::{explorer_for, Observed};
use crate::report::{self, last_decisions, FailureReport};
use std::path::Path;
use std::sync::Arc;

/// The environment variable naming a trace to replay instead of exploring.
pub const REPLAY_VAR: &str = "SCHED_REPLAY";

/// Checks `f` with [`Config::new`] (defaults and `SCHED_CHECK_*`).
///
/// ```no_run
/// #[test]
/// fn two_goroutines_agree() {
///     verify::check(|| {
///         let h = sched::go(|| 1 + 1);
///         assert_eq!(h.join().unwrap(), 2);
///     });
/// }
/// ```
///
/// # Panics
/// When a schedule fails (the message is the failure; the report with the
/// trace file and the replay command goes to stderr first).
#[track_caller]
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    check_with(Config::new(), f)
}

/// Checks `f` with `config`. See [`check`].
#[track_caller]
pub fn check_with<F>(config: Config, f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let test = report::test_name(config.name.as_deref());
    let body: Body = Arc::new(f);
    if let Some(path) = std::env::var_os(REPLAY_VAR) {
        if replay_for_test(Path::new(&path), &test, &config, &body) {
            return;
        }
    }
    // Deterministic schedules first: a deadlock or a leak found there comes
    // with a trace, where the production run would hang or only report.
    if let Some(report) = explore(engine::deterministic(), &config, &test, &body) {
        fail(&report);
    }
    if !config.production {
        return;
    }
    if let Err(message) = crate::production::run(&config, &body) {
        let hint = "\n  none of the deterministic schedules failed: raise SCHED_CHECK_ITERATIONS \
                    or run with --features model-check to find a schedule that replays";
        panic!("verify::check: {test} panicked on the production engine: {message}{hint}");
    }
}

/// Prints the report and fails the test.
#[track_caller]
fn fail(report: &FailureReport) -> ! {
    eprint!("{}", report.text());
    let file = match &report.file {
        Ok(path) => path.display().to_string(),
        Err(e) => format!("not saved: {e}"),
    };
    panic!(
        "verify::check: {} on schedule {} (trace: {file}): {}",
        report.failure.kind, report.schedule, report.failure.message
    );
}

/// Runs the explorer's schedules; the first failure, saved.
#[track_caller]
fn explore(det: &dyn DetEngine, config: &Config, test: &str, body: &Body) -> Option<FailureReport> {
    let mut explorer = explorer_for(config, det.pct());
    while let Some(schedule) = explorer.next_schedule() {
        let settings = RunSettings {
            procs: config.procs,
            policy: config.policy.clone(),
            scope: config.scope,
            seed: schedule.seed,
            step_limit: config.step_limit,
            strategy: schedule.strategy,
            program: test.to_owned(),
        };
        let mut chooser = schedule.chooser;
        let run = det.run(&settings, &mut *chooser, body);
        let observed = Observed {
            trace: &run.trace,
            steps: run.steps,
            failed: run.result.is_err(),
        };
        explorer.observe(&observed);
        if let Err(failure) = run.result {
            let reproduced = replay_once(det, &run.trace, &failure, config.step_limit, body);
            let n = schedule.index;
            let mut report = FailureReport::save(test, n, config.iterations, failure, run.trace);
            report.reproduced = Some(reproduced);
            return Some(report);
        }
    }
    None
}

/// Replays a failing run's trace once, as the printed command will: `Ok`
/// when the same failure comes back at the same decisions, else what
/// happened instead (nondeterminism the engine does not control).
#[track_caller]
fn replay_once(
    det: &dyn DetEngine,
    trace: &model::trace::Trace,
    failure: &FailureText,
    step_limit: u64,
    body: &Body,
) -> Result<(), String> {
    let again = det.replay(trace, step_limit, body);
    match again.result {
        Err(f) if f.kind == failure.kind && again.trace.entries == trace.entries => Ok(()),
        Err(f) => Err(format!("the replay ended in {}: {}", f.kind, f.message)),
        Ok(()) => Err("the replay passed".to_owned()),
    }
}

/// Replays the trace at `path` if it was recorded by `test`; `false` (and
/// a note) when it belongs to another test, which then runs normally.
#[track_caller]
fn replay_for_test(path: &Path, test: &str, config: &Config, body: &Body) -> bool {
    let trace = replay::load(path).unwrap_or_else(|e| panic!("{REPLAY_VAR}: {e}"));
    if trace.header.program != test {
        eprintln!(
            "{REPLAY_VAR}: {} was recorded by `{}`, not `{test}`: running `{test}` normally",
            path.display(),
            trace.header.program
        );
        return false;
    }
    match replay_trace(&trace, config.step_limit, body) {
        Ok(()) => {
            let recorded = trace.outcome.as_deref().unwrap_or("(not recorded)");
            eprintln!(
                "{REPLAY_VAR}: {} replayed to its end and the run passed (recorded outcome: {recorded})",
                path.display()
            );
        }
        Err(Replayed::Diverged(f)) => panic!(
            "{REPLAY_VAR}: {} no longer matches the program: {}\n  \
             run the test without {REPLAY_VAR} to explore again (and record a new trace)",
            path.display(),
            f.message
        ),
        Err(Replayed::Unreadable(e)) => panic!("{REPLAY_VAR}: {e}"),
        Err(Replayed::Failed(f, trace)) => {
            eprint!("{}", last_decisions(&trace));
            panic!(
                "verify::check: {} replaying {}: {}",
                f.kind,
                path.display(),
                f.message
            )
        }
    }
    true
}

/// Replays the trace file at `path` against `f` (what `SCHED_REPLAY` does
/// inside `check`, as a value): `Ok` when the run passes.
#[track_caller]
pub fn replay_file<F>(path: impl AsRef<Path>, f: F) -> Result<(), Replayed>
where
    F: Fn() + Send + Sync + 'static,
{
    let trace = replay::load(path).map_err(Replayed::Unreadable)?;
    replay_trace(&trace, Config::new().step_limit, &(Arc::new(f) as Body))
}

/// How a replay ended when it did not pass.
#[derive(Debug)]
pub enum Replayed {
    /// The file is not a readable trace.
    Unreadable(replay::TraceFileError),
    /// The program no longer makes the recorded choices.
    Diverged(FailureText),
    /// The run failed (the recorded failure, reproduced), with its trace.
    Failed(FailureText, Box<model::trace::Trace>),
}

/// Replays `trace` against the body, as `SCHED_REPLAY` does, without
/// panicking: `Ok` when the run passes.
#[track_caller]
pub fn replay_trace(
    trace: &model::trace::Trace,
    step_limit: u64,
    body: &Body,
) -> Result<(), Replayed> {
    let det = engine::deterministic();
    let run = det.replay(trace, step_limit, body);
    match run.result {
        Ok(()) => Ok(()),
        Err(f) if f.is_divergence() => Err(Replayed::Diverged(f)),
        Err(f) => Err(Replayed::Failed(f, Box::new(run.trace))),
    }
}
