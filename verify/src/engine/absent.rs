//! This build has no deterministic engine (`sched::det` not merged yet, or
//! the `sched_det` cfg not set): `verify::check` runs the production engine
//! only and says so once.

/// No deterministic engine in this build.
pub fn deterministic() -> Option<&'static dyn super::DetEngine> {
    None
}
