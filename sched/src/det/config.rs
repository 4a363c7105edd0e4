//! The settings of one deterministic run, with builder methods and
//! validation errors that name the field.

use model::policy::Policy;
use model::trace::Scope;
use std::fmt;

/// Default bound on scheduling steps before a run stops with
/// [`Failure::StepLimit`](super::Failure::StepLimit) (loom's
/// `LOOM_MAX_BRANCHES` plays the same role).
pub const DEFAULT_STEP_LIMIT: u64 = 100_000;
/// Default number of visible operations in a time slice before the
/// policy-faithful scope may preempt the running goroutine.
pub const DEFAULT_QUANTUM_STEPS: u32 = 8;
/// Most logical Ps a deterministic run accepts.
pub const MAX_PROCS: u32 = 256;

/// Settings of a deterministic run (`sched::det::run`).
///
/// ```
/// use sched::det::Config;
/// let c = Config::new().procs(2).seed(7).step_limit(10_000);
/// assert!(c.validate().is_ok());
/// assert_eq!(Config::new().procs(0).validate().unwrap_err().field, "procs");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Logical Ps (`GOMAXPROCS`): `1..=MAX_PROCS`.
    pub procs: u32,
    /// The scheduling policy whose decisions the run follows.
    pub policy: Policy,
    /// Which choices exist: the policy's (`PolicyFaithful`) or every
    /// runnable goroutine at every visible operation (`AnyInterleaving`).
    pub scope: Scope,
    /// Seeds the policy's own randomness (victim order) and is written into
    /// the trace header; the chooser has its own seed.
    pub seed: u64,
    /// Scheduling steps before the run stops with `Failure::StepLimit`.
    pub step_limit: u64,
    /// Visible operations per time slice before a preemption becomes an
    /// option (policy-faithful scope; any-interleaving switches anywhere).
    pub quantum_steps: u32,
    /// The chooser's name for the trace header (`random`, `pct(d=3)`, …).
    pub strategy: String,
    /// The program or test that runs, for the trace header.
    pub program: String,
    /// Run `sched::blocking` calls inline instead of failing with
    /// `Failure::Uncontrolled` (their effects are then unchecked).
    pub allow_blocking: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            procs: 2,
            policy: Policy::go(),
            scope: Scope::AnyInterleaving,
            seed: 0,
            step_limit: DEFAULT_STEP_LIMIT,
            quantum_steps: DEFAULT_QUANTUM_STEPS,
            strategy: "random".into(),
            program: String::new(),
            allow_blocking: false,
        }
    }
}

/// An invalid setting: which field, its value, what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub field: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid det::Config: `{}` = {} (allowed: {})",
            self.field, self.value, self.allowed
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The defaults: 2 Ps, Go's policy, any-interleaving scope, seed 0.
    pub fn new() -> Self {
        Config::default()
    }

    pub fn procs(mut self, procs: u32) -> Self {
        self.procs = procs;
        self
    }

    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn step_limit(mut self, steps: u64) -> Self {
        self.step_limit = steps;
        self
    }

    pub fn quantum_steps(mut self, steps: u32) -> Self {
        self.quantum_steps = steps;
        self
    }

    pub fn strategy(mut self, name: &str) -> Self {
        self.strategy = name.to_owned();
        self
    }

    pub fn program(mut self, name: &str) -> Self {
        self.program = name.to_owned();
        self
    }

    pub fn allow_blocking(mut self, allow: bool) -> Self {
        self.allow_blocking = allow;
        self
    }

    /// The defaults, overridden by the environment (loom's `LOOM_*`
    /// variables play the same role): `SCHED_PROCS`, `SCHED_SEED`,
    /// `SCHED_STEP_LIMIT`, `SCHED_QUANTUM_STEPS`. An unparsable value is an
    /// error naming the variable's field.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut c = Config::new();
        if let Some(v) = env_number("SCHED_PROCS", "procs")? {
            c.procs = u32::try_from(v).map_err(|_| bad("procs", v, "1..=256"))?;
        }
        if let Some(v) = env_number("SCHED_SEED", "seed")? {
            c.seed = v;
        }
        if let Some(v) = env_number("SCHED_STEP_LIMIT", "step_limit")? {
            c.step_limit = v;
        }
        if let Some(v) = env_number("SCHED_QUANTUM_STEPS", "quantum_steps")? {
            c.quantum_steps = u32::try_from(v).map_err(|_| bad("quantum_steps", v, "1..2^32"))?;
        }
        c.validate().map(|()| c)
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_PROCS).contains(&self.procs) {
            return Err(bad("procs", self.procs, "1..=256"));
        }
        if self.step_limit == 0 {
            return Err(bad("step_limit", 0, "at least 1"));
        }
        if self.quantum_steps == 0 {
            return Err(bad("quantum_steps", 0, "at least 1"));
        }
        if let Err(e) = self.policy.validate() {
            return Err(ConfigError {
                field: "policy",
                value: e.to_string(),
                allowed: "a valid model::Policy",
            });
        }
        Ok(())
    }
}

fn env_number(var: &str, field: &'static str) -> Result<Option<u64>, ConfigError> {
    match std::env::var(var) {
        Err(_) => Ok(None),
        Ok(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad(field, format!("{s:?} (from {var})"), "an unsigned integer")),
    }
}

fn bad(field: &'static str, value: impl fmt::Display, allowed: &'static str) -> ConfigError {
    ConfigError {
        field,
        value: value.to_string(),
        allowed,
    }
}

const _: () = assert!(MAX_PROCS == 256, "the validation message says 1..=256");
