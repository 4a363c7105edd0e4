//! What can be wrong with a trace file, each case saying what to do about it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A trace file that could not be read or written. [`Display`](fmt::Display)
/// gives one line: the path, what is wrong, and what to do.
#[derive(Debug)]
pub struct TraceFileError {
    /// The file, when the bytes came from one.
    pub path: Option<PathBuf>,
    pub kind: ErrorKind,
}

/// The distinct ways a trace file is refused.
#[derive(Debug)]
pub enum ErrorKind {
    /// The file could not be opened, read or written.
    Io { writing: bool, source: io::Error },
    /// Zero bytes.
    Empty,
    /// Valid JSON so far, then the bytes stop (cut short while being written
    /// or copied). `line`/`column` are where they stop.
    Truncated { line: usize, column: usize },
    /// Looks like a trace (a JSON object) but is not well-formed JSON.
    Corrupt {
        line: usize,
        column: usize,
        message: String,
    },
    /// Not a sched trace at all; `looks_like` describes what it is.
    Foreign { looks_like: String },
    /// Written by a newer build.
    NewerVersion { found: u64, supported: u32 },
    /// Older than any version this build can read or migrate.
    OlderVersion { found: u64, oldest: u32 },
    /// Well-formed JSON of the right format version, but a field is missing,
    /// unknown or of the wrong type, or an entry is inconsistent. `excerpt`
    /// is the offending line or entry; `line` 0: no position (the message
    /// names the entry).
    Schema {
        line: usize,
        column: usize,
        message: String,
        excerpt: String,
    },
}

impl TraceFileError {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        TraceFileError { path: None, kind }
    }

    /// The same error, naming the file it came from.
    pub fn at_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for TraceFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        const RERECORD: &str = "re-record it (run the failing test again)";
        match self {
            Io {
                writing: false,
                source,
            } => write!(f, "cannot read trace: {source}"),
            Io {
                writing: true,
                source,
            } => write!(f, "cannot write trace: {source}"),
            Empty => write!(
                f,
                "empty file, not a trace: the run stopped before the trace was saved; {RERECORD}"
            ),
            Truncated { line, column } => write!(
                f,
                "truncated trace: the file ends at line {line} column {column} in the middle \
                 of the JSON; it was cut short while being written or copied: copy it again \
                 or {RERECORD}"
            ),
            Corrupt {
                line,
                column,
                message,
            } => write!(
                f,
                "corrupt trace: invalid JSON at line {line} column {column} ({message}); \
                 the file was damaged or edited: {RERECORD}"
            ),
            Foreign { looks_like } => write!(
                f,
                "not a sched trace: {looks_like}; a trace is a JSON object whose \
                 header.magic is \"{}\" (written by verify::check or the deterministic engine)",
                model::trace::TRACE_MAGIC
            ),
            NewerVersion { found, supported } => write!(
                f,
                "trace format v{found} is newer than this build's v{supported}: \
                 update sched (cargo update -p sched) or re-record the trace with this build"
            ),
            OlderVersion { found, oldest } => write!(
                f,
                "trace format v{found} is older than the oldest this build reads (v{oldest}) \
                 and no migration exists: {RERECORD}"
            ),
            Schema {
                line,
                column,
                message,
                excerpt,
            } => {
                write!(
                    f,
                    "invalid trace (format v{}): {message}",
                    model::trace::TRACE_FORMAT_VERSION
                )?;
                if *line > 0 {
                    write!(f, " at line {line} column {column}")?;
                }
                if !excerpt.is_empty() {
                    write!(f, ": `{excerpt}`")?;
                }
                write!(
                    f,
                    "; the file was edited or written by another tool: {RERECORD}"
                )
            }
        }
    }
}

impl std::error::Error for TraceFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
