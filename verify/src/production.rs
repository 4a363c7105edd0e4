//! One run of the body on the production engine (real threads, real
//! preemption): what the deterministic runs cannot show — the code as it
//! will run — with no trace to replay.

use crate::config::Config;
use crate::engine::Body;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body` as the main goroutine of a runtime with `config`'s procs and
/// policy; `Err` carries the panic message.
///
/// # Panics
/// When the runtime refuses `config`'s settings (the message says which).
pub fn run(config: &Config, body: &Body) -> Result<(), String> {
    let runtime = sched::Runtime::builder()
        .procs(config.procs as usize)
        .policy(config.policy.clone())
        .build()
        .unwrap_or_else(|e| {
            panic!("verify::check: the production runtime refused the settings: {e}")
        });
    let body = body.clone();
    catch_unwind(AssertUnwindSafe(|| runtime.block_on(move || body()))).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
    })
}
