//! The `sched-replay` binary, run as a user would: its output on the sample
//! trace, its exit codes, and its error messages on bad files.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("replay-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sample_file(name: &str, t: &replay::Trace) -> PathBuf {
    let p = dir().join(name);
    replay::save(t, &p).unwrap();
    p
}

fn cli(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sched-replay"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn help_lists_every_command() {
    let o = cli(&["--help".as_ref()]);
    assert!(o.status.success());
    let text = stdout(&o);
    for cmd in ["show", "stats", "diff", "perfetto"] {
        assert!(
            text.contains(&format!("\n  {cmd}")),
            "{cmd} missing from:\n{text}"
        );
    }
}

#[test]
fn show_prints_the_timeline() {
    let f = sample_file("show.json", &common::sample());
    let o = cli(&["show".as_ref(), f.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), replay::show(&common::sample()));
    assert!(stdout(&o).contains("step     2  p1  run g1 on p1 (stolen from p0)"));
}

#[test]
fn stats_prints_the_counts() {
    let f = sample_file("stats.json", &common::sample());
    let o = cli(&["stats".as_ref(), f.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("10 decisions\n"));
    assert!(stdout(&o).contains("choice points: 4 "));
}

#[test]
fn diff_exits_0_when_equal_and_1_at_a_divergence() {
    let a = common::sample();
    let mut b = a.clone();
    b.entries[4].chosen = 1;
    let (fa, fb) = (sample_file("a.json", &a), sample_file("b.json", &b));
    let same = cli(&["diff".as_ref(), fa.as_os_str(), fa.as_os_str()]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(stdout(&same), "same decisions: 10 entries in both\n");
    let differ = cli(&["diff".as_ref(), fa.as_os_str(), fb.as_os_str()]);
    assert_eq!(differ.status.code(), Some(1));
    assert!(
        stdout(&differ)
            .starts_with("common prefix: 4 decisions\nfirst divergence at entry 4 (step 4):\n"),
        "{}",
        stdout(&differ)
    );
}

#[test]
fn perfetto_writes_trace_event_json_to_a_file_or_stdout() {
    let f = sample_file("perfetto.json", &common::sample());
    let out = dir().join("out.perfetto.json");
    let o = cli(&[
        "perfetto".as_ref(),
        f.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written, replay::perfetto(&common::sample()));
    let o = cli(&["perfetto".as_ref(), f.as_os_str()]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed, written);
}

#[test]
fn perfetto_reads_an_event_stream_too() {
    use model::event::{Event, RunSource, TimedEvent};
    use model::ids::{GId, MId, PId};
    let events = vec![
        TimedEvent {
            at_ns: 0,
            event: Event::GStarted {
                g: GId(0),
                p: PId(0),
                m: MId(0),
                source: RunSource::Global,
            },
        },
        TimedEvent {
            at_ns: 2_000,
            event: Event::GEnded {
                g: GId(0),
                panicked: false,
            },
        },
    ];
    let f = dir().join("events.json");
    replay::file::save_events(&events, &f).unwrap();
    let o = cli(&["perfetto".as_ref(), f.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed, replay::perfetto(&events[..]));
}

#[test]
fn bad_files_exit_2_with_the_clear_message() {
    let foreign = dir().join("foreign.txt");
    std::fs::write(&foreign, "hello").unwrap();
    let o = cli(&["show".as_ref(), foreign.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "sched-replay: {}: not a sched trace: the file starts with \"hello\"; a trace is a JSON object whose header.magic is \"sched-trace\" (written by verify::check or the deterministic engine)\n",
            foreign.display()
        )
    );
    let future = dir().join("future.json");
    let text = replay::to_string(&common::sample()).replacen("\"version\":3", "\"version\":7", 1);
    std::fs::write(&future, text).unwrap();
    for cmd in ["show", "stats", "perfetto"] {
        let o = cli(&[cmd.as_ref(), future.as_os_str()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(stderr(&o).contains("trace format v7 is newer than this build's v3: update sched (cargo update -p sched)"), "{cmd}: {}", stderr(&o));
    }
    let missing = dir().join("missing.json");
    let o = cli(&["diff".as_ref(), missing.as_os_str(), future.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&format!(
        "sched-replay: {}: cannot read trace: ",
        missing.display()
    )));
}

#[test]
fn a_missing_argument_is_a_usage_error() {
    let o = cli(&["diff".as_ref(), "only-one.json".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("Usage: sched-replay diff <A> <B>"),
        "{}",
        stderr(&o)
    );
}
