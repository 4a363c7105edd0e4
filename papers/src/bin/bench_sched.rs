//! `bench-sched --workload NAME --n N --procs P [--policy SPEC]`: one
//! workload of the side-by-side harness on the sched runtime; prints one
//! line (`papers/bench/README.md`). With `SCHED_BENCH_STATS=1` the runtime's
//! counters go to stderr (summed over the Ps; `=per-p`: one line per P).

use papers::bench::{common, sched_workloads};

fn main() {
    common::main_with("sched", |args, n| {
        let (o, stats) = sched_workloads::run(args, n)?;
        match std::env::var("SCHED_BENCH_STATS").as_deref() {
            Ok("per-p") => {
                for (i, p) in stats.per_p.iter().enumerate() {
                    eprintln!("stats p{i} {p:?}");
                }
            }
            Ok(_) => eprintln!("stats {:?}", stats.total()),
            Err(_) => {}
        }
        Ok(o)
    });
}
