//! Exhaustive exploration of a [`Machine`]'s choice tree.
//!
//! [`Explorer`] does a depth-first search over every enabled transition of
//! every reachable state, checking every invariant after every transition
//! ([`Machine::apply`] does), and stops at the first violation with a
//! replayable trace. Branch points clone the machine (the state is a few
//! hundred bytes, cheaper than replaying prefixes). Revisited states are
//! pruned by their 64-bit [`fingerprint`](Machine::fingerprint) — hash
//! compaction (Holzmann, "An analysis of bitstate hashing", 1998; Stern &
//! Dill 1995): a collision could only hide states, never report a false
//! violation, and at the two-million-state bound its probability is about
//! n²/2⁶⁵ ≈ 10⁻⁷.
//!
//! One reduction: a step that only computes ([`Machine::is_local_step`])
//! commutes with every other transition and is invisible to every
//! invariant, so where one is enabled it is explored alone (a singleton
//! ample set; Peled, "All from one, one for all", CAV 1993). It cannot close
//! a cycle (it advances a program counter), so the proviso holds.
//!
//! The fingerprint leaves out the step count, so a state reached along two
//! paths is explored once; a violation found later is replayed from the root
//! along the path that reached it, which is why the counterexample is a full
//! trace. Bounds, each a builder field read from its environment variable
//! (like loom's `LOOM_MAX_BRANCHES`):
//!
//! | field        | env var                   | default      | when hit |
//! |--------------|---------------------------|--------------|----------|
//! | `max_steps`  | `SCHED_MODEL_MAX_STEPS`   | 10 000       | the path stops; counted in `depth_limited` |
//! | `max_states` | `SCHED_MODEL_MAX_STATES`  | 2 000 000    | the search stops; `complete` is false |

use super::choice::Choice;
use super::invariants::Violation;
use super::machine::Machine;
use super::outcome::violation;
use crate::chooser::ScriptChooser;
use std::collections::HashSet;

/// Environment variable overriding [`Explorer::max_steps`].
pub const MAX_STEPS_ENV: &str = "SCHED_MODEL_MAX_STEPS";
/// Environment variable overriding [`Explorer::max_states`].
pub const MAX_STATES_ENV: &str = "SCHED_MODEL_MAX_STATES";
/// Default depth bound: far beyond the small configurations' longest runs.
pub const DEFAULT_MAX_STEPS: u64 = 10_000;
/// Default state bound: some 50 MB of fingerprints plus the DFS stack, and
/// 15–25 s of search on one core of the development machine.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

/// Depth-first exhaustive explorer. Build with [`Explorer::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explorer {
    /// Longest path explored, in transitions (`SCHED_MODEL_MAX_STEPS`).
    pub max_steps: u64,
    /// Most distinct states visited before giving up
    /// (`SCHED_MODEL_MAX_STATES`).
    pub max_states: usize,
}

/// What an exploration covered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExploreStats {
    /// Distinct states visited (the root included).
    pub states: usize,
    /// Transitions applied (and checked).
    pub transitions: u64,
    /// Paths that reached a state with nothing enabled.
    pub executions: u64,
    /// Of those, the ones where the program deadlocked.
    pub deadlocks: u64,
    /// Transitions that led to an already visited state.
    pub revisits: u64,
    /// Paths cut by `max_steps`.
    pub depth_limited: u64,
    /// Longest path explored.
    pub max_depth: u64,
    /// Longest wait in the global queue seen in any state, in time slices
    /// (what the fairness invariant bounds).
    pub max_global_wait: u64,
    /// False if `max_states` stopped the search.
    pub complete: bool,
}

struct Frame {
    machine: Machine,
    choices: Vec<Choice>,
    next: usize,
}

impl Default for Explorer {
    fn default() -> Self {
        Explorer::new()
    }
}

impl Explorer {
    /// Bounds from the environment, else the defaults.
    pub fn new() -> Self {
        Explorer {
            max_steps: env_or(MAX_STEPS_ENV, DEFAULT_MAX_STEPS),
            max_states: env_or(MAX_STATES_ENV, DEFAULT_MAX_STATES),
        }
    }

    pub fn with_max_steps(mut self, n: u64) -> Self {
        self.max_steps = n;
        self
    }

    pub fn with_max_states(mut self, n: usize) -> Self {
        self.max_states = n;
        self
    }

    /// Explores every state reachable from `root`; the first violation with
    /// its trace, or what was covered.
    pub fn explore(&self, root: &Machine) -> Result<ExploreStats, Violation> {
        let mut stats = ExploreStats {
            complete: true,
            ..ExploreStats::default()
        };
        let mut visited = HashSet::new();
        visited.insert(root.fingerprint());
        let mut stack = vec![Frame {
            machine: root.clone(),
            choices: reduce(root, root.enabled()),
            next: 0,
        }];
        // path[i]: the index chosen at stack[i] to reach stack[i + 1].
        let mut path: Vec<usize> = Vec::new();
        while let Some(frame) = stack.last_mut() {
            if frame.next == frame.choices.len() {
                stack.pop();
                path.pop();
                continue;
            }
            let i = frame.next;
            frame.next += 1;
            let mut child = frame.machine.clone();
            stats.transitions += 1;
            if let Err(e) = child.apply(frame.choices[i]) {
                return Err(self.counterexample(root, &stack, &path, i, e));
            }
            if !visited.insert(child.fingerprint()) {
                stats.revisits += 1;
                continue;
            }
            if visited.len() > self.max_states {
                stats.complete = false;
                break;
            }
            let depth = stack.len() as u64;
            stats.max_depth = stats.max_depth.max(depth);
            stats.max_global_wait = stats.max_global_wait.max(child.max_global_wait());
            let choices = reduce(&child, child.enabled());
            if choices.is_empty() {
                stats.executions += 1;
                stats.deadlocks += u64::from(!child.all_done());
            } else if depth >= self.max_steps {
                stats.depth_limited += 1;
            } else {
                path.push(i);
                stack.push(Frame {
                    machine: child,
                    choices,
                    next: 0,
                });
            }
        }
        stats.states = visited.len();
        Ok(stats)
    }

    /// Replays the path to a failing transition from the root with a traced
    /// run, so the violation carries every decision from the start.
    fn counterexample(
        &self,
        root: &Machine,
        stack: &[Frame],
        path: &[usize],
        last: usize,
        error: super::machine::MachineError,
    ) -> Violation {
        let indices = path.iter().copied().chain([last]);
        let choices: Vec<Choice> = stack
            .iter()
            .zip(indices)
            .map(|(f, i)| f.choices[i])
            .collect();
        // The frames hold reduced choice lists; a traced run is offered the
        // full ones, so translate each choice into its index there.
        let mut walk = root.clone();
        let mut script = Vec::new();
        for &choice in &choices {
            let enabled = walk.enabled();
            if enabled.len() > 1 {
                script.push(enabled.iter().position(|&c| c == choice).unwrap_or(0));
            }
            if walk.apply(choice).is_err() {
                break;
            }
        }
        let mut replay = root.clone();
        let mut chooser = ScriptChooser::new(script);
        match replay.run(&mut chooser, stack.len() as u64) {
            Err(v) => v,
            // The machine is deterministic, so the replay fails the same way;
            // if it did not, report the original error without a full trace.
            Ok(outcome) => violation(error, root.steps() + stack.len() as u64 - 1, outcome.trace),
        }
    }
}

/// A local step alone if one is enabled, else every choice.
fn reduce(m: &Machine, choices: Vec<Choice>) -> Vec<Choice> {
    match choices.iter().find(|&&c| m.is_local_step(c)) {
        Some(&local) => vec![local],
        None => choices,
    }
}

fn env_or<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{MachineConfig, DEFAULT_QUANTUM_STEPS};
    use crate::policy::Policy;
    use crate::workload::Workload;

    #[test]
    fn documented_defaults_are_the_defaults() {
        assert_eq!(DEFAULT_MAX_STEPS, 10_000);
        assert_eq!(DEFAULT_MAX_STATES, 2_000_000);
        assert_eq!(DEFAULT_QUANTUM_STEPS, 8);
        assert_eq!(MAX_STATES_ENV, "SCHED_MODEL_MAX_STATES");
        assert_eq!(MAX_STEPS_ENV, "SCHED_MODEL_MAX_STEPS");
    }

    #[test]
    fn env_overrides_parse_and_fall_back() {
        std::env::set_var("SCHED_MODEL_TEST_ENV_OR", " 42 ");
        assert_eq!(env_or("SCHED_MODEL_TEST_ENV_OR", 7u64), 42);
        std::env::set_var("SCHED_MODEL_TEST_ENV_OR", "many");
        assert_eq!(env_or("SCHED_MODEL_TEST_ENV_OR", 7u64), 7);
    }

    fn fib3() -> Machine {
        Machine::new(Workload::fib(3, 1, 1), Policy::go(), MachineConfig::new(2))
    }

    #[test]
    fn a_complete_search_reaches_every_end() {
        let stats = Explorer::new()
            .with_max_states(1_000_000)
            .with_max_steps(1_000)
            .explore(&fib3())
            .unwrap();
        assert!(stats.complete && stats.depth_limited == 0, "{stats:?}");
        assert!(stats.executions > 1 && stats.deadlocks == 0, "{stats:?}");
        assert!(stats.states as u64 <= stats.transitions + 1);
    }

    #[test]
    fn bounds_are_reported_not_hidden() {
        let few = Explorer::new()
            .with_max_states(10)
            .explore(&fib3())
            .unwrap();
        assert!(!few.complete);
        let shallow = Explorer::new()
            .with_max_states(1_000_000)
            .with_max_steps(5)
            .explore(&fib3())
            .unwrap();
        assert!(
            shallow.depth_limited > 0 && shallow.max_depth <= 5,
            "{shallow:?}"
        );
    }
}
