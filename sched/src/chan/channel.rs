//! `Chan<T>`: the channel itself (Go's `hchan` in `runtime/chan.go`): one
//! lock, a ring buffer of `cap` values, a FIFO queue of blocked senders and
//! one of blocked receivers, and the closed flag.
//!
//! Every operation follows Go's `chansend` / `chanrecv` under the lock:
//!
//! - **send**: closed → fail with the value back; a waiting receiver → hand
//!   the value straight to it (`send` on a `sudog`); buffer space → enqueue;
//!   else block.
//! - **recv**: a buffered value → take the oldest, then move the oldest
//!   blocked sender's value into the freed slot (`recv` on a full buffer);
//!   a waiting sender (unbuffered) → take its value directly; closed → done;
//!   else block.
//! - **close**: set the flag, then wake every blocked receiver (with
//!   nothing) and every blocked sender (with its value back). Buffered
//!   values stay and are drained by later receives.
//!
//! A waiter found in a queue may belong to a `select!` that another channel
//! (or a timer) has already claimed; like Go's `dequeue`, it is skipped and
//! dropped. A `select!` that is still registering acts with `me` set: it
//! must claim itself together with its partner (see `claim.rs`).
//!
//! The channel is closed when its last `Sender` or its last `Receiver`
//! drops (then nobody could ever complete a blocked operation: blocked
//! senders get their value back, blocked receivers see the close).
//!
//! **Readiness hint.** Every unlock leaves in `Chan::hint` whether a send
//! and whether a receive might complete now, so that a `select!`'s first
//! pass skips channels that cannot complete without taking their locks
//! (Go's lock-free `empty(c)` / `full(c)` checks in `chanrecv` / `chansend`
//! for non-blocking operations). A hint may be stale, never wrong in a way
//! that matters: an arm the hint skips is polled again under the lock when
//! the select registers, before it parks.

use super::claim::{Claim, Pair};
use super::wait_queue::WaitQueue;
use super::waiter::{Entry, Waiter};
use crate::engine::{self, Op, TimerKey};
use crate::queue::{NodeRc, Pinned};
use crate::queue::{SpinGuard, SpinMutex};
use crate::time::Instant;
use model::ObjId;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Acquire, Ordering::Relaxed};
use std::sync::Arc;

type Queue<T> = WaitQueue<Entry<T>>;

/// The caller of a channel step: `None` for a goroutine that is not
/// registered anywhere; `Some((claim, arm))` for a `select!` registering.
pub(crate) type Me<'a> = Option<(&'a Claim, usize)>;

#[derive(Debug)]
pub(crate) struct State<T> {
    buf: VecDeque<T>,
    sendq: Queue<T>,
    recvq: Queue<T>,
    closed: bool,
}

#[derive(Debug)]
pub(crate) struct Chan<T> {
    pub(crate) id: ObjId,
    cap: usize,
    state: SpinMutex<State<T>>,
    /// [`MAY_SEND`] and [`MAY_RECV`] as of the last unlock (module docs).
    hint: AtomicU8,
    /// Live `Sender` handles; the last one to drop closes the channel.
    pub(crate) senders: AtomicUsize,
    /// Live `Receiver` handles; the last one to drop closes the channel.
    pub(crate) receivers: AtomicUsize,
    /// Whether the last `Sender` to drop closes the channel (false only for
    /// crate-internal channels closed explicitly, like a context's `done`,
    /// which must stay open, as in Go, when its context is dropped).
    pub(crate) close_on_last_sender: bool,
}

/// [`Chan::hint`]: a send might complete now.
const MAY_SEND: u8 = 1;
/// [`Chan::hint`]: a receive might complete now.
const MAY_RECV: u8 = 2;

/// The channel's state, locked; unlocking leaves the readiness hint.
pub(crate) struct ChanGuard<'a, T> {
    st: SpinGuard<'a, State<T>>,
    chan: &'a Chan<T>,
}

impl<T> std::ops::Deref for ChanGuard<'_, T> {
    type Target = State<T>;
    fn deref(&self) -> &State<T> {
        &self.st
    }
}

impl<T> std::ops::DerefMut for ChanGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut State<T> {
        &mut self.st
    }
}

impl<T> Drop for ChanGuard<'_, T> {
    fn drop(&mut self) {
        let hint = readiness(&self.st, self.chan.cap);
        // Relaxed: a hint, read without the lock (`may_send`, `may_recv`);
        // written under it, before the unlock that follows (the field `st`
        // drops after this body), so the values stored are in the order of
        // the critical sections.
        self.chan.hint.store(hint, Relaxed);
    }
}

/// [`Chan::hint`]'s value for `st`. Queued waiters count whether live or
/// not: a stale one only makes the hint say "might" where the locked step
/// will say no.
fn readiness<T>(st: &State<T>, cap: usize) -> u8 {
    let send = st.closed || st.buf.len() < cap || !st.recvq.is_empty();
    let recv = st.closed || !st.buf.is_empty() || !st.sendq.is_empty();
    (u8::from(send) * MAY_SEND) | (u8::from(recv) * MAY_RECV)
}

/// The result of one send step under the lock.
#[derive(Debug)]
pub(crate) enum SendStep<T> {
    Sent,
    Closed(T),
    /// Not ready: the caller may register a waiter.
    Blocked(T),
    /// The registering select was claimed elsewhere; nothing happened here.
    Lost(T),
}

/// The result of one receive step under the lock.
#[derive(Debug)]
pub(crate) enum RecvStep<T> {
    Got(T),
    Closed,
    Blocked,
    Lost,
}

/// A partner found in a wait queue.
enum Partner<T> {
    Found(Entry<T>),
    None,
    SelfTaken,
}

impl<T> Chan<T> {
    pub(crate) fn new(cap: usize, close_on_last_sender: bool) -> Self {
        // Built as one expression (the readiness of an empty, open channel
        // with no waiters: a send may complete iff it has room), so that it
        // can be built where it goes (`NodeRc::new_pair_with`), not built
        // on the stack and copied there.
        Chan {
            close_on_last_sender,
            id: engine::new_object(),
            cap,
            hint: AtomicU8::new(if cap > 0 { MAY_SEND } else { 0 }),
            state: SpinMutex::new(State {
                buf: VecDeque::with_capacity(cap.min(1024)),
                sendq: WaitQueue::default(),
                recvq: WaitQueue::default(),
                closed: false,
            }),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        }
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// Whether a `Sender` handle is left. A last handle of one side that
    /// finds none of the other left skips `close`: with no handle at all,
    /// no goroutine can wait on the channel or look at it again (a waiter
    /// holds its handle while it waits), and buffered values drop with the
    /// channel itself. That saves the lock of one close per channel.
    pub(crate) fn has_senders(&self) -> bool {
        // Acquire: pairs with the last sender's AcqRel decrement (a zero
        // read means that drop is over).
        self.senders.load(Acquire) != 0
    }

    /// Whether a `Receiver` handle is left ([`Chan::has_senders`]).
    pub(crate) fn has_receivers(&self) -> bool {
        // Acquire: as in `has_senders`, with the receivers' decrements.
        self.receivers.load(Acquire) != 0
    }

    /// The channel's state, locked (`queue::SpinMutex`: the critical
    /// sections below are short and never wait).
    pub(crate) fn lock(&self) -> ChanGuard<'_, T> {
        ChanGuard {
            st: self.state.lock(),
            chan: self,
        }
    }

    /// Whether a send might complete now, read without the lock (module
    /// docs: the readiness hint). `false` is a reading at some moment since
    /// the last unlock this thread saw (coherence of the Relaxed store and
    /// load), so a select may treat the arm as not ready.
    pub(crate) fn may_send(&self) -> bool {
        // Relaxed: a hint (`ChanGuard::drop`).
        self.hint.load(Relaxed) & MAY_SEND != 0
    }

    /// Whether a receive might complete now (as [`Chan::may_send`]).
    pub(crate) fn may_recv(&self) -> bool {
        // Relaxed: a hint (`ChanGuard::drop`).
        self.hint.load(Relaxed) & MAY_RECV != 0
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().buf.len()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// (blocked senders, blocked receivers) queued now, stale ones included.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> (usize, usize) {
        let st = self.lock();
        (st.sendq.len(), st.recvq.len())
    }

    /// One send step (Go's `chansend` up to blocking).
    pub(crate) fn send_step(&self, st: &mut State<T>, v: T, me: Me<'_>) -> SendStep<T> {
        if st.closed {
            return if claim_self(me) {
                SendStep::Closed(v)
            } else {
                SendStep::Lost(v)
            };
        }
        match take_partner(&mut st.recvq, me) {
            Partner::Found(mut w) => {
                w.put(v);
                w.finish();
                return SendStep::Sent;
            }
            Partner::SelfTaken => return SendStep::Lost(v),
            Partner::None => {}
        }
        if st.buf.len() < self.cap {
            if !claim_self(me) {
                return SendStep::Lost(v);
            }
            st.buf.push_back(v);
            return SendStep::Sent;
        }
        SendStep::Blocked(v)
    }

    /// One receive step (Go's `chanrecv` up to blocking).
    pub(crate) fn recv_step(&self, st: &mut State<T>, me: Me<'_>) -> RecvStep<T> {
        if !st.buf.is_empty() {
            if !claim_self(me) {
                return RecvStep::Lost;
            }
            let v = st.buf.pop_front().expect("checked non-empty");
            refill(st);
            return RecvStep::Got(v);
        }
        match take_partner(&mut st.sendq, me) {
            Partner::Found(mut w) => {
                let v = w.take().expect("a blocked sender carries its value");
                w.finish();
                return RecvStep::Got(v);
            }
            Partner::SelfTaken => return RecvStep::Lost,
            Partner::None => {}
        }
        if st.closed {
            return if claim_self(me) {
                RecvStep::Closed
            } else {
                RecvStep::Lost
            };
        }
        RecvStep::Blocked
    }

    /// Whether a send would complete now (a hint for `select!`'s first pass).
    pub(crate) fn send_ready(&self, st: &State<T>) -> bool {
        st.closed || st.buf.len() < self.cap || has_live(&st.recvq)
    }

    /// Whether a receive would complete now (a hint, as `send_ready`).
    pub(crate) fn recv_ready(&self, st: &State<T>) -> bool {
        !st.buf.is_empty() || st.closed || has_live(&st.sendq)
    }

    /// Queues a blocked sender (its value in the waiter's slot).
    pub(crate) fn push_sender(st: &mut State<T>, w: Entry<T>) {
        st.sendq.push_back(w);
    }

    /// Queues a blocked receiver.
    pub(crate) fn push_receiver(st: &mut State<T>, w: Entry<T>) {
        st.recvq.push_back(w);
    }

    /// Removes every waiter of `claim` from both queues (after it completed
    /// elsewhere or timed out; Go's `dequeueSudoG`).
    pub(crate) fn unregister(&self, claim: &Claim) {
        let mut st = self.lock();
        st.sendq.retain(|w| !claim.same(w.claim()));
        st.recvq.retain(|w| !claim.same(w.claim()));
    }

    /// Closes the channel (Go's `closechan`); false if it already was.
    /// With `discard`, buffered values are dropped too (nobody can receive
    /// them any more: the last receiver is gone).
    pub(crate) fn close(&self, discard: bool) -> bool {
        let (was_closed, waiters, dropped) = {
            let mut st = self.lock();
            let was = std::mem::replace(&mut st.closed, true);
            // Nobody to wake and nothing to drop: the common close, when a
            // goroutine's last `Sender` goes with it. Moving the empty
            // queues out below was most of `close` in `ping_pong`.
            if st.recvq.is_empty() && st.sendq.is_empty() && (!discard || st.buf.is_empty()) {
                return !was;
            }
            let ws = std::mem::take(&mut st.recvq)
                .into_iter()
                .chain(std::mem::take(&mut st.sendq));
            let dropped = if discard {
                std::mem::take(&mut st.buf)
            } else {
                VecDeque::new()
            };
            (was, ws, dropped)
        };
        // Values and wake-ups outside the lock: a value's `Drop` may use
        // this very channel.
        drop(dropped);
        for w in waiters {
            if w.claim().try_claim(w.arm()) {
                w.finish();
            }
        }
        !was_closed
    }
}

/// Claims the caller's own operation if it is a registering select.
fn claim_self(me: Me<'_>) -> bool {
    match me {
        None => true,
        Some((c, arm)) => c.try_claim(arm),
    }
}

/// Whether a queue holds a waiter nobody has claimed yet.
fn has_live<T>(q: &Queue<T>) -> bool {
    q.iter().any(|w| !w.claim().is_claimed())
}

/// Moves the oldest blocked sender's value into the buffer (after a receive
/// freed a slot).
fn refill<T>(st: &mut State<T>) {
    if let Partner::Found(mut w) = take_partner(&mut st.sendq, None) {
        st.buf
            .push_back(w.take().expect("a blocked sender carries its value"));
        w.finish();
    }
}

/// Removes and returns the first waiter of `q` the caller could claim,
/// dropping stale ones (claimed elsewhere) and skipping the caller's own.
/// The empty queue, the common case of a buffered channel, is answered
/// inline; the scan is a call.
#[inline]
fn take_partner<T>(q: &mut Queue<T>, me: Me<'_>) -> Partner<T> {
    if q.is_empty() {
        return Partner::None;
    }
    scan_for_partner(q, me)
}

#[inline(never)]
fn scan_for_partner<T>(q: &mut Queue<T>, me: Me<'_>) -> Partner<T> {
    let mut i = 0;
    while let Some(w) = q.get(i) {
        let outcome = match me {
            Some((c, _)) if c.same(w.claim()) => {
                i += 1;
                continue;
            }
            Some((c, arm)) => c.claim_pair(arm, w.claim(), w.arm()),
            None if w.claim().try_claim(w.arm()) => Pair::Both,
            None => Pair::PartnerTaken,
        };
        match outcome {
            Pair::Both => return Partner::Found(q.remove(i).expect("index in range")),
            Pair::PartnerTaken => drop(q.remove(i)),
            Pair::SelfTaken => return Partner::SelfTaken,
        }
    }
    Partner::None
}

/// Arms a timer that times `claim` out at `deadline`.
pub(crate) fn timeout_at(claim: &NodeRc<Claim>, deadline: Instant) -> TimerKey {
    let c = claim.clone();
    engine::timer(
        deadline,
        Box::new(move || {
            if c.try_claim(super::claim::TIMED_OUT) {
                c.finish();
            }
        }),
    )
}

/// The blocking operations shared by `Sender` and `Receiver`.
impl<T> Chan<T> {
    /// Sends, blocking until done, closed or `deadline`.
    pub(crate) fn send_blocking(
        &self,
        v: T,
        deadline: Option<Instant>,
        op: &Op,
    ) -> Result<(), (T, bool)> {
        let mut st = self.lock();
        let v = match self.send_step(&mut st, v, None) {
            SendStep::Sent => return Ok(()),
            SendStep::Closed(v) => return Err((v, true)),
            SendStep::Blocked(v) => v,
            SendStep::Lost(_) => unreachable!("an unregistered send cannot be claimed"),
        };
        let Some(deadline) = deadline else {
            let w = std::pin::pin!(Pinned::with_cell(Claim::lone(), Some(v)));
            Self::push_sender(&mut st, Entry::Lent(w.as_ref().lend()));
            drop(st);
            self.wait_lent(&w, op);
            // A value still in the slot: the channel closed first.
            return w.as_ref().take_cell().map_or(Ok(()), |v| Err((v, true)));
        };
        if engine::until(deadline).is_zero() {
            return Err((v, false));
        }
        let (w, timer) = timed_waiter(Some(v), deadline);
        Self::push_sender(&mut st, Entry::Shared(w.clone()));
        drop(st);
        let timed_out = self.wait_timed(timer, op);
        match w.take() {
            None => Ok(()),
            Some(v) => Err((v, !timed_out)),
        }
    }

    /// Receives, blocking until a value, the close, or `deadline`.
    /// `Err(true)`: closed; `Err(false)`: timed out.
    pub(crate) fn recv_blocking(&self, deadline: Option<Instant>, op: &Op) -> Result<T, bool> {
        let mut st = self.lock();
        match self.recv_step(&mut st, None) {
            RecvStep::Got(v) => return Ok(v),
            RecvStep::Closed => return Err(true),
            RecvStep::Blocked => {}
            RecvStep::Lost => unreachable!("an unregistered receive cannot be claimed"),
        }
        let Some(deadline) = deadline else {
            let w = std::pin::pin!(Pinned::with_cell(Claim::lone(), None));
            Self::push_receiver(&mut st, Entry::Lent(w.as_ref().lend()));
            drop(st);
            self.wait_lent(&w, op);
            return w.as_ref().take_cell().ok_or(true);
        };
        if engine::until(deadline).is_zero() {
            return Err(false);
        }
        let (w, timer) = timed_waiter(None, deadline);
        Self::push_receiver(&mut st, Entry::Shared(w.clone()));
        drop(st);
        let timed_out = self.wait_timed(timer, op);
        w.take().ok_or(!timed_out)
    }

    /// Parks until the operation of `w`, queued here by reference, is
    /// complete. If the wait is cut short (the goroutine's stack is unwound
    /// while parked: a runtime or a deterministic run ending under it), the
    /// entry is taken out of the queue first, so the frame can go.
    /// Inlined with the switch, into the operation the caller called
    /// (`coro::suspend`: a frame between them costs two mispredicted
    /// returns per park).
    #[inline(always)]
    fn wait_lent(&self, w: &Pinned<Claim, T>, op: &Op) {
        let _dequeue = self.dequeue_on_exit(w, None);
        w.wait(op);
    }

    /// A guard for a waiter lent from the caller's frame: when dropped
    /// (normally or by unwinding), it takes the waiter's entries out of
    /// this channel's queues, unless whoever completed the operation
    /// through this waiter took the entry out already (one lock fewer):
    /// `arm` is the waiter's `select!` arm, `None` for a plain operation.
    pub(crate) fn dequeue_on_exit<'a>(
        &'a self,
        claim: &'a Claim,
        arm: Option<usize>,
    ) -> Dequeue<'a, T> {
        Dequeue {
            chan: self,
            claim,
            arm,
        }
    }
    /// Parks until the timed operation completes or its timer claims it;
    /// true if the timer won.
    fn wait_timed(&self, (claim, deadline): Timer, op: &Op) -> bool {
        let key = timeout_at(&claim, deadline);
        claim.wait(op);
        key.stop();
        let timed_out = claim.winner() == Some(super::claim::TIMED_OUT);
        if timed_out {
            self.unregister(&claim);
        }
        timed_out
    }
}

/// See [`Chan::dequeue_on_exit`].
pub(crate) struct Dequeue<'a, T> {
    chan: &'a Chan<T>,
    claim: &'a Claim,
    arm: Option<usize>,
}

impl<T> Drop for Dequeue<'_, T> {
    fn drop(&mut self) {
        // Completed through this waiter: its completer took the entry out
        // of the queue (under the channel lock, when it claimed it; a
        // closer, with the whole queue) before it claimed or finished.
        let taken = match self.arm {
            None => self.claim.is_done(),
            Some(arm) => self.claim.winner() == Some(arm),
        };
        if !taken {
            self.chan.unregister(self.claim);
        }
    }
}

/// A timed operation's shared claim and its deadline.
type Timer = (NodeRc<Claim>, Instant);

/// The waiter of a timed blocked operation: its claim is shared with the
/// timer that may claim it (returned with the deadline).
fn timed_waiter<T>(value: Option<T>, deadline: Instant) -> (Arc<Waiter<T>>, Timer) {
    let claim = NodeRc::new(Claim::single());
    (Waiter::new(claim.clone(), value), (claim, deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Chan::new` writes the readiness hint of an empty, open channel
    /// without computing it from the state: it must be what `readiness`
    /// would compute.
    #[test]
    fn a_new_channel_starts_with_the_hint_its_state_gives() {
        for cap in [0, 1, 2, 64, 5000] {
            let c = Chan::<u64>::new(cap, true);
            // Read before locking: unlocking rewrites the hint.
            let (written, send, recv) = (c.hint.load(Relaxed), c.may_send(), c.may_recv());
            assert_eq!(written, readiness(&c.lock(), cap), "cap {cap}");
            assert_eq!((send, recv), (cap > 0, false));
        }
    }
}
