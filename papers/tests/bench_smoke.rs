//! The benchmark harness's smoke test as a cargo test. Ignored by default
//! (it builds three implementations, may apt-get install Go, and takes
//! about 20 s): `cargo test -p papers --test bench_smoke -- --ignored`.
//! CI can call `papers/bench/smoke.sh` directly instead.

use std::process::Command;

#[test]
#[ignore = "builds sched, tokio and Go programs; run with --ignored"]
fn quick_suite_parses_and_agrees() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = Command::new("python3")
        .args(["papers/bench/run.py", "--quick", "--no-ablation"])
        .current_dir(root)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "papers/bench/run.py --quick failed");
}
