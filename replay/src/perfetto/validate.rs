//! A checker for the trace-event JSON the exporter writes, so that every
//! export can be validated in tests, including ones outside this crate (the
//! production engine's event streams are exported in `verify`'s tests).
//!
//! The format: <https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU>
//! ("Trace Event Format"); Perfetto's JSON importer follows it.

use serde_json::Value;
use std::collections::BTreeMap;

/// Checks `v` against the trace-event format (the subset we emit and that
/// Perfetto's JSON importer requires): a `traceEvents` array; every event
/// has a known `ph`; non-metadata events have a string `name`, a numeric,
/// finite, non-negative `ts` and integer `pid`/`tid`; `X` has `dur >= 0`;
/// `B`/`E` pair up per track in order; instants have a valid scope; metadata
/// names carry `args.name`; every track used is named. Also our own
/// invariant: slices on one P track never overlap (one G at a time).
pub fn validate(v: &Value) -> Result<(), String> {
    let events = v["traceEvents"].as_array().ok_or("no traceEvents array")?;
    let mut open: BTreeMap<(u64, u64), Vec<f64>> = BTreeMap::new();
    let mut named: BTreeMap<(u64, u64), String> = BTreeMap::new();
    let mut used = Vec::new();
    let mut slices: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let ph = e["ph"].as_str().ok_or(format!("event {i}: no ph"))?;
        let pid = e["pid"]
            .as_u64()
            .ok_or(format!("event {i}: pid not an integer"))?;
        let tid = e["tid"]
            .as_u64()
            .ok_or(format!("event {i}: tid not an integer"))?;
        if ph == "M" {
            let name = e["name"]
                .as_str()
                .ok_or(format!("event {i}: metadata without name"))?;
            match name {
                "process_name" | "thread_name" => {
                    let n = e["args"]["name"]
                        .as_str()
                        .ok_or(format!("event {i}: {name} without args.name"))?;
                    if name == "thread_name" {
                        named.insert((pid, tid), n.to_owned());
                    }
                }
                "thread_sort_index" | "process_sort_index" => {
                    e["args"]["sort_index"]
                        .as_i64()
                        .ok_or(format!("event {i}: sort index not an integer"))?;
                }
                other => return Err(format!("event {i}: unknown metadata {other}")),
            }
            continue;
        }
        e["name"].as_str().ok_or(format!("event {i}: no name"))?;
        let ts = e["ts"]
            .as_f64()
            .ok_or(format!("event {i}: ts not a number"))?;
        if !ts.is_finite() || ts < 0.0 {
            return Err(format!("event {i}: ts {ts}"));
        }
        used.push((pid, tid));
        match ph {
            "X" => {
                let dur = e["dur"]
                    .as_f64()
                    .ok_or(format!("event {i}: X without numeric dur"))?;
                if dur < 0.0 {
                    return Err(format!("event {i}: negative dur {dur}"));
                }
                slices.entry((pid, tid)).or_default().push((ts, ts + dur));
            }
            "B" => open.entry((pid, tid)).or_default().push(ts),
            "E" => {
                let b = open
                    .entry((pid, tid))
                    .or_default()
                    .pop()
                    .ok_or(format!("event {i}: E without B"))?;
                if ts < b {
                    return Err(format!("event {i}: E before its B"));
                }
            }
            "i" | "I" => {
                if let Some(s) = e.get("s") {
                    if !matches!(s.as_str(), Some("g" | "p" | "t")) {
                        return Err(format!("event {i}: instant scope {s}"));
                    }
                }
            }
            other => return Err(format!("event {i}: unexpected ph {other}")),
        }
    }
    if let Some((track, _)) = open.iter().find(|(_, s)| !s.is_empty()) {
        return Err(format!("unclosed B on {track:?}"));
    }
    if let Some(t) = used.iter().find(|t| !named.contains_key(t)) {
        return Err(format!("track {t:?} has no thread_name"));
    }
    for (track, mut s) in slices {
        s.sort_by(|a, b| a.partial_cmp(b).unwrap());
        if let Some(w) = s.windows(2).find(|w| w[1].0 < w[0].1) {
            return Err(format!("overlapping slices on {track:?}: {w:?}"));
        }
    }
    Ok(())
}
