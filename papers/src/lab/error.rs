//! Everything that stops the lab, each with what to do about it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A failed lab run.
#[derive(Debug)]
pub enum LabError {
    /// A bad command line: the text names the option and the valid values.
    Usage(String),
    /// One run of the matrix failed.
    Run {
        workload: String,
        policy: String,
        procs: usize,
        error: String,
    },
    /// Reading or writing a file or folder.
    Io(PathBuf, io::Error),
    /// Drawing a plot.
    Plot(PathBuf, String),
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Usage(what) => f.write_str(what),
            LabError::Run {
                workload,
                policy,
                procs,
                error,
            } => write!(f, "{workload} under {policy:?} at P = {procs}: {error}"),
            LabError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            LabError::Plot(path, e) => write!(f, "plotting {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for LabError {}
