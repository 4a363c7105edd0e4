//! The kernel calls behind the stack pool: `mmap`, `munmap`, `mprotect`,
//! `madvise`, and the two facts the guard strategy depends on (does the
//! kernel have `MADV_GUARD_INSTALL`, how many map entries are left).
//!
//! Follows corosensei's `stack/unix.rs` (`DefaultStack`: one `mmap`, guard
//! page at the low end) and the kernel's `Documentation/mm/process_addrs`
//! note on guard regions (`MADV_GUARD_INSTALL`, Linux 6.13): a guard
//! installed this way is a page-table marker, not a VMA, so it does not
//! count against `vm.max_map_count`.
//!
//! The wrappers own no memory; the pool (`pool.rs`) and the slabs
//! (`slab.rs`) decide who maps and unmaps what.

use std::io;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// `madvise` advice that installs guard markers on a range without
/// splitting its mapping (Linux ≥ 6.13, `include/uapi/asm-generic/mman-common.h`).
/// Not in every `libc` release, hence defined here.
pub(crate) const MADV_GUARD_INSTALL: libc::c_int = 102;

/// Map entries assumed when `/proc/sys/vm/max_map_count` cannot be read:
/// the kernel's default (`DEFAULT_MAX_MAP_COUNT`).
pub(crate) const DEFAULT_MAX_MAP_COUNT: usize = 65530;

/// The page size, read once. Relaxed: the value is the same whichever
/// thread reads it first; no other memory depends on it.
pub(crate) fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    let cached = PAGE.load(Relaxed);
    if cached != 0 {
        return cached;
    }
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    assert!(
        page.is_power_of_two(),
        "page size {page} is not a power of two"
    );
    PAGE.store(page, Relaxed);
    page
}

/// Reserves `len` bytes of read-write, private, anonymous memory without
/// commit charge (`MAP_NORESERVE`) and without huge pages. Returns the
/// start address.
pub(crate) fn map(len: usize) -> io::Result<usize> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK;
    // SAFETY: an anonymous mapping at an address the kernel picks aliases
    // no existing Rust object.
    let addr = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            -1,
            0,
        )
    };
    if addr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    no_huge_pages(addr as usize, len);
    Ok(addr as usize)
}

/// Opts `[addr, addr + len)` out of transparent huge pages
/// (`MADV_NOHUGEPAGE`). Stacks must stay 4 KiB-granular: with THP
/// `always`, one touched byte could make a 2 MiB page resident that spans
/// eight 256 KiB stacks. `MAP_STACK` implies this since Linux 6.7; older
/// kernels (Debian 12's 6.1) need it said. Best effort: failure only costs
/// memory.
pub(crate) fn no_huge_pages(addr: usize, len: usize) {
    // SAFETY: the advice changes no contents and the range is the caller's
    // own fresh mapping.
    let _ = unsafe { libc::madvise(addr as *mut libc::c_void, len, libc::MADV_NOHUGEPAGE) };
}

/// Unmaps `[addr, addr + len)`.
///
/// # Safety
/// The range was returned by [`map`] (or is a whole part of it) and no live
/// reference points into it.
pub(crate) unsafe fn unmap(addr: usize, len: usize) {
    // SAFETY: the caller guarantees the range is ours and unreferenced.
    let rc = unsafe { libc::munmap(addr as *mut libc::c_void, len) };
    debug_assert_eq!(rc, 0, "munmap: {}", io::Error::last_os_error());
}

/// Makes `[addr, addr + len)` inaccessible with `mprotect` (splits the
/// mapping: one more map entry).
///
/// # Safety
/// The range lies in a mapping of ours that no live reference points into.
pub(crate) unsafe fn protect_none(addr: usize, len: usize) -> io::Result<()> {
    // SAFETY: the caller guarantees the range is ours and unreferenced.
    let rc = unsafe { libc::mprotect(addr as *mut libc::c_void, len, libc::PROT_NONE) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Installs guard markers on `[addr, addr + len)` (`MADV_GUARD_INSTALL`).
///
/// # Safety
/// The range lies in a mapping of ours that no live reference points into.
pub(crate) unsafe fn install_guard(addr: usize, len: usize) -> io::Result<()> {
    // SAFETY: the caller guarantees the range is ours and unreferenced;
    // the advice only makes it fault on access.
    let rc = unsafe { libc::madvise(addr as *mut libc::c_void, len, MADV_GUARD_INSTALL) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Applies `advice` to every `(addr, len)` range with one `process_madvise`
/// call on this process (Linux ≥ 6.13 accepts any advice for the caller
/// itself), so a batch of fresh stacks costs one kernel entry per advice
/// instead of one per stack. Falls back to one `madvise` per range when the
/// kernel refuses the batch or advises only part of it (both calls are
/// idempotent for guard install, what the pool uses it for, and populate).
///
/// # Safety
/// Every range lies in a mapping of ours that no live reference points into,
/// and `advice` only changes how the ranges fault, not what they hold.
pub(crate) unsafe fn advise_many(ranges: &[(usize, usize)], advice: libc::c_int) -> io::Result<()> {
    let iov: Vec<libc::iovec> = ranges
        .iter()
        .map(|&(addr, len)| libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: len,
        })
        .collect();
    let total: usize = ranges.iter().map(|r| r.1).sum();
    if let Some(fd) = self_pidfd() {
        // SAFETY: `iov` is a valid array of `iov.len()` iovecs for the call's
        // duration; the caller guarantees the ranges and the advice are safe.
        let done = unsafe {
            libc::syscall(
                libc::SYS_process_madvise,
                fd,
                iov.as_ptr(),
                iov.len(),
                advice,
                0u32,
            )
        };
        if usize::try_from(done) == Ok(total) {
            return Ok(());
        }
    }
    for &(addr, len) in ranges {
        // SAFETY: as above, range by range.
        let rc = unsafe { libc::madvise(addr as *mut libc::c_void, len, advice) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A pidfd of this process for `process_madvise`; `None` where
/// `pidfd_open` fails (Linux < 5.3, or a seccomp filter). Opened once per
/// process and kept (one descriptor, close-on-exec). The pid is checked on
/// every call: a child made by `fork` inherits the parent's pidfd, and
/// advising through it would target the parent, so a child opens its own.
/// The inherited one is left open: by then its number may name a file the
/// child reopened. (Were the number ever to name something else in this
/// process, the call fails or the kernel refuses these advices for another
/// process, and the per-range fallback runs.)
fn self_pidfd() -> Option<libc::c_int> {
    static FD: std::sync::Mutex<Option<(libc::pid_t, libc::c_int)>> = std::sync::Mutex::new(None);
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let mut fd = FD.lock().unwrap_or_else(|e| e.into_inner());
    match *fd {
        Some((owner, fd)) if owner == pid => Some(fd).filter(|&fd| fd >= 0),
        _ => {
            // SAFETY: pidfd_open has no memory-safety preconditions.
            let opened = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0u32) };
            let opened = libc::c_int::try_from(opened).unwrap_or(-1);
            *fd = Some((pid, opened));
            Some(opened).filter(|&fd| fd >= 0)
        }
    }
}

/// Returns the physical pages of `[addr, addr + len)` to the kernel
/// (`MADV_DONTNEED`): the next touch reads zeroes.
///
/// # Safety
/// The range lies in a mapping of ours whose contents nobody needs any more.
pub(crate) unsafe fn release(addr: usize, len: usize) {
    // SAFETY: the caller guarantees the contents are dead.
    let rc = unsafe { libc::madvise(addr as *mut libc::c_void, len, libc::MADV_DONTNEED) };
    debug_assert_eq!(rc, 0, "madvise(DONTNEED): {}", io::Error::last_os_error());
}

/// Whether this kernel accepts `MADV_GUARD_INSTALL` (kernels before 6.13
/// answer `EINVAL`). Probed on a scratch mapping.
pub(crate) fn guard_install_supported() -> bool {
    let page = page_size();
    let Ok(addr) = map(2 * page) else {
        return false;
    };
    // SAFETY: the scratch mapping was just created and nothing refers to it.
    let ok = unsafe { install_guard(addr, page) }.is_ok();
    // SAFETY: as above; it is unmapped whole.
    unsafe { unmap(addr, 2 * page) };
    ok
}

/// `vm.max_map_count`, or the kernel default when it cannot be read.
pub(crate) fn max_map_count() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_MAP_COUNT)
}

/// Map entries this process uses now (lines of `/proc/self/maps`).
pub fn map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// Resident set size of this process in bytes (`/proc/self/statm`).
pub fn resident_bytes() -> usize {
    let pages: usize = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    pages * page_size()
}
