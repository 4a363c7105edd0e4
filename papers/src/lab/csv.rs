//! The matrix as CSV (RFC 4180: fields with a comma or quote are quoted),
//! one line per run, every counter of the report.

use super::matrix::Row;

/// The header line's fields, in column order.
pub const COLUMNS: [&str; 30] = [
    "workload",
    "policy",
    "procs",
    "seed",
    "makespan_ns",
    "speedup",
    "work_ns",
    "overhead_ns",
    "goroutines",
    "peak_live",
    "steal_attempts",
    "steals",
    "stolen",
    "global_takes",
    "overflowed",
    "context_switches",
    "preemptions",
    "wakeups",
    "handoffs",
    "join_promotions",
    "latency_p50_ns",
    "latency_p90_ns",
    "latency_p99_ns",
    "latency_max_ns",
    "util_mean",
    "util_min",
    "events",
    "real_makespan_ns",
    "real_steals",
    "real_preemptions",
];

/// Header plus one line per row.
pub fn render(rows: &[Row]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&fields(row).join(","));
        out.push('\n');
    }
    out
}

fn fields(row: &Row) -> Vec<String> {
    let r = &row.report;
    let util_min = r.utilisation().into_iter().fold(f64::INFINITY, f64::min);
    let mut f = vec![
        quote(&row.workload),
        quote(&r.policy),
        r.procs.to_string(),
        r.seed.to_string(),
        r.makespan_ns.to_string(),
        format!("{:.4}", row.speedup),
    ];
    let counts = [
        r.work_ns,
        r.overhead_ns,
        r.goroutines as u64,
        r.peak_live as u64,
        r.steal_attempts,
        r.steals,
        r.stolen,
        r.global_takes,
        r.overflowed,
        r.context_switches,
        r.preemptions,
        r.wakeups,
        r.handoffs,
        r.join_promotions,
        r.latency.p50,
        r.latency.p90,
        r.latency.p99,
        r.latency.max,
    ];
    f.extend(counts.iter().map(u64::to_string));
    f.push(format!("{:.4}", r.mean_utilisation()));
    f.push(format!("{util_min:.4}"));
    f.push(r.events.to_string());
    match &row.real {
        Some(m) => {
            let t = m.stats.total();
            f.push((m.makespan.as_nanos() as u64).to_string());
            f.push(t.steal_hits.to_string());
            f.push(t.preemptions.to_string());
        }
        None => f.extend([String::new(), String::new(), String::new()]),
    }
    f
}

/// A field, quoted when it holds a comma, quote or line break.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_with_knobs_are_quoted() {
        assert_eq!(quote("go"), "go");
        assert_eq!(quote("go,steal=one"), "\"go,steal=one\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
