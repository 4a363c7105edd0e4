//! Unit tests of the stack pool: configuration, allocation and reuse, every
//! guard mode (with the guard probed by the kernel), map counts, the
//! memory-return policy, per-P caches and labels. Overflow in a real child
//! process is tested in `sched/tests/overflow.rs`.

use std::panic::Location;

use super::*;

const SMALL: usize = 64 * 1024;

/// Serialises the tests that measure process-wide numbers (map count, RSS)
/// or that change them a lot, so parallel tests do not blur them.
fn measuring() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn pool(guard: GuardMode) -> StackPool {
    StackPool::new(StackConfig {
        size: SMALL,
        guard,
        ..StackConfig::default()
    })
    .expect("pool")
}

/// Whether the kernel can read the byte at `addr`: a `write(2)` from it
/// into a pipe fails with `EFAULT` on a guard page (mprotect or madvise
/// guard) instead of delivering a signal.
fn readable(addr: usize) -> bool {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out-array of two ints.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the kernel validates the source address and reports EFAULT.
    let n = unsafe { libc::write(fds[1], addr as *const libc::c_void, 1) };
    // SAFETY: closing the two descriptors just made.
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    n == 1
}

/// Touches every page of the stack's usable region.
fn touch_all(stack: &Stack) {
    let info = stack.info();
    let page = sys::page_size();
    for addr in (info.usable_lo() + 64..info.base).step_by(page) {
        // SAFETY: the usable region is mapped read-write and owned by
        // `stack`; nothing runs on it.
        unsafe { (addr as *mut u8).write_volatile(1) };
    }
}

#[test]
fn config_rejects_sizes_outside_range_naming_size_and_range() {
    for bad in [0, 8 * 1024, MIN_STACK_SIZE - 1, MAX_STACK_SIZE + 1] {
        let err = StackPool::new(StackConfig::with_size(bad)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("{bad} bytes")), "{text}");
        assert!(text.contains("16 KiB..=1 GiB"), "{text}");
    }
    assert!(StackPool::new(StackConfig::with_size(MIN_STACK_SIZE)).is_ok());
}

#[test]
fn size_rounds_up_to_whole_pages() {
    let page = sys::page_size();
    let pool = StackPool::new(StackConfig::with_size(MIN_STACK_SIZE + 1)).unwrap();
    assert_eq!(pool.stack_size(), MIN_STACK_SIZE + page);
    let stack = pool.alloc().unwrap();
    assert_eq!(stack.size(), MIN_STACK_SIZE + page);
    assert_eq!(stack.info().usable_lo() - stack.info().limit, page);
}

#[test]
fn default_size_is_256_kib() {
    let pool = StackPool::new(StackConfig::default()).unwrap();
    assert_eq!(pool.alloc().unwrap().size(), 256 * 1024);
}

#[test]
fn auto_picks_madvise_guard_exactly_when_the_kernel_has_it() {
    let pool = StackPool::new(StackConfig::default()).unwrap();
    if guard_install_supported() {
        assert_eq!(pool.mode(), GuardMode::MadviseGuard);
    } else {
        assert!(matches!(pool.mode(), GuardMode::MprotectThenCanary { .. }));
    }
}

#[test]
fn guarded_budget_keeps_half_the_free_entries_as_headroom() {
    assert_eq!(guarded_budget(65530, 530), 16250);
    assert_eq!(guarded_budget(100, 200), 0);
}

#[test]
fn freed_stack_is_reused_warm() {
    let pool = pool(GuardMode::Auto);
    let first = pool.alloc().unwrap();
    let base = first.info().base;
    assert_eq!(pool.stats().handed_out, 1);
    drop(first);
    assert_eq!(pool.stats().handed_out, 0);
    assert_eq!(pool.stats().warm, 1);
    assert_eq!(pool.alloc().unwrap().info().base, base);
}

#[test]
fn stacks_are_disjoint_and_writable() {
    let pool = pool(GuardMode::Auto);
    let stacks: Vec<Stack> = (0..100).map(|_| pool.alloc().unwrap()).collect();
    let mut ranges: Vec<_> = stacks
        .iter()
        .map(|s| (s.info().limit, s.info().base))
        .collect();
    ranges.sort();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
    stacks.iter().for_each(touch_all);
}

/// Lines of `/proc/self/maps` that overlap any of `stacks` (guard included).
fn maps_overlapping(stacks: &[Stack]) -> usize {
    let ranges: Vec<(usize, usize)> = stacks
        .iter()
        .map(|s| (s.info().limit, s.info().base))
        .collect();
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .filter_map(|l| {
            let (lo, hi) = l.split_whitespace().next()?.split_once('-')?;
            Some((
                usize::from_str_radix(lo, 16).ok()?,
                usize::from_str_radix(hi, 16).ok()?,
            ))
        })
        .filter(|&(lo, hi)| ranges.iter().any(|&(a, b)| lo < b && a < hi))
        .count()
}

fn assert_guarded(stack: &Stack) {
    let info = stack.info();
    assert!(!readable(info.limit), "guard page must fault");
    assert!(!readable(info.usable_lo() - 1), "guard page must fault");
    assert!(readable(info.usable_lo()));
    assert!(readable(info.base - 1));
}

#[test]
fn madvise_guard_mode_installs_a_faulting_guard_page() {
    if !guard_install_supported() {
        assert!(matches!(
            StackPool::new(StackConfig {
                guard: GuardMode::MadviseGuard,
                ..StackConfig::default()
            }),
            Err(StackError::MadviseGuardUnsupported)
        ));
        return;
    }
    let pool = pool(GuardMode::MadviseGuard);
    let stacks: Vec<Stack> = (0..3).map(|_| pool.alloc().unwrap()).collect();
    for s in &stacks {
        assert_eq!(s.kind(), StackKind::MadviseGuard);
        assert_guarded(s);
    }
}

#[test]
fn madvise_guard_survives_dontneed_of_a_cold_stack() {
    if !guard_install_supported() {
        return;
    }
    let pool = StackPool::new(StackConfig {
        size: SMALL,
        guard: GuardMode::MadviseGuard,
        warm_limit: 0,
        ..StackConfig::default()
    })
    .unwrap();
    let stack = pool.alloc().unwrap();
    touch_all(&stack);
    drop(stack);
    assert_eq!(pool.stats().cold, 1);
    let again = pool.alloc().unwrap();
    assert_guarded(&again);
}

#[test]
fn mprotect_mode_installs_a_faulting_guard_page() {
    let _serial = measuring();
    let pool = pool(GuardMode::Mprotect);
    let stack = pool.alloc().unwrap();
    assert_eq!(stack.kind(), StackKind::Mprotect);
    assert_guarded(&stack);
}

#[test]
fn canary_mode_has_no_guard_and_a_checked_canary() {
    let pool = pool(GuardMode::Canary);
    let stack = pool.alloc().unwrap();
    assert_eq!(stack.kind(), StackKind::Canary);
    assert!(
        readable(stack.info().limit),
        "canary stacks have a plain gap page"
    );
    assert!(stack.canary_intact());
    // SAFETY: the canary's first word lies in the stack we own.
    unsafe { (stack.info().usable_lo() as *mut u64).write_volatile(0) };
    assert!(!stack.canary_intact());
}

#[test]
fn canary_is_rewritten_when_a_cold_stack_is_reused() {
    let pool = StackPool::new(StackConfig {
        size: SMALL,
        guard: GuardMode::Canary,
        warm_limit: 0,
        ..StackConfig::default()
    })
    .unwrap();
    let stack = pool.alloc().unwrap();
    let base = stack.info().base;
    drop(stack); // MADV_DONTNEED zeroes the canary.
    let again = pool.alloc().unwrap();
    assert_eq!(again.info().base, base);
    assert!(again.canary_intact());
}

#[test]
fn mprotect_then_canary_switches_after_the_budget() {
    let _serial = measuring();
    let pool = pool(GuardMode::MprotectThenCanary { guarded: 3 });
    let stacks: Vec<Stack> = (0..7).map(|_| pool.alloc().unwrap()).collect();
    let kinds: Vec<StackKind> = stacks.iter().map(Stack::kind).collect();
    assert_eq!(kinds[..3], [StackKind::Mprotect; 3]);
    assert_eq!(kinds[3..], [StackKind::Canary; 4]);
    assert_guarded(&stacks[0]);
    assert!(stacks[6].canary_intact());
    let stats = pool.stats();
    assert_eq!((stats.mprotect_stacks, stats.slab_stacks), (3, 4));
}

#[test]
fn mprotect_costs_two_maps_per_stack() {
    let _serial = measuring();
    let pool = pool(GuardMode::Mprotect);
    let stacks: Vec<Stack> = (0..200).map(|_| pool.alloc().unwrap()).collect();
    // Count only the maps that cover our stacks: tests running beside this
    // one (loom and shuttle models) map and unmap memory of their own.
    let used = maps_overlapping(&stacks);
    // Neighbouring mappings can merge a little; never more than 2 per stack.
    assert!(
        (300..=400).contains(&used),
        "200 mprotect stacks used {used} maps"
    );
    drop(stacks);
}

#[test]
fn slab_modes_use_few_maps_for_many_stacks() {
    let _serial = measuring();
    let mut modes = vec![GuardMode::Canary];
    if guard_install_supported() {
        modes.push(GuardMode::MadviseGuard);
    }
    for mode in modes {
        let pool = pool(mode);
        let stacks: Vec<Stack> = (0..20_000).map(|_| pool.alloc().unwrap()).collect();
        let used = maps_overlapping(&stacks);
        // 20k stacks need 64+128+...+1024 slots, then slabs of 1024: 23 slabs.
        assert_eq!(pool.stats().slabs, 23, "{mode:?}");
        assert!(used <= 23, "{mode:?}: 20k stacks used {used} maps");
        drop(stacks);
    }
}

#[test]
fn free_stacks_beyond_the_warm_limit_return_their_pages() {
    let _serial = measuring();
    let pool = StackPool::new(StackConfig {
        size: 1024 * 1024,
        guard: GuardMode::Auto,
        warm_limit: 2,
        ..StackConfig::default()
    })
    .unwrap();
    let stacks: Vec<Stack> = (0..10).map(|_| pool.alloc().unwrap()).collect();
    stacks.iter().for_each(touch_all);
    let touched = resident_bytes();
    drop(stacks);
    let stats = pool.stats();
    assert_eq!((stats.warm, stats.cold, stats.handed_out), (2, 8, 0));
    let freed = touched.saturating_sub(resident_bytes());
    // 8 cold stacks × 1 MiB were resident; allow noise from other tests.
    assert!(freed >= 6 * 1024 * 1024, "only {freed} bytes returned");
}

#[test]
fn cache_refills_and_spills_half_a_cache() {
    let pool = pool(GuardMode::Auto);
    // Free stacks in the pool first, so that every refill below takes free
    // ones (a dry pool makes new ones: the next test).
    drop(
        (0..CACHE_CAPACITY + 1)
            .map(|_| pool.alloc().unwrap())
            .collect::<Vec<_>>(),
    );
    assert_eq!(pool.stats().warm, CACHE_CAPACITY + 1);
    let mut cache = StackCache::new(&pool);
    let stacks: Vec<Stack> = (0..CACHE_CAPACITY + 1)
        .map(|_| cache.get().unwrap())
        .collect();
    assert_eq!(pool.stats().handed_out, CACHE_CAPACITY + 1);
    for s in stacks {
        cache.put(s);
    }
    // 17 puts into a 16-slot cache: one spill of 8 to the shared pool.
    assert_eq!(cache.len(), CACHE_CAPACITY + 1 - CACHE_BATCH);
    assert_eq!(pool.stats().warm, CACHE_BATCH);
    let mut other = StackCache::new(&pool);
    let _s = other.get().unwrap();
    assert_eq!(
        other.len(),
        CACHE_BATCH - 1,
        "refilled half a cache in one go"
    );
    assert_eq!(pool.stats().warm, 0);
    drop(cache);
    drop(other);
    drop(_s);
    assert_eq!(pool.stats().handed_out, 0);
}

/// Whether the page at `addr` is resident (`mincore`).
fn resident(addr: usize) -> bool {
    let mut v = 0u8;
    // SAFETY: `addr` is page aligned and lies in a mapping of the caller's;
    // `v` receives the one byte mincore writes for one page.
    let rc = unsafe { libc::mincore(addr as *mut libc::c_void, sys::page_size(), &mut v) };
    assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
    v & 1 == 1
}

#[test]
fn dry_pool_makes_half_a_cache_of_guarded_stacks_at_once() {
    if !guard_install_supported() {
        return; // the canary and mprotect kinds: next test
    }
    let pool = pool(GuardMode::MadviseGuard);
    let mut cache = StackCache::new(&pool);
    let first = cache.get().unwrap();
    assert_eq!(
        cache.len(),
        CACHE_BATCH - 1,
        "the rest of the batch is cached"
    );
    assert_eq!(pool.stats().slab_stacks, CACHE_BATCH);
    assert_eq!(pool.stats().handed_out, CACHE_BATCH);
    let mut batch = vec![first];
    batch.extend((1..CACHE_BATCH).map(|_| cache.get().unwrap()));
    assert_eq!(pool.stats().slab_stacks, CACHE_BATCH, "no refill yet");
    let page = sys::page_size();
    for s in &batch {
        let info = s.info();
        // Before anything touches the stack: its top page (where a
        // coroutine's first frame goes) is faulted in, the rest is not.
        assert!(resident(info.base - page), "top page touched");
        assert!(!resident(info.base - 2 * page), "only the top page");
        assert_guarded(s);
    }
    // The next one starts a new batch.
    let _next = cache.get().unwrap();
    assert_eq!(pool.stats().slab_stacks, 2 * CACHE_BATCH);
}

#[test]
fn dry_pool_makes_other_kinds_one_at_a_time() {
    for mode in [GuardMode::Canary, GuardMode::Mprotect] {
        let pool = pool(mode);
        let mut cache = StackCache::new(&pool);
        let _s = cache.get().unwrap();
        assert_eq!(cache.len(), 0, "{mode:?}");
        assert_eq!(pool.stats().handed_out, 1, "{mode:?}");
    }
}

#[test]
fn advise_many_populates_every_range() {
    let page = sys::page_size();
    let base = sys::map(8 * page).unwrap();
    let ranges: Vec<(usize, usize)> = (0..4).map(|i| (base + 2 * i * page, page)).collect();
    // SAFETY: the mapping was just made and nothing refers to it;
    // populating writes nothing the program can see.
    unsafe { sys::advise_many(&ranges, libc::MADV_POPULATE_WRITE) }.unwrap();
    for i in 0..8 {
        assert_eq!(resident(base + i * page), i % 2 == 0, "page {i}");
    }
    // SAFETY: as above; unmapped whole.
    unsafe { sys::unmap(base, 8 * page) };
}

#[test]
fn advise_many_reports_a_range_outside_any_mapping() {
    let page = sys::page_size();
    let base = sys::map(2 * page).unwrap();
    // SAFETY: the mapping was just made; its second page is unmapped again,
    // so the range below lies in no mapping at all.
    unsafe { sys::unmap(base + page, page) };
    let ranges = [(base, page), (base + page, page)];
    // SAFETY: the first range is ours and unreferenced; the second is not
    // mapped, which the kernel must refuse (batch and fallback alike).
    let err = unsafe { sys::advise_many(&ranges, libc::MADV_POPULATE_WRITE) }.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOMEM), "{err}");
    // SAFETY: the first page is still ours; unmapped now.
    unsafe { sys::unmap(base, page) };
}

#[test]
fn pool_outlives_its_handle_while_stacks_are_out() {
    let pool = pool(GuardMode::Auto);
    let stack = pool.alloc().unwrap();
    drop(pool);
    touch_all(&stack); // Still mapped: the stack holds the pool.
}

#[test]
fn label_formats_id_and_spawn_location() {
    let at = Location::caller();
    let label = GoroutineLabel::new(42, at);
    assert_eq!((label.id(), label.spawned_at()), (42, at));
    assert_eq!(
        label.to_string(),
        format!(
            "goroutine 42 (spawned at {}:{}:{})",
            at.file(),
            at.line(),
            at.column()
        )
    );
}

/// The `VmFlags` line of the mapping containing `addr` (/proc/self/smaps).
fn vm_flags(addr: usize) -> String {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ') {
            if let Some((lo, hi)) = range.split_once('-') {
                if let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                {
                    inside = (lo..hi).contains(&addr);
                    continue;
                }
            }
        }
        if inside && line.starts_with("VmFlags:") {
            return line.to_string();
        }
    }
    panic!("no mapping contains {addr:#x}");
}

#[test]
fn stacks_never_get_transparent_huge_pages() {
    let mut modes = vec![GuardMode::Canary, GuardMode::Mprotect];
    if guard_install_supported() {
        modes.push(GuardMode::MadviseGuard);
    }
    for mode in modes {
        let pool = pool(mode);
        let stack = pool.alloc().unwrap();
        let flags = vm_flags(stack.info().base - 1);
        assert!(
            flags.split_whitespace().any(|f| f == "nh"),
            "{mode:?}: {flags}"
        );
    }
}

#[test]
fn scavenge_returns_only_stacks_idle_for_a_whole_period() {
    let pool = StackPool::new(StackConfig {
        warm_limit: usize::MAX,
        ..StackConfig::with_size(64 * 1024)
    })
    .unwrap();
    let stacks: Vec<Stack> = (0..40).map(|_| pool.alloc().unwrap()).collect();
    drop(stacks);
    assert_eq!(pool.stats().warm, 40);
    // The first period saw the list empty: nothing was idle all along.
    assert_eq!(pool.scavenge(10), 0);
    // Reuse 5 during the second period: 35 stayed idle; keep 10 warm.
    let reused: Vec<Stack> = (0..5).map(|_| pool.alloc().unwrap()).collect();
    drop(reused);
    assert_eq!(pool.scavenge(10), 30);
    let st = pool.stats();
    assert_eq!((st.warm, st.cold), (10, 30));
}

#[test]
fn stacks_a_cache_takes_count_as_used_for_scavenging() {
    let pool = StackPool::new(StackConfig {
        warm_limit: usize::MAX,
        ..StackConfig::with_size(64 * 1024)
    })
    .unwrap();
    drop((0..40).map(|_| pool.alloc().unwrap()).collect::<Vec<_>>());
    assert_eq!(pool.scavenge(0), 0, "the first period saw the list empty");
    // A cache takes half a cache and gives it back within the period.
    let mut cache = StackCache::new(&pool);
    drop(cache.get().unwrap());
    drop(cache);
    assert_eq!(pool.stats().warm, 40);
    assert_eq!(
        pool.scavenge(0),
        40 - CACHE_BATCH,
        "the cache's stacks were in use"
    );
}
