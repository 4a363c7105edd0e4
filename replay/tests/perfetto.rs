//! The Perfetto / Chrome trace-event export: every output is validated
//! against the trace-event format, and the slices are checked against the
//! run they draw — for a deterministic trace (steps) and for a timed event
//! stream (real time) through the same exporter.

mod common;

use model::event::{BlockReason, Event, RunSource, TimedEvent};
use model::ids::{GId, MId, PId};
use replay::perfetto::validate;
use serde_json::Value;

/// `(track name, slice name, ts, dur)` of every X slice, in track then time order.
fn slices(v: &Value) -> Vec<(String, String, f64, f64)> {
    let events = v["traceEvents"].as_array().unwrap();
    let track = |tid: u64| {
        events
            .iter()
            .find(|e| e["ph"] == "M" && e["name"] == "thread_name" && e["tid"] == tid)
            .map(|e| e["args"]["name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let mut out: Vec<_> = events
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            let name = e["name"].as_str().unwrap().to_owned();
            (
                track(e["tid"].as_u64().unwrap()),
                name,
                e["ts"].as_f64().unwrap(),
                e["dur"].as_f64().unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.0, a.2).partial_cmp(&(&b.0, b.2)).unwrap());
    out
}

fn instants(v: &Value) -> Vec<(u64, String, f64)> {
    v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "i")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["name"].as_str().unwrap().to_owned(),
                e["ts"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn s(track: &str, name: &str, ts: f64, dur: f64) -> (String, String, f64, f64) {
    (track.to_owned(), name.to_owned(), ts, dur)
}

#[test]
fn a_deterministic_trace_draws_one_track_per_p_on_the_step_axis() {
    let v = replay::perfetto(&common::sample());
    validate(&v).unwrap();
    assert_eq!(
        slices(&v),
        [
            s("P0", "g0", 0.0, 4.0),
            s("P0", "g2", 4.0, 4.0),
            s("P0", "g0", 9.0, 1.0),
            s("P1", "g1", 2.0, 5.0),
        ]
    );
    assert_eq!(instants(&v), [(1, "steal 1 p1 <- p0".to_owned(), 3.0)]);
    assert_eq!(v["otherData"]["time_axis"], "steps");
    let process = v["traceEvents"][0]["args"]["name"].as_str().unwrap();
    assert!(
        process.contains("time axis: step number, 1 µs = 1 step"),
        "{process}"
    );
    // The slice where g1 was stolen carries the decision's context.
    let g1 = v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ph"] == "X" && e["name"] == "g1")
        .unwrap();
    assert_eq!(g1["args"]["location"], "tests/lost_update.rs:10:13");
    assert_eq!(g1["args"]["choice"], "1 of 2");
    assert_eq!(g1["args"]["op"], "CellRead");
}

#[test]
fn a_timed_event_stream_exports_through_the_same_code_in_microseconds() {
    let at = |ns: u64, event| TimedEvent { at_ns: ns, event };
    let (g0, g1, p0, p1) = (GId(0), GId(1), PId(0), PId(1));
    let events = [
        at(
            0,
            Event::GStarted {
                g: g0,
                p: p0,
                m: MId(0),
                source: RunSource::Global,
            },
        ),
        at(
            1_000,
            Event::Stole {
                thief: p1,
                victim: p0,
                count: 1,
            },
        ),
        at(
            1_500,
            Event::GStarted {
                g: g1,
                p: p1,
                m: MId(1),
                source: RunSource::Stolen(p0),
            },
        ),
        at(
            3_000,
            Event::GBlocked {
                g: g0,
                reason: BlockReason::ChanRecv,
                object: None,
            },
        ),
        at(
            4_000,
            Event::SyscallEnter {
                g: g1,
                m: MId(1),
                p: p1,
            },
        ),
        at(
            24_000,
            Event::HandOff {
                p: p1,
                from: MId(1),
                to: MId(2),
            },
        ),
        at(
            30_000,
            Event::SyscallExit {
                g: g1,
                m: MId(1),
                p: Some(p0),
            },
        ),
        at(
            31_000,
            Event::GEnded {
                g: g1,
                panicked: false,
            },
        ),
    ];
    let v = replay::perfetto(&events[..]);
    validate(&v).unwrap();
    assert_eq!(
        slices(&v),
        [
            s("P0", "g0", 0.0, 3.0),
            s("P0", "g1", 30.0, 1.0),
            s("P1", "g1", 1.5, 2.5),
            s("P1", "g1 syscall", 4.0, 20.0),
        ]
    );
    assert_eq!(
        instants(&v),
        [
            (1, "steal 1 from p0".to_owned(), 1.0),
            (1, "hand off p1 m1 -> m2".to_owned(), 24.0)
        ]
    );
    assert_eq!(v["otherData"]["time_axis"], "ns");
}

#[test]
fn the_validator_rejects_what_perfetto_would() {
    let ok = replay::perfetto(&common::sample());
    let x = ok["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["ph"] == "X")
        .unwrap();
    let mut bad_ts = ok.clone();
    bad_ts["traceEvents"][x]["ts"] = Value::from("3");
    assert!(validate(&bad_ts).unwrap_err().contains("ts not a number"));
    let mut bad_dur = ok.clone();
    bad_dur["traceEvents"][x]["dur"] = Value::from(-1.0);
    assert!(validate(&bad_dur).unwrap_err().contains("negative dur"));
    let mut unpaired = ok.clone();
    unpaired["traceEvents"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name":"g9","ph":"B","ts":1,"pid":1,"tid":0}));
    assert!(validate(&unpaired).unwrap_err().contains("unclosed B"));
    let mut unnamed = ok;
    unnamed["traceEvents"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name":"x","ph":"i","s":"t","ts":1,"pid":1,"tid":9}));
    assert!(validate(&unnamed)
        .unwrap_err()
        .contains("has no thread_name"));
}

#[test]
fn an_empty_trace_exports_a_valid_file_with_no_slices() {
    let mut t = common::sample();
    t.entries.clear();
    let v = replay::perfetto(&t);
    validate(&v).unwrap();
    assert!(slices(&v).is_empty());
}
