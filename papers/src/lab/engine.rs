//! The engines a lab matrix can run on.
//!
//! Today only the discrete-event simulator exists. The production runtime
//! will be `--engine real`; until it is built, asking for it is an error
//! that says so (no stand-in that would print simulated numbers as real).

use super::error::LabError;
use model::policy::Policy;
use model::sim::{self, SimConfig, SimReport};
use model::workload::Workload;

/// Where a matrix runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `model::sim`: virtual time, any number of Ps up to 1024.
    Sim,
}

impl Engine {
    /// The names `--engine` accepts today.
    pub const NAMES: [&'static str; 1] = ["sim"];

    pub fn parse(name: &str) -> Result<Engine, LabError> {
        match name {
            "sim" => Ok(Engine::Sim),
            "real" => Err(LabError::Usage(
                "--engine real: the production runtime engine is not built yet; valid today: sim"
                    .into(),
            )),
            other => Err(LabError::Usage(format!(
                "--engine {other:?}: unknown engine (valid: sim; planned: real)"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sim => "sim",
        }
    }

    /// Runs `workload` under `policy` on `procs` Ps.
    pub fn run(
        self,
        workload: &Workload,
        policy: &Policy,
        procs: usize,
        seed: u64,
    ) -> Result<SimReport, String> {
        match self {
            Engine::Sim => sim::simulate(workload, policy, SimConfig::new(procs, seed))
                .map_err(|e| e.to_string()),
        }
    }
}
