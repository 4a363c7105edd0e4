//! `verify::check` on plain goroutines (both engines run the
//! body): a correct body passes; a panicking body fails the test with its
//! message; an unreadable `SCHED_REPLAY` file fails it with the file's error.

#[test]
fn a_correct_body_passes() {
    verify::check(|| {
        let hs: Vec<_> = (0..4u64).map(|i| sched::go(move || i + 1)).collect();
        let sum: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 10);
    });
}

#[test]
fn a_panicking_body_fails_the_check_with_its_message() {
    let payload = std::panic::catch_unwind(|| {
        verify::check_with(verify::Config::new().iterations(2), || {
            let h = sched::go(|| 41);
            assert_eq!(h.join().unwrap(), 42, "the answer");
        })
    })
    .expect_err("the check fails");
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(message.starts_with("verify::check: "), "{message}");
    assert!(message.contains("the answer"), "{message}");
}

#[test]
fn an_unreadable_sched_replay_file_fails_the_test_with_the_file_error() {
    let path = std::env::temp_dir().join(format!("verify-garbage-{}.json", std::process::id()));
    std::fs::write(&path, "garbage, not a trace").unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["a_correct_body_passes", "--exact", "--nocapture"])
        .env("SCHED_REPLAY", &path)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "SCHED_REPLAY: {}: not a sched trace: the file starts with \"garbage, not a trace\"",
            path.display()
        )),
        "{text}"
    );
}

#[test]
fn the_body_runs_once_per_schedule_plus_once_on_the_production_engine() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    verify::check_with(verify::Config::new().iterations(5), || {
        RUNS.fetch_add(1, Relaxed);
        sched::go(|| ()).join().unwrap();
    });
    assert_eq!(RUNS.load(Relaxed), 5 + 1);
    verify::check_with(
        verify::Config::new().iterations(3).production(false),
        || {
            RUNS.fetch_add(1, Relaxed);
        },
    );
    assert_eq!(RUNS.load(Relaxed), 6 + 3);
}
