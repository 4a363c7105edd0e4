//! Seeded strategies: `iterations` independent schedules, iteration `i`
//! seeded with `Config::seed_for(i)`, so a failing iteration is reproduced
//! by its seed as well as by its trace.

use super::{Explorer, Observed, Schedule};
use crate::config::{Config, Strategy};
use crate::engine::PctFactory;
use model::chooser::{RandomChooser, RoundRobinChooser};

/// PCT's step estimate `k` before any run has been observed.
pub const INITIAL_PCT_STEPS: u64 = 100;

/// One iteration's chooser.
#[derive(Clone, Copy, Debug)]
enum Plain {
    Random,
    RoundRobin,
    Pct(u32),
}

/// Random, PCT, round-robin, or the mix of them (see [`Strategy`]).
#[derive(Debug)]
pub struct SeededExplorer {
    config: Config,
    pct: PctFactory,
    next: u64,
    /// PCT's `k`: the most steps any run took so far.
    max_steps: u64,
}

impl SeededExplorer {
    /// `pct` makes the engine's PCT chooser.
    pub fn new(config: &Config, pct: PctFactory) -> Self {
        SeededExplorer {
            config: config.clone(),
            pct,
            next: 0,
            max_steps: INITIAL_PCT_STEPS,
        }
    }

    /// The chooser of iteration `i` (`Mixed`: round-robin first, then PCT
    /// on odd iterations and random on even ones).
    fn chooser_of(&self, i: u64) -> Plain {
        match self.config.strategy {
            Strategy::Random => Plain::Random,
            Strategy::RoundRobin => Plain::RoundRobin,
            Strategy::Pct { depth } => Plain::Pct(depth),
            Strategy::Mixed { .. } if i == 0 => Plain::RoundRobin,
            Strategy::Mixed { pct_depth } if i % 2 == 1 => Plain::Pct(pct_depth),
            Strategy::Mixed { .. } => Plain::Random,
        }
    }
}

impl Explorer for SeededExplorer {
    fn next_schedule(&mut self) -> Option<Schedule> {
        while self.next < self.config.iterations && !self.config.in_shard(self.next) {
            self.next += 1;
        }
        let i = self.next;
        if i >= self.config.iterations {
            return None;
        }
        self.next += 1;
        let seed = self.config.seed_for(i);
        let k = self.max_steps;
        let (chooser, strategy): (Box<dyn model::Chooser>, String) = match self.chooser_of(i) {
            Plain::Random => (Box::new(RandomChooser::new(seed)), "random".into()),
            Plain::RoundRobin => (Box::new(RoundRobinChooser::default()), "round-robin".into()),
            Plain::Pct(depth) => ((self.pct)(seed, depth, k), format!("pct(d={depth},k={k})")),
        };
        Some(Schedule {
            index: i,
            chooser,
            strategy,
            seed,
        })
    }

    fn observe(&mut self, run: &Observed<'_>) {
        self.max_steps = self.max_steps.max(run.steps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::chooser::FirstChooser;
    use model::trace::{Scope, Trace};

    /// Any chooser will do: these tests look at the schedule plan, not runs.
    fn pct(_seed: u64, _depth: u32, _steps: u64) -> Box<dyn model::Chooser> {
        Box::new(FirstChooser)
    }

    fn plan(config: &Config) -> Vec<(String, u64)> {
        let mut e = SeededExplorer::new(config, pct);
        std::iter::from_fn(|| e.next_schedule())
            .map(|s| {
                assert_eq!(s.seed, config.seed_for(s.index));
                (s.strategy, s.seed)
            })
            .collect()
    }

    #[test]
    fn mixed_starts_round_robin_then_alternates_pct_and_random() {
        let c = Config::default()
            .strategy(Strategy::Mixed { pct_depth: 2 })
            .iterations(5);
        let names: Vec<String> = plan(&c).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "round-robin",
                "pct(d=2,k=100)",
                "random",
                "pct(d=2,k=100)",
                "random"
            ]
        );
    }

    #[test]
    fn each_iteration_gets_its_configured_seed_and_the_plan_ends() {
        let c = Config::default()
            .strategy(Strategy::Random)
            .iterations(3)
            .seed(9);
        let seeds: Vec<u64> = plan(&c).into_iter().map(|(_, s)| s).collect();
        assert_eq!(seeds, [c.seed_for(0), c.seed_for(1), c.seed_for(2)]);
    }

    #[test]
    fn a_shard_runs_its_own_iterations_with_their_own_seeds() {
        let c = Config::default()
            .strategy(Strategy::Mixed { pct_depth: 2 })
            .iterations(6)
            .shard(1, 2);
        let p = plan(&c);
        let names: Vec<&str> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["pct(d=2,k=100)", "pct(d=2,k=100)", "pct(d=2,k=100)"]
        );
        let seeds: Vec<u64> = p.iter().map(|(_, s)| *s).collect();
        assert_eq!(seeds, [c.seed_for(1), c.seed_for(3), c.seed_for(5)]);
    }

    #[test]
    fn pct_learns_the_step_estimate_from_observed_runs() {
        let c = Config::default()
            .strategy(Strategy::Pct { depth: 3 })
            .iterations(3);
        let mut e = SeededExplorer::new(&c, pct);
        assert_eq!(e.next_schedule().unwrap().strategy, "pct(d=3,k=100)");
        let t = Trace::new("t", c.policy.clone(), 2, 0, "pct", Scope::AnyInterleaving);
        e.observe(&Observed {
            trace: &t,
            steps: 250,
            failed: false,
        });
        assert_eq!(e.next_schedule().unwrap().strategy, "pct(d=3,k=250)");
    }
}
