//! `SendArc<T>`: an `Arc<T>` whose `Send` and `Sync` are settled when it
//! is made (`T: Send + Sync` there) instead of asked of `T` wherever it is
//! sent. A goroutine's descriptor names its runtime this way: the runtime
//! holds run queues of tasks that hold descriptors, so asking "is the
//! runtime `Send`?" through the field would ask it of itself, and the
//! queues' own `unsafe impl`s make that a cycle the compiler rejects. The
//! descriptor held it as `Arc<dyn Any + Send + Sync>` before, and every
//! wake-up paid a `downcast_ref` (a virtual `type_id` call and a compare):
//! dropping it took pingpong at 1 P to 0.87 of its time.

use std::ops::Deref;
use std::sync::Arc;

/// An `Arc<T>` known to be `Send + Sync` (module docs).
pub(crate) struct SendArc<T>(Arc<T>);

impl<T: Send + Sync> SendArc<T> {
    /// `a`, whose pointee is `Send + Sync`.
    pub(crate) fn new(a: Arc<T>) -> Self {
        SendArc(a)
    }
}

// SAFETY: a `SendArc<T>` is made only from an `Arc<T>` with `T: Send +
// Sync` (`new`), for which `Arc<T>` is `Send`; it gives nothing but that
// `Arc`'s shared access.
unsafe impl<T> Send for SendArc<T> {}
// SAFETY: as above: `Arc<T>` is `Sync` for `T: Send + Sync`.
unsafe impl<T> Sync for SendArc<T> {}

impl<T> Deref for SendArc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
