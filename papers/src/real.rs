//! A model workload on the production runtime: the engine behind
//! `lab --engine real` (the lab wires it in; this module only runs).
//!
//! [`run_real`] interprets a [`Workload`] with real goroutines, one per
//! spawned task, each walking its template's [`Step`]s:
//!
//! | step | on sched |
//! |---|---|
//! | `Compute(ns)` | a busy loop calibrated once per process ([`spin_ns`]), in slices of [`SLICE_NS`] with a `preempt_point()` between them — sched preempts cooperatively, so this is where the policy's quantum can act (Go would preempt asynchronously) |
//! | `Spawn(t)` | `sched::go`, the handle kept by the spawner |
//! | `JoinChildren` | joins every child not joined yet |
//! | `Send(c)` / `Recv(c)` | `sched::chan::<()>(cap)` with the `chan` feature; without it such a workload is refused ([`RealError::NeedsChannels`]) |
//! | `Blocking(ns)` | `sched::blocking(|| thread::sleep(ns))` |
//! | `Yield` | `sched::yield_now()` |
//!
//! The model lets a goroutine exit before its children (a `chain`); here a
//! goroutine that ends with children it never joined hands their handles to
//! an orphan list that the main goroutine drains after its own steps, so
//! the makespan covers every goroutine. The makespan runs from the main
//! goroutine's first step to the last goroutine's end (runtime build and
//! shutdown excluded).

use model::workload::{Step, TaskId, Workload};
use sched::{JoinHandle, Policy, Runtime, Stats};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Largest piece of `Compute` between two preemption checks.
pub const SLICE_NS: u64 = 10_000;

/// What a real run measured.
#[derive(Clone, Debug)]
pub struct RealRun {
    /// From the main goroutine's first step to the last goroutine's end.
    pub makespan: Duration,
    /// Goroutines that ran the workload's tasks, main included (the
    /// simulator's `SimReport::goroutines`).
    pub goroutines: u64,
    /// `Compute` asked for, all goroutines together (`SimReport::work_ns`;
    /// the busy loop's calibration decides how close the real time is).
    pub work_ns: u64,
    /// The runtime's counters after the run.
    pub stats: Stats,
}

/// Why a workload could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RealError {
    /// The workload sends or receives, and papers was built without `chan`.
    NeedsChannels,
    /// The runtime refused the settings.
    Build(String),
    /// A task panicked (a bug of this interpreter or of the runtime).
    Panicked,
}

impl std::fmt::Display for RealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RealError::NeedsChannels => {
                write!(
                    f,
                    "the workload uses channels: build papers with --features chan"
                )
            }
            RealError::Build(e) => write!(f, "runtime build failed: {e}"),
            RealError::Panicked => write!(f, "a goroutine panicked"),
        }
    }
}

impl std::error::Error for RealError {}

/// Runs `w` on a sched runtime with `procs` Ps under `policy`.
pub fn run_real(w: &Workload, procs: usize, policy: Policy) -> Result<RealRun, RealError> {
    let uses_chans = w
        .tasks
        .iter()
        .flat_map(|t| &t.steps)
        .any(|s| matches!(s, Step::Send(_) | Step::Recv(_)));
    if uses_chans && !cfg!(feature = "chan") {
        return Err(RealError::NeedsChannels);
    }
    let rt = Runtime::builder()
        .procs(procs)
        .policy(policy)
        .build()
        .map_err(|e| RealError::Build(format!("{e:?}")))?;
    spin_rate(); // calibrate outside the measurement
    let ctx = Arc::new(Ctx {
        w: w.clone(),
        chans: chans::make(&w.chans),
        orphans: Mutex::new(Vec::new()),
        goroutines: AtomicU64::new(1),
        work_ns: AtomicU64::new(0),
    });
    let main = w.main;
    let (makespan, ok) = rt.block_on({
        let ctx = ctx.clone();
        move || {
            let t0 = Instant::now();
            let mut ok = run_task(&ctx, main);
            loop {
                let batch = std::mem::take(&mut *ctx.orphans.lock().unwrap());
                if batch.is_empty() {
                    break;
                }
                for h in batch {
                    ok &= h.join().unwrap_or(false);
                }
            }
            (t0.elapsed(), ok)
        }
    });
    if !ok {
        return Err(RealError::Panicked);
    }
    Ok(RealRun {
        makespan,
        goroutines: ctx.goroutines.load(Relaxed),
        work_ns: ctx.work_ns.load(Relaxed),
        stats: rt.stats(),
    })
}

/// Shared by every goroutine of one run.
struct Ctx {
    w: Workload,
    chans: chans::Chans,
    /// Handles of children whose parent exited without joining them.
    orphans: Mutex<Vec<JoinHandle<bool>>>,
    goroutines: AtomicU64,
    work_ns: AtomicU64,
}

/// One goroutine's walk through its task's steps; false if a child panicked.
fn run_task(ctx: &Arc<Ctx>, task: TaskId) -> bool {
    let mut children: Vec<JoinHandle<bool>> = Vec::new();
    let mut ok = true;
    for step in &ctx.w.tasks[task as usize].steps {
        match *step {
            Step::Compute(ns) => {
                ctx.work_ns.fetch_add(ns, Relaxed);
                compute(ns);
            }
            Step::Spawn(t) => {
                ctx.goroutines.fetch_add(1, Relaxed);
                let c = ctx.clone();
                children.push(sched::go(move || run_task(&c, t)));
            }
            Step::JoinChildren => {
                for h in children.drain(..) {
                    ok &= h.join().unwrap_or(false);
                }
            }
            Step::Send(c) => chans::send(&ctx.chans, c),
            Step::Recv(c) => chans::recv(&ctx.chans, c),
            Step::Blocking(ns) => sched::blocking(|| std::thread::sleep(Duration::from_nanos(ns))),
            Step::Yield => sched::yield_now(),
        }
    }
    if !children.is_empty() {
        ctx.orphans.lock().unwrap().extend(children);
    }
    ok
}

/// `ns` of CPU work in slices, with a preemption check between slices.
fn compute(ns: u64) {
    let mut left = ns;
    while left > 0 {
        let slice = left.min(SLICE_NS);
        spin_ns(slice);
        left -= slice;
        if left > 0 {
            sched::preempt_point();
        }
    }
}

/// Busy-loops for about `ns` nanoseconds (the rate is measured once).
pub fn spin_ns(ns: u64) {
    let iters = (ns as f64 * spin_rate()) as u64;
    std::hint::black_box(crate::bench::common::spin(iters, 0x9e37_79b9_7f4a_7c15));
}

/// Spin iterations per nanosecond on this machine (median of 5 trials).
pub fn spin_rate() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(|| {
        const ITERS: u64 = 2_000_000;
        let mut rates: Vec<f64> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                // Inputs behind black_box too: with constant inputs the
                // optimiser computes the loop once for all five samples
                // (release builds measured ~0 ns, a rate ~10⁴× too high).
                let (iters, seed) = std::hint::black_box((ITERS, 1));
                std::hint::black_box(crate::bench::common::spin(iters, seed));
                ITERS as f64 / t0.elapsed().as_nanos().max(1) as f64
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        rates[2]
    })
}

#[cfg(feature = "chan")]
mod chans {
    use model::workload::ChanId;
    use sched::chan::{Receiver, Sender};

    pub(super) type Chans = Vec<(Sender<()>, Receiver<()>)>;

    pub(super) fn make(caps: &[u32]) -> Chans {
        caps.iter()
            .map(|&cap| sched::chan::<()>(cap as usize))
            .collect()
    }

    pub(super) fn send(chans: &Chans, c: ChanId) {
        assert!(chans[c as usize].0.send(()).is_ok(), "channel {c} closed");
    }

    pub(super) fn recv(chans: &Chans, c: ChanId) {
        assert!(chans[c as usize].1.recv().is_ok(), "channel {c} closed");
    }
}

#[cfg(not(feature = "chan"))]
mod chans {
    use model::workload::ChanId;

    /// No channels without the `chan` feature ([`super::run_real`] refuses
    /// workloads that use them before any goroutine runs).
    pub(super) type Chans = ();

    pub(super) fn make(_caps: &[u32]) -> Chans {}

    pub(super) fn send(_: &Chans, c: ChanId) {
        unreachable!("send on channel {c} without the chan feature")
    }

    pub(super) fn recv(_: &Chans, c: ChanId) {
        unreachable!("recv on channel {c} without the chan feature")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::workload::{After, Program};
    use model::GId;

    /// Goroutines created and total compute, by running the model's own
    /// interpreter with a trivial FIFO scheduler.
    fn model_totals(w: &Workload) -> (u64, u64) {
        let mut p = Program::new(w);
        let mut ready = std::collections::VecDeque::from([GId::from(0usize)]);
        let mut compute = 0;
        while let Some(g) = ready.pop_front() {
            loop {
                let e = p.step(w, g);
                compute += e.cost_ns;
                ready.extend(e.spawned);
                ready.extend(e.woke.iter().copied().filter(|&x| x != g));
                match e.then {
                    After::Continue => {}
                    After::Yield | After::Syscall(_) => {
                        ready.push_back(g);
                        break;
                    }
                    After::Block(..) | After::Exit => break,
                }
            }
        }
        (p.created() as u64, compute)
    }

    #[test]
    fn fib_runs_every_goroutine_and_takes_its_work() {
        let w = Workload::fib(12, 6, 2_000);
        let (created, compute) = model_totals(&w);
        let r = run_real(&w, 2, Policy::go()).unwrap();
        assert_eq!(r.goroutines, created);
        assert_eq!(r.work_ns, compute);
        // Two Ps cannot finish faster than half the work (loose: the spin
        // calibration may be off on a loaded machine).
        assert!(
            r.makespan.as_nanos() as u64 >= compute / 4,
            "{r:?} vs {compute} ns"
        );
        assert!(r.stats.total().runs >= created);
    }

    #[test]
    fn orphans_of_a_chain_are_waited_for() {
        let w = Workload::chain(50, 1_000);
        let (created, _) = model_totals(&w);
        let r = run_real(&w, 1, Policy::parse("go,runnext=off").unwrap()).unwrap();
        assert_eq!(r.goroutines, created);
    }

    #[test]
    fn blocking_and_yield_steps_run() {
        let w = Workload::blocking(4, 50_000, 1_000);
        let r = run_real(&w, 2, Policy::go()).unwrap();
        assert_eq!(r.goroutines, 9);
        let w = Workload::respawning_pairs(5, 1_000);
        assert!(run_real(&w, 1, Policy::go()).is_ok());
    }

    #[cfg(not(feature = "chan"))]
    #[test]
    fn channel_workloads_are_refused_without_the_feature() {
        let w = Workload::producer_consumer(1, 1, 4, 0, 100);
        assert_eq!(
            run_real(&w, 1, Policy::go()).unwrap_err(),
            RealError::NeedsChannels
        );
    }

    #[cfg(feature = "chan")]
    #[test]
    fn producer_consumer_runs_with_channels() {
        for cap in [0, 4] {
            let w = Workload::producer_consumer(2, 2, 50, cap, 500);
            let r = run_real(&w, 2, Policy::go()).unwrap();
            assert_eq!(r.goroutines, 5);
        }
    }

    #[test]
    fn spin_ns_is_roughly_calibrated() {
        let t0 = Instant::now();
        spin_ns(2_000_000);
        let took = t0.elapsed();
        assert!(took >= Duration::from_micros(500), "{took:?}");
    }
}
