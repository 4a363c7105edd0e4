//! Where a new M first runs: spread over the CPUs the process may use.
//!
//! Linux places a woken thread on its previous CPU when that CPU is idle,
//! and otherwise searches the cache domain for an idle CPU, a search it
//! cuts short when the domain looks busy (`select_idle_sibling`, the
//! `SIS_UTIL` limit). Ms that all started on one CPU (the one that built
//! the runtime) and parked there have the same previous CPU: the first
//! M to run then wakes the second onto its own CPU, behind itself. On the
//! 2-core development VM `perf sched timehist` of fib(30) at 2 P showed
//! exactly that in the slow runs: the second M queued for 2 ms on CPU 0
//! while CPU 1 stayed idle.
//!
//! So each M, when it starts, moves itself to one allowed CPU (the M's
//! number modulo their count) and at once restores its affinity mask: the
//! kernel keeps full freedom to move it, but its previous CPU, where a
//! wake-up first looks, differs from its neighbours'. Go and tokio leave
//! their threads' first CPU to the kernel. Measured: fib(30) at 2 P, 100
//! interleaved fresh-process runs each, runs under 1.3 ms (both cores
//! used) 69 with the spread and 9 without (tokio 15); medians 1.16 and
//! 2.16 ms (tokio 2.06), in an hour when most runs of every runtime used
//! one core.
//!
//! A failing call (a seccomp filter, a mask that changed meanwhile) leaves
//! the thread where the kernel put it: this is a placement hint, nothing
//! depends on it.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// Moves the calling thread to the `index`-th allowed CPU (modulo their
/// number), then gives it back its whole affinity mask.
pub(crate) fn start_on_spread_cpu(index: usize) {
    let me = Pid::from_raw(0);
    let Ok(allowed) = sched_getaffinity(me) else {
        return;
    };
    let cpus = || (0..CpuSet::count()).filter(|&c| allowed.is_set(c).unwrap_or(false));
    let n = cpus().count();
    if n < 2 {
        return;
    }
    let Some(cpu) = cpus().nth(index % n) else {
        return;
    };
    let mut one = CpuSet::new();
    if one.set(cpu).is_err() || sched_setaffinity(me, &one).is_err() {
        return;
    }
    // The move happened with the first call; this one only lifts the pin.
    let _ = sched_setaffinity(me, &allowed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The move must never leave an M pinned: whatever index, the thread
    /// ends with the mask it started with.
    #[test]
    fn the_affinity_mask_is_given_back_whole() {
        for index in [0, 1, 7, usize::MAX] {
            std::thread::spawn(move || {
                let me = Pid::from_raw(0);
                let before = sched_getaffinity(me).unwrap();
                start_on_spread_cpu(index);
                let after = sched_getaffinity(me).unwrap();
                assert!(
                    (0..CpuSet::count()).all(|c| before.is_set(c) == after.is_set(c)),
                    "index {index}: the thread's affinity mask changed"
                );
            })
            .join()
            .unwrap();
        }
    }
}
