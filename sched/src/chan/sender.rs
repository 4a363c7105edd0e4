//! `Sender<T>`: the sending handle (cloneable; many senders).

use super::channel::Chan;
use super::error::{CloseError, SendError, SendTimeoutError, TrySendError};
use super::SendStep;
use crate::engine::{self, Op};
use crate::queue::NodeRc;
use model::event::Access;
use model::OpKind;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering::*;
use std::time::Duration;

/// The sending side of a channel. Cloning adds a sender; the channel
/// closes when the last sender drops.
pub struct Sender<T> {
    pub(crate) chan: NodeRc<Chan<T>>,
}

impl<T> Sender<T> {
    fn op(&self, kind: OpKind, location: &'static Location<'static>) -> Op {
        Op::new(kind, self.chan.id, Access::ReadWrite, location)
    }

    /// Sends `v`, parking until a receiver takes it (unbuffered) or there is
    /// buffer space. On a closed channel (or one whose receivers are all
    /// gone) the value comes back in the error — where Go panics.
    #[track_caller]
    pub fn send(&self, v: T) -> Result<(), SendError<T>> {
        let op = self.op(OpKind::Send, Location::caller());
        engine::visible(&op);
        self.chan
            .send_blocking(v, None, &op)
            .map_err(|(v, _)| SendError(v))
    }

    /// Sends `v` only if that completes at once.
    #[track_caller]
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        engine::visible(&self.op(OpKind::Send, Location::caller()));
        let mut st = self.chan.lock();
        match self.chan.send_step(&mut st, v, None) {
            SendStep::Sent => Ok(()),
            SendStep::Closed(v) => Err(TrySendError::Closed(v)),
            SendStep::Blocked(v) | SendStep::Lost(v) => Err(TrySendError::Full(v)),
        }
    }

    /// Sends `v`, giving up after `timeout`.
    #[track_caller]
    pub fn send_timeout(&self, v: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        let op = self.op(OpKind::Send, Location::caller());
        engine::visible(&op);
        let deadline = engine::now() + timeout;
        self.chan
            .send_blocking(v, Some(deadline), &op)
            .map_err(|(v, closed)| match closed {
                true => SendTimeoutError::Closed(v),
                false => SendTimeoutError::Timeout(v),
            })
    }

    /// Closes the channel (Go's `close`): blocked receivers and senders wake,
    /// buffered values can still be received. A second close is an error.
    #[track_caller]
    pub fn close(&self) -> Result<(), CloseError> {
        engine::visible(&self.op(OpKind::Close, Location::caller()));
        self.chan.close(false).then_some(()).ok_or(CloseError)
    }

    /// `try_send` without a scheduling point, for timer callbacks and code
    /// holding a lock (never blocks, never switches).
    pub(crate) fn offer(&self, v: T) -> bool {
        let mut st = self.chan.lock();
        matches!(self.chan.send_step(&mut st, v, None), SendStep::Sent)
    }

    /// `close` without a scheduling point (timer callbacks, cancellation).
    pub(crate) fn shut(&self) -> bool {
        self.chan.close(false)
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

    /// Whether the channel is closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether both handles belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        NodeRc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // Relaxed: a new handle is made from a live one, so the count is > 0.
        self.chan.senders.fetch_add(1, Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last dropper sees every other sender's drop before it
        // closes (pairs with the other droppers' Release decrements).
        if self.chan.senders.fetch_sub(1, AcqRel) == 1
            && self.chan.close_on_last_sender
            && self.chan.has_receivers()
        {
            self.chan.close(false);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Sender(chan {:?}, cap {})",
            self.chan.id,
            self.chan.cap()
        )
    }
}
