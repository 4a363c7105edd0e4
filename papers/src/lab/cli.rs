//! The `lab` command line, and the [`Plan`] it resolves to.
//!
//! Lists are comma-separated. A policy is a preset followed by `knob=value`
//! overrides (`go,steal=one`), so in `--policies` a token with `=` belongs to
//! the policy before it: `go,fifo,go,steal=one` is three policies — `go`,
//! `fifo`, `go,steal=one` (presets never contain `=`). Every name is checked
//! before anything runs; a bad one is an error listing the valid ones.

use super::engine::Engine;
use super::error::LabError;
use clap::{CommandFactory, FromArgMatches, Parser};
use model::policy::{Policy, KNOBS};
use model::workload::Workload;
use model::workloads;
use std::path::PathBuf;

/// The policies of the default matrix: the four presets, then Go and
/// steal-one with a local ring too large to overflow. With Go's 256-slot
/// ring, a P that spawns thousands of Gs spills most of them to the global
/// queue, which then distributes the work instead of stealing; the two
/// `capacity=65536` ablations isolate what the steal amount does when
/// stealing is the only way work spreads.
pub const DEFAULT_POLICIES: [&str; 6] = [
    "go",
    "tokio_like",
    "steal_one",
    "fifo",
    "go,capacity=65536",
    "steal_one,capacity=65536",
];
/// The P values of the default matrix.
pub const DEFAULT_PROCS: &str = "1,2,4,8,16,64";

/// The policy lab: runs workloads × policies × numbers of Ps and reports
/// makespan, speedup over P = 1, steals, scheduling latency and utilisation.
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "lab", version)]
pub struct Args {
    /// Workloads, comma-separated [default: all registered]
    #[arg(long, value_name = "LIST")]
    pub workloads: Option<String>,
    /// Policies, comma-separated; knobs attach to the preset before them
    /// [default: go,tokio_like,steal_one,fifo,go,capacity=65536,steal_one,capacity=65536]
    #[arg(long, value_name = "LIST")]
    pub policies: Option<String>,
    /// Numbers of Ps, comma-separated (1..=1024)
    #[arg(long, value_name = "LIST", default_value = DEFAULT_PROCS)]
    pub procs: String,
    /// Seed of every run (victim order)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Results folder [default: results/lab-NNN, the first free NNN]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Engine that runs the matrix: sim (the simulator), or real (the simulator
    /// and the production runtime side by side; P defaults to what fits this
    /// machine's cores)
    #[arg(long, default_value = "sim")]
    pub engine: String,
    /// No progress on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

/// A checked matrix, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub engine: Engine,
    /// (registry name, workload)
    pub workloads: Vec<(String, Workload)>,
    pub policies: Vec<Policy>,
    pub procs: Vec<usize>,
    pub seed: u64,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

/// The text after the options in `--help`: what can be named.
pub fn after_help() -> String {
    format!(
        "Workloads: {}\n\
         Policies: a preset ({}) then knob=value overrides, e.g. go,steal=one\n\
         Knobs: {KNOBS}\n\
         Engines: {} (real = the simulator and the production runtime side by side)\n\
         Writes results.csv and speedup-<workload>.svg into the results folder, named on stdout.",
        workloads::NAMES.join(", "),
        Policy::PRESETS.join(", "),
        Engine::NAMES.join(", "),
    )
}

/// Parses the process's arguments (exits with clap's message on a syntax error).
pub fn parse() -> Args {
    let matches = Args::command().after_help(after_help()).get_matches();
    Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

impl Args {
    /// Checks every name and number.
    pub fn plan(&self) -> Result<Plan, LabError> {
        Ok(Plan {
            engine: Engine::parse(&self.engine)?,
            workloads: self.workload_list()?,
            policies: self.policy_list()?,
            procs: self.procs_for(Engine::parse(&self.engine)?)?,
            seed: self.seed,
            out: self.out.clone(),
            quiet: self.quiet,
        })
    }

    /// The Ps asked for; for `real` without `--procs`, the default Ps that
    /// fit the cores this process may use (real runs past them only measure
    /// oversubscription).
    fn procs_for(&self, engine: Engine) -> Result<Vec<usize>, LabError> {
        let procs = parse_procs(&self.procs)?;
        if engine == Engine::Real && self.procs == DEFAULT_PROCS {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            return Ok(procs.into_iter().filter(|&p| p <= cores.max(2)).collect());
        }
        Ok(procs)
    }

    fn workload_list(&self) -> Result<Vec<(String, Workload)>, LabError> {
        let Some(list) = &self.workloads else {
            return Ok(workloads::defaults()
                .into_iter()
                .map(|(n, w)| (n.to_owned(), w))
                .collect());
        };
        split(list)
            .map(|name| {
                workloads::by_name(name)
                    .map(|w| (name.to_owned(), w))
                    .map_err(|e| LabError::Usage(format!("--workloads: {e}")))
            })
            .collect()
    }

    fn policy_list(&self) -> Result<Vec<Policy>, LabError> {
        let specs = match &self.policies {
            Some(list) => policy_specs(list),
            None => DEFAULT_POLICIES.iter().map(|s| s.to_string()).collect(),
        };
        specs
            .iter()
            .map(|s| {
                Policy::parse(s).map_err(|e| LabError::Usage(format!("--policies {s:?}: {e}")))
            })
            .collect()
    }
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Groups `go,fifo,go,steal=one` into `["go", "fifo", "go,steal=one"]`.
pub fn policy_specs(list: &str) -> Vec<String> {
    let mut specs: Vec<String> = Vec::new();
    for token in split(list) {
        match specs.last_mut() {
            Some(last) if token.contains('=') => {
                last.push(',');
                last.push_str(token);
            }
            _ => specs.push(token.to_owned()),
        }
    }
    specs
}

fn parse_procs(list: &str) -> Result<Vec<usize>, LabError> {
    let max = model::sim::MAX_PROCS;
    let procs = split(list)
        .map(|t| match t.parse::<usize>() {
            Ok(p) if (1..=max).contains(&p) => Ok(p),
            _ => Err(LabError::Usage(format!(
                "--procs: {t:?} is not a number of Ps (allowed: 1..={max})"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if procs.is_empty() {
        return Err(LabError::Usage("--procs: empty list".into()));
    }
    Ok(procs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_attach_to_the_preset_before_them() {
        assert_eq!(
            policy_specs("go,fifo,go,steal=one,runnext=off, tokio_like"),
            ["go", "fifo", "go,steal=one,runnext=off", "tokio_like"]
        );
    }

    #[test]
    fn the_defaults_are_valid() {
        let plan = Args::parse_from(["lab"]).plan().unwrap();
        assert_eq!(plan.workloads.len(), workloads::NAMES.len());
        assert_eq!(plan.policies.len(), DEFAULT_POLICIES.len());
        assert_eq!(plan.procs, [1, 2, 4, 8, 16, 64]);
    }

    #[test]
    fn bad_procs_say_the_range() {
        for bad in ["0", "1025", "x", ""] {
            let e = parse_procs(bad).unwrap_err().to_string();
            assert!(e.contains("--procs"), "{e}");
        }
    }
}
