//! No lost wake-up in the goroutine wake protocol (`wake.rs`), under loom:
//! the same source, mounted against loom by `loom_build`.
//!
//! The goroutine thread runs the park loop every primitive runs
//! (`Claim::wait`: re-check the condition, park, repeat), with the M's
//! half of the park folded in (`finish_park`, after the switch-out). When it really parks, it blocks
//! on a one-slot "run queue" (a loom condvar) until an unparker queues
//! its task; a lost wake-up therefore leaves it blocked forever, which
//! loom reports as a deadlock. Wakers publish their condition (Release)
//! and then unpark, as `Claim::finish` does.
//!
//! `a_stale_token_does_not_swallow_the_next_wake_up` is the store-
//! buffering race of the module docs of `wake.rs`: with `unpark`
//! returning on a plain load of `NOTIFIED` (as it did before), loom finds
//! the deadlock within a few hundred interleavings (checked by hand when
//! this was written). The parked task's cell is plain loads and stores
//! published by the state's CAS: weakening `finish_park`'s CAS to Relaxed
//! fails three of these tests (the unparker finds the cell empty).
//! Bounds: at most three threads, a handful of
//! operations each; loom explores every interleaving and memory-model
//! outcome, unbounded for two threads and within [`PREEMPTIONS`]
//! preemptions for three.

use super::loom_build::wake::{Parks, Wake};
use loom::sync::atomic::{AtomicUsize, Ordering::*};
use loom::sync::{Arc, Condvar, Mutex};

/// The preemption bound of the three-thread test.
const PREEMPTIONS: usize = 3;

/// The goroutine's task in the model: a box that keeps its world alive, as
/// a real task keeps the descriptor its `Wake` lives in (`Parks`).
struct TaskBox(Arc<World>);
type Task = Box<TaskBox>;

impl Parks for Task {
    fn wake(&self) -> &Wake<Task> {
        &self.0.wake
    }
}

struct World {
    wake: Wake<Task>,
    /// The waker's condition: how many wakers have published.
    published: AtomicUsize,
    /// The run queue the unparker pushes a parked task onto.
    queue: Mutex<Option<Task>>,
    ready: Condvar,
}

impl World {
    fn new() -> Arc<World> {
        Arc::new(World {
            wake: Wake::new(),
            published: AtomicUsize::new(0),
            queue: Mutex::new(None),
            ready: Condvar::new(),
        })
    }

    /// `Claim::finish`: publish, then unpark; queue the task if parked.
    fn waker(&self) {
        // Release: pairs with the goroutine's Acquire load of the count, as
        // `Claim::finish_anchored`'s store with `Claim::is_done`.
        self.published.fetch_add(1, Release);
        if let Some(task) = self.wake.unpark() {
            *self.queue.lock().unwrap() = Some(task);
            self.ready.notify_one();
        }
    }
}

/// `Claim::wait` plus the M's half: park until `wakers` published.
fn goroutine(w: &Arc<World>, wakers: usize) {
    // Acquire: pairs with each waker's Release add.
    while w.published.load(Acquire) < wakers {
        if Wake::finish_park(Box::new(TaskBox(w.clone()))).is_some() {
            continue; // a token (unparked before the park): requeued, re-check
        }
        // Parked: wait to be queued (forever, on a lost wake-up).
        let mut q = w.queue.lock().unwrap();
        while q.is_none() {
            q = w.ready.wait(q).unwrap();
        }
        let task = q.take().expect("the parked task is queued");
        assert!(Arc::ptr_eq(&task.0, w), "it is this goroutine's task");
    }
}

/// `wakers` threads each publish and unpark while the goroutine waits
/// for all of them (after `w` was prepared by the caller).
fn wake_with(w: Arc<World>, wakers: usize) {
    let ts: Vec<_> = (0..wakers)
        .map(|_| {
            let w2 = w.clone();
            loom::thread::spawn(move || w2.waker())
        })
        .collect();
    goroutine(&w, wakers);
    for t in ts {
        t.join().unwrap();
    }
}

#[test]
fn one_waker_always_wakes_the_goroutine() {
    loom::model(|| wake_with(World::new(), 1));
}

#[test]
fn a_stale_token_does_not_swallow_the_next_wake_up() {
    loom::model(|| {
        let w = World::new();
        // An earlier operation's waker unparked the goroutine while it
        // was still running (a select claimed during registration): the
        // token is still pending when the next operation blocks.
        assert!(w.wake.unpark().is_none());
        wake_with(w, 1);
    });
}

/// Three threads: bounded to [`PREEMPTIONS`] preemptions (unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise); unbounded it runs for many
/// minutes.
#[test]
fn two_wakers_both_reach_the_goroutine() {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(PREEMPTIONS);
    }
    builder.check(|| wake_with(World::new(), 2));
}

#[test]
fn a_token_is_consumed_once() {
    loom::model(|| {
        let w = World::new();
        let w2 = w.clone();
        let t = loom::thread::spawn(move || assert!(w2.wake.unpark().is_none()));
        t.join().unwrap();
        // One token: the first park hands the task straight back, the
        // second parks.
        assert!(Wake::finish_park(Box::new(TaskBox(w.clone()))).is_some());
        assert!(Wake::finish_park(Box::new(TaskBox(w.clone()))).is_none());
        let task = w.wake.unpark().expect("the parked task comes out");
        assert!(Arc::ptr_eq(&task.0, &w));
    });
}
