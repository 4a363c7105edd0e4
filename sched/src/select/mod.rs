//! `select!`: wait on several channel operations, complete exactly one
//! (Go's `runtime/select.go`, `selectgo`).
//!
//! The algorithm, pass by pass:
//!
//! 1. **Poll.** Look at every arm (each channel locked on its own) and
//!    collect those that would complete now. If any, pick one uniformly
//!    with `engine::random` — a recorded decision in the deterministic
//!    engine; Go shuffles a `pollorder` instead — and try it. If a
//!    concurrent operation took it first, poll again.
//! 2. **Default / expired timeout.** Nothing ready: a `default` arm runs now;
//!    so does a timeout arm whose deadline has passed.
//! 3. **Register.** Queue a waiter on each channel, all sharing one claim
//!    (`chan/claim.rs`). A channel that became ready meanwhile is completed
//!    on the spot by claiming the select together with the partner; if the
//!    select was already claimed through an earlier channel, stop. Each
//!    waiter lives in the frame of its arm's `register` call, which
//!    registers the next arm from inside (`arm.rs`), so no waiter is
//!    allocated.
//! 4. **Park** (in the innermost frame) until a partner (or the timeout)
//!    claims the select and publishes the value; then each frame, on the
//!    way out, takes its arm's outcome if it won, or removes its waiter
//!    from its channel.
//!
//! Go holds every channel lock during 1 and 3 (`sellock`, in address
//! order); we hold one at a time and make the *claim* atomic instead, so a
//! select never deadlocks on lock order and no wake-up is lost: a partner
//! that arrives between 1 and 3 either finds our waiter (and claims us) or
//! is found by us in 3.

mod arm;
mod macros;

pub use arm::{Arm, RecvArm, Registration, Rest, SendArm, Token};

use crate::chan::channel::timeout_at;
use crate::chan::claim::{Claim, TIMED_OUT};
use crate::engine::{self, Op};
use crate::queue::NodeRc;
use crate::time::Instant;
use model::event::Access;
use model::OpKind;
use std::panic::Location;
use std::time::Duration;

/// What a select does when no arm is ready (chosen by the macro).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// Park until an arm completes.
    Block,
    /// Return at once (`default => …`).
    Default,
    /// Park at most this long (`default(timeout) => …`).
    Timeout(Duration),
}

/// Runs a select over `arms`; the index of the arm that completed, or
/// `None` when the default or timeout arm must run.
#[doc(hidden)]
#[track_caller]
pub fn run(arms: &mut [&mut dyn Arm], mode: Mode) -> Option<usize> {
    let op = select_op(arms, Location::caller());
    engine::visible(&op);
    let deadline = match mode {
        Mode::Timeout(d) => Some(engine::now() + d),
        _ => None,
    };
    if let Some(i) = poll(arms) {
        return Some(i);
    }
    match (mode, deadline) {
        (Mode::Default, _) => return None,
        (_, Some(d)) if engine::until(d).is_zero() => return None,
        _ => {}
    }
    park(arms, deadline, &op)
}

/// The visible op of a select; its object is the arm channel with the
/// smallest id (the deterministic engine reads the arms separately).
fn select_op(arms: &[&mut dyn Arm], location: &'static Location<'static>) -> Op {
    let object = arms
        .iter()
        .map(|a| a.object())
        .min()
        .unwrap_or_else(engine::new_object);
    Op::new(OpKind::Select, object, Access::ReadWrite, location)
}

/// Pass 1: completes one ready arm, chosen uniformly; `None` if none is.
///
/// Production tries the arms in a random order (Go's `pollorder`) and keeps
/// the first that completes: uniform among the ready arms, and one channel
/// lock when the first arm tried is ready, where looking at every arm first
/// and then completing one took a lock per arm plus one. The deterministic
/// engine keeps the look-then-choose form: its recorded decision is then a
/// choice among the ready arms only, which keeps the explored tree small
/// (a shuffle would be a decision even with one arm ready).
fn poll(arms: &mut [&mut dyn Arm]) -> Option<usize> {
    if arms.len() <= 64 && !engine::is_deterministic() {
        return poll_in_random_order(arms);
    }
    loop {
        let i = pick_ready(arms)?;
        if arms[i].attempt() {
            return Some(i);
        }
    }
}

/// [`poll`] by attempts in a uniformly random order (at most 64 arms).
fn poll_in_random_order(arms: &mut [&mut dyn Arm]) -> Option<usize> {
    let n = arms.len();
    let mut order = [0u8; 64];
    for (i, o) in order[..n].iter_mut().enumerate() {
        *o = i as u8;
    }
    // Fisher-Yates: position i gets one of the arms not placed yet.
    for i in (1..n).rev() {
        order.swap(i, engine::random(i + 1));
    }
    order[..n]
        .iter()
        .map(|&i| usize::from(i))
        .find(|&i| arms[i].attempt())
}

/// One of the ready arms, uniformly (a recorded choice when there are
/// several): the deterministic engine's poll, and production's beyond 64
/// arms.
fn pick_ready(arms: &[&mut dyn Arm]) -> Option<usize> {
    let ready: Vec<usize> = (0..arms.len()).filter(|&i| arms[i].ready()).collect();
    match ready.len() {
        0 => None,
        1 => Some(ready[0]), // no choice to record
        n => Some(ready[engine::random(n)]),
    }
}

/// Passes 3 and 4: registers on every arm, parks, cleans up.
fn park(arms: &mut [&mut dyn Arm], deadline: Option<Instant>, op: &Op) -> Option<usize> {
    let token = match deadline {
        Some(_) => Token::counted(NodeRc::new(Claim::select())),
        None => Token::own(Claim::select_lent()),
    };
    let mut wait = || {
        // With a deadline, the claim is counted and shared with a timer.
        let key = token.shared().zip(deadline).map(|(c, d)| timeout_at(c, d));
        token.claim().wait(op);
        if let Some(k) = key {
            k.stop();
        }
    };
    register_from(arms, 0, &token, &mut wait);
    // The winner has its outcome: taken on the spot if it completed while
    // registering, read from its waiter if it was parked (`Arm::register`).
    token.claim().winner().filter(|&w| w != TIMED_OUT)
}

/// Registers `arms` (the first is arm `first`), each inside the previous
/// one's [`Arm::register`] so that its waiter's frame is alive until the
/// select is complete, and waits at the end — or where an arm finds the
/// select claimed already. An arm that completes while registering ends
/// the chain: the select is complete.
fn register_from(arms: &mut [&mut dyn Arm], first: usize, token: &Token, wait: &mut dyn FnMut()) {
    let Some((arm, rest)) = arms.split_first_mut() else {
        wait();
        return;
    };
    let registration = arm.register(token, first, &mut || {
        register_from(rest, first + 1, token, wait)
    });
    if registration == Registration::Lost {
        wait();
    }
}

#[cfg(test)]
mod tests {
    use crate::chan;

    #[test]
    fn the_readiness_hint_follows_every_state_change() {
        // Buffered: room to send, nothing to receive; then the reverse.
        let (tx, rx) = chan::<u32>(1);
        let c = &tx.chan;
        assert!(c.may_send() && !c.may_recv());
        tx.try_send(1).unwrap();
        assert!(!c.may_send() && c.may_recv());
        // A select with `default` finds the value the hint announces.
        let got = crate::select! {
            recv(rx) -> v => v.unwrap(),
            default => 0,
        };
        assert_eq!(got, 1);
        assert!(c.may_send() && !c.may_recv());
        // Unbuffered: ready to send only while a receiver waits.
        let (tx, rx) = chan::<u32>(0);
        assert!(!tx.chan.may_send() && !tx.chan.may_recv());
        // Kept, so that the channel stays open when the thread's drops.
        let _rx = rx.clone();
        let t = std::thread::spawn(move || rx.recv().unwrap());
        while tx.chan.queued() != (0, 1) {
            std::thread::yield_now();
        }
        assert!(tx.chan.may_send() && !tx.chan.may_recv());
        tx.send(5).unwrap();
        assert_eq!(t.join().unwrap(), 5);
        assert!(!tx.chan.may_send());
        // Closed: both complete at once (with an error).
        let (tx, rx) = chan::<u32>(0);
        rx.close().unwrap();
        assert!(tx.chan.may_send() && tx.chan.may_recv());
    }

    #[test]
    fn a_select_leaves_no_waiter_behind() {
        let (a_tx, a_rx) = chan::<u32>(0);
        let (b_tx, b_rx) = chan::<u32>(0);
        for _ in 0..100 {
            crate::select! {
                recv(a_rx) -> _ => unreachable!(),
                send(b_tx, 1) -> _ => unreachable!(),
                default(std::time::Duration::from_micros(10)) => {}
            }
        }
        assert_eq!(a_rx.chan.queued(), (0, 0), "timed-out waiters are removed");
        assert_eq!(b_tx.chan.queued(), (0, 0));
        // Won on one channel: the waiter on the other is removed too.
        let t = std::thread::spawn(move || {
            crate::select! {
                recv(a_rx) -> v => v.unwrap(),
                recv(b_rx) -> v => v.unwrap() + 100,
            }
        });
        a_tx.send(7).unwrap();
        assert_eq!(t.join().unwrap(), 7);
        assert_eq!(b_tx.chan.queued(), (0, 0));
    }
}
