//! The standard workloads by name, shared by the policy lab, the simulator's
//! checks and (later) the production engine's `--engine real` runs.
//!
//! Sizes are chosen so the lab's default matrix (every workload × five
//! policies × six values of P on the simulator) runs in seconds, while each
//! workload still has enough parallel slack for P = 64 to matter:
//!
//! | name                | builder call                               | work    | goroutines |
//! |---------------------|--------------------------------------------|---------|------------|
//! | `fib`               | `fib(25, cutoff 10, 100 ns per node)`      | 24.3 ms | 3 193      |
//! | `tree`              | `tree(depth 6, fan-out 4, 10 µs per node)` | 54.6 ms | 5 461      |
//! | `chain`             | `chain(1 000, 10 µs)`                      | 10 ms   | 1 000      |
//! | `imbalanced`        | `imbalanced(10 000, 1 µs)` (cost i%100 µs) | 495 ms  | 10 001     |
//! | `producer_consumer` | 4 producers × 4 consumers, 1 000 msgs each, cap 16, 2 µs per end | 16 ms | 9 |
//! | `blocking`          | `blocking(200, 100 µs call, 20 µs work)`   | 16 ms   | 401        |
//! | `respawning_pairs`  | `respawning_pairs(1 000, 5 µs)`            | 20 ms   | 4 000      |
//!
//! (`imbalanced` is the issue's: 10 000 tasks of cost `i % 100` µs spawned
//! from one P.) The work and goroutine columns are pinned by a test.

use crate::workload::Workload;
use std::fmt;

/// Every registered name, in the order of [`defaults`].
pub const NAMES: [&str; 7] = [
    "fib",
    "tree",
    "chain",
    "imbalanced",
    "producer_consumer",
    "blocking",
    "respawning_pairs",
];

/// A name that is not registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownWorkload(pub String);

impl fmt::Display for UnknownWorkload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown workload {:?} (valid: {})",
            self.0,
            NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownWorkload {}

/// The workload registered as `name`.
pub fn by_name(name: &str) -> Result<Workload, UnknownWorkload> {
    let w = match name {
        "fib" => Workload::fib(25, 10, 100),
        "tree" => Workload::tree(6, 4, 10_000),
        "chain" => Workload::chain(1_000, 10_000),
        "imbalanced" => Workload::imbalanced(10_000, 1_000),
        "producer_consumer" => Workload::producer_consumer(4, 4, 1_000, 16, 2_000),
        "blocking" => Workload::blocking(200, 100_000, 20_000),
        "respawning_pairs" => Workload::respawning_pairs(1_000, 5_000),
        _ => return Err(UnknownWorkload(name.to_owned())),
    };
    Ok(w)
}

/// Every registered workload, in [`NAMES`] order.
pub fn defaults() -> Vec<(&'static str, Workload)> {
    NAMES
        .iter()
        .map(|&n| (n, by_name(n).expect("registered names build")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Program;

    /// Work and goroutine count of the reference serial execution.
    fn measure(w: &Workload) -> (u64, usize) {
        let (prog, work) = Program::run_serial(w);
        (work, prog.created())
    }

    #[test]
    fn the_table_in_the_module_prose_is_true() {
        let want: [(u64, usize); 7] = [
            (24_278_500, 3_193),
            (54_610_000, 5_461),
            (10_000_000, 1_000),
            (495_000_000, 10_001),
            (16_000_000, 9),
            (16_000_000, 401),
            (19_995_000, 4_000),
        ];
        for ((name, w), want) in defaults().iter().zip(want) {
            assert_eq!(measure(w), want, "{name}");
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let e = by_name("fibb").unwrap_err().to_string();
        assert!(e.contains("\"fibb\""), "{e}");
        for n in NAMES {
            assert!(e.contains(n), "{e}");
        }
    }
}
