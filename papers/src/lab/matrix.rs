//! Running a [`Plan`]: every workload × policy × P, with a P = 1 baseline
//! for speedups, in plan order (so output is deterministic).

use super::cli::Plan;
use super::error::LabError;
use crate::real::RealRun;
use model::policy::{Policy, SchedPolicy};
use model::sim::SimReport;
use model::workload::Workload;
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// One cell of the matrix.
#[derive(Clone, Debug)]
pub struct Row {
    /// The workload's registry name.
    pub workload: String,
    pub report: SimReport,
    /// Over the same workload and policy at P = 1.
    pub speedup: f64,
    /// The production runtime's run of the same cell (`--engine real`).
    pub real: Option<RealRun>,
}

impl Row {
    pub fn policy(&self) -> &str {
        &self.report.policy
    }
}

/// Progress on stderr: on a terminal one line (`[k/n] workload policy P=p`)
/// rewritten in place; elsewhere (a log, a pipe) only the closing summary.
#[derive(Debug)]
pub struct Progress {
    quiet: bool,
    live: bool,
    started: Instant,
}

impl Progress {
    pub fn stderr(quiet: bool) -> Self {
        Progress {
            quiet,
            live: std::io::stderr().is_terminal(),
            started: Instant::now(),
        }
    }

    fn show(&mut self, done: usize, total: usize, what: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = write!(err, "\r\x1b[K[{done}/{total}] {what}");
        }
        if done == total {
            let secs = self.started.elapsed().as_secs_f64();
            let end = if self.live { "\r\x1b[K" } else { "" };
            let _ = writeln!(err, "{end}{total} runs in {secs:.2} s");
        }
    }
}

/// Runs the whole matrix.
pub fn run(plan: &Plan, progress: &mut Progress) -> Result<Vec<Row>, LabError> {
    let per_pair = plan.procs.len() + usize::from(!plan.procs.contains(&1));
    let total = plan.workloads.len() * plan.policies.len() * per_pair;
    let mut done = 0;
    let mut rows = Vec::new();
    for (name, workload) in &plan.workloads {
        for policy in &plan.policies {
            let mut one = |procs: usize| {
                done += 1;
                progress.show(done, total, &format!("{name} {} P={procs}", policy.name()));
                run_one(plan, name, workload, policy, procs)
            };
            let base = one(1)?;
            for &procs in &plan.procs {
                let (report, real) = if procs == 1 {
                    base.clone()
                } else {
                    one(procs)?
                };
                let speedup = report.speedup_over(&base.0);
                rows.push(Row {
                    workload: name.clone(),
                    report,
                    speedup,
                    real,
                });
            }
        }
    }
    Ok(rows)
}

fn run_one(
    plan: &Plan,
    name: &str,
    workload: &Workload,
    policy: &Policy,
    procs: usize,
) -> Result<(SimReport, Option<RealRun>), LabError> {
    plan.engine
        .run(workload, policy, procs, plan.seed)
        .map_err(|error| LabError::Run {
            workload: name.to_owned(),
            policy: policy.name().to_owned(),
            procs,
            error,
        })
}
