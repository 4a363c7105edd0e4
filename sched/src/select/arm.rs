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
//!
//! The select's claim lives in the frame of its park, around every arm's
//! ([`Token`]), and each waiter names it uncounted (`queue::with_outer`);
//! only a select with a timeout counts its claim, which the timer shares.
//! A counted claim cloned into each waiter cost two locked RMWs per arm:
//! select at 1 P went from 204 to 188 ns (A/B, medians of 7).

use crate::chan::channel::{Chan, ChanGuard, Me, State};
use crate::chan::claim::Claim;
use crate::chan::waiter::Entry;
use crate::chan::{Receiver, RecvError, RecvStep, SendError, SendStep, Sender};
use crate::queue::{with_outer, NodeRc};
use model::ObjId;

/// The selecting goroutine's claim, as handed to its arms: in the frame of
/// the select's park, or counted when a timer shares it.
#[doc(hidden)]
#[derive(Debug)]
pub struct Token {
    claim: TokenClaim,
}

#[derive(Debug)]
enum TokenClaim {
    /// A select without a timer: only its arms' waiters, which name it
    /// uncounted from frames inside this one, can complete it.
    Own(Claim),
    /// A select with a timeout: its timer holds the claim too.
    Counted(NodeRc<Claim>),
}

impl Token {
    pub(crate) fn own(claim: Claim) -> Token {
        Token {
            claim: TokenClaim::Own(claim),
        }
    }

    pub(crate) fn counted(claim: NodeRc<Claim>) -> Token {
        Token {
            claim: TokenClaim::Counted(claim),
        }
    }

    pub(crate) fn claim(&self) -> &Claim {
        match &self.claim {
            TokenClaim::Own(c) => c,
            TokenClaim::Counted(c) => c,
        }
    }

    /// The claim as a timer shares it (`None`: a select without a timer).
    pub(crate) fn shared(&self) -> Option<&NodeRc<Claim>> {
        match &self.claim {
            TokenClaim::Own(_) => None,
            TokenClaim::Counted(c) => Some(c),
        }
    }

    /// Queues arm `index`'s waiter on `chan` with `push`, its cell holding
    /// `value`; runs `rest` while it is queued (the select is complete when
    /// `rest` returns); then takes the waiter back out. `Some(cell)` if
    /// this arm won, `None` if not (its entry has left the queue).
    fn wait_queued<T>(
        &self,
        index: usize,
        chan: &Chan<T>,
        mut st: ChanGuard<'_, T>,
        push: fn(&mut State<T>, Entry<T>),
        value: Option<T>,
        rest: Rest<'_>,
    ) -> Option<Option<T>> {
        let claim = self.claim();
        with_outer(claim, index, value, |w| {
            // Declared inside the waiter's frame, dropped before it: the
            // entry leaves the queue before the frame waits for its return.
            let _dequeue = chan.dequeue_on_exit(claim, Some(index));
            push(&mut st, Entry::Arm(w.lend()));
            drop(st);
            rest();
            (claim.winner() == Some(index)).then(|| w.take_cell())
        })
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
    /// A waiter was queued on the channel, `rest` ran, and the select is
    /// complete: this arm has its outcome if it won.
    Waited,
}

/// The rest of a registration: registers the arms after this one and
/// parks until the select is complete.
#[doc(hidden)]
pub type Rest<'a> = &'a mut dyn FnMut();

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
        // Not ready by the hint: registering polls again, under the lock.
        if !self.chan.may_recv() {
            return false;
        }
        let step = self.step(None);
        self.finish(step)
    }

    fn register(&mut self, token: &Token, index: usize, rest: Rest<'_>) -> Registration {
        let mut st = self.chan.lock();
        match self.chan.recv_step(&mut st, Some((token.claim(), index))) {
            RecvStep::Blocked => {
                let won = token.wait_queued(index, self.chan, st, Chan::push_receiver, None, rest);
                // Won with nothing in the cell: the channel closed.
                self.outcome = won.map(|cell| cell.ok_or(RecvError));
                Registration::Waited
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
        // As `RecvArm::attempt`.
        if !self.chan.may_send() {
            return false;
        }
        let v = self.value();
        let step = self.chan.send_step(&mut self.chan.lock(), v, None);
        self.finish(step)
    }

    fn register(&mut self, token: &Token, index: usize, rest: Rest<'_>) -> Registration {
        let v = self.value();
        let mut st = self.chan.lock();
        match self
            .chan
            .send_step(&mut st, v, Some((token.claim(), index)))
        {
            SendStep::Blocked(v) => {
                let won = token.wait_queued(index, self.chan, st, Chan::push_sender, Some(v), rest);
                // Won with the value still in the cell: the channel closed.
                self.outcome = won.map(|cell| cell.map_or(Ok(()), |v| Err(SendError(v))));
                Registration::Waited
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
