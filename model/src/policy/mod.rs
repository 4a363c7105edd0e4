//! Scheduling policies: the knobs, the presets, validation, and parsing.
//!
//! A [`Policy`] is a plain, serde-serialisable value. Its decisions (which
//! queue to look at, how many goroutines to steal, in which order to visit
//! victims, …) are methods in `decide`, and every engine — the production
//! runtime, the deterministic engine, the model [`Machine`](crate::machine)
//! and the simulator — calls those same methods through the
//! [`SchedPolicy`] trait. There is no second copy of any policy.
//!
//! Presets:
//!
//! | preset        | local slot                          | steal  | victims          | global check | yield to | join promotes | join wakes at tail |
//! |---------------|-------------------------------------|--------|------------------|--------------|----------|---------------|--------------------|
//! | `go`          | `runnext`, inherits slice, stolen on last round | half ↑ | 4 rounds, random coprime | every 61 | global | yes | yes |
//! | `tokio_like`  | LIFO, ≤ 3 in a row, never stolen    | half ↑ | 1 round, random start | every 31 | local tail | yes | yes |
//! | `steal_one`   | as `go`                             | one    | as `go`          | every 61     | global   | yes | yes |
//! | `fifo`        | none                                | half ↑ | as `go`          | every 61     | global   | no (no slot) | every wake does |
//!
//! "Join promotes" (`join_to_runnext`, `join=runnext|off`) is ours: Go has
//! no join. A goroutine that parks in `JoinHandle::join` on the newest
//! goroutine of its P's ring moves that one into the slot, so fork-join runs
//! depth first and keeps fewer goroutines started at once. A Go program's
//! waits (`WaitGroup`, channels) promote nothing, so every Go-expressible
//! schedule of the `go` preset is Go's; `go,join=off` is Go's order for joins
//! too.
//!
//! "Join wakes at tail" (`join_wake_tail`, `joinwake=tail|runnext`) is ours
//! too, for the same reason. A goroutine parked in a join whose target was
//! not next to run (not in its P's slot once any promotion is done: deeper
//! in a queue, on another P, or running) is woken at the tail of the
//! waker's local queue, not in its slot. A goroutine that spawns many and
//! joins them in spawn order then resumes after the queued ones and finds
//! most of them done: one park per queue's worth instead of one per
//! goroutine (9,571 parks per 10,000 goroutines before; tokio's
//! `current_thread` scheduler wakes every task at its tail). A join whose
//! target runs next keeps the slot, so fork-join stays depth first. Channel,
//! mutex and `WaitGroup` wake-ups are untouched (`wake_to_runnext`), so
//! every Go-expressible schedule of the `go` preset is still Go's.
//!
//! Go's numbers come from `src/runtime/proc.go` (`runqsteal`, `stealWork`,
//! `schedule`'s `schedtick%61`, `runqput`'s `next` argument, `sysmon`'s
//! `forcePreemptNS = 10ms`); tokio's from `runtime/scheduler/multi_thread/`
//! (`MAX_LIFO_POLLS_PER_TICK = 3`, `global_queue_interval = 31`). Each is
//! pinned by a test below.

mod decide;
mod parse;

pub use decide::{SchedPolicy, VictimIter};
pub use parse::KNOBS;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest local ring a policy may ask for.
pub const MAX_LOCAL_CAPACITY: u32 = 1 << 16;
/// Go's local run queue length (`len(p.runq)`).
pub const GO_LOCAL_CAPACITY: u32 = 256;
/// Go's global-queue check interval (`schedtick%61`).
pub const GO_GLOBAL_CHECK_INTERVAL: u32 = 61;
/// Go's steal attempts over all Ps (`stealTries = 4`).
pub const GO_STEAL_ROUNDS: u32 = 4;
/// Go's preemption quantum (`forcePreemptNS`).
pub const GO_QUANTUM_NS: u64 = 10_000_000;
/// tokio's consecutive LIFO-slot polls (`MAX_LIFO_POLLS_PER_TICK`).
pub const TOKIO_LIFO_LIMIT: u32 = 3;
/// tokio's global-queue interval (`DEFAULT_GLOBAL_QUEUE_INTERVAL`).
pub const TOKIO_GLOBAL_CHECK_INTERVAL: u32 = 31;

/// Which local run-queue implementation a P uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LocalQueueKind {
    /// Go's bounded ring (single producer, many stealers); on overflow half of
    /// it plus the new G move to the global queue.
    GoRing { capacity: u32 },
    /// crossbeam's Chase-Lev deque (unbounded, never overflows), for comparison.
    ChaseLev,
}

/// How many goroutines one steal takes from a victim of `n` queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StealAmount {
    /// `n - n/2` (half, rounded up): Go and tokio.
    Half,
    /// Exactly one.
    One,
    /// `min(k, n)`; the rings then leave the newest of two or more
    /// (`model::queue::steal_take`), so `k ≥ n` takes `n - 1`.
    Fixed(u32),
}

/// When a thief may take the victim's `runnext` slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StealRunnext {
    /// Never (tokio's LIFO slot).
    Never,
    /// Only on the last steal round (Go: `stealRunNextG := i == stealTries-1`).
    LastRound,
    /// On every round.
    Always,
}

/// The local slot that makes a just-readied goroutine run next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunNextSlot {
    /// A G run from the slot continues the current time slice (no new
    /// schedtick), as in Go, so a ping-pong pair cannot starve the queue
    /// beyond one quantum.
    pub inherit_time_slice: bool,
    /// At most this many slot runs in a row; the next slot G goes to the
    /// local tail instead (tokio: 3). `None`: unlimited (Go).
    pub max_consecutive: Option<u32>,
    /// When thieves may take it.
    pub steal: StealRunnext,
}

/// The order in which a thief visits victims within one steal round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VictimOrder {
    /// Random start and a random stride coprime with `procs` (Go's `randomOrder`).
    RandomCoprime,
    /// Random start, stride 1 (tokio).
    RandomStart,
    /// From the thief's right neighbour, stride 1 (no randomness).
    Sequential,
}

/// How often the global queue is checked before the local one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalCheck {
    /// When `schedtick % n == 0`.
    Every(u32),
    /// Never ahead of local work: *unfair* (a local ping-pong starves the
    /// global queue). Allowed for experiments; the model checks catch it.
    Never,
}

/// Where a goroutine that yields or is preempted goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YieldTarget {
    /// The global queue (Go's `Gosched` and `gopreempt_m`).
    Global,
    /// The tail of the P's local queue (tokio's `yield_now`).
    LocalTail,
}

/// A complete scheduling policy. Build one from a preset and change knobs:
///
/// ```
/// use model::policy::{Policy, StealAmount};
/// let p = Policy::go().with_steal(StealAmount::One).validated().unwrap();
/// assert_eq!(p.steal_count(7), 1);
/// let q = Policy::parse("go,steal=one").unwrap();
/// assert_eq!(q.name, "go,steal=one");
/// assert_eq!(p.named("go,steal=one"), q);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A label for tables and traces (the preset name, or a parsed spec).
    pub name: String,
    pub local_queue: LocalQueueKind,
    /// `None`: strict FIFO, no slot.
    pub runnext: Option<RunNextSlot>,
    /// A newly spawned G goes into the slot (else the local tail).
    pub spawn_to_runnext: bool,
    /// A woken G goes into the waker's slot (else the local tail).
    pub wake_to_runnext: bool,
    /// A G that blocks joining the newest G of its P's local ring moves that
    /// G into the slot (the slot's G to the tail), so the G it waits for runs
    /// next: fork-join runs depth first, as in Java's ForkJoin (`tryUnpush`)
    /// and Cilk's work-first order, and keeps fewer goroutines (and stacks)
    /// started at once. Go has no join, so no Go program sees this knob:
    /// `WaitGroup` and channel waits promote nothing. Needs the slot and the
    /// ring (`queue=ring`); absent from traces written before it (false).
    #[serde(default)]
    pub join_to_runnext: bool,
    /// A G parked in a join whose target was not in its P's slot once the
    /// join parked (after any promotion: the target was deeper in a queue,
    /// on another P, or running) is woken at the tail of the waker's local
    /// queue instead of its slot (module docs: "Join wakes at tail"). Every
    /// other wake-up follows `wake_to_runnext`. Needs the slot; absent from
    /// traces written before format v3 (false).
    #[serde(default)]
    pub join_wake_tail: bool,
    pub steal: StealAmount,
    /// Rounds over all victims before giving up (Go: 4).
    pub steal_rounds: u32,
    pub victim_order: VictimOrder,
    pub global_check: GlobalCheck,
    /// Time slice before sysmon asks a running G to yield, in ns.
    pub quantum_ns: u64,
    pub yield_to: YieldTarget,
}

/// An invalid knob value: which knob, what it was, what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub knob: String,
    pub value: String,
    pub allowed: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid policy: `{}` = {} (allowed: {})",
            self.knob, self.value, self.allowed
        )
    }
}

impl std::error::Error for PolicyError {}

fn bad(knob: &str, value: impl fmt::Display, allowed: &str) -> PolicyError {
    PolicyError {
        knob: knob.to_owned(),
        value: value.to_string(),
        allowed: allowed.to_owned(),
    }
}

impl Policy {
    /// The names [`Policy::preset`] accepts.
    pub const PRESETS: [&'static str; 4] = ["go", "tokio_like", "steal_one", "fifo"];

    /// Go's scheduler (Go 1.19–1.25 `proc.go`).
    pub fn go() -> Self {
        Policy {
            name: "go".into(),
            local_queue: LocalQueueKind::GoRing {
                capacity: GO_LOCAL_CAPACITY,
            },
            runnext: Some(RunNextSlot {
                inherit_time_slice: true,
                max_consecutive: None,
                steal: StealRunnext::LastRound,
            }),
            spawn_to_runnext: true,
            wake_to_runnext: true,
            join_to_runnext: true,
            join_wake_tail: true,
            steal: StealAmount::Half,
            steal_rounds: GO_STEAL_ROUNDS,
            victim_order: VictimOrder::RandomCoprime,
            global_check: GlobalCheck::Every(GO_GLOBAL_CHECK_INTERVAL),
            quantum_ns: GO_QUANTUM_NS,
            yield_to: YieldTarget::Global,
        }
    }

    /// tokio's multi-thread scheduler: a LIFO slot limited to 3 consecutive
    /// runs and never stolen, one round over victims from a random start,
    /// global queue every 31 ticks, `yield_now` to the local tail.
    pub fn tokio_like() -> Self {
        Policy {
            name: "tokio_like".into(),
            runnext: Some(RunNextSlot {
                inherit_time_slice: true,
                max_consecutive: Some(TOKIO_LIFO_LIMIT),
                steal: StealRunnext::Never,
            }),
            steal_rounds: 1,
            victim_order: VictimOrder::RandomStart,
            global_check: GlobalCheck::Every(TOKIO_GLOBAL_CHECK_INTERVAL),
            yield_to: YieldTarget::LocalTail,
            ..Policy::go()
        }
    }

    /// Go, but every steal takes a single goroutine.
    pub fn steal_one() -> Self {
        Policy {
            name: "steal_one".into(),
            steal: StealAmount::One,
            ..Policy::go()
        }
    }

    /// Go without the `runnext` slot: every ready G joins the local tail.
    pub fn fifo() -> Self {
        Policy {
            name: "fifo".into(),
            runnext: None,
            spawn_to_runnext: false,
            wake_to_runnext: false,
            join_to_runnext: false,
            join_wake_tail: false,
            ..Policy::go()
        }
    }

    /// A preset by name; an unknown name lists the valid ones.
    pub fn preset(name: &str) -> Result<Self, PolicyError> {
        match name {
            "go" => Ok(Policy::go()),
            "tokio_like" | "tokio" => Ok(Policy::tokio_like()),
            "steal_one" => Ok(Policy::steal_one()),
            "fifo" => Ok(Policy::fifo()),
            _ => Err(bad(
                "preset",
                format!("{name:?}"),
                &Policy::PRESETS.join(", "),
            )),
        }
    }

    /// Every preset, in [`Policy::PRESETS`] order.
    pub fn presets() -> Vec<Policy> {
        Policy::PRESETS
            .iter()
            .map(|n| Policy::preset(n).expect("preset names are valid"))
            .collect()
    }

    /// Checks every knob; the error names the first bad one and its range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if let LocalQueueKind::GoRing { capacity } = self.local_queue {
            if !(2..=MAX_LOCAL_CAPACITY).contains(&capacity) || !capacity.is_power_of_two() {
                return Err(bad(
                    "local_queue.capacity",
                    capacity,
                    "a power of two in 2..=65536",
                ));
            }
        }
        if let Some(RunNextSlot {
            max_consecutive: Some(0),
            ..
        }) = self.runnext
        {
            return Err(bad(
                "runnext.max_consecutive",
                0,
                "1 or more, or none for unlimited",
            ));
        }
        if self.runnext.is_none()
            && (self.spawn_to_runnext
                || self.wake_to_runnext
                || self.join_to_runnext
                || self.join_wake_tail)
        {
            return Err(bad(
                "spawn_to_runnext/wake_to_runnext/join_to_runnext/join_wake_tail",
                true,
                "false when the policy has no runnext slot",
            ));
        }
        if self.steal == StealAmount::Fixed(0) {
            return Err(bad(
                "steal",
                "fixed(0)",
                "half, one, or fixed(k) with k ≥ 1",
            ));
        }
        if !(1..=64).contains(&self.steal_rounds) {
            return Err(bad("steal_rounds", self.steal_rounds, "1..=64"));
        }
        if self.global_check == GlobalCheck::Every(0) {
            return Err(bad(
                "global_check",
                "every(0)",
                "every(n) with n ≥ 1, or never",
            ));
        }
        if !(1_000..=10_000_000_000).contains(&self.quantum_ns) {
            return Err(bad(
                "quantum_ns",
                self.quantum_ns,
                "1000..=10000000000 (1 µs to 10 s)",
            ));
        }
        Ok(())
    }

    /// `self` if valid, else the error.
    pub fn validated(self) -> Result<Self, PolicyError> {
        self.validate().map(|()| self)
    }

    /// Same policy, another steal amount.
    pub fn with_steal(mut self, steal: StealAmount) -> Self {
        self.steal = steal;
        self
    }

    /// Same policy, another local slot (`None` also turns off spawn/wake to slot).
    pub fn with_runnext(mut self, slot: Option<RunNextSlot>) -> Self {
        self.runnext = slot;
        self.spawn_to_runnext &= slot.is_some();
        self.wake_to_runnext &= slot.is_some();
        self.join_to_runnext &= slot.is_some();
        self.join_wake_tail &= slot.is_some();
        self
    }

    /// Same policy, another global-queue check.
    pub fn with_global_check(mut self, check: GlobalCheck) -> Self {
        self.global_check = check;
        self
    }

    /// Same policy, another quantum.
    pub fn with_quantum_ns(mut self, ns: u64) -> Self {
        self.quantum_ns = ns;
        self
    }

    /// Same policy, another local queue implementation.
    pub fn with_local_queue(mut self, kind: LocalQueueKind) -> Self {
        self.local_queue = kind;
        self
    }

    /// Same policy under another label.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::go()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid() {
        for p in Policy::presets() {
            p.validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
    }

    #[test]
    fn go_numbers_are_gos() {
        let go = Policy::go();
        assert_eq!(go.local_queue, LocalQueueKind::GoRing { capacity: 256 });
        assert_eq!(go.global_check, GlobalCheck::Every(61));
        assert_eq!(go.steal_rounds, 4);
        assert_eq!(go.quantum_ns, 10_000_000);
        assert_eq!(go.runnext.unwrap().steal, StealRunnext::LastRound);
        assert!(go.spawn_to_runnext && go.wake_to_runnext);
    }

    #[test]
    fn tokio_numbers_are_tokios() {
        let t = Policy::tokio_like();
        assert_eq!(t.runnext.unwrap().max_consecutive, Some(3));
        assert_eq!(t.runnext.unwrap().steal, StealRunnext::Never);
        assert_eq!(t.global_check, GlobalCheck::Every(31));
    }

    #[test]
    fn bad_knobs_name_themselves_and_their_range() {
        let cap = Policy::go().with_local_queue(LocalQueueKind::GoRing { capacity: 100 });
        let e = cap.validate().unwrap_err();
        assert_eq!(e.knob, "local_queue.capacity");
        assert!(e.to_string().contains("power of two"), "{e}");
        let zero = Policy::go().with_local_queue(LocalQueueKind::GoRing { capacity: 0 });
        assert_eq!(zero.validate().unwrap_err().knob, "local_queue.capacity");
        assert_eq!(
            Policy::go().with_quantum_ns(0).validate().unwrap_err().knob,
            "quantum_ns"
        );
        let steal0 = Policy::go().with_steal(StealAmount::Fixed(0));
        assert_eq!(steal0.validate().unwrap_err().knob, "steal");
        let never = Policy::go().with_global_check(GlobalCheck::Every(0));
        assert_eq!(never.validate().unwrap_err().knob, "global_check");
    }

    #[test]
    fn unknown_preset_lists_the_valid_ones() {
        let e = Policy::preset("gox").unwrap_err();
        assert!(
            e.to_string().contains("go, tokio_like, steal_one, fifo"),
            "{e}"
        );
    }

    #[test]
    fn serde_rejects_unknown_fields() {
        let mut v: serde_json::Value = serde_json::to_value(Policy::go()).unwrap();
        v["stael"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Policy>(v).is_err());
    }
}
