//! # papers — results reproduced with our own code
//!
//! One folder per reproduced result, the policy lab (`lab` binary: workloads ×
//! policies on the discrete-event simulator of [`model::sim`]), and the
//! side-by-side benchmark harness against Go and tokio (`papers/bench/`).

pub mod bench;
pub mod lab;
pub mod real;
