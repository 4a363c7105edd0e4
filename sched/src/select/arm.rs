//! The arms of a `select!`: a receive or a send on one channel, behind the
//! type-erased [`Arm`] trait so one select can mix channels of different
//! element types. Each arm keeps its outcome; the macro reads the winner's.

use crate::chan::channel::{Chan, Me};
use crate::chan::claim::Claim;
use crate::chan::waiter::{Entry, Waiter};
use crate::chan::{Receiver, RecvError, RecvStep, SendError, SendStep, Sender};
use model::ObjId;
use std::sync::Arc;

/// The selecting goroutine's claim, as handed to its arms.
#[doc(hidden)]
#[derive(Debug)]
pub struct Token {
    pub(crate) claim: Arc<Claim>,
}

/// What registering one arm did.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// The channel was ready: the select claimed itself and completed here.
    Completed,
    /// Another channel (or the timer) already claimed the select.
    Lost,
    /// A waiter is queued on the channel.
    Waiting,
}

/// One arm of a select, type-erased (used by the `select!` expansion).
#[doc(hidden)]
pub trait Arm {
    /// The channel's object id.
    fn object(&self) -> ObjId;
    /// Whether the operation would complete now (a hint).
    fn ready(&self) -> bool;
    /// Completes the operation now if it can (the select is not registered).
    fn attempt(&mut self) -> bool;
    /// Completes now, claiming the select as arm `index`, or queues a waiter.
    fn register(&mut self, token: &Token, index: usize) -> Registration;
    /// Removes this arm's waiter (the select completed elsewhere).
    fn unregister(&mut self, token: &Token);
    /// Reads the outcome from the waiter after this arm won while parked.
    fn collect(&mut self);
}

/// `recv(rx) -> v`: `v` is `Result<T, RecvError>`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RecvArm<'a, T> {
    chan: &'a Chan<T>,
    waiter: Option<Arc<Waiter<T>>>,
    outcome: Option<Result<T, RecvError>>,
}

/// `send(tx, value) -> r`: `r` is `Result<(), SendError<T>>`.
#[doc(hidden)]
#[derive(Debug)]
pub struct SendArm<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    waiter: Option<Arc<Waiter<T>>>,
    outcome: Option<Result<(), SendError<T>>>,
}

impl<'a, T> RecvArm<'a, T> {
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvArm {
            chan: &rx.chan,
            waiter: None,
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

    fn register(&mut self, token: &Token, index: usize) -> Registration {
        let mut st = self.chan.lock();
        match self.chan.recv_step(&mut st, Some((&*token.claim, index))) {
            RecvStep::Blocked => {
                let w = Waiter::new(token.claim.clone(), index, None);
                Chan::push_receiver(&mut st, Entry::Shared(w.clone()));
                self.waiter = Some(w);
                Registration::Waiting
            }
            RecvStep::Lost => Registration::Lost,
            step => {
                drop(st);
                self.finish(step);
                Registration::Completed
            }
        }
    }

    fn unregister(&mut self, token: &Token) {
        if self.waiter.is_some() {
            self.chan.unregister(&token.claim);
        }
    }

    fn collect(&mut self) {
        let w = self.waiter.as_ref().expect("a parked arm has a waiter");
        self.outcome = Some(w.take().ok_or(RecvError));
    }
}

impl<'a, T> SendArm<'a, T> {
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendArm {
            chan: &tx.chan,
            value: Some(value),
            waiter: None,
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

    fn register(&mut self, token: &Token, index: usize) -> Registration {
        let v = self.value();
        let mut st = self.chan.lock();
        match self
            .chan
            .send_step(&mut st, v, Some((&*token.claim, index)))
        {
            SendStep::Blocked(v) => {
                let w = Waiter::new(token.claim.clone(), index, Some(v));
                Chan::push_sender(&mut st, Entry::Shared(w.clone()));
                self.waiter = Some(w);
                Registration::Waiting
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

    fn unregister(&mut self, token: &Token) {
        if self.waiter.is_some() {
            self.chan.unregister(&token.claim);
        }
    }

    fn collect(&mut self) {
        let w = self.waiter.as_ref().expect("a parked arm has a waiter");
        self.outcome = Some(match w.take() {
            None => Ok(()),
            Some(v) => Err(SendError(v)),
        });
    }
}
