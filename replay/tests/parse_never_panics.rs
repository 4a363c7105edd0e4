//! The trace parser never panics, whatever the bytes: random bytes, random
//! byte mutations, truncations and splices of a valid file all come back as
//! `Ok` or a `TraceFileError` — and anything accepted is a trace that writes
//! back to an equal trace.

mod common;

use proptest::prelude::*;
use replay::file;

fn valid() -> Vec<u8> {
    file::to_string(&common::sample()).into_bytes()
}

fn check(bytes: &[u8]) {
    if let Ok(t) = file::from_bytes(bytes) {
        let again =
            file::from_bytes(file::to_string(&t).as_bytes()).expect("a written trace reads back");
        assert_eq!(again, t);
        // Nor do the views of anything accepted.
        let _ = (
            replay::show(&t),
            replay::stats(&t).to_string(),
            replay::perfetto_string(&t),
        );
    }
    // The event-stream parser shares the same guarantees.
    let _ = file::events_from_bytes(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn random_json_ish_text(s in r#"[{}\[\]":,0-9a-z\-\. \n]{0,300}"#) {
        check(s.as_bytes());
        check(format!(r#"{{"header":{{"magic":"sched-trace",{s}"#).as_bytes());
    }

    #[test]
    fn mutations_of_a_valid_file(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        check(&bytes);
    }

    #[test]
    fn truncations_and_splices(cut in any::<prop::sample::Index>(), from in any::<prop::sample::Index>(), len in 0usize..200) {
        let bytes = valid();
        let cut = cut.index(bytes.len());
        check(&bytes[..cut]);
        let from = from.index(bytes.len());
        let mut spliced = bytes[..cut].to_vec();
        spliced.extend_from_slice(&bytes[from..(from + len).min(bytes.len())]);
        check(&spliced);
    }

    #[test]
    fn numbers_out_of_range(n in any::<i128>(), field in prop::sample::select(vec!["step", "chosen", "of", "p", "g", "version", "seed", "procs"])) {
        let text = String::from_utf8(valid()).unwrap();
        let needle = format!("\"{field}\":");
        if let Some(i) = text.find(&needle) {
            let start = i + needle.len();
            let end = start + text[start..].find([',', '}']).unwrap();
            let edited = format!("{}{n}{}", &text[..start], &text[end..]);
            check(edited.as_bytes());
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!(
        "{{\"header\":{}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(file::from_bytes(deep.as_bytes()).is_err());
}
