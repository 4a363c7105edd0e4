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

/// Extra columns when the production runtime ran too (`--engine real`).
const REAL_HEADER: [&str; 3] = ["real makespan", "real/sim", "real steals"];

/// The rows as text: columns padded to their widest cell, numbers
/// right-aligned, a blank line between workloads.
pub fn render(rows: &[Row]) -> String {
    let real = rows.iter().any(|r| r.real.is_some());
    let cells: Vec<Vec<String>> = rows.iter().map(|r| cells(r, real)).collect();
    let mut header: Vec<String> = HEADER.map(String::from).to_vec();
    if real {
        header.extend(REAL_HEADER.map(String::from));
    }
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = line(&header, &width);
    for (i, row) in cells.iter().enumerate() {
        if i > 0 && rows[i].workload != rows[i - 1].workload {
            out.push('\n');
        }
        out.push_str(&line(row, &width));
    }
    out
}

fn cells(row: &Row, real: bool) -> Vec<String> {
    let r = &row.report;
    let mut cells = vec![
        row.workload.clone(),
        r.policy.clone(),
        r.procs.to_string(),
        duration(r.makespan_ns),
        format!("{:.2}", row.speedup),
        format!("{}/{}", r.steals, r.steal_attempts),
        duration(r.latency.p99),
        format!("{:.0}%", 100.0 * r.mean_utilisation()),
        r.peak_live.to_string(),
    ];
    if real {
        match &row.real {
            Some(m) => {
                let ns = m.makespan.as_nanos() as u64;
                let total = m.stats.total();
                cells.push(duration(ns));
                cells.push(format!("{:.2}", ns as f64 / r.makespan_ns.max(1) as f64));
                cells.push(format!("{}/{}", total.steal_hits, total.steal_attempts));
            }
            None => cells.extend(["-", "-", "-"].map(String::from)),
        }
    }
    cells
}

fn line(cells: &[String], width: &[usize]) -> String {
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
