//! The fixed parameters of one [`Machine`](super::Machine) run.
//!
//! Everything that is not the workload or the policy: how many Ps, which
//! scope of choices, the seed of the machine's own random numbers (the
//! policy's victim order), and the two numbers the untimed model needs in
//! place of clocks — the preemption quantum in *steps* (sysmon's 10 ms) and
//! the global-queue check interval the fairness invariant holds a policy to
//! when the policy itself promises none.

use crate::policy::GO_GLOBAL_CHECK_INTERVAL;
use crate::trace::Scope;

/// Default preemption quantum: a G (or a `runnext` chain inheriting its time
/// slice) that has taken this many steps in one slice is preempted. Small, so
/// that exhaustive checks reach preemptions; large enough that the small
/// workloads' goroutines usually finish inside one slice.
pub const DEFAULT_QUANTUM_STEPS: u32 = 8;

/// Parameters of a machine. Build with [`MachineConfig::new`] and the
/// `with_*` methods.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MachineConfig {
    /// Number of logical Ps (`GOMAXPROCS`), at least 1.
    pub procs: usize,
    /// Which choices are offered: the policy's only, or any interleaving.
    pub scope: Scope,
    /// Seeds the machine's [`Rng`](crate::Rng): the policy's victim order.
    pub seed: u64,
    /// Steps a time slice may take before sysmon preempts it (≥ 1). The
    /// model is untimed, so the policy's `quantum_ns` does not enter it;
    /// this is its stand-in.
    pub quantum_steps: u32,
    /// The global-queue check interval `k` the fairness invariant demands of
    /// a policy with [`GlobalCheck::Never`](crate::policy::GlobalCheck::Never)
    /// (Go's 61 by default). A policy with `Every(k)` is held to its own `k`.
    pub fairness_interval: u32,
    /// The chooser's name, written into the trace header.
    pub strategy: String,
}

impl MachineConfig {
    /// `procs` Ps, policy-faithful scope, seed 0, the default quantum, Go's
    /// fairness interval.
    pub fn new(procs: usize) -> Self {
        assert!(procs >= 1, "a machine needs at least one P");
        MachineConfig {
            procs,
            scope: Scope::PolicyFaithful,
            seed: 0,
            quantum_steps: DEFAULT_QUANTUM_STEPS,
            fairness_interval: GO_GLOBAL_CHECK_INTERVAL,
            strategy: "chooser".to_owned(),
        }
    }

    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn with_quantum_steps(mut self, steps: u32) -> Self {
        assert!(steps >= 1, "the quantum is at least one step");
        self.quantum_steps = steps;
        self
    }

    pub fn with_fairness_interval(mut self, k: u32) -> Self {
        assert!(k >= 1, "the fairness interval is at least 1");
        self.fairness_interval = k;
        self
    }

    pub fn with_strategy(mut self, name: &str) -> Self {
        name.clone_into(&mut self.strategy);
        self
    }
}
