//! What a failing check leaves behind: the trace under
//! `target/sched-failures/<test>-<n>.json`, and a report with the failure,
//! the last decisions with their source locations, and the command that
//! replays the trace.

use crate::engine::FailureText;
use model::trace::Trace;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Decisions shown before the failure.
pub const LAST_DECISIONS: usize = 20;

/// The name of the running test: `name` if given, else the current
/// thread's name (libtest names each test's thread after its path, e.g.
/// `tests::lost_update`), else `verify-check`.
pub fn test_name(name: Option<&str>) -> String {
    if let Some(n) = name {
        return n.to_owned();
    }
    match std::thread::current().name() {
        Some(n) if n != "main" => n.to_owned(),
        _ => "verify-check".to_owned(),
    }
}

/// Where failure traces go: `<target dir>/sched-failures`.
pub fn failures_dir() -> PathBuf {
    target_dir().join("sched-failures")
}

/// The cargo target directory of the running test: `CARGO_TARGET_DIR` when
/// absolute; else the directory above the test executable's
/// `<profile>/deps/`; else the nearest ancestor of the current directory
/// holding a `Cargo.lock` (the workspace root), plus `target`.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        if dir.is_absolute() {
            return dir;
        }
    }
    if let Some(dir) = std::env::current_exe().ok().as_deref().and_then(from_exe) {
        return dir;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd.ancestors().find(|d| d.join("Cargo.lock").is_file());
    root.unwrap_or(&cwd).join("target")
}

/// `<target>/<profile>/deps/<test-binary>` → `<target>`.
fn from_exe(exe: &Path) -> Option<PathBuf> {
    let deps = exe.parent()?;
    (deps.file_name()? == "deps").then_some(())?;
    Some(deps.parent()?.parent()?.to_path_buf())
}

/// The file name of failure `n` of `test` (path separators and other
/// characters a shell would trip on become `_`).
pub fn trace_file_name(test: &str, n: u64) -> String {
    let safe: String = test
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '.' => c,
            _ => '_',
        })
        .collect();
    format!("{safe}-{n}.json")
}

/// The command that replays `file` in `test` (the package from cargo's
/// `CARGO_PKG_NAME`, set for every test it runs).
pub fn replay_command(file: &Path, test: &str) -> String {
    let pkg = std::env::var("CARGO_PKG_NAME")
        .map(|p| format!(" -p {p}"))
        .unwrap_or_default();
    format!(
        "SCHED_REPLAY={} cargo test{pkg} {test} -- --exact",
        file.display()
    )
}

/// One failing schedule, saved and described.
#[derive(Debug)]
pub struct FailureReport {
    pub test: String,
    /// Which schedule failed (0-based) and how many were planned.
    pub schedule: u64,
    pub of: u64,
    pub failure: FailureText,
    pub trace: Trace,
    /// Where the trace was written, or why it could not be.
    pub file: Result<PathBuf, String>,
    /// Whether one replay of the trace gave the same failure (`None`: not tried).
    pub reproduced: Option<Result<(), String>>,
}

impl FailureReport {
    /// Writes the trace (with the outcome filled in) and builds the report.
    pub fn save(
        test: &str,
        schedule: u64,
        of: u64,
        failure: FailureText,
        mut trace: Trace,
    ) -> Self {
        if trace.outcome.is_none() {
            trace.outcome = Some(format!("{}: {}", failure.kind, failure.message));
        }
        let path = failures_dir().join(trace_file_name(test, schedule));
        let file = replay::save(&trace, &path)
            .map(|()| path)
            .map_err(|e| e.to_string());
        FailureReport {
            test: test.to_owned(),
            schedule,
            of,
            failure,
            trace,
            file,
            reproduced: None,
        }
    }

    /// The full report: failure, last decisions, trace file, replay command.
    pub fn text(&self) -> String {
        let h = &self.trace.header;
        let mut s = format!(
            "verify::check: {} failed on schedule {} of {} ({}, seed {}, {} procs, policy {}):\n{}\n",
            self.test,
            self.schedule,
            self.of,
            h.strategy,
            h.seed,
            h.procs,
            h.policy.name,
            self.failure.message
        );
        s.push_str(&last_decisions(&self.trace));
        match &self.reproduced {
            Some(Ok(())) => s.push_str("\nreplayed once: the same failure at the same decisions\n"),
            Some(Err(what)) => {
                let _ = write!(
                    s,
                    "\nreplayed once: NOT reproduced ({what}); the body depends on something the \
                     engine does not control (OS threads, real time, I/O, state kept between runs), \
                     so the trace may not replay\n"
                );
            }
            None => {}
        }
        match &self.file {
            Ok(path) => {
                let _ = write!(
                    s,
                    "\ntrace: {}\nreplay: {}\ninspect: cargo run -p replay --bin sched-replay -- show {}\n",
                    path.display(),
                    replay_command(path, &self.test),
                    path.display()
                );
            }
            Err(e) => {
                let _ = write!(s, "\nthe trace could not be saved: {e}\n");
            }
        }
        s
    }
}

/// The last [`LAST_DECISIONS`] decisions of `trace`, one per line with
/// their source locations.
pub fn last_decisions(trace: &Trace) -> String {
    let n = trace.entries.len();
    let shown = n.min(LAST_DECISIONS);
    let mut s = format!("\nlast {shown} of {n} decisions:\n");
    for e in &trace.entries[n - shown..] {
        let _ = writeln!(s, "  {}", replay::show::line(e));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_name_is_the_thread_name_libtest_gives() {
        assert_eq!(
            test_name(None),
            "report::tests::the_test_name_is_the_thread_name_libtest_gives"
        );
        assert_eq!(test_name(Some("mine")), "mine");
        let unnamed = std::thread::spawn(|| test_name(None)).join().unwrap();
        assert_eq!(unnamed, "verify-check");
    }

    #[test]
    fn trace_files_get_shell_safe_names() {
        assert_eq!(
            trace_file_name("tests::lost update", 3),
            "tests__lost_update-3.json"
        );
    }

    #[test]
    fn the_target_dir_is_found_from_the_test_binary() {
        let exe = Path::new("/w/target/debug/deps/verify-0123");
        assert_eq!(from_exe(exe), Some(PathBuf::from("/w/target")));
        assert_eq!(from_exe(Path::new("/usr/bin/verify")), None);
        // This very test runs from a cargo target directory.
        let dir = target_dir();
        assert!(
            dir.join("debug").is_dir() || dir.join("release").is_dir(),
            "{}",
            dir.display()
        );
    }

    #[test]
    fn the_replay_command_names_the_file_package_and_test() {
        let cmd = replay_command(Path::new("/t/sched-failures/x-0.json"), "tests::x");
        assert_eq!(
            cmd,
            "SCHED_REPLAY=/t/sched-failures/x-0.json cargo test -p verify tests::x -- --exact"
        );
    }
}
