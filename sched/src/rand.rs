//! `sched::rand`: random numbers that the deterministic engine controls.
//!
//! In production these come from a fast per-thread generator (SplitMix64,
//! not for cryptography). In a deterministic run every byte is a recorded
//! choice point (`ChoiceKind::Rand`, a `Decision::Rand` among 256 values),
//! so a replay hands out the same numbers, a random chooser draws them
//! uniformly, and an exhaustive explorer can enumerate small ranges. A
//! program whose behaviour depends on `std`'s or another crate's randomness
//! is not reproducible; use these instead.

use crate::engine;

/// 64 random bits (8 recorded choices in a deterministic run).
pub fn u64() -> u64 {
    (0..8).fold(0, |acc, _| (acc << 8) | u64::from(engine::random_byte()))
}

/// A random `bool` (one recorded choice: a byte's low bit).
pub fn bool() -> bool {
    engine::random_byte() & 1 == 1
}

/// A value in `0..n` (`n > 0`). Draws the fewest bytes `k` with
/// `256^k ≥ n` and reduces modulo `n`: uniform when `n` divides `256^k`;
/// otherwise the values below `256^k mod n` are more likely by at most one
/// part in `⌊256^k / n⌋`.
///
/// # Panics
/// When `n == 0`.
pub fn below(n: u64) -> u64 {
    assert!(n > 0, "sched::rand::below(0): the range is empty");
    let mut bound: u128 = 1;
    let mut v: u64 = 0;
    while bound < u128::from(n) {
        v = (v << 8) | u64::from(engine::random_byte());
        bound <<= 8;
    }
    v % n
}
