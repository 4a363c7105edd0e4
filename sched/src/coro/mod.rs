//! # Coroutines: running a goroutine on its own stack
//!
//! A thin safe wrapper over `corosensei` (0.3): [`Coro`] owns a
//! [`crate::stack::Stack`] and a closure; [`Coro::resume`] switches onto the
//! stack and runs until the closure calls `suspend` or returns. This is
//! the only context-switch code in the runtime — like shuttle, whose whole
//! stack-switching layer is one file on `corosensei`
//! (`shuttle/src/runtime/thread/continuation.rs`).
//!
//! Decisions, each following corosensei's documentation of `Coroutine`:
//!
//! - **Panics** are caught *inside* the coroutine, at its root, with
//!   `catch_unwind`, and come back as [`CoroState::Finished`]`(Err(payload))`;
//!   no unwind crosses the switch (corosensei would otherwise re-raise the
//!   panic in the resumer).
//! - **Migration** between OS threads: corosensei's `Coroutine` is `!Send`
//!   because it cannot know what lives on the stack. `Coro` is `Send`
//!   because its closure is `Send` and it is resumed by one thread at a
//!   time (`&mut self`); what the goroutine holds across a `suspend` is, by
//!   the runtime's contract, `Send` too — except thread-locals: code that
//!   keeps a reference into a `thread_local!` across a blocking primitive is
//!   wrong on this runtime, as on every M:N runtime (DESIGN.md,
//!   "Thread-locals"). The runtime's own TLS reads go through
//!   `#[inline(never)]` accessors so no TLS address is cached across a
//!   switch (llvm/llvm-project#98479).
//! - **Dropping an unfinished `Coro`** force-unwinds its stack on the
//!   dropping thread (corosensei's `force_unwind`: `suspend` panics with a
//!   private payload until the root is reached), so every destructor on the
//!   goroutine's stack runs and nothing leaks; the root's `catch_unwind`
//!   absorbs the payload. A destructor that calls `suspend` during that
//!   unwind panics while panicking, which aborts. [`Coro::into_stack`] does
//!   the same for an unfinished coroutine before handing the stack back.
//! - **Canary stacks** (`stack/mod.rs`) are checked on every switch-out,
//!   inside `resume`, so the scheduler cannot forget to.

mod handle;
mod suspend;

#[cfg(test)]
mod tests;

pub(crate) use handle::StableOwner;
pub use handle::{Coro, CoroState};
pub use suspend::{in_coroutine, suspend};
