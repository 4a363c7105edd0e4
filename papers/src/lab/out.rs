//! The results folder and the files written into it.

use super::error::LabError;
use super::matrix::Row;
use super::{csv, plot};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Where results go when `--out` is not given: `results/lab-NNN`.
pub const DEFAULT_PARENT: &str = "results";

/// `out` (created if missing), else the first `results/lab-NNN` that does
/// not exist yet (created, so two concurrent labs never share one).
pub fn results_dir(out: Option<&Path>) -> Result<PathBuf, LabError> {
    if let Some(dir) = out {
        fs::create_dir_all(dir).map_err(|e| LabError::Io(dir.to_owned(), e))?;
        return Ok(dir.to_owned());
    }
    let parent = Path::new(DEFAULT_PARENT);
    fs::create_dir_all(parent).map_err(|e| LabError::Io(parent.to_owned(), e))?;
    for n in 1.. {
        let dir = parent.join(format!("lab-{n:03}"));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(LabError::Io(dir, e)),
        }
    }
    unreachable!("some lab-NNN is free")
}

/// Writes `results.csv` and one `speedup-<workload>.svg` per workload;
/// returns their paths.
pub fn write_all(dir: &Path, rows: &[Row]) -> Result<Vec<PathBuf>, LabError> {
    let csv_path = dir.join("results.csv");
    fs::write(&csv_path, csv::render(rows)).map_err(|e| LabError::Io(csv_path.clone(), e))?;
    let mut written = vec![csv_path];
    let mut workloads: Vec<&str> = rows.iter().map(|r| r.workload.as_str()).collect();
    workloads.dedup();
    for w in workloads {
        let path = dir.join(format!("speedup-{w}.svg"));
        let of_w: Vec<&Row> = rows.iter().filter(|r| r.workload == w).collect();
        plot::speedup_svg(&path, w, &of_w)?;
        written.push(path);
    }
    Ok(written)
}
