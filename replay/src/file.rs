//! The trace file: JSON, self-describing, one decision per line.
//!
//! ```text
//! {"header":{"magic":"sched-trace","version":3,"program":"tests::lost_update",…},
//! "entries":[
//! {"step":0,"p":0,"g":0,"op":"Spawn","object":null,"location":{…},"kind":"RunG","chosen":0,"of":1,"decision":{…}},
//! {"step":1,…},
//! ],
//! "outcome":"panic: lost update: 1 != 2"}
//! ```
//!
//! The whole file is one JSON document (any JSON tool reads it), laid out so
//! that `head -1` shows the header, `grep` finds decisions and a text diff
//! lines up entry by entry.
//!
//! Reading checks, in this order, and stops at the first problem with its
//! own [`ErrorKind`]: empty → not JSON-object-shaped (foreign) → malformed
//! JSON (truncated when the bytes stop early, corrupt otherwise) → magic
//! (foreign) → format version (newer: refuse; older: migrate or refuse) →
//! field types (schema) → consistency of each entry. The parser never panics;
//! `tests/parse_never_panics.rs` feeds it random bytes and damaged files.
//!
//! Versioning: [`TRACE_FORMAT_VERSION`] is what this build writes. A change to
//! the trace types bumps it and pushes a function onto [`MIGRATIONS`] that
//! rewrites a parsed file of the previous version into the new shape, so old
//! traces stay readable.

use crate::error::{ErrorKind, TraceFileError};
use model::event::TimedEvent;
use model::trace::{Trace, TRACE_FORMAT_VERSION, TRACE_MAGIC};
use serde_json::Value;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Upgrades, in order: `MIGRATIONS[i]` rewrites a parsed file of format
/// `OLDEST_READABLE + i` into format `OLDEST_READABLE + i + 1`.
pub const MIGRATIONS: &[fn(&mut Value)] = &[v1_to_v2, v2_to_v3];

/// v1 → v2: the policy gained `join_to_runnext`; a v1 run promoted nothing.
fn v1_to_v2(value: &mut Value) {
    policy_knob_absent_means_off(value, "join_to_runnext");
}

/// v2 → v3: the policy gained `join_wake_tail`; a v2 run woke every joiner
/// as `wake_to_runnext` says.
fn v2_to_v3(value: &mut Value) {
    policy_knob_absent_means_off(value, "join_wake_tail");
}

/// Sets the header policy's boolean `knob` to false unless present.
fn policy_knob_absent_means_off(value: &mut Value, knob: &str) {
    if let Some(policy) = value
        .get_mut("header")
        .and_then(|h| h.get_mut("policy"))
        .and_then(Value::as_object_mut)
    {
        policy.entry(knob).or_insert(Value::Bool(false));
    }
}

/// The oldest format version this build reads (directly or by migration).
pub const OLDEST_READABLE: u32 = TRACE_FORMAT_VERSION - MIGRATIONS.len() as u32;

const _: () = assert!(OLDEST_READABLE >= 1, "format versions start at 1");

/// Writes `trace` to `path` atomically: a temporary file beside it is
/// written, flushed and renamed, so a crash never leaves half a trace.
pub fn save(trace: &Trace, path: impl AsRef<Path>) -> Result<(), TraceFileError> {
    let path = path.as_ref();
    let io_err = |source| {
        TraceFileError::new(ErrorKind::Io {
            writing: true,
            source,
        })
        .at_path(path)
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    // Unique per process and call: threads of one test binary may save the
    // same trace at once (the last rename wins; both wrote the same bytes).
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let mut tmp_name = path.as_os_str().to_owned();
    let n = SAVES.fetch_add(1, Relaxed);
    tmp_name.push(format!(".tmp{}-{n}", std::process::id()));
    let tmp = Path::new(&tmp_name);
    let written = std::fs::File::create(tmp).and_then(|mut file| {
        file.write_all(to_string(trace).as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(tmp, path)) {
        let _ = std::fs::remove_file(tmp);
        return Err(io_err(e));
    }
    Ok(())
}

/// Reads and checks the trace at `path`.
pub fn load(path: impl AsRef<Path>) -> Result<Trace, TraceFileError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| {
        TraceFileError::new(ErrorKind::Io {
            writing: false,
            source,
        })
        .at_path(path)
    })?;
    from_bytes(&bytes).map_err(|e| e.at_path(path))
}

/// The file form of `trace` (see the module docs for the layout).
pub fn to_string(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = write!(out, "{{\"header\":{},\n\"entries\":[", json(&trace.header));
    for (i, e) in trace.entries.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n{}", json(e));
    }
    let _ = write!(out, "\n],\n\"outcome\":{}}}\n", json(&trace.outcome));
    out
}

/// Parses and checks a trace held in memory.
pub fn from_bytes(bytes: &[u8]) -> Result<Trace, TraceFileError> {
    let err = |kind| Err(TraceFileError::new(kind));
    // An editor may have added a byte-order mark; JSON parsers refuse it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return err(ErrorKind::Empty);
    };
    if bytes[first] != b'{' {
        return err(ErrorKind::Foreign {
            looks_like: looks_like(&bytes[first..]),
        });
    }
    let mut value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return err(syntax_error(&e)),
    };
    let version = check_header(&value)?;
    if let Some(found) = version {
        if found > u64::from(TRACE_FORMAT_VERSION) {
            return err(ErrorKind::NewerVersion {
                found,
                supported: TRACE_FORMAT_VERSION,
            });
        }
        if found < u64::from(OLDEST_READABLE) {
            return err(ErrorKind::OlderVersion {
                found,
                oldest: OLDEST_READABLE,
            });
        }
        if found < u64::from(TRACE_FORMAT_VERSION) {
            return migrate(&mut value, found as u32);
        }
    }
    // Parse the bytes again (not `value`) so a type error has a line and column.
    let trace: Trace =
        serde_json::from_slice(bytes).map_err(|e| TraceFileError::new(schema(&e, bytes)))?;
    check_entries(&trace)?;
    Ok(trace)
}

/// The format version of a value that is a sched trace (`None`: no readable
/// version; the typed parse will say what is wrong with it), or `Foreign`.
fn check_header(value: &Value) -> Result<Option<u64>, TraceFileError> {
    let header = value.get("header");
    let magic = header.and_then(|h| h.get("magic"));
    if magic.and_then(Value::as_str) == Some(TRACE_MAGIC) {
        return Ok(header
            .and_then(|h| h.get("version"))
            .and_then(Value::as_u64));
    }
    let looks_like = match (header, magic) {
        (_, Some(m)) => format!(
            "a JSON object whose header.magic is {}",
            clip(&m.to_string())
        ),
        (Some(_), None) => "a JSON object with a header but no header.magic".to_owned(),
        (None, _) => {
            let keys: Vec<&str> = value
                .as_object()
                .map(|o| o.keys().map(String::as_str).take(8).collect())
                .unwrap_or_default();
            format!(
                "a JSON object with keys [{}] and no header",
                keys.join(", ")
            )
        }
    };
    Err(TraceFileError::new(ErrorKind::Foreign { looks_like }))
}

fn migrate(value: &mut Value, from: u32) -> Result<Trace, TraceFileError> {
    for step in &MIGRATIONS[(from - OLDEST_READABLE) as usize..] {
        step(value);
    }
    value["header"]["version"] = Value::from(TRACE_FORMAT_VERSION);
    let trace: Trace = serde_json::from_value(value.take()).map_err(|e| {
        TraceFileError::new(ErrorKind::Schema {
            line: 0,
            column: 0,
            message: format!("after migrating from v{from}: {e}"),
            excerpt: String::new(),
        })
    })?;
    check_entries(&trace)?;
    Ok(trace)
}

/// What the typed parse cannot see: every chosen index is in range.
fn check_entries(trace: &Trace) -> Result<(), TraceFileError> {
    let bad = trace
        .entries
        .iter()
        .enumerate()
        .find(|(_, e)| e.chosen >= e.of.max(1));
    let Some((i, e)) = bad else { return Ok(()) };
    Err(TraceFileError::new(ErrorKind::Schema {
        // Entries are named by index: a hand-edited file may have any layout.
        line: 0,
        column: 0,
        message: format!(
            "entry {i} (step {}) chose option {} of only {}",
            e.step, e.chosen, e.of
        ),
        excerpt: clip(&e.to_string()),
    }))
}

fn syntax_error(e: &serde_json::Error) -> ErrorKind {
    let (line, column) = (e.line(), e.column());
    if e.is_eof() {
        ErrorKind::Truncated { line, column }
    } else {
        ErrorKind::Corrupt {
            line,
            column,
            message: strip_position(&e.to_string()),
        }
    }
}

fn schema(e: &serde_json::Error, bytes: &[u8]) -> ErrorKind {
    let line_text = String::from_utf8_lossy(bytes)
        .lines()
        .nth(e.line().saturating_sub(1))
        .map(clip)
        .unwrap_or_default();
    ErrorKind::Schema {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
        excerpt: line_text,
    }
}

/// serde_json appends " at line L column C"; we report those separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// At most 80 characters of `s`, marked when cut.
fn clip(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A short description of what a foreign file starts with.
fn looks_like(bytes: &[u8]) -> String {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x7fELF", "an ELF executable"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"PK\x03\x04", "a zip archive"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (
            b"[",
            "a JSON array (an event stream? `sched-replay perfetto` reads those)",
        ),
    ];
    let kind = SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map_or("", |(_, what)| what);
    let head: String = bytes
        .iter()
        .take(24)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    let more = if bytes.len() > 24 { "…" } else { "" };
    if kind.is_empty() {
        format!("the file starts with \"{head}{more}\"")
    } else {
        format!("{kind} (starts with \"{head}{more}\")")
    }
}

/// Serialising the trace types cannot fail: plain data, no maps with
/// non-string keys, no custom serialisers.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("trace types serialise infallibly")
}

/// Writes a production engine's event stream as a JSON array of
/// [`TimedEvent`]s, one per line (what `sched-replay perfetto` also reads).
pub fn save_events(events: &[TimedEvent], path: impl AsRef<Path>) -> Result<(), TraceFileError> {
    let path = path.as_ref();
    let mut out = String::from("[");
    for (i, e) in events.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n{}", json(e));
    }
    out.push_str("\n]\n");
    std::fs::write(path, out).map_err(|source| {
        TraceFileError::new(ErrorKind::Io {
            writing: true,
            source,
        })
        .at_path(path)
    })
}

/// Parses an event stream written by [`save_events`].
pub fn events_from_bytes(bytes: &[u8]) -> Result<Vec<TimedEvent>, TraceFileError> {
    let err = |kind| Err(TraceFileError::new(kind));
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return err(ErrorKind::Empty);
    };
    if bytes[first] != b'[' {
        return err(ErrorKind::Foreign {
            looks_like: looks_like(&bytes[first..]),
        });
    }
    if let Err(e) = serde_json::from_slice::<Value>(bytes) {
        return err(syntax_error(&e));
    }
    serde_json::from_slice(bytes).map_err(|e| TraceFileError::new(schema(&e, bytes)))
}

/// Whether `bytes` hold an event stream (a JSON array) rather than a trace.
pub fn is_event_stream(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}
