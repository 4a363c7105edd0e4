//! Counts over a trace: decisions per kind, per goroutine and per P, and the
//! choice points (entries with two or more options) with their branching —
//! how wide the schedule tree is where this run went through it.

use crate::show::{decision_kind, goroutine_of};
use model::chooser::ChoiceKind;
use model::ids::{GId, PId};
use model::trace::Trace;
use std::collections::BTreeMap;
use std::fmt;

/// The counts of one trace. [`Display`](fmt::Display) prints them as a report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub decisions: usize,
    /// Decisions per kind (`run`, `steal`, `block`, … as in [`decision_kind`]).
    pub per_kind: BTreeMap<&'static str, usize>,
    /// Decisions per goroutine (`None`: decisions about no goroutine).
    pub per_g: BTreeMap<Option<GId>, usize>,
    /// Decisions per P (`None`: taken with no P, e.g. a timer).
    pub per_p: BTreeMap<Option<PId>, usize>,
    /// Real choice points (two or more options) per choice kind.
    pub choices: BTreeMap<String, Branching>,
}

/// The branching of the choice points of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Branching {
    pub count: usize,
    pub min: u32,
    pub max: u32,
    /// Sum of the option counts (mean = `sum / count`).
    pub sum: u64,
    /// log10 of the product of the option counts: the size of the schedule
    /// tree along this path, as a power of ten.
    pub log10_paths: f64,
}

impl Branching {
    fn add(&mut self, of: u32) {
        self.min = if self.count == 0 {
            of
        } else {
            self.min.min(of)
        };
        self.max = self.max.max(of);
        self.count += 1;
        self.sum += u64::from(of);
        self.log10_paths += f64::from(of).log10();
    }

    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }
}

/// Counts the decisions of `trace`.
pub fn stats(trace: &Trace) -> Stats {
    let mut s = Stats {
        decisions: trace.entries.len(),
        ..Stats::default()
    };
    for e in &trace.entries {
        *s.per_kind.entry(decision_kind(&e.decision)).or_default() += 1;
        *s.per_g.entry(goroutine_of(e)).or_default() += 1;
        *s.per_p.entry(e.p).or_default() += 1;
        if e.of > 1 {
            s.choices.entry(kind_name(e.kind)).or_default().add(e.of);
        }
    }
    s
}

fn kind_name(k: ChoiceKind) -> String {
    format!("{k:?}")
}

impl Stats {
    /// All choice points together.
    pub fn all_choices(&self) -> Branching {
        let mut all = Branching::default();
        for b in self.choices.values() {
            all.min = if all.count == 0 {
                b.min
            } else {
                all.min.min(b.min)
            };
            all.max = all.max.max(b.max);
            all.count += b.count;
            all.sum += b.sum;
            all.log10_paths += b.log10_paths;
        }
        all
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} decisions", self.decisions)?;
        writeln!(f, "\nper kind:")?;
        for (k, n) in &self.per_kind {
            writeln!(f, "  {k:<14} {n:>7}")?;
        }
        writeln!(f, "\nper goroutine:")?;
        for (g, n) in &self.per_g {
            let name = g.map_or_else(|| "runtime".to_owned(), |g| g.to_string());
            writeln!(f, "  {name:<14} {n:>7}")?;
        }
        writeln!(f, "\nper P:")?;
        for (p, n) in &self.per_p {
            let name = p.map_or_else(|| "none".to_owned(), |p| p.to_string());
            writeln!(f, "  {name:<14} {n:>7}")?;
        }
        let all = self.all_choices();
        writeln!(
            f,
            "\nchoice points: {} (options min {} / mean {:.2} / max {}; this path crosses ~10^{:.1} schedules)",
            all.count,
            all.min,
            all.mean(),
            all.max,
            all.log10_paths
        )?;
        for (k, b) in &self.choices {
            writeln!(
                f,
                "  {k:<14} {:>7}  options min {} / mean {:.2} / max {}",
                b.count,
                b.min,
                b.mean(),
                b.max
            )?;
        }
        Ok(())
    }
}
