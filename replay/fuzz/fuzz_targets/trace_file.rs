//! The trace parser and the event-stream parser never panic, and whatever
//! the trace parser accepts writes back to an equal trace.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(trace) = replay::file::from_bytes(data) {
        let again = replay::file::from_bytes(replay::file::to_string(&trace).as_bytes())
            .expect("a written trace reads back");
        assert_eq!(again, trace);
        let _ = replay::show(&trace);
        let _ = replay::stats(&trace);
        let _ = replay::perfetto_string(&trace);
    }
    let _ = replay::file::events_from_bytes(data);
});
