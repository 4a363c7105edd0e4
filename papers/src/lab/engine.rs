//! The engines a lab matrix can run on.
//!
//! - `sim`: the discrete-event simulator (`model::sim`), virtual time, any
//!   number of Ps up to 1024;
//! - `real`: the same cell on the simulator *and* on the production runtime
//!   (`papers::real::run_real`: `Compute` is a calibrated busy loop), so
//!   simulated and measured makespans sit side by side. Real runs only make
//!   sense up to the cores this machine has: without `--procs`, `real` uses
//!   the default Ps that fit (P = 1, 2 here).

use super::error::LabError;
use crate::real::{run_real, RealRun};
use model::policy::Policy;
use model::sim::{self, SimConfig, SimReport};
use model::workload::Workload;

/// Where a matrix runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `model::sim` only.
    Sim,
    /// `model::sim` and the production runtime, side by side.
    Real,
}

impl Engine {
    /// The names `--engine` accepts.
    pub const NAMES: [&'static str; 2] = ["sim", "real"];

    pub fn parse(name: &str) -> Result<Engine, LabError> {
        match name {
            "sim" => Ok(Engine::Sim),
            "real" => Ok(Engine::Real),
            other => Err(LabError::Usage(format!(
                "--engine {other:?}: unknown engine (valid: {})",
                Engine::NAMES.join(", ")
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sim => "sim",
            Engine::Real => "real",
        }
    }

    /// Runs `workload` under `policy` on `procs` Ps: the simulator's report,
    /// plus the production runtime's measurement for `real`.
    pub fn run(
        self,
        workload: &Workload,
        policy: &Policy,
        procs: usize,
        seed: u64,
    ) -> Result<(SimReport, Option<RealRun>), String> {
        let report = sim::simulate(workload, policy, SimConfig::new(procs, seed))
            .map_err(|e| e.to_string())?;
        let real = match self {
            Engine::Sim => None,
            Engine::Real => {
                Some(run_real(workload, procs, policy.clone()).map_err(|e| e.to_string())?)
            }
        };
        Ok((report, real))
    }
}
