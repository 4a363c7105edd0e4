//! What one simulation is asked to do: how many Ps, which seed, what each
//! operation costs, and how many events it may take before giving up.

use super::costs::Costs;
use super::error::SimError;
use serde::{Deserialize, Serialize};

/// The most Ps a simulation may have.
pub const MAX_PROCS: usize = 1024;

/// The default event budget: the lab's largest default run needs under 1%
/// of it (pinned in `tests/sim_props.rs`), and a livelocked workload still
/// fails in seconds instead of hanging.
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;

/// One simulation's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Number of Ps (`GOMAXPROCS`), 1..=[`MAX_PROCS`].
    pub procs: usize,
    /// Seeds every P's random stream (victim order).
    pub seed: u64,
    pub costs: Costs,
    /// Events processed before the run stops with [`SimError::EventLimit`].
    pub max_events: u64,
}

impl SimConfig {
    /// `procs` Ps, `seed`, default costs and event budget.
    pub fn new(procs: usize, seed: u64) -> Self {
        SimConfig {
            procs,
            seed,
            costs: Costs::default(),
            max_events: DEFAULT_MAX_EVENTS,
        }
    }

    /// Same configuration, other costs.
    pub fn with_costs(mut self, costs: Costs) -> Self {
        self.costs = costs;
        self
    }

    /// Same configuration, another event budget.
    pub fn with_max_events(mut self, max_events: u64) -> Self {
        self.max_events = max_events;
        self
    }

    /// Checks `procs` and `max_events`.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(1..=MAX_PROCS).contains(&self.procs) {
            return Err(SimError::BadConfig(format!(
                "procs = {} (allowed: 1..={MAX_PROCS})",
                self.procs
            )));
        }
        if self.max_events == 0 {
            return Err(SimError::BadConfig(
                "max_events = 0 (allowed: 1 or more)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procs_range_is_1_to_1024() {
        assert!(SimConfig::new(1, 0).validate().is_ok());
        assert!(SimConfig::new(1024, 0).validate().is_ok());
        for bad in [0, 1025] {
            let e = SimConfig::new(bad, 0).validate().unwrap_err();
            assert!(e.to_string().contains("1..=1024"), "{e}");
        }
    }
}
