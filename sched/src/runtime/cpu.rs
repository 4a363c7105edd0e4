//! Where a new M first runs: spread over the CPUs the process may use,
//! and held there until it first has work.
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
//! number modulo their count), and stays pinned there until it first
//! runs a goroutine; then it gives itself back its whole affinity mask,
//! and the kernel has full freedom to move it. Go and tokio leave their
//! threads' first CPU to the kernel.
//!
//! **Why pinned, not just moved.** A prestarted M parks before any work
//! exists, so its first wake-up goes through the kernel's wake path, and
//! that path can still refuse its previous CPU: an idle vCPU that the
//! host has descheduled does not count as available (`available_idle_cpu`
//! checks `vcpu_is_preempted`), and the woken M was then queued behind its
//! waker. tokio's workers are fresh threads when work first arrives,
//! placed by fork balancing instead. Pinned, the M can only be queued on
//! its own CPU, which the kernel then wakes. The cost: if another process
//! keeps that CPU busy, the M's first run waits for its turn there (once
//! per M; the fair scheduler gives a newly woken thread its turn soon),
//! and an M that never finds a goroutine (more Ps than the program has
//! work for) spins, when woken, only on its own CPU. If giving the mask
//! back fails (a cpuset changed meanwhile so that the old mask is
//! refused), the M stays on its CPU.
//!
//! Measured, fib(30) at 2 P, fresh processes started by a Python
//! `subprocess` loop as the benchmark harness starts them, runs under
//! 1.3 ms (both cores used): pinned until the first P, 38 and 44 of 50 in
//! two sets; moved and at once unpinned, 23 and 23 of 50; tokio 46 and 46.
//! From a bash loop the two variants tie (16 and 19 of 30; tokio 7). The
//! move alone, against no move, in bash loops: 69 of 100 and 9 (tokio 15).
//!
//! **Why until the first goroutine, not the first P.** The M that finds
//! the main goroutine wakes a second one at once (`reset_spinning`),
//! before main has spawned anything. That M gets its P, finds nothing,
//! and parks again; the spawn that follows wakes it a second time, and
//! that wake-up, unpinned, was the slow one: in every slow run of fib(30)
//! at 2 P the second P ran no goroutine at all (its M had two spin
//! episodes, both empty-handed, the second after main had finished). A
//! woken M counts as spinning until it runs, so no other wake-up came.
//! Paired sets of fresh processes from a Python loop, slow runs (over
//! 1.3 × the fastest): pinned until the first P, 11 of 40 and 10 of 60;
//! until the first goroutine, 1 of 40 and 1 of 60; tokio 5 and 2.
//!
//! **Only with more than one P.** One M has no other M to be kept apart
//! from, and a pin would only stop the kernel from moving it off a busy
//! CPU. It did cost: in a later run the host kept CPU 0 of the VM busy
//! about half the time, and fib(30) at 1 P then took a median 2.55 ms
//! pinned there (`taskset -c 0`) against 1.92 on CPU 1; tokio, which the
//! kernel placed freely, took the slow CPU less often (17 of 30 slow runs
//! against sched's 27).
//!
//! A failing call (a seccomp filter, a mask that changed meanwhile) leaves
//! the thread where the kernel put it: this is a placement hint, nothing
//! depends on it.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// The affinity mask an M gives itself back once it first runs a goroutine
/// ([`pin_to_spread_cpu`], [`Pinned::release`]).
#[must_use = "an M left pinned would never move off its first CPU"]
pub(crate) struct Pinned(Option<CpuSet>);

/// Moves the calling thread to the `index`-th allowed CPU (modulo their
/// number) and keeps it there until [`Pinned::release`].
pub(crate) fn pin_to_spread_cpu(index: usize) -> Pinned {
    let me = Pid::from_raw(0);
    let Ok(allowed) = sched_getaffinity(me) else {
        return Pinned(None);
    };
    let cpus = || (0..CpuSet::count()).filter(|&c| allowed.is_set(c).unwrap_or(false));
    let n = cpus().count();
    if n < 2 {
        return Pinned(None);
    }
    let Some(cpu) = cpus().nth(index % n) else {
        return Pinned(None);
    };
    let mut one = CpuSet::new();
    if one.set(cpu).is_err() || sched_setaffinity(me, &one).is_err() {
        return Pinned(None);
    }
    Pinned(Some(allowed))
}

impl Pinned {
    /// No pin (an M that starts with work, or the only one).
    pub(crate) fn none() -> Pinned {
        Pinned(None)
    }

    /// Gives the thread back the mask it had before the pin, once; later
    /// calls (the M calls this before every run) only test for it.
    #[inline]
    pub(crate) fn release(&mut self) {
        if self.0.is_some() {
            self.give_back();
        }
    }

    #[cold]
    fn give_back(&mut self) {
        if let Some(allowed) = self.0.take() {
            let _ = sched_setaffinity(Pid::from_raw(0), &allowed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An M with work is never pinned: every goroutine runs on a thread
    /// with the whole mask of the process.
    #[test]
    fn goroutines_run_on_threads_with_the_whole_mask() {
        let whole = sched_getaffinity(Pid::from_raw(0)).unwrap();
        let rt = crate::Runtime::builder().procs(2).build().unwrap();
        let masks = rt.block_on(|| {
            let hs: Vec<_> = (0..64)
                .map(|_| crate::go(|| sched_getaffinity(Pid::from_raw(0)).unwrap()))
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        });
        for mask in masks {
            assert!(
                (0..CpuSet::count()).all(|c| whole.is_set(c) == mask.is_set(c)),
                "a goroutine ran on a pinned M"
            );
        }
    }

    /// The move must never leave an M pinned: whatever index, the thread
    /// ends with the mask it started with.
    #[test]
    fn the_affinity_mask_is_given_back_whole() {
        for index in [0, 1, 7, usize::MAX] {
            std::thread::spawn(move || {
                let me = Pid::from_raw(0);
                let before = sched_getaffinity(me).unwrap();
                pin_to_spread_cpu(index).release();
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
