//! Where two traces part: the header fields that differ, the length of the
//! common prefix of decisions, and the first pair of entries that differ
//! (or which trace ended first).

use crate::show::line;
use model::trace::{Trace, TraceEntry};
use std::fmt;

/// The comparison of trace A with trace B.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceDiff {
    /// `(field, A's value, B's value)` for each header field that differs
    /// (the magic and the version excepted: both files were readable).
    pub header: Vec<(&'static str, String, String)>,
    /// Number of leading entries that are equal.
    pub common_prefix: usize,
    /// The first differing entries; `None` on a side that ended there.
    /// `None` as a whole when the traces have the same entries.
    pub divergence: Option<(Option<TraceEntry>, Option<TraceEntry>)>,
    /// The recorded outcomes, when they differ.
    pub outcomes: Option<(Option<String>, Option<String>)>,
}

impl TraceDiff {
    /// Same decisions (headers and outcomes may still differ).
    pub fn same_decisions(&self) -> bool {
        self.divergence.is_none()
    }

    /// Nothing differs at all.
    pub fn identical(&self) -> bool {
        self.same_decisions() && self.header.is_empty() && self.outcomes.is_none()
    }
}

/// Compares `a` with `b`.
pub fn diff(a: &Trace, b: &Trace) -> TraceDiff {
    let common_prefix = a
        .entries
        .iter()
        .zip(&b.entries)
        .take_while(|(x, y)| x == y)
        .count();
    let divergence = (common_prefix < a.entries.len().max(b.entries.len())).then(|| {
        (
            a.entries.get(common_prefix).cloned(),
            b.entries.get(common_prefix).cloned(),
        )
    });
    let outcomes = (a.outcome != b.outcome).then(|| (a.outcome.clone(), b.outcome.clone()));
    TraceDiff {
        header: header_diff(a, b),
        common_prefix,
        divergence,
        outcomes,
    }
}

fn header_diff(a: &Trace, b: &Trace) -> Vec<(&'static str, String, String)> {
    let (x, y) = (&a.header, &b.header);
    let fields = [
        ("program", x.program.clone(), y.program.clone()),
        ("policy", x.policy.name.clone(), y.policy.name.clone()),
        ("procs", x.procs.to_string(), y.procs.to_string()),
        ("seed", x.seed.to_string(), y.seed.to_string()),
        ("strategy", x.strategy.clone(), y.strategy.clone()),
        ("scope", format!("{:?}", x.scope), format!("{:?}", y.scope)),
    ];
    let mut out: Vec<_> = fields.into_iter().filter(|(_, a, b)| a != b).collect();
    if x.policy != y.policy && x.policy.name == y.policy.name {
        // Same label, different knobs: say so rather than print equal names.
        out.push(("policy knobs", "differ".into(), "differ".into()));
    }
    out
}

impl fmt::Display for TraceDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (field, a, b) in &self.header {
            writeln!(f, "header {field}: A {a} | B {b}")?;
        }
        match &self.divergence {
            None => writeln!(f, "same decisions: {} entries in both", self.common_prefix)?,
            Some((a, b)) => {
                writeln!(f, "common prefix: {} decisions", self.common_prefix)?;
                let at = a.as_ref().or(b.as_ref()).map_or(0, |e| e.step);
                writeln!(
                    f,
                    "first divergence at entry {} (step {at}):",
                    self.common_prefix
                )?;
                let side = |e: &Option<TraceEntry>| {
                    e.as_ref()
                        .map_or_else(|| "(trace ends here)".to_owned(), line)
                };
                writeln!(f, "  A: {}", side(a))?;
                writeln!(f, "  B: {}", side(b))?;
            }
        }
        if let Some((a, b)) = &self.outcomes {
            let o = |o: &Option<String>| o.clone().unwrap_or_else(|| "(not recorded)".into());
            writeln!(f, "outcome: A {} | B {}", o(a), o(b))?;
        }
        Ok(())
    }
}
