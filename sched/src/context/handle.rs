//! `Context`: the handle goroutines pass around, and the constructors
//! (`background`, `with_cancel`, `with_deadline`, `with_timeout`).

use super::cancel::CancelFn;
use super::error::ContextError;
use super::node::Node;
use crate::chan::Receiver;
use crate::engine;
use crate::time::Instant;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A cancellation signal with an optional deadline, in a tree: cancelling
/// a context cancels every context derived from it.
#[derive(Clone)]
pub struct Context {
    node: Arc<Node>,
}

impl Context {
    /// A channel that is closed when the context is cancelled (a receive
    /// then returns `Err`); use it in `select!` as `recv(ctx.done()) -> _`.
    /// It never receives a value and never closes otherwise.
    pub fn done(&self) -> Receiver<()> {
        self.node.done_rx.clone()
    }

    /// `None` while the context is live; why it ended afterwards.
    pub fn err(&self) -> Option<ContextError> {
        self.node.err()
    }

    /// Whether the context has been cancelled.
    pub fn is_done(&self) -> bool {
        self.err().is_some()
    }

    /// (registered child entries, live children): diagnostics for leak tests.
    #[doc(hidden)]
    pub fn children(&self) -> (usize, usize) {
        self.node.children()
    }

    /// When the context will be cancelled by itself, if ever (the earliest
    /// deadline on its path to the root).
    pub fn deadline(&self) -> Option<Instant> {
        self.node.deadline
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.deadline())
            .finish()
    }
}

/// The root context: never cancelled, no deadline (Go's `Background`).
pub fn background() -> Context {
    static ROOT: OnceLock<Context> = OnceLock::new();
    ROOT.get_or_init(|| Context {
        node: Node::new(None, None),
    })
    .clone()
}

/// A child of `parent` cancelled by the returned `CancelFn` or with
/// `parent` (Go's `WithCancel`).
pub fn with_cancel(parent: &Context) -> (Context, CancelFn) {
    child(parent, parent.deadline())
}

/// A child cancelled at `deadline` at the latest, with
/// `ContextError::DeadlineExceeded` (Go's `WithDeadline`). If the parent's
/// deadline is earlier, the child keeps the parent's.
pub fn with_deadline(parent: &Context, deadline: Instant) -> (Context, CancelFn) {
    if parent.deadline().is_some_and(|p| p <= deadline) {
        return with_cancel(parent);
    }
    let (ctx, cancel) = child(parent, Some(deadline));
    if engine::until(deadline).is_zero() {
        ctx.node.cancel(ContextError::DeadlineExceeded, true);
        return (ctx, cancel);
    }
    let weak = Arc::downgrade(&ctx.node);
    let key = engine::timer(
        deadline,
        Box::new(move || {
            if let Some(n) = weak.upgrade() {
                n.cancel(ContextError::DeadlineExceeded, true);
            }
        }),
    );
    ctx.node.set_timer(key);
    (ctx, cancel)
}

/// `with_deadline(parent, now + timeout)` (Go's `WithTimeout`).
pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelFn) {
    with_deadline(parent, engine::now() + timeout)
}

fn child(parent: &Context, deadline: Option<Instant>) -> (Context, CancelFn) {
    let node = Node::new(Some(parent.node.clone()), deadline);
    parent.node.adopt(&node);
    (Context { node: node.clone() }, CancelFn { node })
}
