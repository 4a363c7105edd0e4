//! Abstract programs for scheduling studies, and their meaning.
//!
//! A [`Workload`] is a set of task templates; a goroutine runs one template's
//! [`Step`]s in order. The language has what scheduling studies need and no
//! more: CPU work with a cost, spawning, waiting for one's children
//! (fork-join), abstract channels (buffered or rendezvous, messages carry no
//! data), blocking calls of a given duration, and yields.
//!
//! [`Program`] is the *one* interpreter of that language: the model
//! [`Machine`](crate::machine) (untimed, every choice explicit) and the
//! discrete-event simulator (timed) both call [`Program::step`] and only
//! differ in how they schedule. Channel semantics follow Go's runtime: a
//! sender that finds a waiting receiver hands the message over and wakes it
//! (the receiver's operation completes on its behalf, like a `sudog`
//! hand-off); otherwise it fills the buffer or blocks.

use crate::event::BlockReason;
use crate::ids::{GId, ObjId, PId};
use crate::policy::SchedPolicy;
use crate::queue::RunQueues;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Index of a task template in [`Workload::tasks`].
pub type TaskId = u32;
/// Index of a channel in [`Workload::chans`].
pub type ChanId = u32;

/// One step of a task.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// CPU work costing this many ns.
    Compute(u64),
    /// Start a goroutine running task template `TaskId`.
    Spawn(TaskId),
    /// Block until every goroutine this one spawned has exited.
    JoinChildren,
    /// Send one message on a channel.
    Send(ChanId),
    /// Receive one message from a channel.
    Recv(ChanId),
    /// A blocking call (syscall) lasting this many ns.
    Blocking(u64),
    /// Give up the P (Go's `Gosched`).
    Yield,
}

/// A named task template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    pub steps: Vec<Step>,
}

/// A whole program: templates, channel capacities, the main task.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Workload {
    pub name: String,
    pub tasks: Vec<Task>,
    /// Capacity of each channel (0 = unbuffered rendezvous).
    pub chans: Vec<u32>,
    pub main: TaskId,
}

/// What happened when a goroutine took one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// CPU time the step costs (0 for bookkeeping steps).
    pub cost_ns: u64,
    /// A goroutine this step created.
    pub spawned: Option<GId>,
    /// Goroutines this step made runnable again.
    pub woke: Vec<GId>,
    /// What the stepping goroutine does next.
    pub then: After,
}

/// The stepping goroutine's state after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Keeps running.
    Continue,
    /// Blocked; it runs again only after another step wakes it.
    Block(BlockReason, Option<ObjId>),
    /// Yielded its P; it is runnable.
    Yield,
    /// Entered a blocking call of this duration; [`Program::syscall_done`] ends it.
    Syscall(u64),
    /// Finished.
    Exit,
}

/// Per-goroutine interpreter state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GProg {
    pub task: TaskId,
    pub pc: usize,
    pub parent: Option<GId>,
    pub live_children: u32,
    pub joining: bool,
    pub done: bool,
}

/// Per-channel state: buffered message count and the waiting goroutines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChanState {
    pub cap: u32,
    pub buffered: u32,
    pub senders: VecDeque<GId>,
    pub receivers: VecDeque<GId>,
}

/// The running program: one interpreter state per goroutine and channel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Program {
    pub gs: Vec<GProg>,
    pub chans: Vec<ChanState>,
}

impl Program {
    /// The program at its start: only the main goroutine, `GId(0)`.
    pub fn new(w: &Workload) -> Self {
        let chans = w
            .chans
            .iter()
            .map(|&cap| ChanState {
                cap,
                ..ChanState::default()
            })
            .collect();
        let main = GProg {
            task: w.main,
            pc: 0,
            parent: None,
            live_children: 0,
            joining: false,
            done: false,
        };
        Program {
            gs: vec![main],
            chans,
        }
    }

    /// The object id a channel has in events and traces.
    pub fn chan_obj(c: ChanId) -> ObjId {
        ObjId(u64::from(c))
    }

    /// Whether `g` has finished.
    pub fn is_done(&self, g: GId) -> bool {
        self.gs[g.index()].done
    }

    /// Number of goroutines created so far.
    pub fn created(&self) -> usize {
        self.gs.len()
    }

    /// Runs `g`'s next step. `g` must be running (not blocked, not done).
    pub fn step(&mut self, w: &Workload, g: GId) -> Effect {
        let gp = &self.gs[g.index()];
        assert!(!gp.done, "{g} stepped after it exited");
        let Some(step) = w.tasks[gp.task as usize].steps.get(gp.pc) else {
            return self.exit(g);
        };
        let mut effect = Effect {
            cost_ns: 0,
            spawned: None,
            woke: Vec::new(),
            then: After::Continue,
        };
        match *step {
            Step::Compute(ns) => effect.cost_ns = ns,
            Step::Spawn(task) => effect.spawned = Some(self.spawn(g, task)),
            Step::JoinChildren => {
                if self.gs[g.index()].live_children > 0 {
                    self.gs[g.index()].joining = true;
                    effect.then = After::Block(BlockReason::Join, None);
                }
            }
            Step::Send(c) => effect.then = self.send(g, c, &mut effect.woke),
            Step::Recv(c) => effect.then = self.recv(g, c, &mut effect.woke),
            Step::Blocking(ns) => effect.then = After::Syscall(ns),
            Step::Yield => effect.then = After::Yield,
        }
        if !matches!(effect.then, After::Block(..)) {
            self.gs[g.index()].pc += 1;
        }
        effect
    }

    /// A blocking call of `g` returned (nothing to update: the step was
    /// already consumed); kept as a named transition for symmetry.
    pub fn syscall_done(&mut self, g: GId) {
        debug_assert!(!self.gs[g.index()].done);
    }

    /// Runs `w` to completion with the simplest scheduler there is — one
    /// FIFO of runnable goroutines, each run until it blocks, yields or
    /// exits — and returns the final state and the total `Compute` done.
    /// The reference execution the checks compare engines against.
    pub fn run_serial(w: &Workload) -> (Program, u64) {
        let mut prog = Program::new(w);
        let mut ready = VecDeque::from([GId(0)]);
        let mut work = 0;
        while let Some(g) = ready.pop_front() {
            loop {
                let e = prog.step(w, g);
                work += e.cost_ns;
                ready.extend(e.spawned.into_iter().chain(e.woke));
                match e.then {
                    After::Continue | After::Syscall(_) => continue,
                    After::Yield => ready.push_back(g),
                    After::Block(..) | After::Exit => {}
                }
                break;
            }
        }
        (prog, work)
    }

    fn spawn(&mut self, parent: GId, task: TaskId) -> GId {
        let child = GId::from(self.gs.len());
        self.gs[parent.index()].live_children += 1;
        self.gs.push(GProg {
            task,
            pc: 0,
            parent: Some(parent),
            live_children: 0,
            joining: false,
            done: false,
        });
        child
    }

    /// Completes a blocked goroutine's pending operation on its behalf.
    fn complete(&mut self, g: GId, woke: &mut Vec<GId>) {
        self.gs[g.index()].pc += 1;
        woke.push(g);
    }

    fn send(&mut self, g: GId, c: ChanId, woke: &mut Vec<GId>) -> After {
        let ch = &mut self.chans[c as usize];
        if let Some(r) = ch.receivers.pop_front() {
            self.complete(r, woke);
        } else if ch.buffered < ch.cap {
            ch.buffered += 1;
        } else {
            ch.senders.push_back(g);
            return After::Block(BlockReason::ChanSend, Some(Self::chan_obj(c)));
        }
        After::Continue
    }

    fn recv(&mut self, g: GId, c: ChanId, woke: &mut Vec<GId>) -> After {
        let ch = &mut self.chans[c as usize];
        if ch.buffered > 0 {
            ch.buffered -= 1;
            if let Some(s) = ch.senders.pop_front() {
                ch.buffered += 1;
                self.complete(s, woke);
            }
        } else if let Some(s) = ch.senders.pop_front() {
            self.complete(s, woke);
        } else {
            ch.receivers.push_back(g);
            return After::Block(BlockReason::ChanRecv, Some(Self::chan_obj(c)));
        }
        After::Continue
    }

    /// `g` on `p` just blocked in [`Step::JoinChildren`]
    /// ([`RunQueues::park_joining`]). Its target is the newest G of `p`'s
    /// ring if that is a live child of `g` (it moves into the slot when the
    /// policy promotes joins), else the slot's G if that is one, else none
    /// here (`g` then wakes at the tail under `join_wake_tail`). The model's
    /// join waits for every child; production's for one handle, and both
    /// promote only the ring's newest G. Returns whether one moved.
    pub fn park_joining(
        &self,
        g: GId,
        p: PId,
        queues: &mut RunQueues,
        policy: &dyn SchedPolicy,
    ) -> bool {
        let live_child = |c: &GId| {
            self.gs
                .get(c.index())
                .is_some_and(|c| c.parent == Some(g) && !c.done)
        };
        let local = &queues.locals[p.index()];
        let target = (local.ring.back().copied().filter(live_child))
            .or_else(|| local.runnext.filter(live_child));
        queues.park_joining(p, g, target, policy)
    }

    fn exit(&mut self, g: GId) -> Effect {
        let mut woke = Vec::new();
        self.gs[g.index()].done = true;
        if let Some(parent) = self.gs[g.index()].parent {
            let p = &mut self.gs[parent.index()];
            p.live_children -= 1;
            if p.joining && p.live_children == 0 {
                p.joining = false;
                self.complete(parent, &mut woke);
            }
        }
        Effect {
            cost_ns: 0,
            spawned: None,
            woke,
            then: After::Exit,
        }
    }
}

/// Builders of the standard workloads.
impl Workload {
    fn single(name: &str, tasks: Vec<Task>, main: TaskId) -> Self {
        Workload {
            name: name.to_owned(),
            tasks,
            chans: Vec::new(),
            main,
        }
    }

    /// Fork-join `fib(n)`: each node above `cutoff` spawns `fib(n-1)` and
    /// `fib(n-2)`, does `cost` of work and joins them; a node at or below the
    /// cutoff does the whole subtree's work serially (`cost` × its node count).
    pub fn fib(n: u32, cutoff: u32, cost: u64) -> Self {
        let nodes = |k: u32| -> u64 { fib_nodes(k) };
        let tasks = (0..=n)
            .map(|k| {
                let steps = if k <= cutoff.max(1) {
                    vec![Step::Compute(cost * nodes(k))]
                } else {
                    vec![
                        Step::Spawn(k - 1),
                        Step::Spawn(k - 2),
                        Step::Compute(cost),
                        Step::JoinChildren,
                    ]
                };
                Task {
                    name: format!("fib{k}"),
                    steps,
                }
            })
            .collect();
        Workload::single(&format!("fib({n})"), tasks, n)
    }

    /// A balanced tree of the given depth and fan-out; every node does `cost`
    /// of work, spawns its children and joins them.
    pub fn tree(depth: u32, fanout: u32, cost: u64) -> Self {
        let tasks = (0..=depth)
            .map(|level| {
                let mut steps = vec![Step::Compute(cost)];
                if level > 0 {
                    steps.extend((0..fanout).map(|_| Step::Spawn(level - 1)));
                    steps.push(Step::JoinChildren);
                }
                Task {
                    name: format!("tree{level}"),
                    steps,
                }
            })
            .collect();
        Workload::single(&format!("tree(d={depth},f={fanout})"), tasks, depth)
    }

    /// A chain: each goroutine does `cost` of work and spawns the next, `len` in all.
    pub fn chain(len: u32, cost: u64) -> Self {
        let tasks = (0..len)
            .map(|i| {
                let mut steps = vec![Step::Compute(cost)];
                if i > 0 {
                    steps.push(Step::Spawn(i - 1));
                }
                Task {
                    name: format!("chain{i}"),
                    steps,
                }
            })
            .collect();
        Workload::single(&format!("chain({len})"), tasks, len.saturating_sub(1))
    }

    /// `n` independent tasks spawned from main on one P; task `i` costs
    /// `(i % 100) × unit` (the "imbalanced" workload).
    pub fn imbalanced(n: u32, unit: u64) -> Self {
        let mut tasks: Vec<Task> = (0..100)
            .map(|k| Task {
                name: format!("cost{k}"),
                steps: vec![Step::Compute(k * unit)],
            })
            .collect();
        let mut main: Vec<Step> = (0..n).map(|i| Step::Spawn(i % 100)).collect();
        main.push(Step::JoinChildren);
        tasks.push(Task {
            name: "main".into(),
            steps: main,
        });
        Workload::single(&format!("imbalanced({n})"), tasks, 100)
    }

    /// `producers` goroutines each send `msgs` messages on one channel of
    /// capacity `cap`; `consumers` goroutines share the receiving (each
    /// receives `producers × msgs / consumers`); every message costs `cost` at
    /// each end.
    pub fn producer_consumer(
        producers: u32,
        consumers: u32,
        msgs: u32,
        cap: u32,
        cost: u64,
    ) -> Self {
        let total = producers * msgs;
        assert!(
            consumers > 0 && total.is_multiple_of(consumers),
            "messages must split evenly among consumers"
        );
        let produce: Vec<Step> = (0..msgs)
            .flat_map(|_| [Step::Compute(cost), Step::Send(0)])
            .collect();
        let consume: Vec<Step> = (0..total / consumers)
            .flat_map(|_| [Step::Recv(0), Step::Compute(cost)])
            .collect();
        let mut main: Vec<Step> = (0..producers).map(|_| Step::Spawn(0)).collect();
        main.extend((0..consumers).map(|_| Step::Spawn(1)));
        main.push(Step::JoinChildren);
        let tasks = vec![
            Task {
                name: "producer".into(),
                steps: produce,
            },
            Task {
                name: "consumer".into(),
                steps: consume,
            },
            Task {
                name: "main".into(),
                steps: main,
            },
        ];
        let name = format!("prodcons({producers}x{consumers},cap={cap})");
        Workload {
            name,
            tasks,
            chans: vec![cap],
            main: 2,
        }
    }

    /// `n` goroutines each in a blocking call of `dur` ns between two pieces of
    /// `cost` work, spawned from main alongside `n` pure compute tasks.
    pub fn blocking(n: u32, dur: u64, cost: u64) -> Self {
        let io = Task {
            name: "io".into(),
            steps: vec![
                Step::Compute(cost),
                Step::Blocking(dur),
                Step::Compute(cost),
            ],
        };
        let cpu = Task {
            name: "cpu".into(),
            steps: vec![Step::Compute(2 * cost)],
        };
        let mut main: Vec<Step> = (0..n)
            .flat_map(|_| [Step::Spawn(0), Step::Spawn(1)])
            .collect();
        main.push(Step::JoinChildren);
        let tasks = vec![
            io,
            cpu,
            Task {
                name: "main".into(),
                steps: main,
            },
        ];
        Workload::single(&format!("blocking({n})"), tasks, 2)
    }

    /// Two self-respawning goroutines and a victim. Each generation does
    /// `cost` of work, spawns its successor, then spawns a one-step helper;
    /// `generations` generations per chain. The helper takes the `runnext`
    /// slot and pushes the successor into the local ring, so every
    /// generation starts a new time slice (a successor run from the slot
    /// would inherit its parent's, and no tick would pass). The victim is
    /// spawned first, so the chains push it into the ring and it runs only
    /// once a slice has started; it yields (Go's `Gosched` puts it in the
    /// global queue), then works. The local queue is never empty while the chains last, so a
    /// policy that never checks the global queue ahead of local work keeps
    /// the victim waiting for about `2 × generations` slices; Go's check
    /// every 61 ticks takes it within 61 slices of a P.
    pub fn respawning_pairs(generations: u32, cost: u64) -> Self {
        let helper = generations;
        let mut tasks: Vec<Task> = (0..generations)
            .map(|k| {
                let mut steps = vec![Step::Compute(cost)];
                if k > 0 {
                    steps.extend([Step::Spawn(k - 1), Step::Spawn(helper)]);
                }
                Task {
                    name: format!("respawn{k}"),
                    steps,
                }
            })
            .collect();
        tasks.push(Task {
            name: "helper".into(),
            steps: vec![Step::Compute(cost)],
        });
        let victim = generations + 1;
        tasks.push(Task {
            name: "victim".into(),
            steps: vec![Step::Yield, Step::Compute(cost)],
        });
        let top = generations.saturating_sub(1);
        let main = vec![Step::Spawn(victim), Step::Spawn(top), Step::Spawn(top)];
        tasks.push(Task {
            name: "main".into(),
            steps: main,
        });
        Workload::single(
            &format!("respawning_pairs({generations})"),
            tasks,
            generations + 2,
        )
    }
}

/// Number of nodes in the call tree of naive `fib(k)`.
pub fn fib_nodes(k: u32) -> u64 {
    let (mut a, mut b) = (1u64, 1u64); // nodes(0), nodes(1)
    for _ in 1..k {
        (a, b) = (b, a + b + 1);
    }
    if k == 0 {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fib_node_counts() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(fib_nodes), [1, 1, 3, 5, 9, 15]);
    }

    #[test]
    fn every_workload_runs_to_completion_and_does_all_its_work() {
        let cases = [
            (Workload::fib(10, 3, 7), 7 * fib_nodes(10)),
            (Workload::tree(3, 3, 5), 5 * (1 + 3 + 9 + 27)),
            (Workload::chain(10, 4), 40),
            (
                Workload::imbalanced(1000, 1),
                (0..1000u64).map(|i| i % 100).sum(),
            ),
            (Workload::producer_consumer(2, 4, 10, 0, 1), 2 * 2 * 10),
            (Workload::producer_consumer(3, 1, 5, 2, 1), 2 * 3 * 5),
            (Workload::blocking(4, 100, 3), 4 * 4 * 3),
            // Two chains of 5 generations and 4 helpers each, and the victim.
            (Workload::respawning_pairs(5, 2), 2 * (5 + 4) * 2 + 2),
        ];
        for (w, want) in cases {
            let (prog, work) = Program::run_serial(&w);
            assert!(
                prog.gs.iter().all(|g| g.done),
                "{}: a goroutine never finished",
                w.name
            );
            assert_eq!(work, want, "{}", w.name);
        }
    }

    #[test]
    fn unbuffered_send_blocks_until_a_receiver_comes() {
        let w = Workload::producer_consumer(1, 1, 1, 0, 0);
        let mut prog = Program::new(&w);
        prog.step(&w, GId(0)); // spawn producer g1
        prog.step(&w, GId(0)); // spawn consumer g2
        assert_eq!(prog.step(&w, GId(1)).then, After::Continue); // compute
        let blocked = prog.step(&w, GId(1)).then;
        assert_eq!(blocked, After::Block(BlockReason::ChanSend, Some(ObjId(0))));
        let e = prog.step(&w, GId(2));
        assert_eq!((e.then, e.woke), (After::Continue, vec![GId(1)]));
    }
}
