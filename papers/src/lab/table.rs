//! The matrix as an aligned text table, one row per run.

use super::matrix::Row;

const HEADER: [&str; 9] = [
    "workload",
    "policy",
    "P",
    "makespan",
    "speedup",
    "steals ok/tried",
    "p99 latency",
    "util",
    "peak Gs",
];

/// The rows as text: columns padded to their widest cell, numbers
/// right-aligned, a blank line between workloads.
pub fn render(rows: &[Row]) -> String {
    let cells: Vec<[String; 9]> = rows.iter().map(cells).collect();
    let mut width = HEADER.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = line(&HEADER.map(String::from), &width);
    for (i, row) in cells.iter().enumerate() {
        if i > 0 && rows[i].workload != rows[i - 1].workload {
            out.push('\n');
        }
        out.push_str(&line(row, &width));
    }
    out
}

fn cells(row: &Row) -> [String; 9] {
    let r = &row.report;
    [
        row.workload.clone(),
        r.policy.clone(),
        r.procs.to_string(),
        duration(r.makespan_ns),
        format!("{:.2}", row.speedup),
        format!("{}/{}", r.steals, r.steal_attempts),
        duration(r.latency.p99),
        format!("{:.0}%", 100.0 * r.mean_utilisation()),
        r.peak_live.to_string(),
    ]
}

fn line(cells: &[String; 9], width: &[usize; 9]) -> String {
    let mut s = String::new();
    for (i, (c, w)) in cells.iter().zip(width).enumerate() {
        let pad = w - c.chars().count();
        if i < 2 {
            s.push_str(c);
            s.push_str(&" ".repeat(pad));
        } else {
            s.push_str(&" ".repeat(pad));
            s.push_str(c);
        }
        s.push_str(if i + 1 < cells.len() { "  " } else { "\n" });
    }
    s
}

/// `ns` in the largest unit that keeps it ≥ 1: `850ns`, `12.3µs`, `4.560ms`,
/// `1.200s` (µs resolution from 1 ms up, so policies a fraction of a percent
/// apart still read apart).
pub fn duration(ns: u64) -> String {
    let f = ns as f64;
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{:.1}µs", f / 1e3),
        1_000_000..=999_999_999 => format!("{:.3}ms", f / 1e6),
        _ => format!("{:.3}s", f / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(
            [850, 12_340, 4_560_000, 1_200_000_000].map(duration),
            ["850ns", "12.3µs", "4.560ms", "1.200s"]
        );
    }
}
