//! The policy lab: a matrix of workloads × policies × P, run on an engine,
//! printed as a table and written as CSV and SVG plots.
//!
//! - [`cli`]: the command line and the [`Plan`](cli::Plan) it resolves to
//!   (every name checked before anything runs);
//! - [`engine`]: which engine runs the matrix (today the simulator of
//!   [`model::sim`]; the production runtime comes as `--engine real`);
//! - [`matrix`]: running the plan, with progress, into [`Row`](matrix::Row)s;
//! - [`table`], [`csv`], [`plot`]: the three views of the rows;
//! - [`out`]: the results folder.
//!
//! Speedup is `makespan(P = 1) / makespan(P)` for the same workload, policy,
//! seed and engine; P = 1 is run as a baseline even when not asked for.

pub mod cli;
pub mod csv;
pub mod engine;
pub mod error;
pub mod matrix;
pub mod out;
pub mod plot;
pub mod table;

pub use error::LabError;

use std::io::Write;

/// Runs the whole lab for `args`: the table on `stdout`, progress on
/// `stderr` (unless quiet), files in the results folder, whose path ends the
/// output.
pub fn run(args: cli::Args, stdout: &mut dyn Write) -> Result<(), LabError> {
    let plan = args.plan()?;
    let dir = out::results_dir(plan.out.as_deref())?;
    let rows = matrix::run(&plan, &mut matrix::Progress::stderr(plan.quiet))?;
    let io = |e| LabError::Io("<stdout>".into(), e);
    stdout
        .write_all(table::render(&rows).as_bytes())
        .map_err(io)?;
    let written = out::write_all(&dir, &rows)?;
    for path in &written {
        writeln!(stdout, "wrote {}", path.display()).map_err(io)?;
    }
    writeln!(stdout, "results: {}", dir.display()).map_err(io)
}
