//! loom suite for the ring, its `runnext` slot, the global queue, the
//! one-item `Slot` and `ValueSlot`, the join cell, lent waiters and
//! goroutine nodes: the same source as production (`loom_build` mounts it
//! against loom's atomics).
//!
//! Every test moves Gs `1..=k` through the queues and checks that each
//! comes out exactly once (none lost, none duplicated), whatever the
//! interleaving and whatever value a Relaxed load was allowed to return; the
//! G's id sits in a `loom::cell::UnsafeCell`, so a hand-over without a
//! happens-before edge is a loom failure too.
//!
//! What loom cannot check: it does not model load buffering, so the
//! "reuse" pairing of `ring.rs` (ordering 2: a thief's Release CAS on `head`
//! with the owner's Acquire load before it rewrites a slot) is argued in
//! `ring.rs`, not checked here — weakening both to Relaxed still passes.
//! Ordering 1 (publishing through `tail`) and the `runnext` pair are checked:
//! weakening the thief's `tail` load to Relaxed fails five of these tests,
//! and weakening the thief's `runnext` CAS to Relaxed fails
//! `runnext_push_and_steal_of_runnext` with a causality violation. So is
//! ordering 6, the SeqCst fences that let the owner take back its newest G
//! (`take_newest`): without the owner's fence
//! `take_back_the_newest_racing_a_thief_that_wants_all` fails, without the
//! thief's `take_back_the_newest_racing_steal_half` does (both hand one box
//! to two owners).
//!
//! Bounds: each test explores all interleavings with at most
//! [`PREEMPTIONS`] preemptions (loom's `Builder::preemption_bound`; the
//! `LOOM_MAX_PREEMPTIONS` environment variable overrides it, and
//! `LOOM_MAX_BRANCHES` / `LOOM_MAX_DURATION` bound a run further). Rings have
//! [`CAP`] slots instead of Go's 256: the interesting states (empty, one
//! left, full, wrapped around, overflow) are all reachable with 4, and loom's
//! state space grows exponentially with the operations a test needs to reach
//! them.
//!
//! Measured on the 2-core development box (test profile, opt-level 1),
//! executions / time per test at the default bound 3 and at
//! `LOOM_MAX_PREEMPTIONS=6`:
//!
//! | test | bound 3 | bound 6 |
//! |---|---|---|
//! | `push_pop_single_owner` | 1 / 5 ms | 1 / 3 ms |
//! | `push_and_concurrent_steal` | 3 666 / 0.29 s | 29 941 / 2.0 s |
//! | `a_solo_ring_gives_nothing_to_a_racing_thief` | 167 / <10 ms | 269 / <10 ms |
//! | `runnext_push_and_steal_of_runnext` | 4 762 / 0.29 s | 40 720 / 3.8 s |
//! | `steal_half_racing_owner_pop` | 56 / 19 ms | 110 / 20 ms |
//! | `steal_one_racing_owner_push_past_wraparound` | 1 867 / 0.16 s | 13 699 / 1.1 s |
//! | `overflow_to_global_racing_a_stealer` | 120 / 22 ms | 473 / 50 ms |
//! | `two_concurrent_stealers` | 1 596 / 0.18 s | 54 209 / 6.0 s |
//! | `global_batch_refill_racing_a_thief_of_the_refilled_ring` | 57 / 13 ms | 108 / 15 ms |
//! | `thief_of_a_thief_sees_the_gs_contents` | 679 / 73 ms | 4 701 / 0.5 s |
//! | `slot_puts_and_takes_hand_over_each_item_once` | 522 / 30 ms | 3 348 / 0.2 s |
//! | `value_slot_put_and_take_hand_over_each_value_once` | 314 / 30 ms | 1 972 / 0.2 s |
//! | `join_cell_hands_the_outcome_to_its_joiner_once_and_wakes_it` | 24 / <10 ms | 28 / <10 ms |
//! | `pinned_value_outlives_every_access_through_its_ref` | 93 / 10 ms | 228 / 10 ms |
//! | `pinned_cell_moves_between_owner_and_holder` | 12 / <10 ms | 12 / <10 ms |
//! | `node_value_is_dropped_after_every_access` | 4 / <10 ms | 4 / <10 ms |
//! | `take_back_a_lone_g_racing_a_thief` | 109 / <0.1 s | 307 / <0.1 s |
//! | `take_back_the_newest_racing_a_thief_that_wants_all` | 38 / <0.1 s | 96 / <0.1 s |
//! | `take_back_the_newest_racing_steal_half` | 99 / <0.1 s | 460 / <0.1 s |
//!
//! Every concurrent test asserts that loom explored more
//! than one execution.

use super::loom_build::global::Global;
use super::loom_build::join_cell::JoinCell;
use super::loom_build::node::NodeRc;
use super::loom_build::pinned::Pinned;
use super::loom_build::ring::{self, Local};
use super::loom_build::slot::Slot;
use super::loom_build::value_slot::ValueSlot;
use super::outcome::{Source, Steal};
use loom::cell::UnsafeCell;
use loom::thread;

/// A stand-in goroutine: its id lives in a loom cell, written by the thread
/// that makes it ready and read by whichever thread takes it, so loom reports
/// a causality violation if a queue hands over a G without a happens-before
/// edge (a missing Release/Acquire pair).
#[derive(Debug)]
struct G(UnsafeCell<usize>);

type Tok = Box<G>;

/// Ring capacity under loom (Go: 256); see the module docs.
const CAP: usize = 4;
/// Default preemption bound; `LOOM_MAX_PREEMPTIONS` overrides it.
const PREEMPTIONS: usize = 3;

fn tok(i: usize) -> Tok {
    let g = Box::new(G(UnsafeCell::new(0)));
    // SAFETY: the G is not shared yet: this thread alone touches the cell.
    g.0.with_mut(|id| unsafe { *id = i });
    g
}

#[allow(clippy::boxed_local)] // consumes the G: whoever takes it, ends it
fn id(g: Tok) -> usize {
    // SAFETY: whoever holds the box owns the G; the cell is read only here,
    // after the queue handed it over (loom checks the hand-over's ordering).
    g.0.with(|id| unsafe { *id })
}

/// Runs `f` under loom with the suite's default bound and returns how many
/// executions loom explored (printed with `--nocapture`).
fn model(f: impl Fn() + Sync + Send + 'static) -> usize {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(PREEMPTIONS);
    }
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    let runs = runs.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("loom explored {runs} executions");
    runs
}

/// [`model`] for a test with more than one thread: loom must have explored
/// more than one interleaving, or the test checks nothing.
fn explore(f: impl Fn() + Sync + Send + 'static) {
    let runs = model(f);
    assert!(runs > 1, "loom explored a single execution");
}

fn half(n: usize) -> usize {
    n - n / 2
}

fn one(n: usize) -> usize {
    n.min(1)
}

/// Everything there is (a `steal=<k>` with a large `k`): the ring cuts it
/// to leave the newest of two or more (`model::queue::steal_take`).
fn all(n: usize) -> usize {
    n
}

/// The owner joins the newest of `k` queued Gs while a thief makes `tries`
/// steals with `amount`: the owner takes it back (`take_newest`, ordering
/// 6) or the thief has it, never both. One steal from two or more leaves
/// the newest, so then the owner must get it.
fn take_back_newest_racing_a_thief(k: usize, amount: fn(usize) -> usize, tries: usize) {
    explore(move || {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        let mut newest = None;
        for i in 1..=k {
            let t = tok(i);
            newest = Some(std::ptr::NonNull::from(&*t).cast::<()>());
            local.push(t, false, &global);
        }
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, amount, false, tries));
        let mut seen: Vec<usize> = local
            .take_newest(newest.unwrap())
            .map(id)
            .into_iter()
            .collect();
        if k >= 2 && tries == 1 {
            assert_eq!(seen, [k], "one steal from two or more leaves the newest");
        }
        seen.extend(drain(&mut local));
        seen.extend(th.join().unwrap());
        assert_each_once(seen, k);
    });
}

#[test]
fn take_back_a_lone_g_racing_a_thief() {
    take_back_newest_racing_a_thief(1, one, 2);
}

#[test]
fn take_back_the_newest_racing_a_thief_that_wants_all() {
    take_back_newest_racing_a_thief(2, all, 1);
}

#[test]
fn take_back_the_newest_racing_steal_half() {
    take_back_newest_racing_a_thief(3, half, 2);
}

/// Pops everything the owner still has, slot first.
fn drain(local: &mut Local<Tok>) -> Vec<usize> {
    std::iter::from_fn(|| local.pop(true).map(|(t, _)| id(t))).collect()
}

/// A thief's attempts: up to `tries` steals (retrying on `Retry`), then
/// everything it got, its own queue drained.
fn thief(
    victim: ring::Stealer<Tok>,
    mut own: Local<Tok>,
    amount: fn(usize) -> usize,
    steal_runnext: bool,
    tries: usize,
) -> Vec<usize> {
    let mut got = Vec::new();
    for _ in 0..tries {
        match victim.steal_into(&mut own, amount, steal_runnext) {
            Steal::Success(t, n) => {
                assert!((1..=CAP).contains(&n), "n counts the run G: {n}");
                got.push(id(t));
            }
            Steal::Empty | Steal::Retry => {}
        }
    }
    got.extend(drain(&mut own));
    got
}

/// Every token in `1..=k` exactly once.
fn assert_each_once(mut seen: Vec<usize>, k: usize) {
    seen.sort_unstable();
    assert_eq!(seen, (1..=k).collect::<Vec<_>>(), "lost or duplicated");
}

#[test]
fn push_pop_single_owner() {
    let _ = model(|| {
        let global = Global::new();
        let (mut local, _stealer) = ring::new::<Tok>(CAP);
        local.push(tok(1), false, &global);
        local.push(tok(2), true, &global);
        local.push(tok(3), true, &global); // kicks 2 to the tail
        assert_eq!(
            local.pop(true).map(|(t, s)| (id(t), s)),
            Some((3, Source::RunNext))
        );
        assert_eq!(drain(&mut local), [1, 2]);
        assert!(global.is_empty());
    });
}

#[test]
fn push_and_concurrent_steal() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        local.push(tok(1), false, &global);
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, half, false, 2));
        local.push(tok(2), false, &global);
        local.push(tok(3), false, &global);
        let mut seen: Vec<usize> = local.pop(true).map(|(t, _)| id(t)).into_iter().collect();
        local.push(tok(4), false, &global);
        seen.extend(drain(&mut local));
        seen.extend(th.join().unwrap());
        assert_each_once(seen, 4);
        assert!(global.is_empty());
    });
}

/// A ring without thieves (`ring::solo`, one P): its owner moves the head
/// and `runnext` with plain stores, so a steal racing them must take
/// nothing (a token taken twice would be a double free), while `len`
/// readers (sysmon, the idle check) may look at any time.
#[test]
fn a_solo_ring_gives_nothing_to_a_racing_thief() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::solo::<Tok>(CAP);
        local.push(tok(1), false, &global);
        local.push(tok(2), true, &global);
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || {
            assert!(stealer.len() <= CAP + 1, "a hint, clamped");
            thief(stealer, own, half, true, 2)
        });
        local.push(tok(3), true, &global); // kicks 2 to the tail
        let mut seen = drain(&mut local);
        assert!(th.join().unwrap().is_empty(), "a solo ring gave to a thief");
        seen.sort_unstable();
        assert_eq!(seen, vec![1, 2, 3]);
    });
}

#[test]
fn runnext_push_and_steal_of_runnext() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        local.push(tok(1), true, &global);
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, half, true, 2));
        local.push(tok(2), true, &global); // kicks 1 (if still there) to the tail
                                           // Over the streak limit: the slot G goes behind the ring.
        let mut seen: Vec<usize> = local.pop(false).map(|(t, _)| id(t)).into_iter().collect();
        local.push(tok(3), true, &global);
        seen.extend(drain(&mut local));
        seen.extend(th.join().unwrap());
        assert_each_once(seen, 3);
        assert!(global.is_empty());
    });
}

#[test]
fn steal_half_racing_owner_pop() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        for i in 1..=3 {
            local.push(tok(i), false, &global);
        }
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, half, false, 1));
        let mut seen = drain(&mut local);
        let stolen = th.join().unwrap();
        assert!(stolen.len() <= 2, "half of at most 3, rounded up");
        seen.extend(stolen);
        assert_each_once(seen, 3);
    });
}

#[test]
fn steal_one_racing_owner_push_past_wraparound() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        for i in 1..=3 {
            local.push(tok(i), false, &global);
        }
        assert_eq!(local.pop(true).map(|(t, _)| id(t)), Some(1));
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, one, false, 2));
        // Indices 4 and 5 reuse slots 0 and 1 (head is 1): the owner rewrites
        // slots a thief may be reading.
        local.push(tok(4), false, &global);
        local.push(tok(5), false, &global);
        let mut seen = vec![1];
        seen.extend(drain(&mut local));
        let stolen = th.join().unwrap();
        assert!(stolen.len() <= 2);
        seen.extend(stolen);
        assert_each_once(seen, 5);
        assert!(global.is_empty(), "never more than 4 queued");
    });
}

#[test]
fn overflow_to_global_racing_a_stealer() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        for i in 1..=CAP {
            local.push(tok(i), false, &global);
        }
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, half, false, 2));
        // Full ring: either runqputslow moves 2 + the new one, or a steal
        // freed room first and nothing moves.
        let moved = local.push(tok(CAP + 1), false, &global);
        assert!(moved == 0 || moved == CAP / 2 + 1, "moved {moved}");
        let mut seen = drain(&mut local);
        seen.extend(th.join().unwrap());
        let mut from_global = Vec::new();
        while let Some(t) = global.pop() {
            from_global.push(id(t));
        }
        assert_eq!(from_global.len(), moved);
        if moved > 0 {
            assert_eq!(from_global.last(), Some(&(CAP + 1)), "the new G goes last");
        }
        seen.extend(from_global);
        assert_each_once(seen, CAP + 1);
    });
}

#[test]
fn two_concurrent_stealers() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        for i in 1..=3 {
            local.push(tok(i), false, &global);
        }
        let (own_a, _) = ring::new(CAP);
        let (own_b, _) = ring::new(CAP);
        let (sa, sb) = (stealer.clone(), stealer);
        let a = thread::spawn(move || thief(sa, own_a, half, false, 2));
        let b = thread::spawn(move || thief(sb, own_b, one, false, 2));
        let mut seen: Vec<usize> = local.pop(true).map(|(t, _)| id(t)).into_iter().collect();
        seen.extend(a.join().unwrap());
        seen.extend(b.join().unwrap());
        seen.extend(drain(&mut local));
        assert_each_once(seen, 3);
    });
}

#[test]
fn global_batch_refill_racing_a_thief_of_the_refilled_ring() {
    explore(|| {
        let global = Global::new();
        global.push_batch((1..=3).map(tok));
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        let (own, _) = ring::new(CAP);
        let th = thread::spawn(move || thief(stealer, own, half, false, 1));
        // Go's globrunqget: the first runs, the rest (here 2) refill `local`.
        let first = global.pop_batch(&mut local, |len| len).map(id);
        let mut seen: Vec<usize> = first.into_iter().collect();
        seen.extend(drain(&mut local));
        seen.extend(th.join().unwrap());
        assert_each_once(seen, 3);
    });
}

#[test]
fn thief_of_a_thief_sees_the_gs_contents() {
    explore(|| {
        let global = Global::new();
        let (mut local, stealer) = ring::new::<Tok>(CAP);
        let (own_a, _) = ring::new::<Tok>(CAP);
        let (own_b, _) = ring::new::<Tok>(CAP);
        let of_a = own_a.stealer();
        let b = thread::spawn(move || thief(of_a, own_b, half, false, 1));
        let a = thread::spawn(move || thief(stealer, own_a, half, false, 1));
        // Made ready after both thieves started: a G reaches B only through
        // A's ring, so B reads its id through two hand-overs.
        for i in 1..=3 {
            local.push(tok(i), false, &global);
        }
        let mut seen = a.join().unwrap();
        seen.extend(b.join().unwrap());
        seen.extend(drain(&mut local));
        assert_each_once(seen, 3);
    });
}

/// `Slot`: two putters and a taker race; every item comes out exactly once
/// (taken, displaced by a later `put`, or left for the final `take`), and
/// its contents are visible to whoever gets it. Weakening `put`'s swap to
/// Relaxed or `take_now`'s to Relaxed makes loom report a causality violation.
#[test]
fn slot_puts_and_takes_hand_over_each_item_once() {
    explore(|| {
        let slot = std::sync::Arc::new(Slot::<Tok>::new());
        let putters: Vec<_> = (1..=2)
            .map(|i| {
                let slot = slot.clone();
                thread::spawn(move || slot.put(tok(i)).map(id).into_iter().collect::<Vec<_>>())
            })
            .collect();
        let taker = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().map(id).into_iter().collect::<Vec<_>>())
        };
        let mut seen = taker.join().unwrap();
        for p in putters {
            seen.extend(p.join().unwrap());
        }
        seen.extend(slot.take().map(id));
        assert_each_once(seen, 2);
    });
}

/// `ValueSlot`: a putter and a taker race, on a slot that starts full
/// (the put may be refused) and on one that starts empty (the taker must
/// read the putter's write); every value comes out exactly once (taken,
/// refused, or left for the final `take`), and the slot's cell and the
/// value's contents are only read after the write that made them (loom
/// tracks both). Weakening the CAS into `BUSY` or the store that ends an
/// access to Relaxed makes loom report a causality violation. Two threads,
/// as in use (the claim's winner and the operation's owner): with a third,
/// two spinning threads exceed loom's branch limit under the preemption
/// bound, since a spin has no bound of its own.
#[test]
fn value_slot_put_and_take_hand_over_each_value_once() {
    explore(|| {
        for start_full in [true, false] {
            let first = start_full.then(|| tok(1));
            let slot = std::sync::Arc::new(ValueSlot::new(first));
            let putter = {
                let slot = slot.clone();
                thread::spawn(move || slot.put(tok(2)).err().map(id))
            };
            let taker = {
                let slot = slot.clone();
                thread::spawn(move || slot.take().map(id))
            };
            let mut seen: Vec<usize> = taker.join().unwrap().into_iter().collect();
            seen.extend(putter.join().unwrap());
            seen.extend(slot.take().map(id));
            if start_full {
                assert_each_once(seen, 2);
            } else {
                assert_eq!(seen, vec![2], "lost or duplicated");
            }
        }
    });
}

/// `JoinCell`: a completer and a joiner race. The joiner takes the
/// outcome, or registers its thread and parks until woken; the completer
/// stores the outcome and wakes the thread it finds registered. The joiner
/// gets the outcome exactly once and is never left parked (loom reports a
/// thread parked forever as a deadlock); the outcome's contents and the
/// waiter cell are read only after the writes that made them (loom tracks
/// both cells). Weakening `complete`'s swap to Release or the CAS into
/// `WAITING` to Relaxed makes loom report a causality violation on the
/// waiter cell; weakening the swap to Acquire, one on the outcome.
#[test]
fn join_cell_hands_the_outcome_to_its_joiner_once_and_wakes_it() {
    explore(|| {
        let cell = std::sync::Arc::new(JoinCell::<Tok, thread::Thread>::new());
        let completer = {
            let cell = cell.clone();
            thread::spawn(move || {
                if let Some(joiner) = cell.complete(tok(7)) {
                    joiner.unpark();
                }
            })
        };
        let got = loop {
            if let Some(g) = cell.take() {
                break id(g);
            }
            if cell.register(thread::current) {
                thread::park();
            }
        };
        completer.join().unwrap();
        assert_eq!(got, 7);
        assert!(cell.is_done());
        assert!(cell.take().is_none(), "taken twice");
    });
}

/// The owner's frame of a `Pinned` value: its drop writes the loom cell
/// that holders read, so loom reports a causality violation if an access
/// through a `PinnedRef` is not ordered before the frame goes away.
struct Frame(UnsafeCell<usize>);

// SAFETY: the cell is accessed from several threads only to let loom check
// that those accesses are ordered; an unordered pair fails the test.
unsafe impl Sync for Frame {}

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: see `Sync` above (loom tracks this write).
        self.0.with_mut(|v| unsafe { *v = 0 });
    }
}

fn read(f: &Frame) -> usize {
    // SAFETY: see `Sync` above (loom tracks this read).
    f.0.with(|v| unsafe { *v })
}

/// A blocked operation's waiter on its owner's stack (`pinned.rs`): the
/// owner lends it, a holder on another thread reads it and returns the
/// reference, the owner lends it again (which waits for the first return),
/// and dropping the owner waits for the last. Every read through a
/// reference must happen before the frame's drop writes the cell.
#[test]
fn pinned_value_outlives_every_access_through_its_ref() {
    explore(|| {
        let owner = Box::pin(Pinned::<_, ()>::with_cell(Frame(UnsafeCell::new(7)), None));
        let first = owner.as_ref().lend();
        let holder = thread::spawn(move || {
            let v = read(&first);
            drop(first);
            v
        });
        let second = owner.as_ref().lend();
        let again = thread::spawn(move || read(&second));
        drop(owner);
        assert_eq!(holder.join().unwrap(), 7);
        assert_eq!(again.join().unwrap(), 7);
    });
}

/// A blocked channel operation's value in its waiter's cell (`pinned.rs`):
/// the owner lends the cell full (a blocked sender), a holder on another
/// thread takes the value and puts an answer back (as a receiver would
/// fill a blocked receiver's cell), then drops the reference; the owner
/// takes the cell back. Loom tracks the cell: an access through the
/// reference not ordered before the owner's `take_cell` fails the test.
#[test]
fn pinned_cell_moves_between_owner_and_holder() {
    explore(|| {
        let owner = Box::pin(Pinned::with_cell((), Some(Box::new(1u32))));
        let mut lent = owner.as_ref().lend();
        let holder = thread::spawn(move || {
            let v = lent.take().expect("lent full");
            assert!(lent.put(Box::new(*v + 1)).is_ok());
            assert!(lent.put(Box::new(0)).is_err(), "a full cell refuses");
        });
        assert_eq!(owner.as_ref().take_cell().map(|b| *b), Some(2));
        assert_eq!(owner.as_ref().take_cell(), None);
        holder.join().unwrap();
    });
}

/// A goroutine's node (`node.rs`) shared by two threads: each reads the
/// value through its reference, then drops the reference; the last drop
/// drops the value, whose `Drop` writes it, and recycles its block. Loom
/// tracks the cell: a read not ordered before that write (a Relaxed
/// decrement, or no Acquire fence) fails the test.
#[test]
fn node_value_is_dropped_after_every_access() {
    explore(|| {
        let a = NodeRc::new(Frame(UnsafeCell::new(7)));
        let b = a.clone();
        let holder = thread::spawn(move || {
            let v = read(&b);
            drop(b);
            v
        });
        let v = read(&a);
        drop(a);
        assert_eq!(v, 7);
        assert_eq!(holder.join().unwrap(), 7);
    });
}
