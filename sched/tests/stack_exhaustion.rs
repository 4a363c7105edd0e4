//! A goroutine whose stack cannot be allocated (the address space is
//! exhausted) ends as if its body had panicked with the reason, which its
//! joiner receives and stderr shows; the others run on. In a child process
//! (the test binary re-executes itself, as `overflow.rs` does), because it
//! lowers the process's address-space limit.

use std::process::Command;

const ENV: &str = "SCHED_STACK_EXHAUSTION_CHILD";
/// Stacks come from slabs of this many (one mapping each): the main
/// goroutine's stack maps the first slab before the limit is lowered, so
/// the goroutines beyond one slab need a mapping the limit refuses.
const SLAB: usize = sched::stack::DEFAULT_SLAB_STACKS;
const GOROUTINES: usize = SLAB + 64;

fn vm_size_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmSize in /proc/self/status");
    kb * 1024
}

/// The child: more goroutines blocked at once than one slab of stacks
/// holds, under an address-space limit that leaves no room for a second
/// slab.
fn child() {
    let stack = sched::stack::MIN_STACK_SIZE;
    let rt = sched::Runtime::builder()
        .procs(1)
        .stack_size(stack)
        .build()
        .unwrap();
    let outcomes: Vec<Result<usize, String>> = rt.block_on(move || {
        let limit = vm_size_bytes() + (SLAB * stack / 2) as u64;
        let rl = libc::rlimit {
            rlim_cur: limit,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: setrlimit with a valid pointer to an initialised struct.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &rl) }, 0);
        let (tx, rx) = sched::chan::<()>(0);
        let hs: Vec<_> = (0..GOROUTINES)
            .map(|i| {
                let rx = rx.clone();
                sched::go(move || {
                    let _ = rx.recv();
                    i
                })
            })
            .collect();
        // Let every goroutine start (and block, or fail to get a stack).
        for _ in 0..10 {
            sched::yield_now();
        }
        drop((tx, rx)); // closes the channel: the blocked ones return
        hs.into_iter()
            .map(|h| {
                h.join().map_err(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "a panic without a message".into())
                })
            })
            .collect()
    });
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    println!("ok={ok} failed={}", failed.len());
    for f in failed {
        println!("error: {f}");
    }
}

#[test]
fn a_goroutine_without_a_stack_fails_alone_with_the_reason() {
    if std::env::var_os(ENV).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_goroutine_without_a_stack_fails_alone_with_the_reason",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.find("ok=").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no summary: {stdout}\n{stderr}"));
    let (ok, failed): (usize, usize) = {
        let mut it = line
            .split_whitespace()
            .map(|kv| kv.split('=').nth(1).unwrap().parse().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    };
    assert!(ok >= 1 && failed >= 1, "{line}\n{stdout}\n{stderr}");
    assert_eq!(ok + failed, GOROUTINES, "{line}");
    for l in stdout
        .lines()
        .filter_map(|l| l.find("error: ").map(|at| &l[at..]))
    {
        assert!(
            l.contains("could not allocate a stack for goroutine")
                && l.contains("stack_exhaustion.rs"),
            "the joiner gets the reason and the spawn site: {l}"
        );
    }
    assert!(
        stderr.contains("could not allocate a stack for goroutine"),
        "stderr says it too: {stderr}"
    );
}
