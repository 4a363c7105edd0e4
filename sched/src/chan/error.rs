//! The channel errors. Where Go panics (send on a closed channel, close of a
//! closed channel) we return a value: the send gives the value back, a
//! second close reports [`CloseError`].

use std::fmt;

/// `send` on a closed channel (or one whose receivers are all gone); the
/// value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// `recv` on a closed and drained channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

/// `close` of a channel that was already closed (Go panics here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseError;

/// Why `try_send` did not send; the value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// No buffer space and no waiting receiver.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

/// Why `try_recv` returned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing buffered and no waiting sender.
    Empty,
    /// Closed and drained.
    Closed,
}

/// Why `send_timeout` did not send; the value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The timeout elapsed first.
    Timeout(T),
    /// The channel is closed.
    Closed(T),
}

/// Why `recv_timeout` returned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The timeout elapsed first.
    Timeout,
    /// Closed and drained.
    Closed,
}

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

macro_rules! display {
    ($t:ty, $($g:ident)?; $($pat:pat => $msg:expr),+) => {
        impl<$($g)?> fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $($pat => $msg),+ })
            }
        }
        impl<$($g)?> std::error::Error for $t {}
    };
}

display!(SendError<T>, T; _ => "send on a closed channel");
display!(RecvError, ; _ => "receive on a closed and empty channel");
display!(CloseError, ; _ => "close of a closed channel");
display!(TrySendError<T>, T;
    TrySendError::Full(_) => "send on a full channel",
    TrySendError::Closed(_) => "send on a closed channel");
display!(TryRecvError, ;
    TryRecvError::Empty => "receive on an empty channel",
    TryRecvError::Closed => "receive on a closed and empty channel");
display!(SendTimeoutError<T>, T;
    SendTimeoutError::Timeout(_) => "timed out sending on a channel",
    SendTimeoutError::Closed(_) => "send on a closed channel");
display!(RecvTimeoutError, ;
    RecvTimeoutError::Timeout => "timed out receiving on a channel",
    RecvTimeoutError::Closed => "receive on a closed and empty channel");
