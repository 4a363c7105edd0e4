//! One-shot timers: heaps of deadlines, one per P in the production engine
//! (Go's per-P timers: the P's own M runs its due timers when it schedules,
//! thieves run a victim's on their last steal round, sysmon runs those of
//! idle Ps), and one fallback heap driven by a thread for callers outside
//! any runtime.
//!
//! A timer's state moves once, `PENDING → FIRED` (the heap's runner) or
//! `PENDING → STOPPED` (`TimerKey::stop`); the CAS decides who wins, so a
//! timer never fires after a successful stop and `stop` reports whether it
//! prevented the firing, as Go's `Timer.Stop` does.

use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::*};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const STOPPED: u8 = 2;

type Callback = Box<dyn FnOnce() + Send>;

pub(crate) struct TimerState {
    status: AtomicU8,
    f: Mutex<Option<Callback>>,
}

/// Stops a timer.
#[derive(Clone)]
pub(crate) struct TimerKey {
    state: Arc<TimerState>,
}

impl std::fmt::Debug for TimerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TimerKey(status {})", self.state.status.load(Relaxed))
    }
}

impl TimerKey {
    /// Prevents the firing; true if the timer had not fired or been stopped.
    pub(crate) fn stop(&self) -> bool {
        // AcqRel: the winner of this CAS against the runner's owns `f`.
        let won = self
            .state
            .status
            .compare_exchange(PENDING, STOPPED, AcqRel, Acquire)
            .is_ok();
        if won {
            drop(
                self.state
                    .f
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take(),
            );
        }
        won
    }
}

impl TimerKey {
    /// A pending timer held by no heap: the deterministic engine keeps its
    /// own list and calls [`TimerKey::fire`] when its chooser says so.
    pub(crate) fn detached(f: Callback) -> TimerKey {
        TimerKey {
            state: Arc::new(TimerState {
                status: AtomicU8::new(PENDING),
                f: Mutex::new(Some(f)),
            }),
        }
    }

    /// Whether the timer has neither fired nor been stopped.
    pub(crate) fn is_pending(&self) -> bool {
        // Acquire: pairs with the AcqRel CAS of `stop`/`fire`.
        self.state.status.load(Acquire) == PENDING
    }

    /// Fires the timer if it is still pending (runs `f` on the caller);
    /// true if it ran.
    pub(crate) fn fire(&self) -> bool {
        // AcqRel: see `TimerKey::stop`.
        if self
            .state
            .status
            .compare_exchange(PENDING, FIRED, AcqRel, Acquire)
            .is_err()
        {
            return false;
        }
        let f = self
            .state
            .f
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        f.is_some_and(|f| {
            f();
            true
        })
    }
}

struct Entry {
    deadline: u64,
    seq: u64,
    state: Arc<TimerState>,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.deadline, self.seq) == (o.deadline, o.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(o.deadline, o.seq))
    }
}

/// A heap of timers with a lock-free "earliest deadline" for cheap polling.
#[derive(Default)]
pub(crate) struct TimerHeap {
    heap: Mutex<BinaryHeap<Reverse<Entry>>>,
    /// Earliest pending deadline in ns, `u64::MAX` when empty. Written under
    /// the lock; read without it as a hint (Relaxed): a stale value only
    /// delays a check to the next poll, never loses a timer.
    next: AtomicU64,
    seq: AtomicU64,
}

impl TimerHeap {
    pub(crate) fn new() -> Self {
        TimerHeap {
            heap: Mutex::default(),
            next: AtomicU64::new(u64::MAX),
            seq: AtomicU64::new(0),
        }
    }

    /// Adds a timer; returns its key and whether it is now the earliest.
    pub(crate) fn push(&self, deadline: Instant, f: Callback) -> (TimerKey, bool) {
        let state = Arc::new(TimerState {
            status: AtomicU8::new(PENDING),
            f: Mutex::new(Some(f)),
        });
        let seq = self.seq.fetch_add(1, Relaxed);
        let mut h = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        h.push(Reverse(Entry {
            deadline: deadline.nanos,
            seq,
            state: state.clone(),
        }));
        let earliest = deadline.nanos < self.next.load(Relaxed);
        if earliest {
            self.next.store(deadline.nanos, Relaxed);
        }
        (TimerKey { state }, earliest)
    }

    /// The earliest pending deadline (a hint, see `next`).
    pub(crate) fn next_deadline(&self) -> u64 {
        self.next.load(Relaxed)
    }

    /// Runs every timer due at `now`; returns how many fired.
    pub(crate) fn run_due(&self, now: Instant) -> usize {
        if self.next.load(Relaxed) > now.nanos {
            return 0;
        }
        let mut due = Vec::new();
        {
            let mut h = self.heap.lock().unwrap_or_else(|e| e.into_inner());
            while h.peek().is_some_and(|Reverse(e)| e.deadline <= now.nanos) {
                due.push(h.pop().expect("peeked").0);
            }
            self.next
                .store(h.peek().map_or(u64::MAX, |Reverse(e)| e.deadline), Relaxed);
        }
        let mut fired = 0;
        for e in due {
            // AcqRel: see `TimerKey::stop`.
            if e.state
                .status
                .compare_exchange(PENDING, FIRED, AcqRel, Acquire)
                .is_ok()
            {
                let f = e.state.f.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(f) = f {
                    f();
                    fired += 1;
                }
            }
        }
        fired
    }
}

/// Starts a timer in the production engine if the caller is in one, else on
/// the fallback thread.
pub(crate) fn start(deadline: Instant, f: Callback) -> TimerKey {
    match crate::runtime::add_timer(deadline, f) {
        Ok(key) => key,
        Err(f) => fallback().add(deadline, f),
    }
}

struct Fallback {
    heap: TimerHeap,
    thread: Thread,
}

impl Fallback {
    fn add(&self, deadline: Instant, f: Callback) -> TimerKey {
        let (key, earliest) = self.heap.push(deadline, f);
        if earliest {
            self.thread.unpark();
        }
        key
    }
}

fn fallback() -> &'static Fallback {
    static FALLBACK: OnceLock<Fallback> = OnceLock::new();
    FALLBACK.get_or_init(|| {
        let thread = std::thread::Builder::new()
            .name("sched-timers".into())
            .spawn(|| loop {
                let fb = fallback();
                fb.heap.run_due(Instant::real_now());
                let next = fb.heap.next_deadline();
                match next {
                    u64::MAX => std::thread::park(),
                    n => std::thread::park_timeout(std::time::Duration::from_nanos(
                        n.saturating_sub(Instant::real_now().nanos),
                    )),
                }
            })
            .expect("sched: could not start the fallback timer thread")
            .thread()
            .clone();
        Fallback {
            heap: TimerHeap::new(),
            thread,
        }
    })
}
