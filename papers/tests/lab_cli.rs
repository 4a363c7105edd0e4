//! The `lab` binary as a user runs it: errors that list valid names, a tiny
//! matrix that writes a parseable CSV and SVG plots, the results folder.

use model::policy::Policy;
use model::workloads;
use papers::lab::csv::COLUMNS;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn lab(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("lab runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lab-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fails_listing(args: &[&str], valid: &[&str]) {
    // Tests run in parallel: each call gets its own folder.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    let out = lab(args, &scratch(&format!("errors-{n}")));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for name in valid {
        assert!(err.contains(name), "{name} missing from: {err}");
    }
}

#[test]
fn an_unknown_workload_lists_the_valid_ones() {
    fails_listing(&["--workloads", "fib,nope"], &workloads::NAMES);
    fails_listing(&["--workloads", "nope"], &["\"nope\""]);
}

#[test]
fn an_unknown_policy_lists_the_presets_and_a_bad_knob_names_itself() {
    fails_listing(&["--policies", "go,gox"], &Policy::PRESETS);
    fails_listing(&["--policies", "go,steal=lots"], &["`steal`", "half, one"]);
}

#[test]
fn an_unknown_engine_lists_the_valid_ones() {
    fails_listing(&["--engine", "warp"], &["unknown engine", "sim", "real"]);
}

#[test]
fn the_real_engine_puts_measured_makespans_beside_simulated_ones() {
    let dir = scratch("real");
    let args = [
        "--engine",
        "real",
        "--workloads",
        "chain,fib",
        "--policies",
        "go",
        "--procs",
        "1,2",
        "--quiet",
    ];
    let out = lab(&args, &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("real makespan") && table.contains("real/sim"),
        "{table}"
    );
    let folder = table
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("results: ")
        .to_owned();
    let csv = std::fs::read_to_string(dir.join(folder).join("results.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "real_makespan_ns")
        .expect("real_makespan_ns column");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "2 workloads x 2 Ps");
    for row in rows {
        let ns: u64 = row[col].parse().expect("a measured makespan");
        assert!(ns > 0);
    }
}

#[test]
fn help_lists_workloads_policies_knobs_and_options() {
    let out = lab(&["--help"], &scratch("help"));
    let help = text(&out.stdout);
    assert!(out.status.success());
    for needle in workloads::NAMES.iter().chain(&Policy::PRESETS) {
        assert!(help.contains(needle), "{needle} missing from --help");
    }
    for option in [
        "--workloads",
        "--policies",
        "--procs",
        "--seed",
        "--out",
        "--engine",
        "steal=",
    ] {
        assert!(help.contains(option), "{option} missing from --help");
    }
}

/// Splits one CSV line (RFC 4180 quoting, no embedded line breaks).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn a_tiny_matrix_writes_a_parseable_csv_and_one_svg_per_workload() {
    let dir = scratch("tiny");
    let out_dir = dir.join("out");
    let out = lab(
        &[
            "--workloads",
            "chain,fib",
            "--policies",
            "go,fifo,go,steal=one",
            "--procs",
            "1,2",
            "--seed",
            "3",
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ],
        &dir,
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("steals ok/tried"), "{stdout}");
    assert!(stdout.contains(&format!("results: {}", out_dir.display())));

    let csv = std::fs::read_to_string(out_dir.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(fields(lines.next().unwrap()), COLUMNS);
    let rows: Vec<Vec<String>> = lines.map(fields).collect();
    assert_eq!(rows.len(), 2 * 3 * 2, "workloads × policies × procs");
    for row in &rows {
        assert_eq!(row.len(), COLUMNS.len(), "{row:?}");
        let makespan: u64 = row[4].parse().unwrap();
        let speedup: f64 = row[5].parse().unwrap();
        assert!(makespan > 0 && speedup > 0.0, "{row:?}");
        if row[2] == "1" {
            assert_eq!(row[5], "1.0000");
        }
    }
    let policies: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert!(policies.contains(&"go,steal=one"), "{policies:?}");

    for w in ["chain", "fib"] {
        let svg = std::fs::read_to_string(out_dir.join(format!("speedup-{w}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{w}");
        assert!(
            svg.contains("go,steal=one") && svg.contains("fifo"),
            "{w}: legend"
        );
    }
}

#[test]
fn without_out_each_run_gets_the_next_free_results_folder() {
    let dir = scratch("default-out");
    let args = [
        "--workloads",
        "chain",
        "--policies",
        "go",
        "--procs",
        "1",
        "-q",
    ];
    for n in ["001", "002"] {
        let out = lab(&args, &dir);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let folder = format!("results/lab-{n}");
        assert!(text(&out.stdout).contains(&format!("results: {folder}")));
        assert!(dir.join(folder).join("results.csv").is_file());
    }
}
