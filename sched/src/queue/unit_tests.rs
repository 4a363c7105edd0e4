//! Unit tests of the queues' edges that the model oracle does not reach:
//! ownership on drop, clamping, construction from a policy, and goroutine
//! nodes' counting and block cache (`node.rs`). (They live beside `ring.rs`
//! and `node.rs` rather than in them because those are compiled a second
//! time against loom, where their atomics only work inside `loom::model`.)

use super::global::{Global, Refill};
use super::local::LocalQueue;
use super::outcome::{Source, Steal};
use super::ring;
use model::policy::{LocalQueueKind, Policy, GO_LOCAL_CAPACITY};
use std::num::NonZeroUsize;
use std::sync::Arc;

type Tok = NonZeroUsize;

fn tok(i: usize) -> Tok {
    Tok::new(i).expect("tokens start at 1")
}

#[test]
fn every_queued_g_is_dropped_with_its_queue() {
    for kind in [
        LocalQueueKind::GoRing { capacity: 4 },
        LocalQueueKind::ChaseLev,
    ] {
        let g = Arc::new(0_u8);
        let global = Global::new();
        let (mut local, stealer) = LocalQueue::<Arc<u8>>::new(kind);
        for i in 0..7 {
            local.push(g.clone(), i % 3 == 0, &global); // ring, slot, overflow
        }
        assert_eq!(Arc::strong_count(&g), 8, "{kind:?}: 7 queued + ours");
        let (mut thief, _) = LocalQueue::<Arc<u8>>::new(kind);
        let taken = stealer.steal_into(&mut thief, |n| n, false).success();
        assert!(taken.is_some(), "{kind:?}");
        drop((local, stealer, thief, global, taken));
        assert_eq!(Arc::strong_count(&g), 1, "{kind:?}: a queue leaked a G");
    }
}

#[test]
fn a_thief_with_a_full_ring_takes_only_the_g_it_runs() {
    let global = Global::new();
    let (mut victim, stealer) = ring::new::<Tok>(4);
    let (mut thief, _) = ring::new::<Tok>(4);
    for i in 1..=4 {
        victim.push(tok(i), false, &global);
        thief.push(tok(10 + i), false, &global);
    }
    match stealer.steal_into(&mut thief, |n| n - n / 2, false) {
        Steal::Success(t, 1) => assert_eq!(t, tok(1)),
        other => panic!("expected one G, got {other:?}"),
    }
    assert_eq!((victim.len(), thief.len()), (3, 4));
}

#[test]
fn the_owner_takes_back_only_its_newest_g() {
    use super::item::Raw;
    let global = Global::new();
    for (mut q, _stealer) in [ring::solo::<Tok>(4), ring::new::<Tok>(4)] {
        assert_eq!(q.take_newest(tok(1).into_raw()), None, "empty");
        for i in 1..=3 {
            q.push(tok(i), false, &global);
        }
        assert_eq!(q.take_newest(tok(1).into_raw()), None, "the head");
        assert_eq!(q.take_newest(tok(2).into_raw()), None, "the middle");
        assert_eq!(q.take_newest(tok(3).into_raw()), Some(tok(3)));
        assert_eq!(q.len(), 2);
        // The slot is rewritten by the next push, and order is kept.
        q.push(tok(4), false, &global);
        assert_eq!(q.take_newest(tok(4).into_raw()), Some(tok(4)));
        assert_eq!(popped(&mut q), [1, 2]);
        // A lone G comes back too (from the head, by CAS with thieves).
        q.push(tok(5), false, &global);
        assert_eq!(q.take_newest(tok(5).into_raw()), Some(tok(5)));
        assert!(q.is_empty());
    }
}

/// A made-up address per token: hints are only compared, never read.
fn hint(t: &Tok) -> *const u8 {
    std::ptr::without_provenance(t.get() * 4096)
}

/// A ring of `capacity` that keeps `hint`'s answers.
fn hinted_ring(capacity: usize, hint: fn(&Tok) -> *const u8) -> ring::Local<Tok> {
    let (mut q, _stealer) = ring::new::<Tok>(capacity);
    q.set_hint(hint);
    q
}

#[test]
fn every_way_into_the_ring_notes_the_hint_of_what_it_wrote() {
    let global = Global::new();
    let mut q = hinted_ring(8, hint);
    q.push(tok(1), false, &global); // tail
    q.push(tok(2), true, &global); // runnext, nothing kicked
    q.push(tok(3), true, &global); // kicks 2 to the tail
    assert_eq!(q.queued_hints(), [4096, 2 * 4096]);
    // Refill from the global queue: its head runs, the rest is queued.
    global.push_batch([tok(4), tok(5), tok(6)]);
    assert_eq!(global.pop_batch(&mut q, |len| len), Some(tok(4)));
    assert_eq!(q.queued_hints(), [4096, 2 * 4096, 5 * 4096, 6 * 4096]);
    // Hints change nothing about what comes out, or in which order.
    assert_eq!(popped(&mut q), [3, 1, 2, 5, 6]);
}

/// Everything the owner pops, in order (`runnext` may run).
fn popped(q: &mut ring::Local<Tok>) -> Vec<usize> {
    std::iter::from_fn(|| q.pop(true))
        .map(|(t, _)| t.get())
        .collect()
}

/// Another made-up address per token, told apart from [`hint`]'s.
fn other_hint(t: &Tok) -> *const u8 {
    std::ptr::without_provenance(t.get() * 4096 + 64)
}

#[test]
fn an_overflow_carries_its_hints_to_the_ring_that_refills_from_it() {
    let global = Global::new();
    let mut full = hinted_ring(16, hint);
    let mut refilled = hinted_ring(16, other_hint);
    for i in 1..=17 {
        full.push(tok(i), false, &global); // the 17th moves 1..=8 and itself
    }
    assert_eq!(global.len(), 9);
    assert_eq!(global.pop_batch(&mut refilled, |len| len), Some(tok(1)));
    let addr = |f: fn(&Tok) -> *const u8, i| f(&tok(i)) as usize;
    // The global queue keeps its first four items inline, without hints
    // (`fifo.rs`, "Hints"): those are asked again; the rest keep theirs.
    let mut want: Vec<usize> = (2..=4).map(|i| addr(other_hint, i)).collect();
    want.extend([5, 6, 7, 8, 17].map(|i| addr(hint, i)));
    assert_eq!(refilled.queued_hints(), want);
    assert_eq!(popped(&mut refilled), [2, 3, 4, 5, 6, 7, 8, 17]);
}

#[test]
fn a_thief_does_not_keep_hints_from_its_own_earlier_values() {
    let global = Global::new();
    let (mut victim, stealer) = ring::new::<Tok>(8);
    let mut thief = hinted_ring(8, hint);
    // Old values through the thief's slots 0..3 leave hints there.
    for i in 1..=3 {
        thief.push(tok(10 + i), false, &global);
    }
    while thief.pop(true).is_some() {}
    // The victim's values land in those slots without a hint of their own.
    for i in 1..=5 {
        victim.push(tok(i), false, &global);
    }
    match stealer.steal_into(&mut thief, |n| n - n / 2, false) {
        Steal::Success(t, 3) => assert_eq!(t, tok(3)),
        other => panic!("expected three Gs, got {other:?}"),
    }
    assert_eq!(thief.queued_hints(), [0, 0], "stale hints were kept");
}

#[test]
fn the_slot_is_stolen_only_when_allowed_and_the_ring_is_empty() {
    let global = Global::new();
    let (mut victim, stealer) = ring::new::<Tok>(4);
    let (mut thief, _) = ring::new::<Tok>(4);
    victim.push(tok(1), true, &global);
    assert_eq!(stealer.steal_into(&mut thief, |n| n, false), Steal::Empty);
    victim.push(tok(2), false, &global);
    // The ring has 2: the slot (1) stays even when allowed.
    assert_eq!(
        stealer.steal_into(&mut thief, |n| n, true),
        Steal::Success(tok(2), 1)
    );
    assert_eq!(
        stealer.steal_into(&mut thief, |n| n, true),
        Steal::Success(tok(1), 1)
    );
    assert_eq!(victim.pop(true), None);
}

#[test]
fn refill_from_global_stops_at_the_rings_room() {
    let global = Global::new();
    global.push_batch((1..=10).map(tok));
    let (mut local, _s) = ring::new::<Tok>(4);
    local.push(tok(99), false, &global);
    assert_eq!(local.room(), 3);
    assert_eq!(global.pop_batch(&mut local, |len| len), Some(tok(1)));
    assert_eq!(local.len(), 4, "3 more fitted");
    assert_eq!(global.len(), 6);
    assert_eq!(local.pop(true), Some((tok(99), Source::Local)));
}

#[test]
fn the_kind_comes_from_the_policys_capacity() {
    for procs in [1, 4] {
        let (go, _) = LocalQueue::<Tok>::for_policy(&Policy::go(), procs);
        assert_eq!(go.capacity(), Some(GO_LOCAL_CAPACITY as usize));
        let chase = Policy::go().with_local_queue(LocalQueueKind::ChaseLev);
        let (cl, _) = LocalQueue::<Tok>::for_policy(&chase, procs);
        assert!(matches!(cl, LocalQueue::ChaseLev(_)));
        assert_eq!(cl.capacity(), None);
    }
}

/// Pushes and pops `ops` (a G id to push, into `runnext` when odd, or 0 to
/// pop with the slot allowed every other time) and returns what came out,
/// where, and what overflowed to the global queue.
fn replay_owner(
    (mut local, _): (ring::Local<Tok>, ring::Stealer<Tok>),
    ops: &[usize],
) -> (Vec<(Tok, Source)>, Vec<Tok>) {
    let global = Global::new();
    let mut out = Vec::new();
    for (i, &op) in ops.iter().enumerate() {
        match op {
            0 => out.extend(local.pop(i % 2 == 0)),
            g => {
                local.push(tok(g), g % 2 == 1, &global);
            }
        }
    }
    out.extend(std::iter::from_fn(|| local.pop(true)));
    (out, std::iter::from_fn(|| global.pop()).collect())
}

#[test]
fn a_solo_ring_gives_its_owner_what_a_ring_with_thieves_does() {
    // Slot kicks, wrap-around and two overflows of a ring of 4.
    let ops: Vec<usize> = (1..=40)
        .flat_map(|g| if g % 5 == 0 { vec![g, 0, 0] } else { vec![g] })
        .collect();
    let with = replay_owner(ring::new(4), &ops);
    let solo = replay_owner(ring::solo(4), &ops);
    assert!(!with.1.is_empty(), "the sequence overflows");
    assert_eq!(solo, with);
}

#[test]
fn a_solo_ring_gives_nothing_to_a_thief() {
    let global = Global::new();
    let (mut own, stealer) = ring::solo::<Tok>(4);
    own.push(tok(1), false, &global);
    own.push(tok(2), true, &global);
    assert_eq!(stealer.len(), 2, "its stealer still answers `len`");
    let (mut thief, _) = ring::new::<Tok>(4);
    for runnext in [false, true] {
        assert!(matches!(
            stealer.steal_into(&mut thief, |n| n, runnext),
            Steal::Empty
        ));
    }
    assert_eq!(own.pop(true), Some((tok(2), Source::RunNext)));
    assert_eq!(own.pop(true), Some((tok(1), Source::Local)));
    assert!(stealer.is_empty());
}

#[test]
#[should_panic(expected = "all Ps share one policy")]
fn stealing_across_kinds_is_refused() {
    let (_ring, ring_stealer) = LocalQueue::<Tok>::new(LocalQueueKind::GoRing { capacity: 4 });
    let (mut chase, _) = LocalQueue::<Tok>::new(LocalQueueKind::ChaseLev);
    let _ = ring_stealer.steal_into(&mut chase, |n| n, false);
}

#[test]
#[should_panic(expected = "not a power of two")]
fn a_ring_capacity_must_be_a_power_of_two() {
    let _ = ring::new::<Tok>(12);
}

#[test]
fn a_spin_mutex_loses_no_update_under_contention() {
    let m = Arc::new(super::SpinMutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    *m.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock(), 80_000);
}

// ---- `node.rs`: goroutine nodes and their per-thread block cache.

mod node_rc {
    use super::super::blocks::{self, Blocks, Pool, BATCH};
    use super::super::node::{self, Inner, NodeRc};
    use std::alloc::Layout;
    use std::sync::atomic::{AtomicUsize as StdAtomic, Ordering::SeqCst};
    use std::sync::Arc;

    struct Counted(Arc<StdAtomic>, [u64; 8]);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    trait Named: Send + Sync {
        fn name(&self) -> u64;
    }
    impl Named for Counted {
        fn name(&self) -> u64 {
            self.1[7]
        }
    }

    #[test]
    fn the_last_drop_drops_the_value_once_and_recycles_its_block() {
        let drops = Arc::new(StdAtomic::new(0));
        let size = node::block_size::<Counted>();
        let a = NodeRc::new(Counted(drops.clone(), [7; 8]));
        // Counted after the first allocation, which may take a chain from
        // the pool.
        let before = blocks::held(size);
        let b = a.clone();
        let erased: NodeRc<dyn Named> = b.erase(|n| n);
        assert!(std::ptr::addr_eq(&*a, &*erased));
        assert_eq!(erased.name(), 7);
        drop(a);
        assert_eq!(drops.load(SeqCst), 0, "one reference is left");
        drop(erased);
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(blocks::held(size), before + 1, "the block is kept");
        // The next node of the class takes it back.
        let c = NodeRc::new(Counted(drops.clone(), [1; 8]));
        assert_eq!(blocks::held(size), before);
        drop(c);
        assert_eq!(drops.load(SeqCst), 2);
    }

    #[test]
    fn a_block_box_drops_its_value_once_and_recycles_its_block() {
        use super::super::{BlockBox, Raw};
        let drops = Arc::new(StdAtomic::new(0));
        let size = Layout::new::<Counted>().size();
        let mut b = BlockBox::new(Counted(drops.clone(), [5; 8]));
        let before = blocks::held(size);
        b.1[0] = 9;
        // Through the queues' pointer form and back: the same box.
        let raw = b.into_raw();
        // SAFETY: `raw` came from `into_raw` just above, taken back once.
        let b = unsafe { BlockBox::<Counted>::from_raw(raw) };
        assert_eq!((b.1[0], b.name()), (9, 5));
        assert_eq!(drops.load(SeqCst), 0);
        drop(b);
        assert_eq!(drops.load(SeqCst), 1, "dropped once");
        assert_eq!(blocks::held(size), before + 1, "the block is kept");
        let c = BlockBox::new(Counted(drops.clone(), [1; 8]));
        assert_eq!(
            std::ptr::from_ref::<Counted>(&c).cast::<()>(),
            raw.as_ptr().cast_const(),
            "the next box of the class takes it back"
        );
        drop(c);
        assert_eq!(drops.load(SeqCst), 2);
    }

    #[test]
    fn a_pair_is_two_references_to_one_node() {
        let drops = Arc::new(StdAtomic::new(0));
        let (a, b) = NodeRc::new_pair_with(|| Counted(drops.clone(), [3; 8]));
        assert!(NodeRc::ptr_eq(&a, &b));
        let c = b.clone();
        drop(a);
        drop(b);
        assert_eq!(drops.load(SeqCst), 0, "the clone keeps the node");
        assert_eq!(c.name(), 3);
        drop(c);
        assert_eq!(drops.load(SeqCst), 1, "dropped once, by the last reference");
    }

    #[test]
    fn nodes_freed_on_another_thread_are_kept_there_up_to_two_chains() {
        let drops = Arc::new(StdAtomic::new(0));
        let n = 2 * BATCH + 10;
        let nodes: Vec<_> = (0..n)
            .map(|i| NodeRc::new(Counted(drops.clone(), [i as u64; 8])))
            .collect();
        let size = node::block_size::<Counted>();
        let held = std::thread::spawn(move || {
            drop(nodes);
            blocks::held(size)
        })
        .join()
        .unwrap();
        assert_eq!(held, BATCH + 10, "a full chain went to the pool");
        assert_eq!(drops.load(SeqCst), n);
    }

    /// A private pool, so that other tests' nodes do not share it.
    fn pool() -> &'static Pool {
        Box::leak(Box::new(Pool::new()))
    }

    #[test]
    fn a_thread_hands_full_chains_to_the_pool_and_takes_them_back() {
        let pool = pool();
        let mut a = Blocks::new(pool);
        let size = 96;
        let cut: Vec<_> = (0..3 * BATCH).map(|_| a.take(size)).collect();
        let distinct: std::collections::HashSet<_> = cut.iter().copied().collect();
        assert_eq!(distinct.len(), cut.len(), "every block is cut once");
        for &p in &cut {
            // SAFETY: each block came from `take(size)` and is unused.
            unsafe { a.give(size, p) };
        }
        // 384 frees: two chains on the thread; the first full chain went to the pool.
        assert_eq!(a.held(size), BATCH + BATCH);
        assert_eq!(pool.held(size), BATCH);
        // Another thread's lists take the pool's chain before cutting.
        let mut b = Blocks::new(pool);
        let got = b.take(size);
        assert!(distinct.contains(&got), "a pooled block is reused");
        assert_eq!(pool.held(size), 0);
        assert_eq!(b.held(size), BATCH - 1);
        // SAFETY: as above.
        unsafe { b.give(size, got) };
        drop(b);
        assert_eq!(
            pool.held(size),
            BATCH,
            "an exiting thread's chains go to the pool"
        );
    }

    #[test]
    fn an_exiting_thread_gives_the_uncut_rest_of_its_slab_as_blocks() {
        let pool = pool();
        let mut a = Blocks::new(pool);
        let size = 512;
        let first = a.take(size);
        drop(a);
        // A 16 KiB slab holds 32 blocks of 512 bytes: one was taken.
        assert_eq!(pool.held(size), 31);
        let mut b = Blocks::new(pool);
        let blocks: Vec<_> = (0..31).map(|_| b.take(size)).collect();
        let lo = first.as_ptr() as usize;
        for p in &blocks {
            let at = p.as_ptr() as usize;
            assert!(
                at > lo && at < lo + 32 * 512 && (at - lo).is_multiple_of(512),
                "from the same slab"
            );
            // SAFETY: written and read within the block's 512 bytes.
            unsafe {
                p.as_ptr().write_bytes(0xA5, size);
                assert_eq!(*p.as_ptr().add(size - 1), 0xA5);
            }
        }
        assert_eq!(pool.held(size), 0);
    }

    #[test]
    fn a_thread_cuts_from_slabs_that_double_up_to_a_megabyte() {
        let pool = pool();
        let mut a = Blocks::new(pool);
        let size = 512;
        // Runs of blocks cut back to back (each 512 bytes past the last):
        // one run per slab. Slabs of 16 KiB, 32, … up to 1 MiB, then 1 MiB.
        let want = [32, 64, 128, 256, 512, 1024, 2048, 2048];
        let total: usize = want.iter().sum();
        let cut: Vec<usize> = (0..total + 1)
            .map(|_| a.take(size).as_ptr() as usize)
            .collect();
        let mut runs = vec![1];
        for w in cut.windows(2) {
            if w[1] == w[0] + size {
                *runs.last_mut().unwrap() += 1;
            } else {
                runs.push(1);
            }
        }
        assert_eq!(runs.pop(), Some(1), "the last block opens a new slab");
        assert_eq!(runs, want);
    }

    #[test]
    fn a_long_pooled_chain_does_not_let_a_thread_keep_without_bound() {
        let pool = pool();
        let size = 32;
        let mut a = Blocks::new(pool);
        let _first = a.take(size);
        drop(a);
        // The rest of the slab: one chain of 511 blocks, longer than a batch.
        assert_eq!(pool.held(size), 511);
        let mut b = Blocks::new(pool);
        // Taken from that chain, which keeps 211 more; then given back on
        // top of them.
        let taken: Vec<_> = (0..300).map(|_| b.take(size)).collect();
        assert_eq!(b.held(size), 211);
        for &p in &taken {
            // SAFETY: each block came from `take(size)` and is unused.
            unsafe { b.give(size, p) };
        }
        assert!(
            b.held(size) <= 2 * BATCH,
            "a thread keeps at most two chains: {}",
            b.held(size)
        );
        assert_eq!(b.held(size) + pool.held(size), 511);
    }

    #[test]
    fn large_or_overaligned_nodes_bypass_the_cache() {
        #[repr(align(64))]
        struct Wide([u8; 64]);
        let big = NodeRc::new([0u8; 1024]);
        let wide = NodeRc::new(Wide([1; 64]));
        assert_eq!(big.len(), 1024);
        assert_eq!(wide.0[0], 1);
        assert_eq!(std::ptr::from_ref(&*wide).align_offset(64), 0);
        drop((big, wide));
    }

    #[test]
    #[should_panic(expected = "the unsizing of its argument")]
    fn erase_refuses_a_view_of_another_node() {
        fn other(_: &Inner<u64>) -> &Inner<u64> {
            node::stray_inner()
        }
        let _ = NodeRc::new(1u64).erase(other);
    }
}

// ---- `pinned.rs`: a lent value naming a value of the enclosing frame.

mod outer {
    use super::super::pinned::with_outer;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    #[test]
    fn a_holder_on_another_thread_reaches_the_enclosing_value() {
        let outer = AtomicU32::new(0);
        let got = with_outer(&outer, 7usize, Some(40u32), |w| {
            let mut r = w.lend();
            let t = std::thread::scope(|s| {
                s.spawn(move || {
                    // The holder reads the arm, moves the cell's value and
                    // touches the enclosing value, all through `r`.
                    let v = r.take().unwrap() + 2;
                    r.outer().store(**r as u32, SeqCst);
                    r.put(v).unwrap();
                    // `r` drops here: the owner may take the cell back.
                })
                .join()
            });
            t.unwrap();
            assert_eq!(w.outer().load(SeqCst), 7);
            w.take_cell()
        });
        assert_eq!(got, Some(42));
        assert_eq!(outer.load(SeqCst), 7);
    }
}
