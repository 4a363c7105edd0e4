//! The production engine's event stream (`Builder::tracing(true)`,
//! `Runtime::events()`) exports to Perfetto through the same code as a
//! deterministic trace, in real time, and the result is valid trace-event JSON.

use model::event::Event;
use std::collections::BTreeSet;

#[test]
fn a_production_run_exports_one_track_per_p_in_real_time() {
    let rt = sched::Runtime::builder()
        .procs(2)
        .tracing(true)
        .build()
        .unwrap();
    rt.block_on(|| {
        let hs: Vec<_> = (0..8u64)
            .map(|i| {
                sched::go(move || {
                    sched::yield_now();
                    i
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
    });
    let events = rt.events();
    let started: BTreeSet<String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::GStarted { g, .. } => Some(g.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        started.len() >= 9,
        "main and 8 goroutines started: {started:?}"
    );

    let v = replay::perfetto(&events);
    replay::perfetto::validate(&v).unwrap();
    assert_eq!(v["otherData"]["time_axis"], "ns");
    let all = v["traceEvents"].as_array().unwrap();
    let tracks: BTreeSet<&str> = all
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert!(
        tracks.is_subset(&BTreeSet::from(["P0", "P1"])) && !tracks.is_empty(),
        "{tracks:?}"
    );
    // Every goroutine that started shows up as a slice on some P.
    let sliced: BTreeSet<String> = all
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            e["name"]
                .as_str()
                .unwrap()
                .trim_end_matches(" syscall")
                .to_owned()
        })
        .collect();
    assert_eq!(sliced, started);
}
