//! Cancellation trees with deadlines (Go's `context` package, without
//! values): [`background`], [`with_cancel`], [`with_deadline`],
//! [`with_timeout`]; a [`Context`]'s [`done`](Context::done) channel closes
//! when it is cancelled and works in `select!`.
//!
//! Files: `handle` (the `Context` handle and constructors), `node` (the
//! tree: propagation and unlinking), `cancel` (`CancelFn`), `error`.

mod cancel;
mod error;
mod handle;
mod node;

pub use cancel::CancelFn;
pub use error::ContextError;
pub use handle::{background, with_cancel, with_deadline, with_timeout, Context};
