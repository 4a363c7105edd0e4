//! The idle-P and spinning-M counts and the two halves of the protocol
//! that keeps a runnable goroutine from being stranded (Go's `proc.go`,
//! "Worker thread parking/unparking"; tokio's `idle.rs`).
//!
//! An M without work *spins* (searches other Ps) before it parks; at most
//! half the busy Ps may have a spinning M ([`Idle::may_spin`]). A submitter
//! that made a goroutine runnable wakes an idle P only if no M is spinning
//! ([`Idle::claim_wake`]) — the spinner will find the work. The race between
//! "spinner gives up" and "submitter sees a spinner" is closed because each
//! side writes one location and then reads the other's, with a SeqCst fence
//! in between (a store-load pattern: Acquire/Release cannot order it, which
//! is why these, and sysmon's wake-up in `sysmon_wake.rs`, are the
//! runtime's only SeqCst operations):
//!
//! - submitter: publish the work (queue push) → fence → read `npidle`,
//!   `nmspinning` ([`Idle::claim_wake`]);
//! - spinner giving up: `npidle += 1` (its P) and `nmspinning -= 1` →
//!   fence → re-read every queue ([`Idle::stop_spinning_and_recheck`]).
//!
//! Either the submitter sees the spinner (which then sees the work in its
//! re-check) or the spinner's re-check sees the work. Work pushed onto the
//! submitter's own P needs no such guarantee (that P's M runs it):
//! [`Idle::claim_wake_for_own_p`] skips the fence. `loom_tests` checks
//! this file, compiled a second time against loom (`idle_loom.rs`).

use super::idle_sync::{fence, AtomicUsize, Ordering::SeqCst};

#[derive(Debug)]
pub(crate) struct Idle {
    /// Ps on the idle list.
    npidle: AtomicUsize,
    /// Ms spinning.
    nmspinning: AtomicUsize,
}

impl Idle {
    pub(crate) fn new(npidle: usize) -> Self {
        Idle {
            npidle: AtomicUsize::new(npidle),
            nmspinning: AtomicUsize::new(0),
        }
    }

    pub(crate) fn npidle(&self) -> usize {
        // SeqCst: part of the protocol (module docs).
        self.npidle.load(SeqCst)
    }

    /// A P joined the idle list.
    pub(crate) fn p_idle(&self) {
        // SeqCst: part of the protocol (module docs).
        self.npidle.fetch_add(1, SeqCst);
    }

    /// A P left the idle list.
    pub(crate) fn p_taken(&self) {
        // SeqCst: part of the protocol (module docs).
        self.npidle.fetch_sub(1, SeqCst);
    }

    /// Submitter half, after publishing work: true when the caller must
    /// start a spinning M on an idle P (it is already counted as spinning;
    /// call [`Idle::cancel_wake`] if no P can be had).
    pub(crate) fn claim_wake(&self) -> bool {
        // SeqCst: orders the caller's publication before the reads of
        // `claim_wake_for_own_p`; pairs with the fence in
        // `stop_spinning_and_recheck`.
        fence(SeqCst);
        self.claim_wake_for_own_p()
    }

    /// [`Idle::claim_wake`] for work the caller pushed onto its *own* P,
    /// which that P's M runs when it next schedules: nothing can strand it,
    /// so the wake only buys parallelism, and a stale read of the counts
    /// (no fence before them) at worst leaves an idle P asleep until the
    /// next wake-up, or until this P runs the work itself. (Go asks for a
    /// StoreLoad barrier here and gets it, on x86, from the locked CAS of
    /// `runnext` in `runqput`; a push into our `runnext` is a locked swap
    /// too, so on x86 the read is stale only after a push to the tail.)
    /// The fence was a tenth of a channel round trip's cost at P = 1,
    /// where no P is ever idle.
    pub(crate) fn claim_wake_for_own_p(&self) -> bool {
        // SeqCst: as every access of the counts (module docs); plain loads
        // on x86. No fence: see above.
        if self.npidle.load(SeqCst) == 0 || self.nmspinning.load(SeqCst) != 0 {
            return false;
        }
        // SeqCst: one claimant wins the right to start the spinner.
        self.nmspinning
            .compare_exchange(0, 1, SeqCst, SeqCst)
            .is_ok()
    }

    /// The claimed spinner could not be started.
    pub(crate) fn cancel_wake(&self) {
        // SeqCst: part of the protocol (module docs).
        self.nmspinning.fetch_sub(1, SeqCst);
    }

    /// Ms spinning now (a hint outside the protocol: `api::can_spin`).
    pub(crate) fn nmspinning(&self) -> usize {
        // SeqCst only because every access of the counter is (module docs);
        // this read pairs with nothing: a stale count only mis-sizes a spin.
        self.nmspinning.load(SeqCst)
    }

    /// Whether every P is busy: none idle, no M spinning (a hint outside
    /// the protocol: `worker::push_yielded` holds yields back while nobody
    /// could take them sooner than their own P's next look at the global
    /// queue; a stale answer only moves a yield's visibility by that long).
    pub(crate) fn all_busy(&self) -> bool {
        // SeqCst only because every access of the counts is (module docs);
        // plain loads on x86, pairing with nothing.
        self.npidle.load(SeqCst) == 0 && self.nmspinning.load(SeqCst) == 0
    }

    /// Whether one more M may spin (fewer spinners than half the busy Ps).
    pub(crate) fn may_spin(&self, procs: usize) -> bool {
        let busy = procs.saturating_sub(self.npidle());
        // SeqCst: part of the protocol (module docs).
        2 * self.nmspinning.load(SeqCst) < busy
    }

    /// An M starts spinning (or resumes after its re-check found work).
    pub(crate) fn start_spinning(&self) {
        // SeqCst: part of the protocol (module docs).
        self.nmspinning.fetch_add(1, SeqCst);
    }

    /// A spinning M found work. True if it was the last spinner: the caller
    /// then wakes another (Go's `resetspinning`), so the next piece of new
    /// work still has someone looking for it.
    pub(crate) fn stop_spinning_found(&self) -> bool {
        // SeqCst: part of the protocol (module docs).
        self.nmspinning.fetch_sub(1, SeqCst) == 1
    }

    /// Spinner half: the M (whose P the caller has already made idle) stops
    /// spinning; the caller must then re-check every queue and, if it finds
    /// work, take an idle P and spin again.
    pub(crate) fn stop_spinning_and_recheck(&self) {
        // SeqCst: part of the protocol (module docs).
        self.nmspinning.fetch_sub(1, SeqCst);
        // SeqCst: orders the decrement before the caller's re-check; pairs
        // with the fence in `claim_wake`.
        fence(SeqCst);
    }

    /// After shutdown: no M runs, nobody spins.
    pub(crate) fn reset_spinning(&self) {
        // SeqCst: part of the protocol (module docs).
        self.nmspinning.store(0, SeqCst);
    }
}
