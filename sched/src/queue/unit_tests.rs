//! Unit tests of the queues' edges that the model oracle does not reach:
//! ownership on drop, clamping, construction from a policy. (They live
//! beside `ring.rs` rather than in it because `ring.rs` is compiled a second
//! time against loom, where its atomics only work inside `loom::model`.)

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
