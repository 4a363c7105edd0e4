//! Channels with Go's semantics (`runtime/chan.go`): [`chan`]`::<T>(cap)`.
//!
//! - `cap == 0` is an unbuffered rendezvous: a send completes only when a
//!   receiver takes the value, which is handed over directly (Go's `sudog`).
//! - FIFO per channel, for values and for blocked senders and receivers.
//! - `close` (from either side) wakes every blocked receiver and sender;
//!   buffered values are still received, then `recv` reports closed.
//!
//! Where Go panics we return values: a send on a closed channel gives the
//! value back in [`SendError`]; a second close returns [`CloseError`].
//! Handles are counted: when the last [`Sender`] drops the channel closes
//! (receivers drain, then see the close); when the last [`Receiver`] drops
//! it closes too and its buffer is dropped, so a blocked sender gets its
//! value back instead of waiting forever.
//!
//! Goroutines park their goroutine, plain threads park the thread: one
//! channel can connect both. Every operation is a visible op of the engine
//! (`engine::visible`), so the deterministic engine can switch there.
//!
//! Files: `channel` (the `hchan`: lock, buffer, wait queues), `waiter` (the
//! `sudog`), `claim` (who completes a blocked operation), `winner` (its
//! claim word), `sender`, `receiver`, `iter`, `error`.

pub(crate) mod channel;
pub(crate) mod claim;
mod error;
mod iter;
mod receiver;
mod sender;
mod wait_queue;
pub(crate) mod waiter;
mod winner;
mod winner_sync {
    //! A select's claim lock is the spin lock of the queues (short, never
    //! waits); loom checks the claim protocol on loom's `Mutex` instead
    //! (it cannot explore a spin lock; shuttle checks that one).
    pub(crate) use crate::queue::{SpinGuard as MutexGuard, SpinMutex as Mutex};
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

    pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock()
    }
}
/// `winner.rs` again, on loom, with its loom suite.
#[cfg(feature = "model-check")]
#[allow(dead_code)]
mod winner_loom;

pub(crate) use channel::{RecvStep, SendStep};
pub use error::{
    CloseError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
pub use iter::{IntoIter, Iter, TryIter};
pub use receiver::Receiver;
pub use sender::Sender;

use crate::queue::NodeRc;
use channel::Chan;

/// A channel with a buffer of `cap` values (0: unbuffered).
///
/// ```
/// let (tx, rx) = sched::chan::<u32>(1);
/// tx.send(7).unwrap();
/// assert_eq!(rx.recv(), Ok(7));
/// drop(tx); // the last sender closes the channel
/// assert!(rx.recv().is_err());
/// ```
pub fn chan<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let (s, r) = NodeRc::new_pair_with(|| Chan::new(cap, true));
    (Sender { chan: s }, Receiver { chan: r })
}

/// A channel that closes only by an explicit `close` (not when its senders
/// drop): a context's `done` channel.
pub(crate) fn manual<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let (s, r) = NodeRc::new_pair_with(|| Chan::new(cap, false));
    (Sender { chan: s }, Receiver { chan: r })
}
