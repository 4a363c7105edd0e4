//! Shared by the sched and tokio bench programs: arguments, CPU work, RSS,
//! and the output line the runner (`papers/bench/run.py`) parses.

use std::time::Duration;

/// Repetitions of tokio's scheduler micro-benchmarks inside one process
/// (each is about a millisecond; tokio's bencher repeats them too). The Go
/// program uses the same constant.
pub const MICRO_REPS: u64 = 20;

/// Tasks in `yield_many` (tokio's value).
pub const YIELD_MANY_TASKS: u64 = 200;

/// Goroutines contending in the `mutex` workload.
pub const MUTEX_WORKERS: u64 = 8;

/// The command line every bench program takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub workload: String,
    /// Size; 0 means the workload's default.
    pub n: u64,
    pub procs: usize,
    /// sched: a `Policy::parse` spec; tokio: the runtime flavor
    /// (`multi_thread`, `current_thread`); the Go program has no such flag.
    pub policy: Option<String>,
}

impl Args {
    /// Parses `--workload NAME --n N --procs P [--policy SPEC]`.
    pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            workload: String::new(),
            n: 0,
            procs: 1,
            policy: None,
        };
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.trim_start_matches('-') {
                "workload" => args.workload = value,
                "n" => args.n = value.parse().map_err(|e| format!("--n {value}: {e}"))?,
                "procs" => {
                    args.procs = value.parse().map_err(|e| format!("--procs {value}: {e}"))?
                }
                "policy" => args.policy = Some(value),
                other => return Err(format!("unknown flag --{other}")),
            }
        }
        if args.workload.is_empty() {
            return Err("--workload NAME is required".into());
        }
        Ok(args)
    }
}

/// What a workload measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The measured part only (no process start, no runtime build).
    pub elapsed: Duration,
    /// What `ns_per_op` divides by.
    pub ops: u64,
    /// A checksum the implementations must agree on.
    pub result: u64,
    /// `idle_memory` only: RSS growth per blocked goroutine.
    pub bytes_per_g: Option<f64>,
    /// `fib` and `fib_warm` only: minor page faults of the whole process
    /// during the measured part ([`minor_faults`]).
    pub faults: Option<u64>,
}

impl Outcome {
    pub fn new(elapsed: Duration, ops: u64, result: u64) -> Outcome {
        Outcome {
            elapsed,
            ops,
            result,
            bytes_per_g: None,
            faults: None,
        }
    }

    /// This outcome with the minor faults since `before`, a
    /// [`minor_faults`] reading taken before the clock started.
    pub fn faults_since(self, before: u64) -> Outcome {
        Outcome {
            faults: Some(minor_faults().saturating_sub(before)),
            ..self
        }
    }
}

/// The one output line: `name=… impl=… procs=… n=… ns_per_op=… rss_kb=… result=…`.
pub fn line(args: &Args, imp: &str, n: u64, o: &Outcome) -> String {
    let ns = o.elapsed.as_nanos() as f64 / o.ops.max(1) as f64;
    let mut s = format!(
        "name={} impl={imp} procs={} n={n} ns_per_op={ns:.3} rss_kb={} result={}",
        args.workload,
        args.procs,
        peak_rss_kb(),
        o.result
    );
    if let Some(b) = o.bytes_per_g {
        s.push_str(&format!(" bytes_per_g={b:.0}"));
    }
    if let Some(f) = o.faults {
        s.push_str(&format!(" faults={f}"));
    }
    s
}

/// Default size of each workload (the Go program has the same table).
pub fn default_n(workload: &str) -> Option<u64> {
    Some(match workload {
        "spawn_join" | "pingpong" | "skynet" | "chan_throughput" | "mutex" | "select" => 1_000_000,
        "yield" => 10_000_000,
        "idle_memory" | "idle_join" => 100_000,
        "fib" | "fib_warm" => 30,
        "imbalanced" | "spawn_many" => 10_000,
        "chained_spawn" | "ping_pong" | "yield_many" => 1_000,
        _ => return None,
    })
}

/// The unit of CPU work, identical in Go: `iters` rounds of xorshift64
/// (a dependent chain the compiler cannot fold).
#[inline(never)]
pub fn spin(iters: u64, mut x: u64) -> u64 {
    for _ in 0..iters {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// Sequential fib, below the fork-join cutoff.
pub fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

/// Fork-join cutoff of `fib` (below it, [`fib_seq`]).
pub const FIB_CUTOFF: u64 = 20;

/// A field of `/proc/self/status` (`VmRSS`, `VmHWM`) in KiB; 0 if absent.
pub fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Minor page faults of this process so far, all threads together (field
/// 10 of `/proc/self/stat`, which sums the thread group); 0 if unreadable.
/// Read outside the timed part: it costs a file read.
pub fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces; fields after it are plain.
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after_comm
        .split_whitespace()
        .nth(7)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Peak resident set of this process in KiB.
pub fn peak_rss_kb() -> u64 {
    status_kb("VmHWM")
}

/// Parses the command line, runs `run(args, n)`, prints the line; exits 2 on
/// a bad command line and 3 when `run` refuses the workload.
pub fn main_with(imp: &str, run: impl FnOnce(&Args, u64) -> Result<Outcome, String>) {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{imp}: {e}");
            std::process::exit(2);
        }
    };
    let Some(def) = default_n(&args.workload) else {
        eprintln!("{imp}: unknown workload {}", args.workload);
        std::process::exit(2);
    };
    let n = if args.n == 0 { def } else { args.n };
    match run(&args, n) {
        Ok(o) => println!("{}", line(&args, imp, n, &o)),
        Err(e) => {
            eprintln!("{imp}: {}: {e}", args.workload);
            std::process::exit(3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_parse_all_flags() {
        let a = Args::parse(
            [
                "--workload",
                "fib",
                "--n",
                "25",
                "--procs",
                "2",
                "--policy",
                "go",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .unwrap();
        assert_eq!(a.workload, "fib");
        assert_eq!((a.n, a.procs), (25, 2));
        assert_eq!(a.policy.as_deref(), Some("go"));
    }

    #[test]
    fn spin_matches_go() {
        // The Go program's spin(1000, 1), printed by go1.19.
        assert_eq!(spin(1000, 1), 11_424_263_524_947_540_013);
        assert_eq!(fib_seq(20), 6765);
    }

    #[test]
    fn rss_is_read() {
        assert!(peak_rss_kb() > 0);
    }

    #[test]
    fn minor_faults_count_first_touches() {
        let before = minor_faults();
        assert!(before > 0, "a running process has faulted some pages in");
        // 64 fresh pages, each written once: the count must rise.
        let mut v = vec![0u8; 64 * 4096];
        for page in v.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&v);
        assert!(minor_faults() > before);
    }
}
