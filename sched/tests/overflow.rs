//! Real stack overflows, one per guard mode, each in a child process: the
//! test binary re-executes itself running only `child`, with the mode in
//! `SCHED_OVERFLOW_CHILD`. The child must die abnormally (SIGABRT from the
//! report) with stderr naming the goroutine's id and spawn location. A
//! fault that is not a stack overflow must still crash as it would without
//! the runtime (SIGSEGV, no report), and the guarded-to-canary change must
//! print its notice once.

use std::hint::black_box;
use std::os::unix::process::ExitStatusExt;
use std::panic::Location;
use std::process::{Command, Output};

use sched::coro::{suspend, Coro, CoroState};
use sched::stack::{
    guard_install_supported, init_thread, GoroutineLabel, GuardMode, StackConfig, StackPool,
    ALT_STACK_SIZE,
};

const ENV: &str = "SCHED_OVERFLOW_CHILD";
const STACK: usize = 64 * 1024;

/// Recurses with 1 KiB frames until the stack pointer passes `stop`
/// (`0`: forever).
#[inline(never)]
fn recurse(stop: usize, depth: u64) -> u64 {
    let frame = black_box([depth as u8; 1024]);
    if stop != 0 && (frame.as_ptr() as usize) < stop {
        return frame[7] as u64;
    }
    recurse(stop, depth + 1) + black_box(frame[depth as usize % 1024]) as u64
}

/// The spawn location goroutine 42's label carries; the parent asks for
/// the same one to know what the report must say.
fn spawn_site() -> &'static Location<'static> {
    Location::caller()
}

fn mode(name: &str) -> GuardMode {
    match name {
        "madvise" => GuardMode::MadviseGuard,
        "mprotect" => GuardMode::Mprotect,
        "canary" => GuardMode::Canary,
        "mprotect_then_canary" => GuardMode::MprotectThenCanary { guarded: 2 },
        other => panic!("unknown mode {other}"),
    }
}

/// Runs in the child: spawns goroutine 42 on a stack of the given mode and
/// overflows it on a freshly spawned thread. Canary stacks overflow by 2 KiB (into the gap page below),
/// then return and suspend, so the switch-out check finds the canary gone.
fn overflow_in_child(name: &str) {
    init_thread();
    let pool = StackPool::new(StackConfig {
        guard: mode(name),
        ..StackConfig::with_size(STACK)
    })
    .unwrap();
    let mut guarded = Vec::new();
    if name == "mprotect_then_canary" {
        guarded = (0..2).map(|_| pool.alloc().unwrap()).collect();
    }
    let stack = pool.alloc().unwrap();
    let info = stack.info();
    let stop = if info.kind.has_guard_page() {
        0
    } else {
        info.usable_lo() - 2048
    };
    let label = GoroutineLabel::new(42, spawn_site());
    let coro = Coro::with_label(
        stack,
        label,
        Box::new(move || {
            black_box(recurse(stop, 0));
            suspend();
        }),
    );
    // Run it on a fresh thread, as the scheduler's M threads will; with
    // `own_altstack`, replace std's alternate signal stack by ours first.
    let own_altstack = std::env::var("SCHED_OWN_ALTSTACK").is_ok();
    std::thread::spawn(move || {
        let mut coro = coro;
        if own_altstack {
            disable_altstack();
        }
        init_thread();
        if own_altstack {
            assert_eq!(altstack_size(), Some(ALT_STACK_SIZE));
        }
        let state = coro.resume();
        panic!("the overflow was not reported; resume returned {state:?}");
    })
    .join()
    .unwrap();
    drop(guarded);
}

fn disable_altstack() {
    let disable = libc::stack_t {
        ss_sp: std::ptr::null_mut(),
        ss_flags: libc::SS_DISABLE,
        ss_size: 0,
    };
    // SAFETY: disabling passes no memory to the kernel.
    let rc = unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) };
    assert_eq!(rc, 0);
    assert_eq!(altstack_size(), None);
}

fn altstack_size() -> Option<usize> {
    // SAFETY: a zeroed stack_t is a valid out-value; a null new stack only reads.
    let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: `old` is a valid out-pointer.
    unsafe { libc::sigaltstack(std::ptr::null(), &mut old) };
    (old.ss_flags & libc::SS_DISABLE == 0).then_some(old.ss_size)
}

#[test]
fn child() {
    match std::env::var(ENV).as_deref() {
        Ok("foreign_fault") => {
            init_thread();
            let _pool = StackPool::new(StackConfig::default()).unwrap();
            // SAFETY: none — this deliberately faults, in a child process.
            unsafe { (black_box(16usize) as *mut u64).write_volatile(1) };
        }
        Ok("notice") => {
            let pool = StackPool::new(StackConfig {
                guard: GuardMode::MprotectThenCanary { guarded: 2 },
                ..StackConfig::with_size(STACK)
            })
            .unwrap();
            let stacks: Vec<_> = (0..6).map(|_| pool.alloc().unwrap()).collect();
            let mut c = Coro::new(pool.alloc().unwrap(), Box::new(suspend));
            assert!(matches!(c.resume(), CoroState::Suspended));
            drop(stacks);
        }
        Ok(name) => overflow_in_child(name),
        Err(_) => {} // Not a child: nothing to do.
    }
}

fn child_command(what: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(ENV, what)
        .env("RUST_BACKTRACE", "0");
    cmd
}

fn run_child(what: &str) -> Output {
    child_command(what).output().unwrap()
}

fn assert_reported(mode: &str, how: &str) {
    assert_output_reported(mode, how, run_child(mode));
}

fn assert_output_reported(mode: &str, how: &str, out: Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{mode}: {stderr}");
    let expected = format!("sched: goroutine 42 (spawned at {})", spawn_site());
    assert!(stderr.contains(&expected), "{mode}: {stderr}");
    assert!(
        stderr.contains("overflowed its 64 KiB stack; increase Runtime::builder().stack_size(..)"),
        "{mode}: {stderr}"
    );
    assert!(stderr.contains(how), "{mode}: {stderr}");
    assert!(!stderr.contains("was not reported"), "{mode}: {stderr}");
}

#[test]
fn overflow_madvise_guard_reports_goroutine_and_aborts() {
    if guard_install_supported() {
        assert_reported("madvise", "[guard page hit at 0x");
    }
}

#[test]
fn overflow_on_our_own_altstack_reports_goroutine_and_aborts() {
    let mode = if guard_install_supported() {
        "madvise"
    } else {
        "mprotect"
    };
    let out = child_command(mode)
        .env("SCHED_OWN_ALTSTACK", "1")
        .output()
        .unwrap();
    assert_output_reported(mode, "[guard page hit at 0x", out);
}

#[test]
fn overflow_mprotect_guard_reports_goroutine_and_aborts() {
    assert_reported("mprotect", "[guard page hit at 0x");
}

#[test]
fn overflow_canary_reports_goroutine_at_switch_out_and_aborts() {
    assert_reported("canary", "[canary overwritten; detected at switch-out");
}

#[test]
fn overflow_canary_after_mprotect_budget_reports_and_aborts() {
    assert_reported("mprotect_then_canary", "[canary overwritten");
}

#[test]
fn foreign_fault_still_crashes_with_sigsegv_and_no_report() {
    let out = run_child("foreign_fault");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(libc::SIGSEGV), "{stderr}");
    assert!(!stderr.contains("sched:"), "{stderr}");
}

#[test]
fn canary_fallback_prints_one_notice() {
    let out = run_child("notice");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let notice = "goroutines beyond that get canary-checked stacks without guard pages";
    assert_eq!(stderr.matches(notice).count(), 1, "{stderr}");
    assert!(stderr.contains("sched: vm.max_map_count="), "{stderr}");
    assert!(stderr.contains("allows ~2 guarded stacks"), "{stderr}");
}
