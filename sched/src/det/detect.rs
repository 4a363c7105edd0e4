//! Detectors that are not the race detector: panics (with the panic's own
//! location, caught by a panic hook that keeps deterministic runs quiet),
//! deadlocks and leaks (the blocked goroutines with their spawn and block
//! sites), and wake-ups from outside the run (uncontrolled).

use super::context;
use super::outcome::{BlockedG, Failure};
use super::state::{GStatus, State};
use model::event::Location;
use model::GId;
use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, Once};

thread_local! {
    static PANIC_AT: RefCell<Option<Location>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that, for panics raised by a
/// goroutine of a deterministic run, records where it panicked instead of
/// printing (exploring thousands of schedules would flood stderr; the
/// failure report carries the message and the site). Every other panic goes
/// to the previous hook.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_goroutine = context::current()
                .is_some_and(|x| x.st.try_borrow().is_ok_and(|s| s.running.is_some()));
            if !in_goroutine {
                return prev(info);
            }
            let at = info.location().map(Location::from_std);
            PANIC_AT.with(|p| *p.borrow_mut() = at);
        }));
    });
}

/// The text of a panic payload.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<a panic payload that is not a string>".to_owned()
    }
}

/// Records the running goroutine's panic (called from its root frame).
pub(crate) fn note_panic(payload: &(dyn Any + Send)) {
    let Some(exec) = context::current() else {
        return;
    };
    let mut st = exec.st.borrow_mut();
    if st.tearing_down {
        return;
    }
    if let Some(g) = st.running {
        st.gs[g.index()].panic = Some(message(payload));
    }
}

/// The failure for goroutine `g`'s recorded panic.
pub(crate) fn panic_failure(st: &State, g: GId, message: String) -> Failure {
    Failure::Panic {
        goroutine: g,
        spawned_at: Location::from_std(st.gs[g.index()].spawned_at),
        message,
        at: PANIC_AT.with(|p| p.borrow_mut().take()),
    }
}

/// Every parked goroutine with its spawn site and the op it parked in.
pub(crate) fn blocked(st: &State) -> Vec<BlockedG> {
    st.gs
        .iter()
        .enumerate()
        .filter(|(_, g)| g.status == GStatus::Blocked)
        .map(|(i, g)| {
            let op = g.op.expect("a parked goroutine parked in an op");
            BlockedG {
                id: GId::from(i),
                spawned_at: Location::from_std(g.spawned_at),
                blocked_at: Location::from_std(op.location),
                op: op.kind,
                reason: op.reason,
                object: op.object,
            }
        })
        .collect()
}

static ANY_FOREIGN: AtomicBool = AtomicBool::new(false);
static FOREIGN: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// A goroutine of run `run` was unparked by a thread outside that run.
pub(crate) fn foreign_wake(run: u64, g: GId) {
    let what = format!(
        "goroutine {} was unparked from OS thread {:?}, outside its deterministic run \
         (a std::thread or a production runtime shares a primitive with the run)",
        g.0,
        std::thread::current().id()
    );
    FOREIGN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((run, what));
    // Relaxed: a hint; the list itself is read under its lock.
    ANY_FOREIGN.store(true, Relaxed);
}

/// The first foreign wake-up recorded for `run`, as a failure.
pub(crate) fn foreign_failure(run: u64) -> Option<Failure> {
    if !ANY_FOREIGN.load(Relaxed) {
        return None;
    }
    let mut list = FOREIGN.lock().unwrap_or_else(|e| e.into_inner());
    let i = list.iter().position(|(r, _)| *r == run)?;
    let (_, what) = list.remove(i);
    list.retain(|(r, _)| *r != run);
    Some(Failure::Uncontrolled { what })
}
