//! `ReplayChooser`: feeds a recorded trace's choices back and stops the run
//! with a divergence report where the program no longer matches it.
//!
//! Follows shuttle's `scheduler/replay.rs`, with a stronger check: shuttle
//! replays bare indices, we compare every choice point with its recorded
//! entry — step, P, goroutine, op kind, object, source location, choice
//! kind, number of options, and the decision taken — so a changed program
//! is reported at the first point that differs, naming both sides.

use model::chooser::{ChoicePoint, Chooser, Mismatch};
use model::trace::{Trace, TraceEntry};

/// Replays the choices of a [`Trace`] (its entries with two or more options).
#[derive(Clone, Debug)]
pub struct ReplayChooser {
    entries: Vec<TraceEntry>,
    pos: usize,
}

impl ReplayChooser {
    pub fn new(trace: &Trace) -> Self {
        ReplayChooser {
            entries: trace.entries.iter().filter(|e| e.of > 1).cloned().collect(),
            pos: 0,
        }
    }

    /// Recorded choices not replayed yet.
    pub fn remaining(&self) -> usize {
        self.entries.len() - self.pos.min(self.entries.len())
    }
}

impl Chooser for ReplayChooser {
    fn choose(&mut self, point: &ChoicePoint<'_>) -> usize {
        match self.entries.get(self.pos) {
            Some(e) if (e.chosen as usize) < point.options.len() => e.chosen as usize,
            _ => 0,
        }
    }

    fn check(&mut self, entry: &TraceEntry) -> Result<(), Mismatch> {
        let Some(want) = self.entries.get(self.pos) else {
            return Err(Mismatch {
                expected: format!("the end of the trace ({} choices)", self.entries.len()),
                found: format!("one more choice point: {entry}"),
            });
        };
        self.pos += 1;
        if want == entry {
            return Ok(());
        }
        Err(Mismatch {
            expected: format!("{want}{}", context(want)),
            found: format!("{entry}{}", context(entry)),
        })
    }

    fn check_end(&mut self) -> Result<(), Mismatch> {
        match self.entries.get(self.pos) {
            None => Ok(()),
            Some(want) => Err(Mismatch {
                expected: format!("{} more choices, next {want}", self.remaining()),
                found: "the end of the run".to_owned(),
            }),
        }
    }
}

/// The goroutine (and its P) whose op an entry describes, which the
/// entry's `Display` leaves out (it shows the decision taken).
fn context(e: &TraceEntry) -> String {
    let g = e.g.map_or("-".to_owned(), |g| g.0.to_string());
    let p = e.p.map_or("-".to_owned(), |p| p.0.to_string());
    format!(" [the point reached by goroutine {g}, on P {p}]")
}
