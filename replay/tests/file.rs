//! Trace files: the round trip, the layout, and one test per way a file can
//! be refused, each checking that the message says what is wrong and what to do.

mod common;

use replay::{file, ErrorKind, TraceFileError};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("replay-file-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn refuse(bytes: &[u8]) -> TraceFileError {
    match file::from_bytes(bytes) {
        Ok(t) => panic!(
            "accepted a bad file as a trace of {} entries",
            t.entries.len()
        ),
        Err(e) => e,
    }
}

fn valid() -> String {
    file::to_string(&common::sample())
}

#[test]
fn save_then_load_gives_the_same_trace() {
    let t = common::sample();
    let path = tmp("nested/dir/roundtrip.json");
    replay::save(&t, &path).unwrap();
    assert_eq!(replay::load(&path).unwrap(), t);
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn an_empty_trace_round_trips() {
    let mut t = common::sample();
    t.entries.clear();
    t.outcome = None;
    assert_eq!(file::from_bytes(file::to_string(&t).as_bytes()).unwrap(), t);
}

#[test]
fn the_file_has_the_header_first_and_one_entry_per_line() {
    let text = valid();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(
        r#"{"header":{"magic":"sched-trace","version":3,"program":"tests::lost_update""#
    ));
    assert_eq!(lines[1], r#""entries":["#);
    let entries = &lines[2..2 + common::sample().entries.len()];
    for (i, l) in entries.iter().enumerate() {
        assert!(
            l.starts_with(&format!(r#"{{"step":{i},"#)),
            "line {}: {l}",
            i + 3
        );
    }
    assert_eq!(lines[lines.len() - 2], "],");
    assert!(lines[lines.len() - 1].starts_with(r#""outcome":"panic: lost update"#));
    // And it is plain JSON any tool reads.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["entries"][2]["chosen"], 1);
}

#[test]
fn a_missing_file_names_the_file_and_the_os_error() {
    let path = tmp("does-not-exist.json");
    let e = replay::load(&path).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Io { writing: false, .. }));
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}: cannot read trace: ", path.display())),
        "{msg}"
    );
}

#[test]
fn an_empty_file_says_the_trace_was_never_saved() {
    let e = refuse(b"  \n");
    assert!(matches!(e.kind, ErrorKind::Empty));
    assert_eq!(
        e.to_string(),
        "empty file, not a trace: the run stopped before the trace was saved; \
         re-record it (run the failing test again)"
    );
}

#[test]
fn a_truncated_file_says_where_it_stops_and_to_copy_or_rerecord() {
    let text = valid();
    // Cut inside the fourth entry (line 6).
    let cut = text.match_indices('\n').nth(5).unwrap().0 + 20;
    let e = refuse(&text.as_bytes()[..cut]);
    let ErrorKind::Truncated { line, column } = e.kind else {
        panic!("not Truncated: {e}")
    };
    // 19 characters of line 7 are left (the 20th is where the cut fell).
    assert_eq!((line, column), (7, 19));
    let msg = e.to_string();
    assert!(
        msg.starts_with("truncated trace: the file ends at line 7 column 19"),
        "{msg}"
    );
    assert!(msg.contains("cut short while being written or copied: copy it again or re-record it"));
}

#[test]
fn every_prefix_of_a_valid_file_is_refused_as_truncated() {
    let text = valid();
    let body_end = text.trim_end().len() - 1; // before the final '}'
    for cut in 1..body_end {
        let e = refuse(&text.as_bytes()[..cut]);
        assert!(
            matches!(e.kind, ErrorKind::Truncated { .. }),
            "cut at {cut}: {e}"
        );
    }
}

#[test]
fn corrupt_json_gives_line_and_column() {
    let text = valid().replacen(r#"{"step":4,"#, r#"{"step":4,,"#, 1);
    let e = refuse(text.as_bytes());
    let ErrorKind::Corrupt { line, column, .. } = &e.kind else {
        panic!("not Corrupt: {e}")
    };
    assert_eq!((*line, *column), (7, 11));
    let msg = e.to_string();
    assert!(
        msg.starts_with("corrupt trace: invalid JSON at line 7 column 11 (key must be a string); "),
        "{msg}"
    );
    assert!(
        msg.ends_with("the file was damaged or edited: re-record it (run the failing test again)")
    );
}

#[test]
fn a_foreign_file_says_what_it_looks_like() {
    let e = refuse(b"hello, world\nthis is not a trace");
    assert!(matches!(e.kind, ErrorKind::Foreign { .. }));
    let msg = e.to_string();
    assert!(
        msg.starts_with(r#"not a sched trace: the file starts with "hello, world\nthis is not…""#),
        "{msg}"
    );
    assert!(msg.contains(r#"header.magic is "sched-trace""#));

    let elf = refuse(b"\x7fELF\x02\x01\x01\x00");
    assert!(
        elf.to_string().starts_with(
            r#"not a sched trace: an ELF executable (starts with "\x7fELF\x02\x01\x01\x00")"#
        ),
        "{elf}"
    );

    let other = refuse(br#"{"name": "my-package", "version": "1.0.0"}"#);
    assert!(
        other.to_string().starts_with(
            "not a sched trace: a JSON object with keys [name, version] and no header"
        ),
        "{other}"
    );

    let wrong_magic = valid().replacen("sched-trace", "go-trace", 1);
    let e = refuse(wrong_magic.as_bytes());
    assert!(
        e.to_string()
            .starts_with(r#"not a sched trace: a JSON object whose header.magic is "go-trace""#),
        "{e}"
    );
}

#[test]
fn a_newer_format_is_refused_with_both_versions_and_the_remedy() {
    let text = valid().replacen(
        r#""version":3"#,
        r#""version":7,"field_from_the_future":true"#,
        1,
    );
    let e = refuse(text.as_bytes());
    assert!(matches!(
        e.kind,
        ErrorKind::NewerVersion {
            found: 7,
            supported: 3
        }
    ));
    assert_eq!(
        e.to_string(),
        "trace format v7 is newer than this build's v3: update sched (cargo update -p sched) \
         or re-record the trace with this build"
    );
}

#[test]
fn a_v1_trace_is_migrated_its_run_promoted_no_join() {
    let t = common::sample();
    assert!(t.header.policy.join_to_runnext, "the sample's policy is go");
    let v1 = valid()
        .replacen(r#""version":3"#, r#""version":1"#, 1)
        .replacen(r#""join_to_runnext":true,"#, "", 1)
        .replacen(r#""join_wake_tail":true,"#, "", 1);
    assert!(!v1.contains("join_to_runnext") && !v1.contains("join_wake_tail"));
    let old = file::from_bytes(v1.as_bytes()).unwrap();
    assert!(!old.header.policy.join_to_runnext);
    assert!(!old.header.policy.join_wake_tail);
    assert_eq!(old.header.version, 3, "migrated to this build's format");
    assert_eq!(old.entries, t.entries);
}

#[test]
fn a_v2_trace_is_migrated_its_joiners_woke_into_the_slot() {
    let t = common::sample();
    assert!(t.header.policy.join_wake_tail, "the sample's policy is go");
    let v2 = valid()
        .replacen(r#""version":3"#, r#""version":2"#, 1)
        .replacen(r#""join_wake_tail":true,"#, "", 1);
    assert!(!v2.contains("join_wake_tail"));
    let old = file::from_bytes(v2.as_bytes()).unwrap();
    assert!(old.header.policy.join_to_runnext, "kept from v2");
    assert!(!old.header.policy.join_wake_tail);
    assert_eq!(old.header.version, 3, "migrated to this build's format");
    assert_eq!(old.entries, t.entries);
}

#[test]
fn a_version_older_than_any_migration_is_refused() {
    let text = valid().replacen(r#""version":3"#, r#""version":0"#, 1);
    let e = refuse(text.as_bytes());
    assert!(matches!(
        e.kind,
        ErrorKind::OlderVersion {
            found: 0,
            oldest: 1
        }
    ));
    assert_eq!(
        e.to_string(),
        "trace format v0 is older than the oldest this build reads (v1) and no migration exists: \
         re-record it (run the failing test again)"
    );
}

#[test]
fn a_wrong_field_type_names_the_field_line_and_expected_type() {
    let text = valid().replacen(r#""chosen":1,"of":2"#, r#""chosen":"one","of":2"#, 1);
    let e = refuse(text.as_bytes());
    let ErrorKind::Schema { line, excerpt, .. } = &e.kind else {
        panic!("not Schema: {e}")
    };
    assert_eq!(*line, 5, "entry 2 is on line 5");
    assert!(excerpt.starts_with(r#"{"step":2,"#));
    let msg = e.to_string();
    assert!(msg.starts_with(r#"invalid trace (format v3): invalid type: string "one", expected u32 at line 5 column"#), "{msg}");
    assert!(msg.ends_with(
        "the file was edited or written by another tool: re-record it (run the failing test again)"
    ));
}

#[test]
fn a_missing_field_is_a_schema_error() {
    let text = valid().replacen(r#""seed":7,"#, "", 1);
    let e = refuse(text.as_bytes());
    assert!(matches!(e.kind, ErrorKind::Schema { line: 1, .. }), "{e}");
    assert!(e.to_string().contains("missing field `seed`"), "{e}");
}

#[test]
fn a_chosen_index_out_of_range_is_refused() {
    let text = valid().replacen(r#""chosen":1,"of":2"#, r#""chosen":2,"of":2"#, 1);
    let e = refuse(text.as_bytes());
    assert!(
        e.to_string().starts_with(
            "invalid trace (format v3): entry 2 (step 2) chose option 2 of only 2: `#2 "
        ),
        "{e}"
    );
}

#[test]
fn load_prefixes_errors_with_the_path() {
    let path = tmp("future.json");
    let text = valid().replacen(r#""version":3"#, r#""version":7"#, 1);
    std::fs::write(&path, text).unwrap();
    let msg = replay::load(&path).unwrap_err().to_string();
    assert_eq!(
        msg,
        format!("{}: trace format v7 is newer than this build's v3: update sched (cargo update -p sched) or re-record the trace with this build", path.display())
    );
}

#[test]
fn an_editors_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let text = valid().replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    assert_eq!(file::from_bytes(&bytes).unwrap(), common::sample());
}

#[test]
fn a_failed_save_names_the_file_and_leaves_nothing_behind() {
    let dir = tmp("save-into-a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    // The target is an existing directory: the rename fails.
    let e = replay::save(&common::sample(), &dir).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Io { writing: true, .. }));
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot write trace: ", dir.display())),
        "{e}"
    );
    let parent = dir.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
