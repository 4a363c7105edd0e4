//! `Receiver<T>`: the receiving handle (cloneable; many receivers).

use super::channel::Chan;
use super::error::{CloseError, RecvError, RecvTimeoutError, TryRecvError};
use super::iter::{Iter, TryIter};
use super::RecvStep;
use crate::engine::{self, Op};
use crate::queue::NodeRc;
use model::event::Access;
use model::OpKind;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering::*;
use std::time::Duration;

/// The receiving side of a channel. Cloning adds a receiver (values go to
/// one of them); when the last receiver drops the channel closes and
/// buffered values are dropped.
pub struct Receiver<T> {
    pub(crate) chan: NodeRc<Chan<T>>,
}

impl<T> Receiver<T> {
    fn op(&self, kind: OpKind, location: &'static Location<'static>) -> Op {
        Op::new(kind, self.chan.id, Access::ReadWrite, location)
    }

    /// Receives the next value, parking until there is one; `Err` once the
    /// channel is closed and drained.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let op = self.op(OpKind::Recv, Location::caller());
        engine::visible(&op);
        self.chan.recv_blocking(None, &op).map_err(|_| RecvError)
    }

    /// Receives a value only if one is there now.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        engine::visible(&self.op(OpKind::Recv, Location::caller()));
        let mut st = self.chan.lock();
        match self.chan.recv_step(&mut st, None) {
            RecvStep::Got(v) => Ok(v),
            RecvStep::Closed => Err(TryRecvError::Closed),
            RecvStep::Blocked | RecvStep::Lost => Err(TryRecvError::Empty),
        }
    }

    /// Receives, giving up after `timeout`.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let op = self.op(OpKind::Recv, Location::caller());
        engine::visible(&op);
        let deadline = engine::now() + timeout;
        self.chan
            .recv_blocking(Some(deadline), &op)
            .map_err(|closed| match closed {
                true => RecvTimeoutError::Closed,
                false => RecvTimeoutError::Timeout,
            })
    }

    /// Closes the channel from the receiving side (see `Sender::close`).
    #[track_caller]
    pub fn close(&self) -> Result<(), CloseError> {
        engine::visible(&self.op(OpKind::Close, Location::caller()));
        self.chan.close(false).then_some(()).ok_or(CloseError)
    }

    /// Drops every buffered value without a scheduling point (a timer's
    /// `stop` / `reset` clears stale ticks with it while holding its lock).
    pub(crate) fn drain(&self) {
        let mut st = self.chan.lock();
        while let RecvStep::Got(v) = self.chan.recv_step(&mut st, None) {
            drop(v);
        }
    }

    /// A blocking iterator: yields values until the channel is closed and
    /// drained (Go's `for v := range ch`).
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the values available now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }

    /// Values buffered now.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer capacity (0: unbuffered).
    pub fn cap(&self) -> usize {
        self.chan.cap()
    }

    /// Whether the channel is closed (values may still be buffered).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether both handles belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        NodeRc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        // Relaxed: a new handle is made from a live one, so the count is > 0.
        self.chan.receivers.fetch_add(1, Relaxed);
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // AcqRel: as in `Sender::drop`.
        if self.chan.receivers.fetch_sub(1, AcqRel) == 1 && self.chan.has_senders() {
            self.chan.close(true);
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Receiver(chan {:?}, cap {})",
            self.chan.id,
            self.chan.cap()
        )
    }
}
