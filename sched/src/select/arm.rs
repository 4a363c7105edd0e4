//! The arms of a `select!`: a receive or a send on one channel, behind the
//! type-erased [`Arm`] trait so one select can mix channels of different
//! element types. Each arm keeps its outcome; the macro reads the winner's.
//!
//! A blocked arm's waiter lives in the frame of its [`Arm::register`] call
//! (a `queue::Pinned`, lent to the channel's queue as `Entry::Arm`), and
//! that call registers the remaining arms and parks *inside* it, through
//! `rest` (continuation-passing, one frame per arm): so every waiter's
//! frame outlives its queue entry without an allocation. The `Arc<Waiter>`
//! per arm this replaces cost a `malloc`, a `free` and four reference-count
//! RMWs per arm of every select that parked.

use crate::chan::channel::{Chan, Me};
use crate::chan::claim::Claim;
use crate::chan::waiter::{ArmWaiter, Entry};
use crate::chan::{Receiver, RecvError, RecvStep, SendError, SendStep, Sender};
use crate::queue::{NodeRc, Pinned};
use model::ObjId;
use std::pin::pin;

/// The selecting goroutine's claim, as handed to its arms.
#[doc(hidden)]
#[derive(Debug)]
pub struct Token {
    pub(crate) claim: NodeRc<Claim>,
}

impl Token {
    /// The waiter of arm `index`, to lend to its channel's queue.
    fn waiter(&self, index: usize) -> ArmWaiter {
        ArmWaiter {
            claim: self.claim.clone(),
            arm: index,
        }
    }

    /// Whether arm `index` completed the select through its waiter (read
    /// once the select is complete).
    fn won(&self, index: usize) -> bool {
        self.claim.winner() == Some(index)
    }
}

/// What registering one arm did.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// The channel was ready: the select claimed itself and completed here.
    Completed,
    /// Another channel (or the timer) already claimed the select.
    Lost,
    /// A waiter was queued on the channel, `rest` ran (and returned what it
    /// returned: the arm that completed inline, if one did), and the
    /// select is complete: this arm has its outcome if it won.
    Waited(Option<usize>),
}

/// The rest of a registration: registers the arms after this one, parks
/// until the select is complete, and returns the arm that completed inline
/// (while registering), if one did.
#[doc(hidden)]
pub type Rest<'a> = &'a mut dyn FnMut() -> Option<usize>;

/// One arm of a select, type-erased (used by the `select!` expansion).
#[doc(hidden)]
pub trait Arm {
    /// The channel's object id.
    fn object(&self) -> ObjId;
    /// Whether the operation would complete now (a hint).
    fn ready(&self) -> bool;
    /// Completes the operation now if it can (the select is not registered).
    fn attempt(&mut self) -> bool;
    /// Completes now, claiming the select as arm `index`; or queues a
    /// waiter, runs `rest` while it is queued, then takes the waiter out
    /// (its outcome, if it won; else its queue entry).
    fn register(&mut self, token: &Token, index: usize, rest: Rest<'_>) -> Registration;
}

/// `recv(rx) -> v`: `v` is `Result<T, RecvError>`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RecvArm<'a, T> {
    chan: &'a Chan<T>,
    outcome: Option<Result<T, RecvError>>,
}

/// `send(tx, value) -> r`: `r` is `Result<(), SendError<T>>`.
#[doc(hidden)]
#[derive(Debug)]
pub struct SendArm<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    outcome: Option<Result<(), SendError<T>>>,
}

impl<'a, T> RecvArm<'a, T> {
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvArm {
            chan: &rx.chan,
            outcome: None,
        }
    }

    /// Whether this arm completed the select.
    pub fn won(&self) -> bool {
        self.outcome.is_some()
    }

    /// The winner's outcome.
    pub fn take(&mut self) -> Result<T, RecvError> {
        self.outcome
            .take()
            .expect("select: only the winning arm is taken")
    }

    fn step(&mut self, me: Me<'_>) -> RecvStep<T> {
        let mut st = self.chan.lock();
        self.chan.recv_step(&mut st, me)
    }

    /// Records a completed step; false if it did not complete.
    fn finish(&mut self, step: RecvStep<T>) -> bool {
        self.outcome = match step {
            RecvStep::Got(v) => Some(Ok(v)),
            RecvStep::Closed => Some(Err(RecvError)),
            RecvStep::Blocked | RecvStep::Lost => return false,
        };
        true
    }
}

impl<T> Arm for RecvArm<'_, T> {
    fn object(&self) -> ObjId {
        self.chan.id
    }

    fn ready(&self) -> bool {
        self.chan.recv_ready(&self.chan.lock())
    }

    fn attempt(&mut self) -> bool {
        let step = self.step(None);
        self.finish(step)
    }

    fn register(&mut self, token: &Token, index: usize, rest: Rest<'_>) -> Registration {
        let mut st = self.chan.lock();
        match self.chan.recv_step(&mut st, Some((&*token.claim, index))) {
            RecvStep::Blocked => {
                let w = pin!(Pinned::with_cell(token.waiter(index), None));
                // Declared after `w`, dropped before it: the entry leaves
                // the queue before the frame waits for its return.
                let _dequeue = self.chan.dequeue_on_exit(&token.claim, Some(index));
                Chan::push_receiver(&mut st, Entry::Arm(w.as_ref().lend()));
                drop(st);
                let inline = rest();
                if token.won(index) {
                    // Nothing in the cell: the channel closed.
                    self.outcome = Some(w.as_ref().take_cell().ok_or(RecvError));
                }
                Registration::Waited(inline)
            }
            RecvStep::Lost => Registration::Lost,
            step => {
                drop(st);
                self.finish(step);
                Registration::Completed
            }
        }
    }
}

impl<'a, T> SendArm<'a, T> {
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendArm {
            chan: &tx.chan,
            value: Some(value),
            outcome: None,
        }
    }

    /// Whether this arm completed the select.
    pub fn won(&self) -> bool {
        self.outcome.is_some()
    }

    /// The winner's outcome.
    pub fn take(&mut self) -> Result<(), SendError<T>> {
        self.outcome
            .take()
            .expect("select: only the winning arm is taken")
    }

    fn value(&mut self) -> T {
        self.value.take().expect("a send arm sends once")
    }

    /// Records a completed step; false (value kept) if it did not complete.
    fn finish(&mut self, step: SendStep<T>) -> bool {
        self.outcome = match step {
            SendStep::Sent => Some(Ok(())),
            SendStep::Closed(v) => Some(Err(SendError(v))),
            SendStep::Blocked(v) | SendStep::Lost(v) => {
                self.value = Some(v);
                return false;
            }
        };
        true
    }
}

impl<T> Arm for SendArm<'_, T> {
    fn object(&self) -> ObjId {
        self.chan.id
    }

    fn ready(&self) -> bool {
        self.chan.send_ready(&self.chan.lock())
    }

    fn attempt(&mut self) -> bool {
        let v = self.value();
        let step = self.chan.send_step(&mut self.chan.lock(), v, None);
        self.finish(step)
    }

    fn register(&mut self, token: &Token, index: usize, rest: Rest<'_>) -> Registration {
        let v = self.value();
        let mut st = self.chan.lock();
        match self
            .chan
            .send_step(&mut st, v, Some((&*token.claim, index)))
        {
            SendStep::Blocked(v) => {
                let w = pin!(Pinned::with_cell(token.waiter(index), Some(v)));
                // As in `RecvArm::register`: dropped before `w`.
                let _dequeue = self.chan.dequeue_on_exit(&token.claim, Some(index));
                Chan::push_sender(&mut st, Entry::Arm(w.as_ref().lend()));
                drop(st);
                let inline = rest();
                if token.won(index) {
                    // The value still in the cell: the channel closed.
                    self.outcome = Some(match w.as_ref().take_cell() {
                        None => Ok(()),
                        Some(v) => Err(SendError(v)),
                    });
                }
                Registration::Waited(inline)
            }
            SendStep::Lost(v) => {
                self.value = Some(v);
                Registration::Lost
            }
            step => {
                drop(st);
                self.finish(step);
                Registration::Completed
            }
        }
    }
}
