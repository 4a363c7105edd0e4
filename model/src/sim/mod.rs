//! A discrete-event simulator of many Ps, for policy studies beyond the
//! machine's cores.
//!
//! Virtual time in ns; up to [`MAX_PROCS`] Ps, each running Go's schedule
//! loop (`schedule` → `findRunnable` → steal → park, `proc.go`) through the
//! shared [`RunQueues`](crate::queue::RunQueues) and the
//! [`SchedPolicy`](crate::policy::SchedPolicy), and executing goroutines
//! through the one workload interpreter,
//! [`Program::step`](crate::workload::Program::step). What the simulator adds
//! is *time*: what each runtime operation costs ([`Costs`]), preemption at the
//! policy's quantum, blocking calls with sysmon's hand-off, and idle Ps that
//! spin, park and take a wake-up latency to come back (Go's `wakep` /
//! `nmspinning` protocol) — see [`engine`] for the loop and its rules.
//!
//! ```
//! use model::policy::Policy;
//! use model::sim::{simulate, SimConfig};
//! use model::workload::Workload;
//! let w = Workload::fib(15, 6, 100);
//! let one = simulate(&w, &Policy::go(), SimConfig::new(1, 7)).unwrap();
//! let four = simulate(&w, &Policy::go(), SimConfig::new(4, 7)).unwrap();
//! assert_eq!(one.work_ns, four.work_ns);
//! assert!(four.speedup_over(&one) > 1.5);
//! ```
//!
//! Like Go's scheduler the simulator is a model of one machine: no NUMA, no
//! cache effects beyond the fixed costs, no OS scheduler interference — the
//! numbers compare policies under stated costs, they do not predict a
//! particular machine.

pub mod config;
pub mod costs;
pub mod engine;
pub mod error;
pub mod proc;
pub mod report;

pub use config::{SimConfig, DEFAULT_MAX_EVENTS, MAX_PROCS};
pub use costs::Costs;
pub use engine::simulate;
pub use error::SimError;
pub use report::{Latency, PStats, SimReport};
