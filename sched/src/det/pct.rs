//! `PctChooser`: probabilistic concurrency testing.
//!
//! Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler
//! with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010, Algorithm 1
//! (shuttle's `scheduler/pct.rs` is the same algorithm):
//!
//! - every goroutine gets a random priority `≥ d` when first seen (the
//!   paper's random permutation of `d .. d+n`, drawn online as goroutines
//!   are spawned);
//! - `d − 1` change points `k_1 … k_{d−1}` are drawn uniformly from
//!   `1 ..= max_steps`; at scheduling step `k_i` the goroutine about to run
//!   drops to priority `i` (below every initial priority);
//! - at every scheduling point the highest-priority option runs.
//!
//! A bug of depth `d` among `n` goroutines and `k` steps is found with
//! probability at least `1 / (n k^(d−1))` per run.
//!
//! Mapping onto our choice points: a `Step`/`Run` option is its goroutine;
//! a pending timer firing early is a "timer thread" with its own priority;
//! a `Preempt` option (policy-faithful scope) ranks just below its own
//! goroutine's `Step`, so it is taken only when that goroutine was demoted
//! below the others — PCT is meant for the any-interleaving scope, where
//! every switch is an option. `select!` arms, random numbers and the choice
//! among simultaneously due timers are drawn uniformly.

use model::chooser::{ChoiceKind, ChoicePoint, Chooser};
use model::event::Decision;
use model::{GId, ObjId, Rng};
use std::collections::HashMap;

/// What a scheduling option moves, as PCT sees it: a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Thread {
    G(GId),
    Timer(ObjId),
    Other,
}

/// PCT with bug depth `depth` over runs of about `max_steps` steps.
#[derive(Clone, Debug)]
pub struct PctChooser {
    rng: Rng,
    depth: u32,
    /// Sorted change points (scheduling step numbers, 1-based).
    change_points: Vec<u64>,
    priorities: HashMap<Thread, u64>,
    steps: u64,
}

impl PctChooser {
    /// A chooser for one run: `depth ≥ 1`, `max_steps ≥ 1` (an estimate of
    /// the run's scheduling choice points — those with two or more options
    /// — the paper's `k`; `Outcome::trace.entries.len()` of a random run is
    /// a good estimate).
    pub fn new(seed: u64, depth: u32, max_steps: u64) -> Self {
        assert!(depth >= 1, "PCT depth is at least 1");
        let mut rng = Rng::new(seed);
        let k = max_steps.max(1);
        let mut change_points: Vec<u64> = (1..depth).map(|_| 1 + rng.below(k)).collect();
        change_points.sort_unstable();
        PctChooser {
            rng,
            depth,
            change_points,
            priorities: HashMap::new(),
            steps: 0,
        }
    }

    /// The strategy label for trace headers: `pct(d=3,k=100)`.
    pub fn label(depth: u32, max_steps: u64) -> String {
        format!("pct(d={depth},k={max_steps})")
    }

    fn priority(&mut self, t: Thread) -> u64 {
        let depth = u64::from(self.depth);
        let rng = &mut self.rng;
        *self
            .priorities
            .entry(t)
            .or_insert_with(|| depth + rng.below(u64::MAX - depth))
    }

    /// Rank of an option: its thread's priority, a preemption just below.
    fn rank(&mut self, d: &Decision) -> (u64, bool) {
        let (t, step) = match *d {
            Decision::Step { g, .. } | Decision::Run { g, .. } => (Thread::G(g), true),
            Decision::Preempt { g, .. } => (Thread::G(g), false),
            Decision::TimerFired { object, .. } => (Thread::Timer(object), true),
            _ => (Thread::Other, true),
        };
        (self.priority(t), step)
    }

    fn best(&mut self, options: &[Decision]) -> usize {
        let ranks: Vec<(u64, bool)> = options.iter().map(|d| self.rank(d)).collect();
        (0..options.len())
            .max_by_key(|&i| (ranks[i], std::cmp::Reverse(i)))
            .expect("at least two options")
    }

    fn thread_of(d: &Decision) -> Thread {
        match *d {
            Decision::Step { g, .. } | Decision::Run { g, .. } | Decision::Preempt { g, .. } => {
                Thread::G(g)
            }
            Decision::TimerFired { object, .. } => Thread::Timer(object),
            _ => Thread::Other,
        }
    }
}

impl Chooser for PctChooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        match point.kind {
            ChoiceKind::SelectArm | ChoiceKind::Rand | ChoiceKind::Timer => {
                return self.rng.index(point.options.len());
            }
            _ => {}
        }
        self.steps += 1;
        let mut i = self.best(point.options);
        // Each change point at this step demotes the thread about to run.
        let hits = self
            .change_points
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k == self.steps)
            .map(|(j, _)| j as u64 + 1)
            .collect::<Vec<_>>();
        for low in hits {
            let t = Self::thread_of(&point.options[i]);
            self.priorities.insert(t, low);
            i = self.best(point.options);
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::PId;

    fn steps(gs: &[u32]) -> Vec<Decision> {
        gs.iter()
            .map(|&g| Decision::Step {
                p: PId(0),
                g: GId(g),
            })
            .collect()
    }

    fn point(options: &[Decision]) -> ChoicePoint<'_> {
        ChoicePoint {
            step: 0,
            kind: ChoiceKind::RunG,
            options,
        }
    }

    #[test]
    fn depth_one_always_runs_the_same_goroutine() {
        let opts = steps(&[0, 1, 2]);
        let mut c = PctChooser::new(5, 1, 10);
        let first = c.choose(&point(&opts));
        for _ in 0..20 {
            assert_eq!(c.choose(&point(&opts)), first);
        }
    }

    #[test]
    fn a_change_point_switches_away_from_the_running_goroutine() {
        let opts = steps(&[0, 1]);
        for seed in 0..20 {
            // depth 2, k = 1: the only change point is step 1.
            let mut c = PctChooser::new(seed, 2, 1);
            let i = c.choose(&point(&opts));
            let demoted = Thread::G(GId(1 - i as u32));
            assert_eq!(c.priorities[&demoted], 1, "seed {seed}");
            assert_eq!(c.choose(&point(&opts)), i, "seed {seed}");
        }
    }
}
