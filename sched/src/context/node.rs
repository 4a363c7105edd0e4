//! `Node`: one context in the cancellation tree (Go's `cancelCtx`).
//!
//! A child holds its parent strongly (it reads the parent's deadline); a
//! parent holds its children weakly, so a context that is dropped without
//! being cancelled leaks nothing (Go keeps children strongly and asks for
//! `cancel` to be called). Cancelling a node records the error, closes its
//! `done` channel, stops its deadline timer, cancels every live child with
//! the same error, and removes the node from its parent (Go's
//! `removeChild`). A node's lock is never held while another node's is
//! taken, so the tree cannot deadlock.
//!
//! The `done` channel closes only by cancellation: it is created with
//! `chan::manual`, so dropping a context never closes it (in Go it stays
//! open forever too).

use super::error::ContextError;
use crate::chan::{self, Receiver, Sender};
use crate::engine::TimerKey;
use crate::time::Instant;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

#[derive(Debug)]
pub(crate) struct Node {
    id: u64,
    parent: Option<Arc<Node>>,
    pub(crate) deadline: Option<Instant>,
    done_tx: Sender<()>,
    pub(crate) done_rx: Receiver<()>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    err: Option<ContextError>,
    children: HashMap<u64, Weak<Node>>,
    timer: Option<TimerKey>,
}

impl Node {
    pub(crate) fn new(parent: Option<Arc<Node>>, deadline: Option<Instant>) -> Arc<Node> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let (done_tx, done_rx) = chan::manual(0);
        Arc::new(Node {
            // Relaxed: uniqueness only needs the RMW's atomicity.
            id: NEXT.fetch_add(1, Relaxed),
            parent,
            deadline,
            done_tx,
            done_rx,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn err(&self) -> Option<ContextError> {
        self.lock().err
    }

    /// Links `child` under `self`, or cancels it now if `self` is done.
    pub(crate) fn adopt(&self, child: &Arc<Node>) {
        let mut st = self.lock();
        if let Some(e) = st.err {
            drop(st);
            child.cancel(e, false);
            return;
        }
        if st.children.len().is_power_of_two() {
            st.children.retain(|_, w| w.strong_count() > 0);
        }
        st.children.insert(child.id, Arc::downgrade(child));
    }

    /// Registered child entries (live or not yet pruned) and live ones.
    pub(crate) fn children(&self) -> (usize, usize) {
        let st = self.lock();
        let live = st.children.values().filter(|w| w.strong_count() > 0);
        (st.children.len(), live.count())
    }

    /// Keeps `key` to stop the deadline timer on an earlier cancel.
    pub(crate) fn set_timer(&self, key: TimerKey) {
        let mut st = self.lock();
        match st.err {
            None => st.timer = Some(key),
            Some(_) => drop(key.stop()),
        }
    }

    /// Cancels the subtree rooted here with `err` (first cancel wins).
    pub(crate) fn cancel(&self, err: ContextError, unlink: bool) {
        let (children, timer) = {
            let mut st = self.lock();
            if st.err.is_some() {
                return;
            }
            st.err = Some(err);
            (std::mem::take(&mut st.children), st.timer.take())
        };
        self.done_tx.shut();
        if let Some(t) = timer {
            t.stop();
        }
        for c in children.values().filter_map(Weak::upgrade) {
            c.cancel(err, false);
        }
        if let (true, Some(p)) = (unlink, &self.parent) {
            p.lock().children.remove(&self.id);
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let timer = self.lock().timer.take();
        if let Some(t) = timer {
            t.stop();
        }
    }
}
