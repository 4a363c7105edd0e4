//! Goroutines of a deterministic run: the same stackful coroutines as the
//! production engine (`crate::coro`), on stacks from one process-wide pool
//! behind a per-thread cache kept between runs (so a run's spawns take no
//! lock and no `mmap` once warm).

use super::detect;
use super::state::{Exec, GRec, GStatus};
use crate::coro::Coro;
use crate::engine::{self, Op};
use crate::runtime::{JoinHandle, JoinInner, JoinRef};
use crate::stack::{GoroutineLabel, StackCache, StackConfig, StackPool};
use model::event::Access;
use model::{GId, ObjId, OpKind};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

fn pool() -> &'static StackPool {
    static POOL: OnceLock<StackPool> = OnceLock::new();
    POOL.get_or_init(|| {
        StackPool::new(StackConfig::default())
            .unwrap_or_else(|e| panic!("sched::det: could not create the stack pool: {e}"))
    })
}

thread_local! {
    static CACHE: RefCell<Option<StackCache>> = const { RefCell::new(None) };
}

/// This thread's stack cache (taken for the length of a run).
pub(crate) fn take_cache() -> StackCache {
    CACHE
        .with(|c| c.borrow_mut().take())
        .unwrap_or_else(|| StackCache::new(pool()))
}

/// Gives the cache back for the next run on this thread.
pub(crate) fn return_cache(cache: StackCache) {
    CACHE.with(|c| *c.borrow_mut() = Some(cache));
}

/// `sched::go` inside a run: a new goroutine, readied on the spawner's P
/// as the policy says, then a visible `Spawn` op of the spawner.
pub(crate) fn go<F, T>(exec: &Rc<Exec>, f: F, location: &'static Location<'static>) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let inner = Arc::new(JoinInner::new());
    let done = inner.clone();
    let object = engine::new_object();
    let body = Box::new(move || {
        let r = catch_unwind(AssertUnwindSafe(f));
        if let Err(payload) = &r {
            detect::note_panic(payload.as_ref());
        }
        done.complete(r);
    });
    let g = exec.add_goroutine(body, location, object);
    if g.is_some() {
        exec.visible(&Op::new(OpKind::Spawn, object, Access::Write, location));
    }
    JoinHandle {
        inner: JoinRef::Alone(inner),
        id: g.map_or(u64::MAX, |g| u64::from(g.0)),
        location,
        object,
        task: 0,
    }
}

impl Exec {
    /// Adds a runnable goroutine running `body`; `None` once the run is over.
    pub(crate) fn add_goroutine(
        &self,
        body: Box<dyn FnOnce() + Send>,
        location: &'static Location<'static>,
        object: ObjId,
    ) -> Option<GId> {
        let mut st = self.st.borrow_mut();
        if st.tearing_down {
            return None;
        }
        let g = GId(u32::try_from(st.gs.len()).expect("fewer than 2^32 goroutines"));
        let stack = st
            .stacks
            .as_mut()
            .expect("the run holds its stack cache")
            .get()
            .unwrap_or_else(|e| {
                panic!(
                    "sched::det: no stack for goroutine {} spawned at {location}: {e}",
                    g.0
                )
            });
        let coro = Coro::with_label(stack, GoroutineLabel::new(u64::from(g.0), location), body);
        let join_object = st.renumber(object);
        st.joins.insert(join_object, g);
        st.gs.push(GRec {
            coro: Some(coro),
            status: GStatus::Runnable,
            spawned_at: location,
            token: false,
            op: None,
            effect: None,
            join_object,
            panic: None,
        });
        // A timer callback spawning: the timer's creator is the parent
        // (its clock now, which over-approximates its clock at the start).
        let parent = st.running.or(st.firing);
        if g == GId(0) {
            st.race.start(g);
        } else {
            st.race.spawn(parent, g);
        }
        let p = st.ready_p();
        let s = &mut *st;
        s.queues.push_ready(p, g, true, &s.cfg.policy);
        Some(g)
    }
}
