//! `GoroutineLabel`: a goroutine's description, preformatted into a
//! fixed-size buffer when the goroutine is spawned, so the overflow signal
//! handler can print it with `write(2)` alone — no allocation, no
//! formatting, no locks (what async-signal safety allows, signal-safety(7)).

use std::fmt::{self, Write};
use std::panic::Location;

/// Bytes a label holds; longer spawn paths are shortened from the left.
pub const LABEL_CAPACITY: usize = 160;

/// Longest label text besides the path: "goroutine " + a u64 (20 digits)
/// + " (spawned at " + ":" + a u32 (10) + ":" + a u32 (10) + ")".
const FIXED_BYTES: usize = "goroutine ".len() + 20 + " (spawned at ".len() + 1 + 10 + 1 + 10 + 1;

/// "goroutine N (spawned at file:line:col)", preformatted.
#[derive(Clone, Copy)]
pub struct GoroutineLabel {
    len: u8,
    bytes: [u8; LABEL_CAPACITY],
}

impl GoroutineLabel {
    /// Formats the label of goroutine `id` spawned at `at`.
    pub fn new(id: u64, at: &Location<'_>) -> GoroutineLabel {
        GoroutineLabel::from_parts(id, at.file(), at.line(), at.column())
    }

    /// Formats the label of goroutine `id` spawned at `file:line:column`.
    pub fn from_parts(id: u64, file: &str, line: u32, column: u32) -> GoroutineLabel {
        let mut label = GoroutineLabel {
            len: 0,
            bytes: [0; LABEL_CAPACITY],
        };
        let file = shorten(file, LABEL_CAPACITY - FIXED_BYTES);
        let _ = write!(label, "goroutine {id} (spawned at {file}:{line}:{column})");
        label
    }

    /// The label text.
    pub fn as_str(&self) -> &str {
        // `write_str` only ever appends whole `&str`s.
        std::str::from_utf8(self.as_bytes()).expect("labels hold whole UTF-8 strings")
    }

    /// The label bytes (what the signal handler writes).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// The last `max` bytes of `path` (at a character boundary), prefixed with
/// "..." when shortened.
fn shorten(path: &str, max: usize) -> impl fmt::Display + '_ {
    struct Short<'a>(&'a str, &'a str);
    impl fmt::Display for Short<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)?;
            f.write_str(self.1)
        }
    }
    if path.len() <= max {
        return Short("", path);
    }
    let mut start = path.len() - (max - 3);
    while !path.is_char_boundary(start) {
        start += 1;
    }
    Short("...", &path[start..])
}

impl Write for GoroutineLabel {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let at = self.len as usize;
        if at + s.len() > LABEL_CAPACITY {
            return Err(fmt::Error);
        }
        self.bytes[at..at + s.len()].copy_from_slice(s.as_bytes());
        self.len = (at + s.len()) as u8;
        Ok(())
    }
}

impl fmt::Debug for GoroutineLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GoroutineLabel")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for GoroutineLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// The length is kept in a u8.
const _: () = assert!(LABEL_CAPACITY <= u8::MAX as usize);
// The longest label without its path leaves room for a path of 94 bytes.
const _: () = assert!(FIXED_BYTES == 66 && LABEL_CAPACITY - FIXED_BYTES == 94);
