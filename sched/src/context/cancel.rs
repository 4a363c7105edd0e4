//! `CancelFn`: cancels the context it came with (Go's `CancelFunc`).

use super::error::ContextError;
use super::node::Node;
use std::fmt;
use std::sync::Arc;

/// Cancels its context and every context derived from it. Calling it
/// again does nothing. Dropping it does *not* cancel (Go's `CancelFunc` is
/// a value too); call `cancel` when the work is done, as Go's `defer
/// cancel()` does, to release the deadline timer early.
pub struct CancelFn {
    pub(crate) node: Arc<Node>,
}

impl CancelFn {
    /// Cancels with `ContextError::Canceled` (if not already done).
    pub fn cancel(&self) {
        self.node.cancel(ContextError::Canceled, true);
    }
}

impl fmt::Debug for CancelFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CancelFn(done: {:?})", self.node.err())
    }
}
