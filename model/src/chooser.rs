//! Choice points and the `Chooser` that resolves them.
//!
//! Wherever a scheduler could do more than one thing — which G runs next,
//! which victim to steal from, where a preemption lands, which `select!` arm
//! wins, whether a pending timer fires before the runnable Gs continue — the
//! deterministic engine and the model stop at a [`ChoicePoint`] listing the
//! options as [`Decision`]s and ask a [`Chooser`] for an index. Exploring
//! every index is model checking; recording the indices is a trace; feeding
//! them back is replay.

use crate::event::Decision;
use crate::rng::Rng;
use crate::trace::TraceEntry;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a choice point decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChoiceKind {
    /// Which enabled transition of the machine happens next.
    Transition,
    /// Which runnable G a P runs next (any-interleaving scope).
    RunG,
    /// Which victim a searching P tries.
    StealVictim,
    /// Whether / where the running G is preempted.
    Preempt,
    /// Which ready arm of a `select!` wins.
    SelectArm,
    /// Which due timer fires, or whether a pending one fires early.
    Timer,
    /// A random number for `sched::rand`.
    Rand,
}

/// One choice point: the options, each described by the decision it makes.
#[derive(Clone, Copy, Debug)]
pub struct ChoicePoint<'a> {
    /// Decisions made so far in this run.
    pub step: u64,
    pub kind: ChoiceKind,
    /// The options; the chooser returns an index into this slice.
    pub options: &'a [Decision],
}

/// What a chooser that follows a recorded trace (replay) found different
/// from the recording: both sides in words, for a divergence report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub expected: String,
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

/// Resolves choice points. Implementations must return an index `< options.len()`
/// (callers never ask with fewer than two options).
pub trait Chooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize;

    /// Called by an engine that records traces right after `choose`, with
    /// the complete entry it records for that point. A chooser that follows
    /// a recorded trace compares it with the recording and answers `Err`
    /// when the program no longer matches; the default accepts everything.
    fn check(&mut self, _entry: &TraceEntry) -> Result<(), Mismatch> {
        Ok(())
    }

    /// Called when the run ends; a replay that still expects choices says so.
    fn check_end(&mut self) -> Result<(), Mismatch> {
        Ok(())
    }
}

impl<C: Chooser + ?Sized> Chooser for &mut C {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        (**self).choose(point)
    }
    fn check(&mut self, entry: &TraceEntry) -> Result<(), Mismatch> {
        (**self).check(entry)
    }
    fn check_end(&mut self) -> Result<(), Mismatch> {
        (**self).check_end()
    }
}

impl<C: Chooser + ?Sized> Chooser for Box<C> {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        (**self).choose(point)
    }
    fn check(&mut self, entry: &TraceEntry) -> Result<(), Mismatch> {
        (**self).check(entry)
    }
    fn check_end(&mut self) -> Result<(), Mismatch> {
        (**self).check_end()
    }
}

/// Always the first option: the policy's own preference, no randomness.
#[derive(Clone, Debug, Default)]
pub struct FirstChooser;

impl Chooser for FirstChooser {
    fn choose(&mut self, _point: &ChoicePoint<'_>) -> usize {
        0
    }
}

/// Uniformly random among the options, from a seed.
#[derive(Clone, Debug)]
pub struct RandomChooser {
    rng: Rng,
}

impl RandomChooser {
    pub fn new(seed: u64) -> Self {
        RandomChooser {
            rng: Rng::new(seed),
        }
    }
}

impl Chooser for RandomChooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        self.rng.index(point.options.len())
    }
}

/// Cycles through option indices: option `k mod n` at the k-th choice.
#[derive(Clone, Debug, Default)]
pub struct RoundRobinChooser {
    next: usize,
}

impl Chooser for RoundRobinChooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        let i = self.next % point.options.len();
        self.next = self.next.wrapping_add(1);
        i
    }
}

/// Replays a fixed sequence of indices, then falls back to option 0. Records
/// the first step at which the script did not fit (index out of range).
#[derive(Clone, Debug, Default)]
pub struct ScriptChooser {
    script: Vec<usize>,
    pos: usize,
    /// `(position in script, index, options available)` of the first misfit.
    pub misfit: Option<(usize, usize, usize)>,
}

impl ScriptChooser {
    pub fn new(script: Vec<usize>) -> Self {
        ScriptChooser {
            script,
            pos: 0,
            misfit: None,
        }
    }

    /// Whether every scripted choice has been consumed.
    pub fn finished(&self) -> bool {
        self.pos >= self.script.len()
    }
}

impl Chooser for ScriptChooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        let Some(&i) = self.script.get(self.pos) else {
            return 0;
        };
        self.pos += 1;
        if i < point.options.len() {
            return i;
        }
        self.misfit
            .get_or_insert((self.pos - 1, i, point.options.len()));
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GId;

    fn point(options: &[Decision]) -> ChoicePoint<'_> {
        ChoicePoint {
            step: 0,
            kind: ChoiceKind::Transition,
            options,
        }
    }

    #[test]
    fn choosers_stay_in_range() {
        let opts: Vec<Decision> = (0..3)
            .map(|i| Decision::Rand {
                g: GId(0),
                value: i,
            })
            .collect();
        let mut r = RandomChooser::new(3);
        let mut rr = RoundRobinChooser::default();
        for k in 0..50 {
            assert!(r.choose(&point(&opts)) < 3);
            assert_eq!(rr.choose(&point(&opts)), k % 3);
        }
    }

    #[test]
    fn script_reports_misfits() {
        let opts: Vec<Decision> = (0..2)
            .map(|i| Decision::Rand {
                g: GId(0),
                value: i,
            })
            .collect();
        let mut s = ScriptChooser::new(vec![1, 5]);
        assert_eq!(s.choose(&point(&opts)), 1);
        assert_eq!(s.choose(&point(&opts)), 0);
        assert_eq!(s.misfit, Some((1, 5, 2)));
        assert!(s.finished());
    }
}
