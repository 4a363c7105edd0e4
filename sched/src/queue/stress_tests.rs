//! Multi-threaded stress: one owner pushing (tail and `runnext`) and
//! popping, three thieves stealing (half, `runnext` included) and draining
//! the global queue, 1M Gs per queue kind; every G is seen exactly once.

use super::global::Global;
use super::local::{LocalQueue, QueueStealer};
use super::outcome::Steal;
use model::policy::{LocalQueueKind, GO_LOCAL_CAPACITY};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

type Tok = NonZeroUsize;

const GS: usize = 1_000_000;
const THIEVES: usize = 3;

struct Shared {
    global: Global<Tok>,
    /// Gs taken out of the queues so far, by anyone.
    consumed: AtomicUsize,
}

impl Shared {
    fn done(&self) -> bool {
        // Relaxed: only a loop exit; the results travel through `join`.
        self.consumed.load(Ordering::Relaxed) == GS
    }
}

/// Records one G taken out of the queues.
fn take(shared: &Shared, seen: &mut Vec<usize>, t: Tok) {
    seen.push(t.get());
    // Relaxed: a counter; see `done`.
    shared.consumed.fetch_add(1, Ordering::Relaxed);
}

fn drain_local(shared: &Shared, seen: &mut Vec<usize>, local: &mut LocalQueue<Tok>) {
    while let Some((t, _)) = local.pop(true) {
        take(shared, seen, t);
    }
}

fn thief(shared: &Shared, victim: &QueueStealer<Tok>, mut own: LocalQueue<Tok>) -> Vec<usize> {
    let mut seen = Vec::new();
    while !shared.done() {
        match victim.steal_into(&mut own, |n| n - n / 2, true) {
            Steal::Success(t, _) => take(shared, &mut seen, t),
            Steal::Retry => continue,
            Steal::Empty => {
                let got = shared.global.pop_batch(&mut own, |len| len.min(32));
                match got {
                    Some(t) => take(shared, &mut seen, t),
                    None => thread::yield_now(),
                }
            }
        }
        drain_local(shared, &mut seen, &mut own);
    }
    seen
}

fn owner(shared: &Shared, mut local: LocalQueue<Tok>) -> Vec<usize> {
    let mut seen = Vec::new();
    for i in 1..=GS {
        let t = Tok::new(i).expect("i starts at 1");
        local.push(t, i % 5 == 0, &shared.global);
        if i % 3 == 0 {
            if let Some((t, _)) = local.pop(i % 2 == 0) {
                take(shared, &mut seen, t);
            }
        }
    }
    while !shared.done() {
        drain_local(shared, &mut seen, &mut local);
        match shared.global.pop() {
            Some(t) => take(shared, &mut seen, t),
            None => thread::yield_now(),
        }
    }
    seen
}

fn stress(kind: LocalQueueKind) {
    let shared = Arc::new(Shared {
        global: Global::new(),
        consumed: AtomicUsize::new(0),
    });
    let (local, stealer) = LocalQueue::<Tok>::new(kind);
    let thieves: Vec<_> = (0..THIEVES)
        .map(|_| {
            let (shared, victim) = (shared.clone(), stealer.clone());
            let (own, _) = LocalQueue::new(kind);
            thread::spawn(move || thief(&shared, &victim, own))
        })
        .collect();
    let mut seen = owner(&shared, local);
    let mut stolen = 0;
    for th in thieves {
        let got = th.join().expect("thief panicked");
        stolen += got.len();
        seen.extend(got);
    }
    let mut count = vec![0_u8; GS + 1];
    for g in seen {
        count[g] += 1;
    }
    let wrong: Vec<usize> = (1..=GS).filter(|&g| count[g] != 1).take(10).collect();
    assert!(
        wrong.is_empty(),
        "{kind:?}: Gs not seen exactly once: {wrong:?}"
    );
    assert!(stolen > 0, "{kind:?}: the thieves never got anything");
}

#[test]
fn ring_one_owner_three_thieves_every_g_once() {
    stress(LocalQueueKind::GoRing {
        capacity: GO_LOCAL_CAPACITY,
    });
}

#[test]
fn chase_lev_one_owner_three_thieves_every_g_once() {
    stress(LocalQueueKind::ChaseLev);
}
