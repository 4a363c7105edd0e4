//! What a simulation measured.
//!
//! Times are virtual ns. *Work* is the CPU time of the workload's `Compute`
//! steps; *overhead* is every runtime cost charged (spawns, switches, steal
//! probes, parking, …); a P is *busy* while it executes `Compute` work, so
//! per-P utilisation is `busy / makespan` and the sum of busy times is the
//! work. A cost is charged when it is incurred, so one still in flight when
//! the last goroutine exits (an idle P waking up) counts whole. Scheduling
//! latency is the time from a G becoming runnable (spawned,
//! woken, yielded, preempted, back from a blocking call without a P) to its
//! starting to run; percentiles use the nearest-rank method.

use serde::{Deserialize, Serialize};

/// Per-P accounting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PStats {
    /// Time spent executing `Compute` work.
    pub busy_ns: u64,
    /// Runtime costs charged to this P.
    pub overhead_ns: u64,
}

/// Nearest-rank percentiles of scheduling latency, in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    pub samples: usize,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl Latency {
    /// Percentiles of `samples` (sorted in place).
    pub fn of(samples: &mut [u64]) -> Self {
        samples.sort_unstable();
        Latency {
            samples: samples.len(),
            p50: nearest_rank(samples, 50),
            p90: nearest_rank(samples, 90),
            p99: nearest_rank(samples, 99),
            max: samples.last().copied().unwrap_or(0),
        }
    }
}

/// The smallest sample with at least `pct`% of the samples at or below it.
fn nearest_rank(sorted: &[u64], pct: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Everything one simulation measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimReport {
    pub workload: String,
    pub policy: String,
    pub procs: usize,
    pub seed: u64,
    /// When the last goroutine exited.
    pub makespan_ns: u64,
    /// `Compute` time executed, all Ps together.
    pub work_ns: u64,
    /// Runtime costs charged, all Ps together.
    pub overhead_ns: u64,
    /// Goroutines created (main included); all of them ran to completion.
    pub goroutines: usize,
    /// Most goroutines alive at once (created, not yet exited): the space a
    /// policy's order costs (depth-first `runnext` vs breadth-first FIFO).
    pub peak_live: usize,
    /// Victim probes.
    pub steal_attempts: u64,
    /// Probes that took at least one G.
    pub steals: u64,
    /// Gs moved by steals (the one run at once included).
    pub stolen: u64,
    /// Gs taken to run from the global queue.
    pub global_takes: u64,
    /// Gs moved to the global queue by local-ring overflow.
    pub overflowed: u64,
    /// Gs started on a P.
    pub context_switches: u64,
    /// Gs preempted at the end of their time slice.
    pub preemptions: u64,
    /// Idle Ps woken (`wakep`) or started for a hand-off.
    pub wakeups: u64,
    /// Ps taken from an M in a blocking call (sysmon's `retake`).
    pub handoffs: u64,
    /// Gs moved into `runnext` by a join waiting for them
    /// (`Policy::join_to_runnext`).
    pub join_promotions: u64,
    pub latency: Latency,
    pub per_p: Vec<PStats>,
    /// Events processed.
    pub events: u64,
}

impl SimReport {
    /// Busy time over makespan, per P (each in `0..=1`).
    pub fn utilisation(&self) -> Vec<f64> {
        let span = self.makespan_ns.max(1) as f64;
        self.per_p.iter().map(|p| p.busy_ns as f64 / span).collect()
    }

    /// Mean of [`utilisation`](Self::utilisation): `work / (procs × makespan)`.
    pub fn mean_utilisation(&self) -> f64 {
        self.work_ns as f64 / (self.procs as f64 * self.makespan_ns.max(1) as f64)
    }

    /// `base.makespan / self.makespan` (base: the same run at P = 1).
    pub fn speedup_over(&self, base: &SimReport) -> f64 {
        base.makespan_ns as f64 / self.makespan_ns.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u64> = (1..=100).rev().collect();
        let l = Latency::of(&mut v);
        assert_eq!(
            (l.samples, l.p50, l.p90, l.p99, l.max),
            (100, 50, 90, 99, 100)
        );
        let one = Latency::of(&mut [7]);
        assert_eq!((one.p50, one.p99, one.max), (7, 7, 7));
        assert_eq!(Latency::of(&mut []), Latency::default());
    }
}
