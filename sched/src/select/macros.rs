//! The `select!` macro (syntax after crossbeam-channel's `select!`).

/// Waits on several channel operations and runs the arm of the one that
/// completes (Go's `select` statement).
///
/// ```
/// use std::time::Duration;
/// let (tx, rx) = sched::chan::<u32>(1);
/// let (done_tx, done_rx) = sched::chan::<()>(0);
/// tx.send(1).unwrap();
/// sched::select! {
///     recv(rx) -> v => assert_eq!(v, Ok(1)),
///     recv(done_rx) -> _ => unreachable!(),
///     send(done_tx, ()) -> _ => unreachable!(), // nobody receives
/// }
/// sched::select! {
///     recv(rx) -> _ => unreachable!(),
///     default(Duration::from_millis(1)) => {} // the timeout arm
/// }
/// ```
///
/// Arms, in any number and order:
///
/// - `recv(rx) -> res => body`: `res` (a pattern) is `Result<T, RecvError>`;
///   a closed channel is always ready and yields `Err(RecvError)`.
/// - `send(tx, value) -> res => body`: `res` is `Result<(), SendError<T>>`;
///   a closed channel is always ready and gives the value back. `value` is
///   evaluated when the select starts, whether or not the arm wins.
/// - `default => body`: runs when no other arm is ready now.
/// - `default(timeout) => body`: runs when no arm became ready within
///   `timeout` (a `Duration`). `recv(sched::time::after(d)) -> _` works too.
///
/// At most one `default` arm. Bodies are expressions followed by `,` or
/// blocks; `break`, `continue` and `return` act on the enclosing code.
/// Channel expressions are evaluated once, in order, before anything else;
/// temporaries such as `recv(ctx.done())` live for the whole select.
/// When several arms are ready one is chosen uniformly at random; with no
/// arm and no default the select blocks forever, as Go's `select {}`.
#[macro_export]
macro_rules! select {
    // Parse one arm header, then its body.
    (@parse $acc:tt $def:tt recv($rx:expr) -> $p:pat => $($rest:tt)*) => {
        $crate::select!(@body $acc $def [recv ($rx) $p] $($rest)*)
    };
    (@parse $acc:tt $def:tt send($tx:expr, $v:expr) -> $p:pat => $($rest:tt)*) => {
        $crate::select!(@body $acc $def [send ($tx) ($v) $p] $($rest)*)
    };
    (@parse $acc:tt [] default => $($rest:tt)*) => {
        $crate::select!(@body $acc [] [default] $($rest)*)
    };
    (@parse $acc:tt [] default($d:expr) => $($rest:tt)*) => {
        $crate::select!(@body $acc [] [timeout ($d)] $($rest)*)
    };
    (@parse $acc:tt $def:tt) => {
        $crate::select!(@emit $acc $def)
    };
    (@parse $acc:tt $def:tt $($rest:tt)+) => {
        ::core::compile_error!(concat!(
            "select!: expected `recv(rx) -> res => body`, `send(tx, v) -> res => body`, ",
            "`default => body` or `default(timeout) => body` (at most one default), found: ",
            stringify!($($rest)+)
        ))
    };

    // A body: a block (comma optional) or an expression (comma unless last).
    (@body $acc:tt $def:tt $head:tt $body:block, $($rest:tt)*) => {
        $crate::select!(@add $acc $def $head $body; $($rest)*)
    };
    (@body $acc:tt $def:tt $head:tt $body:block $($rest:tt)*) => {
        $crate::select!(@add $acc $def $head $body; $($rest)*)
    };
    (@body $acc:tt $def:tt $head:tt $body:expr, $($rest:tt)*) => {
        $crate::select!(@add $acc $def $head $body; $($rest)*)
    };
    (@body $acc:tt $def:tt $head:tt $body:expr) => {
        $crate::select!(@add $acc $def $head $body;)
    };

    // Accumulate the arm. `__arm` and `__src` are fresh per expansion
    // (hygiene), so every arm gets its own variables.
    (@add [$($acc:tt)*] $def:tt [recv ($rx:expr) $p:pat] $body:tt; $($rest:tt)*) => {
        $crate::select!(@parse
            [$($acc)* (__arm __src ($rx) ($crate::select::RecvArm::new(__src)) ($p) $body)]
            $def $($rest)*)
    };
    (@add [$($acc:tt)*] $def:tt [send ($tx:expr) ($v:expr) $p:pat] $body:tt; $($rest:tt)*) => {
        $crate::select!(@parse
            [$($acc)* (__arm __src ($tx) ($crate::select::SendArm::new(__src, $v)) ($p) $body)]
            $def $($rest)*)
    };
    (@add $acc:tt [] [default] $body:tt; $($rest:tt)*) => {
        $crate::select!(@parse $acc [default $body] $($rest)*)
    };
    (@add $acc:tt [] [timeout ($d:expr)] $body:tt; $($rest:tt)*) => {
        $crate::select!(@parse $acc [timeout ($d) $body] $($rest)*)
    };

    // Emit: bind the channels (temporaries extended), build the arms, run,
    // then the winner's body.
    (@emit [$(($arm:ident $src:ident ($ch:expr) ($make:expr) ($p:pat) $body:tt))*] [$($def:tt)*]) => {{
        $( let $src = &$ch; let mut $arm = $make; )*
        let _ = $crate::select::run(
            &mut [$(&mut $arm as &mut dyn $crate::select::Arm),*],
            $crate::select!(@mode $($def)*),
        );
        $( if $arm.won() { let $p = $arm.take(); $body } else )* {
            $crate::select!(@fallback $($def)*)
        }
    }};
    (@mode) => { $crate::select::Mode::Block };
    (@mode default $body:tt) => { $crate::select::Mode::Default };
    (@mode timeout ($d:expr) $body:tt) => { $crate::select::Mode::Timeout($d) };
    (@fallback) => { ::core::unreachable!("select: a blocking select returned without a winner") };
    (@fallback default $body:tt) => { $body };
    (@fallback timeout ($d:expr) $body:tt) => { $body };

    // Entry.
    ($($tokens:tt)*) => {
        $crate::select!(@parse [] [] $($tokens)*)
    };
}
