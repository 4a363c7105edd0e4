//! `show`, `stats` and `diff` on the hand-built sample trace (its shape is in
//! `common::sample`'s doc): each asserts the content, line by line where the
//! layout is the point.

mod common;

use model::event::{Decision, RunSource};
use model::ids::{GId, PId};

#[test]
fn show_prints_the_header_with_settings_size_and_outcome() {
    let text = replay::show(&common::sample());
    let head: Vec<&str> = text.lines().take(4).collect();
    assert_eq!(
        head,
        [
            "sched trace v3 — program tests::lost_update",
            "  policy go, 2 procs, seed 7, strategy random, scope any_interleaving",
            "  10 decisions, 4 choice points; outcome: panic: lost update: counter = 1, expected 2",
            "  columns: step, P of the goroutine, the decision taken there, the goroutine's op and object, the option chosen, the op's source location",
        ]
    );
}

#[test]
fn show_groups_decisions_per_goroutine_in_step_order_with_p_op_object_and_location() {
    let text = replay::show(&common::sample());
    let sections: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .collect();
    assert_eq!(
        sections[1..],
        [
            "g0 — 3 decisions",
            "g1 — 3 decisions",
            "g2 — 3 decisions",
            "runtime (no goroutine) — 1 decisions"
        ]
    );
    let g1: Vec<&str> = text
        .split("g1 — 3 decisions\n")
        .nth(1)
        .unwrap()
        .lines()
        .take(3)
        .collect();
    assert_eq!(
        g1,
        [
            "  step     2  p1  run g1 on p1 (stolen from p0)  CellRead obj7    option 1 of 2  at tests/lost_update.rs:10:13",
            "  step     5  p1  step g1 on p1                  CellWrite obj7   option 1 of 3  at tests/lost_update.rs:11:13",
            "  step     7  p1  step g1 on p1                  Exit                            at tests/lost_update.rs:12:9",
        ]
    );
    assert!(
        text.ends_with(
            "runtime (no goroutine) — 1 decisions\n  step     3  p1  steal 1 p1 <- p0\n"
        ),
        "{text}"
    );
}

#[test]
fn stats_count_per_kind_goroutine_and_p() {
    let s = replay::stats(&common::sample());
    assert_eq!(s.decisions, 10);
    assert_eq!(s.per_kind.get("run"), Some(&4));
    assert_eq!(s.per_kind.get("step"), Some(&5));
    assert_eq!(s.per_kind.get("steal"), Some(&1));
    assert_eq!(s.per_kind.len(), 3);
    let per_g: Vec<_> = s.per_g.iter().map(|(g, n)| (*g, *n)).collect();
    assert_eq!(
        per_g,
        [
            (None, 1),
            (Some(GId(0)), 3),
            (Some(GId(1)), 3),
            (Some(GId(2)), 3)
        ]
    );
    let per_p: Vec<_> = s.per_p.iter().map(|(p, n)| (*p, *n)).collect();
    assert_eq!(per_p, [(Some(PId(0)), 6), (Some(PId(1)), 4)]);
}

#[test]
fn stats_measure_the_choice_points_and_their_branching() {
    let s = replay::stats(&common::sample());
    let run_g = s.choices["RunG"];
    assert_eq!((run_g.count, run_g.min, run_g.max, run_g.sum), (2, 2, 2, 4));
    let tr = s.choices["Transition"];
    assert_eq!((tr.count, tr.min, tr.max, tr.sum), (2, 2, 3, 5));
    assert_eq!(
        s.choices.len(),
        2,
        "forced entries (one option) are no choice points"
    );
    let all = s.all_choices();
    assert_eq!((all.count, all.min, all.max), (4, 2, 3));
    // 2 · 2 · 3 · 2 = 24 schedules along this path.
    assert!((all.log10_paths - 24f64.log10()).abs() < 1e-9);
    let text = s.to_string();
    assert!(text.contains("\n  run                  4\n"), "{text}");
    assert!(text.contains("\n  g1                   3\n"), "{text}");
    assert!(text.contains("\n  p0                   6\n"), "{text}");
    assert!(text.contains("choice points: 4 (options min 2 / mean 2.25 / max 3; this path crosses ~10^1.4 schedules)"), "{text}");
    assert!(
        text.contains("\n  Transition           2  options min 2 / mean 2.50 / max 3\n"),
        "{text}"
    );
}

#[test]
fn diff_of_a_trace_with_itself_finds_nothing() {
    let t = common::sample();
    let d = replay::diff(&t, &t);
    assert!(d.identical());
    assert_eq!(d.common_prefix, 10);
    assert_eq!(d.to_string(), "same decisions: 10 entries in both\n");
}

#[test]
fn diff_reports_the_common_prefix_and_the_first_differing_pair() {
    let a = common::sample();
    let mut b = a.clone();
    b.header.seed = 8;
    b.entries[5].chosen = 0;
    b.entries[5].decision = Decision::Run {
        p: PId(1),
        g: GId(0),
        source: RunSource::Local,
    };
    b.entries.truncate(7);
    b.outcome = Some("ok".into());
    let d = replay::diff(&a, &b);
    assert_eq!(d.common_prefix, 5);
    let (x, y) = d.divergence.clone().unwrap();
    assert_eq!(x.as_ref(), Some(&a.entries[5]));
    assert_eq!(y.as_ref(), Some(&b.entries[5]));
    assert_eq!(d.header, [("seed", "7".to_owned(), "8".to_owned())]);
    let text = d.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "header seed: A 7 | B 8");
    assert_eq!(lines[1], "common prefix: 5 decisions");
    assert_eq!(lines[2], "first divergence at entry 5 (step 5):");
    assert!(
        lines[3].starts_with("  A: step     5  p1  step g1 on p1 ")
            && lines[3].contains("option 1 of 3"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("  B: step     5  p1  run g0 on p1 (local) ")
            && lines[4].contains("option 0 of 3"),
        "{}",
        lines[4]
    );
    assert_eq!(
        lines[5],
        "outcome: A panic: lost update: counter = 1, expected 2 | B ok"
    );
}

#[test]
fn diff_says_which_trace_ended_first() {
    let a = common::sample();
    let mut b = a.clone();
    b.entries.truncate(8);
    let d = replay::diff(&a, &b);
    assert_eq!(d.common_prefix, 8);
    assert!(!d.same_decisions());
    let text = d.to_string();
    assert!(
        text.contains("first divergence at entry 8 (step 8):\n  A: step     8  p0  step g2 on p0"),
        "{text}"
    );
    assert!(text.contains("\n  B: (trace ends here)\n"), "{text}");
}
