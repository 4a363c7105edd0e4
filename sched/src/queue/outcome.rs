//! What the owner's `pop` and a thief's `steal_into` report, shared by every
//! local-queue implementation.

use model::event::RunSource;

/// Where [`pop`](super::LocalQueue::pop) found the goroutine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The `runnext` slot (Go's `runqget` returns `inheritTime = true`).
    RunNext,
    /// The head of the local ring, or the slot's G after it was kicked
    /// behind the ring by the streak limit.
    Local,
}

impl From<Source> for RunSource {
    fn from(s: Source) -> RunSource {
        match s {
            Source::RunNext => RunSource::RunNext,
            Source::Local => RunSource::Local,
        }
    }
}

/// The result of one steal attempt (crossbeam's `Steal`, with the count).
///
/// `Retry` is explicit instead of a hidden loop, as crossbeam and tokio do:
/// a thief lost a race (another thief or the owner moved the head, or the
/// two index loads were inconsistent). The caller decides whether to retry
/// this victim at once or to move on to the next one.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum Steal<T> {
    /// `T` is the G to run now; `n` Gs were taken in all (it included), and
    /// `n - 1` of them now sit in the thief's queue.
    Success(T, usize),
    /// The victim had nothing the thief may take.
    Empty,
    /// Lost a race; nothing moved.
    Retry,
}

impl<T> Steal<T> {
    /// The stolen G, if any.
    pub fn success(self) -> Option<T> {
        match self {
            Steal::Success(t, _) => Some(t),
            Steal::Empty | Steal::Retry => None,
        }
    }

    pub fn is_retry(&self) -> bool {
        matches!(self, Steal::Retry)
    }
}
