//! Trace types: a versioned header and the sequence of decisions of one run.
//!
//! The types live here so that both engines, the checkers and the `replay`
//! crate agree on them; reading and writing files is `replay`'s job. Every
//! entry records where the decision was taken (step, P, G, the op and its
//! object and source location) and which option out of how many was chosen,
//! so a replay can tell precisely where a changed program diverges.

use crate::chooser::ChoiceKind;
use crate::event::{Decision, Location, OpKind};
use crate::ids::{GId, ObjId, PId};
use crate::policy::Policy;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The trace format version this build writes. Readers accept versions up to
/// this one and refuse newer ones with an error naming both.
///
/// - v1: the first format.
/// - v2: the header's policy has `join_to_runnext` (a v1 trace's run had no
///   join promotion: migrated as `false`).
/// - v3: the header's policy has `join_wake_tail` (a v2 trace's run woke
///   every joiner by `wake_to_runnext`: migrated as `false`).
pub const TRACE_FORMAT_VERSION: u32 = 3;

/// The magic string at the head of every trace, to recognise foreign files.
pub const TRACE_MAGIC: &str = "sched-trace";

/// Which choices a run may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Only what the policy allows (for experiments).
    PolicyFaithful,
    /// Any enabled G may run next (for bug finding; a superset of every policy).
    AnyInterleaving,
}

/// Everything needed to re-run a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceHeader {
    /// Always [`TRACE_MAGIC`].
    pub magic: String,
    /// [`TRACE_FORMAT_VERSION`] of the writer.
    pub version: u32,
    /// The program or test that ran (e.g. the test's module path).
    pub program: String,
    pub policy: Policy,
    pub procs: u32,
    pub seed: u64,
    /// The chooser: `random`, `pct(d=3)`, `dfs`, `replay`, …
    pub strategy: String,
    pub scope: Scope,
}

/// One decision with its context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceEntry {
    pub step: u64,
    pub p: Option<PId>,
    pub g: Option<GId>,
    pub op: Option<OpKind>,
    pub object: Option<ObjId>,
    pub location: Option<Location>,
    pub kind: ChoiceKind,
    /// Index chosen, out of `of` options.
    pub chosen: u32,
    pub of: u32,
    pub decision: Decision,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    pub header: TraceHeader,
    pub entries: Vec<TraceEntry>,
    /// How the run ended (`ok`, or the failure), if it did.
    pub outcome: Option<String>,
}

impl Trace {
    /// An empty trace for a run about to start.
    pub fn new(
        program: &str,
        policy: Policy,
        procs: u32,
        seed: u64,
        strategy: &str,
        scope: Scope,
    ) -> Self {
        let header = TraceHeader {
            magic: TRACE_MAGIC.to_owned(),
            version: TRACE_FORMAT_VERSION,
            program: program.to_owned(),
            policy,
            procs,
            seed,
            strategy: strategy.to_owned(),
            scope,
        };
        Trace {
            header,
            entries: Vec::new(),
            outcome: None,
        }
    }

    /// The chosen indices of the real choice points (two or more options),
    /// in order: what a replay feeds back. Forced entries (one option) are
    /// recorded for readability but a [`Chooser`](crate::Chooser) is never
    /// asked about them, so they are skipped here.
    pub fn choices(&self) -> Vec<usize> {
        self.entries
            .iter()
            .filter(|e| e.of > 1)
            .map(|e| e.chosen as usize)
            .collect()
    }
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:<5} {:?}", self.step, self.decision)?;
        if let Some(op) = self.op {
            write!(f, "  {op:?}")?;
            if let Some(object) = self.object {
                write!(f, " {object}")?;
            }
        }
        if self.of > 1 {
            write!(f, "  [option {} of {}]", self.chosen, self.of)?;
        }
        if let Some(loc) = &self.location {
            write!(f, "  at {loc}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Trace {
    /// A readable decision sequence, one line per decision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.header;
        writeln!(
            f,
            "trace v{} of {}: policy {}, {} procs, seed {}, {} ({:?})",
            h.version, h.program, h.policy.name, h.procs, h.seed, h.strategy, h.scope
        )?;
        for e in &self.entries {
            writeln!(f, "  {e}")?;
        }
        if let Some(outcome) = &self.outcome {
            writeln!(f, "  => {outcome}")?;
        }
        Ok(())
    }
}
