//! What `verify::check` explores: the strategy, how many schedules, the
//! seed, and the deterministic runs' settings. Every bound has a default
//! pinned below and an environment variable that overrides it (as loom's
//! `LOOM_MAX_PREEMPTIONS`), so CI can widen a search without editing tests;
//! builder calls override both.
//!
//! | field        | default (`cargo test`) | default (`--features model-check`) | environment |
//! |--------------|------------------------|------------------------------------|-------------|
//! | `strategy`   | `Mixed { pct_depth: 2 }` | `Mixed { pct_depth: 3 }`         | `SCHED_CHECK_STRATEGY` = `random`, `pct[:d]`, `round-robin`, `mixed[:d]` |
//! | `iterations` | 8                      | 1000                               | `SCHED_CHECK_ITERATIONS` |
//! | `seed`       | 0                      | 0                                  | `SCHED_CHECK_SEED` |
//! | `procs`      | 2                      | 2                                  | `SCHED_CHECK_PROCS` |
//! | `step_limit` | 100 000                | 100 000                            | `SCHED_CHECK_STEP_LIMIT` |
//! | `policy`     | `go`                   | `go`                               | `SCHED_CHECK_POLICY` (a `Policy::parse` spec) |
//! | `scope`      | any interleaving       | any interleaving                   | — |
//! | `production` | true                   | true                               | — |
//! | `shard`      | all iterations         | all iterations                     | `SCHED_CHECK_SHARD` = `i/n`: iterations `k` with `k % n == i` |

use model::policy::Policy;
use model::trace::Scope;
use std::fmt;

/// How schedules are picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly random at every choice point, seeded per iteration.
    Random,
    /// PCT (Burckhardt et al. 2010): random priorities with `depth − 1`
    /// priority change points; finds any bug of depth `depth` with a known
    /// probability per run.
    Pct { depth: u32 },
    /// Option `k mod n` at the k-th choice point: deterministic, seedless,
    /// a cheap first schedule that switches goroutines often.
    RoundRobin,
    /// Alternates `Random` and `Pct { depth: pct_depth }` iterations, after
    /// one `RoundRobin` schedule: the default.
    Mixed { pct_depth: u32 },
}

/// Settings of one `check`. [`Config::new`] applies the defaults and the
/// environment (module docs); the builder methods override them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub strategy: Strategy,
    /// Deterministic schedules to run (the production run not counted).
    pub iterations: u64,
    /// Seeds the iterations: iteration `i` uses `seed_for(i)`.
    pub seed: u64,
    /// Logical Ps of the deterministic runs, and Ps of the production run.
    pub procs: u32,
    pub policy: Policy,
    pub scope: Scope,
    /// Scheduling steps before a deterministic run stops as a livelock.
    pub step_limit: u64,
    /// Run the body once on the production engine before exploring.
    pub production: bool,
    /// The test's name, for trace files and the replay command (default: the
    /// current thread's name, which libtest sets to the test's path).
    pub name: Option<String>,
    /// `(i, n)`: run only the iterations `k` with `k % n == i`, so `n`
    /// machines (a CI matrix, indexed Jobs, an array job) split one check.
    pub shard: Option<(u64, u64)>,
}

/// Defaults without the `model-check` feature: fast enough for every `cargo test`.
pub const QUICK_ITERATIONS: u64 = 8;
/// Defaults with `--features model-check`.
pub const MODEL_CHECK_ITERATIONS: u64 = 1000;
pub const DEFAULT_PROCS: u32 = 2;
pub const DEFAULT_STEP_LIMIT: u64 = 100_000;

impl Default for Config {
    /// The defaults of this build, without the environment.
    fn default() -> Self {
        let (iterations, pct_depth) = if cfg!(feature = "model-check") {
            (MODEL_CHECK_ITERATIONS, 3)
        } else {
            (QUICK_ITERATIONS, 2)
        };
        Config {
            strategy: Strategy::Mixed { pct_depth },
            iterations,
            seed: 0,
            procs: DEFAULT_PROCS,
            policy: Policy::go(),
            scope: Scope::AnyInterleaving,
            step_limit: DEFAULT_STEP_LIMIT,
            production: true,
            name: None,
            shard: None,
        }
    }
}

/// An environment variable with a value `check` cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    pub var: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "verify: {}={:?} is not valid (expected {})",
            self.var, self.value, self.expected
        )
    }
}

impl std::error::Error for EnvError {}

impl Config {
    /// The defaults with the environment applied.
    ///
    /// # Panics
    /// When a `SCHED_CHECK_*` variable is malformed (the message names it).
    pub fn new() -> Self {
        Config::default()
            .with_env(|k| std::env::var(k).ok())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Applies the variables `get` returns (the process environment in
    /// [`Config::new`]; a map in tests).
    pub fn with_env(mut self, get: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        if let Some(v) = get("SCHED_CHECK_STRATEGY") {
            self.strategy = parse_strategy(&v)?;
        }
        if let Some(v) = get("SCHED_CHECK_ITERATIONS") {
            self.iterations = number("SCHED_CHECK_ITERATIONS", &v)?;
        }
        if let Some(v) = get("SCHED_CHECK_SEED") {
            self.seed = number("SCHED_CHECK_SEED", &v)?;
        }
        if let Some(v) = get("SCHED_CHECK_PROCS") {
            self.procs = number("SCHED_CHECK_PROCS", &v)?;
        }
        if let Some(v) = get("SCHED_CHECK_STEP_LIMIT") {
            self.step_limit = number("SCHED_CHECK_STEP_LIMIT", &v)?;
        }
        if let Some(v) = get("SCHED_CHECK_SHARD") {
            self.shard = Some(parse_shard(&v)?);
        }
        if let Some(v) = get("SCHED_CHECK_POLICY") {
            self.policy = Policy::parse(&v).map_err(|_| EnvError {
                var: "SCHED_CHECK_POLICY",
                value: v.clone(),
                expected: "a policy spec such as `go` or `go,steal=one`",
            })?;
        }
        Ok(self)
    }

    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    pub fn iterations(mut self, n: u64) -> Self {
        self.iterations = n;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
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

    pub fn step_limit(mut self, steps: u64) -> Self {
        self.step_limit = steps;
        self
    }

    /// Whether to run the body on the production engine first.
    pub fn production(mut self, on: bool) -> Self {
        self.production = on;
        self
    }

    /// Runs shard `i` of `n` (see [`Config::shard`]).
    ///
    /// # Panics
    /// When `i >= n`.
    pub fn shard(mut self, i: u64, n: u64) -> Self {
        assert!(
            i < n,
            "verify::Config::shard: shard {i} of {n} does not exist"
        );
        self.shard = Some((i, n));
        self
    }

    /// Whether iteration `k` belongs to this config's shard.
    pub fn in_shard(&self, k: u64) -> bool {
        match self.shard {
            Some((i, n)) => k % n == i,
            None => true,
        }
    }

    /// The name used for trace files and the replay command.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// The seed of iteration `i`: distinct per iteration, reproducible from
    /// `seed` (splitmix64 of the pair).
    pub fn seed_for(&self, i: u64) -> u64 {
        let mut z = self
            .seed
            .wrapping_add(i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn number<T: std::str::FromStr>(var: &'static str, v: &str) -> Result<T, EnvError> {
    v.trim().replace('_', "").parse().map_err(|_| EnvError {
        var,
        value: v.to_owned(),
        expected: "a non-negative integer",
    })
}

/// `i/n` with `i < n`.
fn parse_shard(v: &str) -> Result<(u64, u64), EnvError> {
    let bad = || EnvError {
        var: "SCHED_CHECK_SHARD",
        value: v.to_owned(),
        expected: "i/n with 0 <= i < n",
    };
    let (i, n) = v.trim().split_once('/').ok_or_else(bad)?;
    let (i, n) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if i < n {
        Ok((i, n))
    } else {
        Err(bad())
    }
}

/// `random`, `round-robin`, `pct`, `pct:D`, `mixed`, `mixed:D`.
pub fn parse_strategy(v: &str) -> Result<Strategy, EnvError> {
    let bad = || EnvError {
        var: "SCHED_CHECK_STRATEGY",
        value: v.to_owned(),
        expected: "random, round-robin, pct[:depth] or mixed[:depth], depth >= 1",
    };
    let (name, depth) = match v.trim().split_once(':') {
        Some((n, d)) => (n, Some(d.parse::<u32>().map_err(|_| bad())?)),
        None => (v.trim(), None),
    };
    if depth == Some(0) {
        return Err(bad());
    }
    match (name, depth) {
        ("random", None) => Ok(Strategy::Random),
        ("round-robin", None) => Ok(Strategy::RoundRobin),
        ("pct", d) => Ok(Strategy::Pct {
            depth: d.unwrap_or(3),
        }),
        ("mixed", d) => Ok(Strategy::Mixed {
            pct_depth: d.unwrap_or(3),
        }),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        if cfg!(feature = "model-check") {
            assert_eq!(c.iterations, 1000);
            assert_eq!(c.strategy, Strategy::Mixed { pct_depth: 3 });
        } else {
            assert_eq!(c.iterations, 8);
            assert_eq!(c.strategy, Strategy::Mixed { pct_depth: 2 });
        }
        assert_eq!((c.seed, c.procs, c.step_limit), (0, 2, 100_000));
        assert_eq!(c.policy, Policy::go());
        assert_eq!(c.scope, Scope::AnyInterleaving);
        assert!(c.production);
    }

    #[test]
    fn the_environment_overrides_defaults_and_the_builder_overrides_both() {
        let c = Config::default()
            .with_env(env(&[
                ("SCHED_CHECK_ITERATIONS", "10_000"),
                ("SCHED_CHECK_SEED", "42"),
                ("SCHED_CHECK_STRATEGY", "pct:5"),
                ("SCHED_CHECK_PROCS", "4"),
                ("SCHED_CHECK_STEP_LIMIT", "500"),
                ("SCHED_CHECK_POLICY", "go,steal=one"),
            ]))
            .unwrap();
        assert_eq!(c.iterations, 10_000);
        assert_eq!(c.seed, 42);
        assert_eq!(c.strategy, Strategy::Pct { depth: 5 });
        assert_eq!((c.procs, c.step_limit), (4, 500));
        assert_eq!(c.policy.name, "go,steal=one");
        assert_eq!(c.iterations(3).iterations, 3);
    }

    #[test]
    fn malformed_variables_name_the_variable_and_what_it_takes() {
        let e = Config::default()
            .with_env(env(&[("SCHED_CHECK_ITERATIONS", "lots")]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "verify: SCHED_CHECK_ITERATIONS=\"lots\" is not valid (expected a non-negative integer)"
        );
        let e = parse_strategy("pct:0").unwrap_err();
        assert!(e.to_string().contains("pct[:depth]"), "{e}");
        assert_eq!(
            parse_strategy("mixed").unwrap(),
            Strategy::Mixed { pct_depth: 3 }
        );
        assert_eq!(parse_strategy("round-robin").unwrap(), Strategy::RoundRobin);
        assert!(parse_strategy("dfs").is_err());
    }

    #[test]
    fn shards_partition_the_iterations() {
        let c = Config::default()
            .with_env(env(&[("SCHED_CHECK_SHARD", "1/3")]))
            .unwrap();
        assert_eq!(c.shard, Some((1, 3)));
        let mine: Vec<u64> = (0..10).filter(|&k| c.in_shard(k)).collect();
        assert_eq!(mine, [1, 4, 7]);
        let every: Vec<u64> = (0..10)
            .filter(|&k| (0..3).any(|i| Config::default().shard(i, 3).in_shard(k)))
            .collect();
        assert_eq!(every, (0..10).collect::<Vec<_>>());
        for bad in ["3/3", "1", "a/b"] {
            let e = Config::default()
                .with_env(env(&[("SCHED_CHECK_SHARD", bad)]))
                .unwrap_err();
            assert_eq!(e.expected, "i/n with 0 <= i < n", "{bad}");
        }
    }

    #[test]
    fn iteration_seeds_differ_and_repeat() {
        let c = Config::default().seed(7);
        let seeds: std::collections::HashSet<u64> = (0..1000).map(|i| c.seed_for(i)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_eq!(c.seed_for(5), Config::default().seed(7).seed_for(5));
        assert_ne!(c.seed_for(5), Config::default().seed(8).seed_for(5));
    }
}
