//! `bench-sched --workload NAME --n N --procs P [--policy SPEC]`: one
//! workload of the side-by-side harness on the sched runtime; prints one
//! line (`papers/bench/README.md`). With `SCHED_BENCH_STATS=1` the runtime's
//! counters go to stderr.

use papers::bench::{common, sched_workloads};

fn main() {
    common::main_with("sched", |args, n| {
        let (o, stats) = sched_workloads::run(args, n)?;
        if std::env::var_os("SCHED_BENCH_STATS").is_some() {
            eprintln!("stats {:?}", stats.total());
        }
        Ok(o)
    });
}
