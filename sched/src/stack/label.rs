//! `GoroutineLabel`: what the overflow report says a goroutine is — its id
//! and where it was spawned.
//!
//! The report is written from a signal handler, where only async-signal-safe
//! calls are allowed (signal-safety(7)): no allocation, no locks, no
//! `std::fmt`. A label is therefore two plain words, an id and a
//! `&'static Location` (what `#[track_caller]` gives every spawn site: the
//! file name is static data of the binary), and the handler formats it
//! itself into a fixed buffer with `write(2)` (`overflow.rs`). This costs
//! nothing at spawn — no preformatting — and lives inside the goroutine's
//! `Coro` (its `Running` record), so it is valid whenever that goroutine
//! runs, without a per-switch store or a lifetime to trust.

use std::fmt;
use std::panic::Location;

/// "goroutine N (spawned at file:line:col)": an id and a spawn location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoroutineLabel {
    id: u64,
    spawned_at: &'static Location<'static>,
}

impl GoroutineLabel {
    /// The label of goroutine `id`, spawned at `spawned_at` (take it from
    /// `Location::caller()` in a `#[track_caller]` spawn function).
    pub const fn new(id: u64, spawned_at: &'static Location<'static>) -> GoroutineLabel {
        GoroutineLabel { id, spawned_at }
    }

    /// The goroutine's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Where it was spawned.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }
}

impl fmt::Display for GoroutineLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "goroutine {} (spawned at {})", self.id, self.spawned_at)
    }
}

// Two words: cheap to keep in every goroutine's record.
const _: () = assert!(std::mem::size_of::<GoroutineLabel>() == 16);
