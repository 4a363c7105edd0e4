//! `Runtime::builder()` and the `Runtime`: settings checked up front, the
//! main goroutine, the leak report, and shutdown.
//!
//! Shutdown, in order, when the main goroutine returns:
//! 1. `shutdown` is set, every P's preempt flag is raised, parked Ms are
//!    woken; each M exits at its next schedule (a goroutine still running
//!    stops at its next runtime entry and goes back to a run queue);
//! 2. the M threads and sysmon are joined;
//! 3. goroutines still alive are listed (id, spawn location, state) on
//!    stderr and kept for [`Runtime::leaks`]: the blocked ones from the
//!    registry (every goroutine that has parked), the runnable ones from
//!    the run queues, which now hold every other (a goroutine enters the
//!    registry only when it first blocks: `shared.rs`). Listing after the
//!    Ms stopped, not before, is what makes the queues a complete list;
//! 4. the goroutines left in queues or parked are dropped: their stacks are
//!    unwound (destructors run) and freed. No thread or stack outlives
//!    `block_on`.

use super::api::{make_task, GoroutineInfo};
use super::g::{GRef, Task};
use super::shared::{Config, Shared};
use super::stats::Stats;
use model::{Policy, SchedPolicy};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering::*;
use std::sync::{Arc, Mutex};

pub use crate::stack::{DEFAULT_STACK_SIZE, MAX_STACK_SIZE, MIN_STACK_SIZE};
/// Largest `procs` (GOMAXPROCS) accepted.
pub const MAX_PROCS: usize = 1024;
/// Default cap on M threads (Go: 10,000).
pub const DEFAULT_MAX_THREADS: usize = 10_000;

/// A setting `build()` refused: what it was and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    Procs {
        value: usize,
    },
    StackSize {
        value: usize,
    },
    MaxThreads {
        value: usize,
        procs: usize,
    },
    Policy(model::policy::PolicyError),
    /// The stack pool could not be set up.
    Stacks(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Procs { value } => write!(f, "procs({value}): must be in 1..={MAX_PROCS}"),
            BuildError::StackSize { value } => {
                write!(
                    f,
                    "stack_size({value}): must be in {MIN_STACK_SIZE}..={MAX_STACK_SIZE} bytes"
                )
            }
            BuildError::MaxThreads { value, procs } => {
                write!(f, "max_threads({value}): must be at least procs ({procs})")
            }
            BuildError::Policy(e) => write!(f, "policy: {e}"),
            BuildError::Stacks(e) => write!(f, "goroutine stacks: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Settings for a [`Runtime`].
#[derive(Debug)]
pub struct Builder {
    procs: Option<usize>,
    policy: Policy,
    custom: Option<Arc<dyn SchedPolicy>>,
    stack_size: usize,
    max_threads: usize,
    tracing: bool,
    seed: u64,
}

impl Builder {
    /// Number of Ps (GOMAXPROCS). Default: the CPUs this process may use —
    /// the affinity mask capped by the cgroup CPU quota, as Go 1.25 does
    /// (`std::thread::available_parallelism` reads both on Linux).
    pub fn procs(mut self, n: usize) -> Self {
        self.procs = Some(n);
        self
    }

    /// The scheduling policy (default: `Policy::go()`).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self.custom = None;
        self
    }

    /// A custom policy implementing [`SchedPolicy`].
    pub fn custom_policy(mut self, policy: Arc<dyn SchedPolicy>) -> Self {
        self.custom = Some(policy);
        self
    }

    /// Usable bytes per goroutine stack (default 256 KiB).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// Cap on OS threads acting as Ms, including those stuck in blocking calls.
    pub fn max_threads(mut self, n: usize) -> Self {
        self.max_threads = n;
        self
    }

    /// Record scheduling events ([`Runtime::events`]): goroutines created,
    /// started, blocked, woken, preempted and ended, steals, blocking calls,
    /// hand-offs, Ms parking — the model's `Event` vocabulary, exportable to
    /// Perfetto with `sched-replay`. Off by default (one branch per site).
    pub fn tracing(mut self, on: bool) -> Self {
        self.tracing = on;
        self
    }

    /// Seed of the Ps' victim-order random streams.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every setting and builds the runtime (no thread starts yet).
    pub fn build(self) -> Result<Runtime, BuildError> {
        let procs = self.procs.unwrap_or_else(default_procs);
        if !(1..=MAX_PROCS).contains(&procs) {
            return Err(BuildError::Procs { value: procs });
        }
        if !(MIN_STACK_SIZE..=MAX_STACK_SIZE).contains(&self.stack_size) {
            return Err(BuildError::StackSize {
                value: self.stack_size,
            });
        }
        if self.max_threads < procs {
            return Err(BuildError::MaxThreads {
                value: self.max_threads,
                procs,
            });
        }
        let policy: Arc<dyn SchedPolicy> = match self.custom {
            Some(p) => p,
            None => Arc::new(self.policy.validated().map_err(BuildError::Policy)?),
        };
        // sysmon scavenges idle stacks (stack/pool.rs), so the free path never does.
        let stack_config = crate::stack::StackConfig {
            warm_limit: usize::MAX,
            ..crate::stack::StackConfig::with_size(self.stack_size)
        };
        let stacks = crate::stack::StackPool::new(stack_config)
            .map_err(|e| BuildError::Stacks(e.to_string()))?;
        let config = Config {
            procs,
            max_threads: self.max_threads,
            quantum_ns: policy.quantum_ns(),
        };
        Ok(Runtime {
            shared: Shared::new(policy, config, stacks, self.seed, self.tracing),
            leaks: Mutex::new(Vec::new()),
            busy: Mutex::new(()),
        })
    }
}

pub(crate) fn default_procs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A G-P-M runtime.
pub struct Runtime {
    shared: Arc<Shared>,
    leaks: Mutex<Vec<GoroutineInfo>>,
    busy: Mutex<()>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Runtime(procs={}, policy={})",
            self.shared.config.procs,
            self.shared.policy.name()
        )
    }
}

impl Runtime {
    /// Settings with their defaults.
    pub fn builder() -> Builder {
        Builder {
            procs: None,
            policy: Policy::go(),
            custom: None,
            stack_size: DEFAULT_STACK_SIZE,
            max_threads: DEFAULT_MAX_THREADS,
            tracing: false,
            seed: 0x5eed,
        }
    }

    /// Number of Ps.
    pub fn procs(&self) -> usize {
        self.shared.config.procs
    }

    /// Runs `f` as the main goroutine and returns its value (or resumes its
    /// panic). When it returns, goroutines still alive are reported as leaks
    /// and every thread of the runtime stops (module docs).
    ///
    /// # Panics
    /// When called from a goroutine (nesting runtimes is not supported), or
    /// when the main goroutine panicked (its panic is resumed).
    #[track_caller]
    pub fn block_on<F, T>(&self, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        assert!(
            super::context::current_m().is_none(),
            "Runtime::block_on called from inside a goroutine: use sched::go and join instead"
        );
        let _one = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &self.shared;
        // Release: pairs with the Acquire loads in the M loop and sysmon (no
        // M or sysmon of this block_on exists yet; the threads' start orders it too).
        shared.shutdown.store(false, Release);
        let sm = shared.clone();
        let sysmon = std::thread::Builder::new()
            .name("sched-sysmon".into())
            .spawn(move || super::sysmon::sysmon(sm))
            .expect("sched: could not start sysmon");
        shared.prestart_ms();
        let (task, handle) = make_task(shared, None, f, Location::caller());
        let main_id = handle.id;
        shared.global.push(task);
        super::worker::wake_after_ready(shared);
        let result = handle.join();
        self.stop(sysmon, main_id);
        match result {
            Ok(v) => v,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }

    /// Lists the goroutines still alive once every M has stopped: the
    /// blocked ones (the registry: every goroutine that ever parked and has
    /// not exited) and the runnable ones (`queued`, drained from the run
    /// queues: a goroutine that never blocked is only there).
    fn report_leaks(&self, main_id: u64, queued: &[Task]) {
        let mut alive: Vec<GRef> = self.shared.registry.all();
        alive.extend(queued.iter().map(|t| t.g().clone()));
        alive.sort_by_key(|g| g.id);
        alive.dedup_by_key(|g| g.id);
        let leaks: Vec<GoroutineInfo> = alive
            .iter()
            .filter(|g| g.id != main_id)
            .map(|g| GoroutineInfo::of(g))
            .collect();
        if !leaks.is_empty() {
            let mut msg = format!(
                "sched: main returned with {} goroutine(s) still alive (possible leaks):\n",
                leaks.len()
            );
            for g in &leaks {
                let state = g
                    .blocked_on
                    .map_or_else(|| "runnable".to_owned(), |r| format!("blocked: {r:?}"));
                msg.push_str(&format!(
                    "  goroutine {} [{}] spawned at {}\n",
                    g.id, state, g.location
                ));
            }
            eprint!("{msg}");
        }
        *self.leaks.lock().unwrap_or_else(|e| e.into_inner()) = leaks;
    }

    /// Stops every thread of this `block_on`, reports the goroutines left
    /// alive, and drops them (unwinding their stacks).
    fn stop(&self, sysmon: std::thread::JoinHandle<()>, main_id: u64) {
        let shared = &self.shared;
        // Release: pairs with the Acquire loads in `find_runnable`,
        // `acquire_p`, `stop_locked_m` and sysmon, which then exit.
        shared.shutdown.store(true, Release);
        for ps in shared.ps.iter() {
            ps.preempt.store(true, Relaxed);
        }
        let ms: Vec<_> = shared.lock_idle().ms.clone();
        for m in ms {
            m.nudge();
        }
        for m in shared
            .locked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            m.nudge();
        }
        let threads: Vec<_> =
            std::mem::take(&mut *shared.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for t in threads {
            let _ = t.join();
        }
        // sysmon may be in a long sleep: end it (it sees `shutdown` on waking).
        sysmon.thread().unpark();
        let _ = sysmon.join();
        // Relaxed: every M was joined above; the join orders this.
        shared.nthreads.store(0, Relaxed);
        shared.counts.reset_spinning();
        let mut leftovers = Vec::new();
        let locked: Vec<_> = shared
            .locked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        for (_, mailbox) in locked {
            if let Some((p, task)) = mailbox.drain() {
                leftovers.push(task);
                shared.pidleput(&mut shared.lock_idle(), p);
            }
        }
        while let Some(t) = shared.global.pop() {
            leftovers.push(t);
        }
        {
            let mut idle = shared.lock_idle();
            idle.ms.clear();
            for p in idle.ps.iter_mut() {
                p.exited.clear(); // the registry is cleared below
                leftovers.append(&mut p.held);
                while let Some((t, _)) = p.local.pop(true) {
                    leftovers.push(t);
                }
            }
        }
        self.report_leaks(main_id, &leftovers);
        leftovers.extend(shared.registry.clear());
        drop(leftovers);
    }

    /// Goroutines still alive when the last `block_on` returned.
    pub fn leaks(&self) -> Vec<GoroutineInfo> {
        self.leaks.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The events recorded so far (empty unless built with `tracing(true)`),
    /// in time order; complete once `block_on` has returned.
    pub fn events(&self) -> Vec<model::event::TimedEvent> {
        self.shared
            .events
            .as_ref()
            .map_or_else(Vec::new, |l| l.snapshot())
    }

    /// Per-P counters.
    pub fn stats(&self) -> Stats {
        Stats {
            per_p: self
                .shared
                .ps
                .iter()
                .map(|p| p.counters.snapshot())
                .collect(),
        }
    }
}

/// Runs `f` as the main goroutine of a default runtime: `sched::run(|| …)`.
///
/// # Panics
/// If the default settings are refused (they are not) or `f` panics.
#[track_caller]
pub fn run<F, T>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Runtime::builder()
        .build()
        .expect("default runtime settings are valid")
        .block_on(f)
}
