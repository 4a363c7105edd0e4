//! Stack-overflow reporting: a `SIGSEGV`/`SIGBUS` handler that recognises a
//! touch of the running goroutine's guard page, and the canary check's
//! report. Both end the process with one line naming the goroutine:
//!
//! ```text
//! sched: goroutine 7 (spawned at src/main.rs:12:5) overflowed its 256 KiB stack; increase Runtime::builder().stack_size(..) [guard page hit at 0x7f3a…]
//! ```
//!
//! Follows Rust std's own handler (`library/std/src/sys/pal/unix/stack_overflow.rs`):
//! installed once per process with `SA_SIGINFO | SA_ONSTACK`, running on a
//! per-thread `sigaltstack` (the faulting thread's stack pointer is in the
//! guard page, so the handler needs another stack), and when the fault is
//! not ours it hands over to whatever was installed before — std's handler
//! (which reports main-thread overflows) or the default action — so other
//! crashes behave as they would without us.
//!
//! "Ours" means: the fault address lies in the guard page of the stack
//! running on *this* thread (`current.rs`). A goroutine overflows only the
//! stack it runs on, so no global registry of stacks is needed, and the
//! check is two TLS loads. Everything here is async-signal-safe: `write(2)`
//! into fixed buffers, `abort(3)`, no allocation, no locks.

use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use std::sync::Once;

use super::current::{self, Running};
use super::label::GoroutineLabel;
use super::sys;

/// Usable bytes of the alternate signal stack `init_thread` installs.
pub const ALT_STACK_SIZE: usize = 64 * 1024;

const SIGNALS: [libc::c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

/// The actions installed before ours, written once before ours is installed.
struct PrevActions(UnsafeCell<[MaybeUninit<libc::sigaction>; 2]>);
// SAFETY: written only inside `INSTALL.call_once` before `PREV_READY` is
// set (Release); read only after loading `PREV_READY` true (Acquire).
unsafe impl Sync for PrevActions {}

static PREV: PrevActions = PrevActions(UnsafeCell::new([MaybeUninit::uninit(); 2]));
/// Pairs with the Acquire load in `hand_over`: the handler reads `PREV`
/// only after seeing it written.
static PREV_READY: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the process-wide overflow handler (idempotent).
pub(crate) fn install_handler() {
    INSTALL.call_once(|| {
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: a null new action only reads the current one into PREV,
            // which nobody reads before PREV_READY is set.
            unsafe { libc::sigaction(sig, std::ptr::null(), (*PREV.0.get())[i].as_mut_ptr()) };
        }
        PREV_READY.store(true, Release);
        for sig in SIGNALS {
            // SAFETY: a zeroed sigaction is a valid "no flags, empty mask"
            // value; we fill in the handler and flags.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            // SAFETY: `on_fault` is an extern "C" handler with the
            // SA_SIGINFO signature and is async-signal-safe (module prose).
            unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) };
        }
    });
}

/// Prepares the calling OS thread to run goroutines: installs the overflow
/// handler (once per process) and, when the thread has none, an alternate
/// signal stack of [`ALT_STACK_SIZE`] bytes (with a guard page) that lives
/// until the thread exits. Threads spawned by `std` already have one.
/// The scheduler calls this at the start of every M thread.
pub fn init_thread() {
    install_handler();
    // SAFETY: a null new stack only reads the current settings.
    let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: `old` is a valid out-pointer.
    unsafe { libc::sigaltstack(std::ptr::null(), &mut old) };
    if old.ss_flags & libc::SS_DISABLE == 0 {
        return;
    }
    ALT_STACK.with(AltStack::install);
}

/// This thread's alternate signal stack, if `init_thread` made one.
struct AltStack(Cell<usize>);

thread_local! {
    static ALT_STACK: AltStack = const { AltStack(Cell::new(0)) };
}

impl AltStack {
    fn install(&self) {
        let page = sys::page_size();
        let Ok(lo) = sys::map(page + ALT_STACK_SIZE) else {
            return; // No alternate stack: an overflow then dies by SIGSEGV, unreported.
        };
        // SAFETY: the mapping was just made and nothing refers to it.
        let _ = unsafe { sys::protect_none(lo, page) };
        let stack = libc::stack_t {
            ss_sp: (lo + page) as *mut libc::c_void,
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: the region is mapped, ours, and stays mapped until this
        // thread-local drops, which disables it first.
        unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
        self.0.set(lo);
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let lo = self.0.get();
        if lo == 0 {
            return;
        }
        let disable = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: libc::SS_DISABLE,
            ss_size: 0,
        };
        // SAFETY: disabling takes no pointer the kernel keeps; after it no
        // signal can run on the region, so it can be unmapped.
        unsafe {
            libc::sigaltstack(&disable, std::ptr::null_mut());
            sys::unmap(lo, sys::page_size() + ALT_STACK_SIZE);
        }
    }
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t.
    let addr = unsafe { (*info).si_addr() } as usize;
    if let Some(running) = current::running_record() {
        if running.stack.guard_contains(addr) {
            // It runs (it just faulted), so it has not returned.
            report_and_abort(running, true, Detected::GuardPage(addr));
        }
    }
    hand_over(sig, info, ctx);
}

/// Passes a fault that is not ours to the previous handler, or restores the
/// previous action and returns so the faulting access repeats under it.
fn hand_over(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let i = SIGNALS.iter().position(|&s| s == sig).unwrap_or(0);
    if !PREV_READY.load(Acquire) {
        // SAFETY: restoring the default action is always valid.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
        return;
    }
    // SAFETY: PREV_READY (Acquire) shows PREV was written, and never again.
    let prev = unsafe { (*PREV.0.get())[i].assume_init_ref() };
    let handler = prev.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // SAFETY: re-installing an action the process had before.
        unsafe { libc::sigaction(sig, prev, std::ptr::null_mut()) };
    } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
        type Handler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);
        // SAFETY: the previous action was installed with SA_SIGINFO, so its
        // handler has this signature.
        let f: Handler = unsafe { std::mem::transmute::<usize, Handler>(handler) };
        f(sig, info, ctx);
    } else {
        type Handler = extern "C" fn(libc::c_int);
        // SAFETY: the previous action was installed without SA_SIGINFO, so
        // its handler takes only the signal number.
        let f: Handler = unsafe { std::mem::transmute::<usize, Handler>(handler) };
        f(sig);
    }
}

/// How an overflow was detected.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Detected {
    /// A touch of the guard page at this address (signal handler).
    GuardPage(usize),
    /// The canary was overwritten (checked at switch-out).
    Canary,
}

/// Writes the overflow report of the coroutine `running` to stderr and
/// aborts; `unfinished`: whether it has not returned yet (`Running::label`).
/// Async-signal-safe.
pub(crate) fn report_and_abort(running: &Running, unfinished: bool, how: Detected) -> ! {
    let mut line = Line::new();
    line.push(b"sched: ");
    match &running.label(unfinished) {
        Some(label) => line.push_label(label),
        None => line.push(b"a goroutine without a label"),
    }
    line.push(b" overflowed its ");
    line.push_dec(running.stack.usable() as u64 / 1024);
    line.push(b" KiB stack; increase Runtime::builder().stack_size(..)");
    match how {
        Detected::GuardPage(addr) => {
            line.push(b" [guard page hit at 0x");
            line.push_hex(addr as u64);
            line.push(b"]\n");
        }
        Detected::Canary => line
            .push(b" [canary overwritten; detected at switch-out, not at the faulting access]\n"),
    }
    line.write_stderr();
    // SAFETY: abort is async-signal-safe and never returns.
    unsafe { libc::abort() }
}

/// Bytes of one report line; a longer spawn path keeps its last
/// [`MAX_PATH_BYTES`] bytes.
const LINE_BYTES: usize = 1024;
const MAX_PATH_BYTES: usize = 512;

/// A fixed buffer for one report line (no allocation).
struct Line {
    buf: [u8; LINE_BYTES],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line {
            buf: [0; LINE_BYTES],
            len: 0,
        }
    }

    /// "goroutine N (spawned at file:line:col)", without `std::fmt`.
    fn push_label(&mut self, label: &GoroutineLabel) {
        let at = label.spawned_at();
        let file = at.file().as_bytes();
        self.push(b"goroutine ");
        self.push_dec(label.id());
        self.push(b" (spawned at ");
        if file.len() > MAX_PATH_BYTES {
            self.push(b"...");
            self.push(&file[file.len() - MAX_PATH_BYTES..]);
        } else {
            self.push(file);
        }
        self.push(b":");
        self.push_dec(at.line().into());
        self.push(b":");
        self.push_dec(at.column().into());
        self.push(b")");
    }

    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn push_dec(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }

    fn push_hex(&mut self, v: u64) {
        let mut digits = [0u8; 16];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = b"0123456789abcdef"[(v >> (60 - 4 * i)) as usize & 0xf];
        }
        self.push(&digits);
    }

    fn write_stderr(&self) {
        let mut done = 0;
        while done < self.len {
            // SAFETY: the pointer and length lie inside `buf`.
            let n = unsafe {
                libc::write(
                    libc::STDERR_FILENO,
                    self.buf[done..].as_ptr().cast(),
                    self.len - done,
                )
            };
            if n <= 0 {
                return;
            }
            done += n as usize;
        }
    }
}

// The longest line: prefix and suffix text (< 200 bytes), a shortened path,
// and four numbers of at most 20 digits fit the buffer.
const _: () = assert!(200 + 3 + MAX_PATH_BYTES + 4 * 20 <= LINE_BYTES);
