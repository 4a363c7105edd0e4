//! `sched-replay`: read, compare and export sched trace files.
//!
//! Exit status: 0 on success (for `diff`: the traces have the same
//! decisions), 1 when `diff` finds a divergence, 2 on any error (the message
//! says what is wrong with which file and what to do).

use clap::{Parser, Subcommand};
use replay::{file, TraceFileError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Read, compare and export sched trace files (written by `verify::check`
/// under target/sched-failures/, or by the deterministic engine).
#[derive(Debug, Parser)]
#[command(
    name = "sched-replay",
    version,
    after_help = "Exit status: 0 on success (diff: same decisions), 1 when diff finds a \
                  divergence, 2 on an error (the message names the file, what is wrong \
                  and what to do)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The readable timeline: per goroutine, one line per decision with its
    /// step, P, op, object and source location.
    Show {
        /// A trace file.
        file: PathBuf,
    },
    /// Decisions per kind, goroutine and P; choice points and their branching.
    Stats {
        /// A trace file.
        file: PathBuf,
    },
    /// The first divergence of two traces: the common prefix length and the
    /// two entries where they part. Exits 1 when they differ.
    Diff {
        /// The first trace (e.g. the recorded failure).
        a: PathBuf,
        /// The second trace (e.g. a re-recording after a change).
        b: PathBuf,
    },
    /// Chrome trace-event JSON (open in ui.perfetto.dev): one track per P
    /// showing which goroutine ran when. Reads a trace (time axis: steps) or
    /// an event stream, a JSON array of timed events (time axis: real ns).
    Perfetto {
        /// A trace file, or an event stream (JSON array of timed events).
        file: PathBuf,
        /// Where to write the JSON (default: standard output).
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sched-replay: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let text = match cli.command {
        Command::Show { file } => replay::show(&load(&file)?),
        Command::Stats { file } => replay::stats(&load(&file)?).to_string(),
        Command::Diff { a, b } => {
            let d = replay::diff(&load(&a)?, &load(&b)?);
            print!("{d}");
            let code = if d.same_decisions() { 0 } else { 1 };
            return Ok(ExitCode::from(code));
        }
        Command::Perfetto { file, out } => {
            let json = export(&file)?;
            if let Some(out) = out {
                std::fs::write(&out, json)
                    .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
                eprintln!(
                    "wrote {} (open it in https://ui.perfetto.dev)",
                    out.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            json
        }
    };
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn load(path: &Path) -> Result<replay::Trace, String> {
    replay::load(path).map_err(|e| e.to_string())
}

fn export(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let with_path = |e: TraceFileError| e.at_path(path).to_string();
    if file::is_event_stream(&bytes) {
        let events = file::events_from_bytes(&bytes).map_err(with_path)?;
        Ok(replay::perfetto_string(&events))
    } else {
        let trace = file::from_bytes(&bytes).map_err(with_path)?;
        Ok(replay::perfetto_string(&trace))
    }
}
