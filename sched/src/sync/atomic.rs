//! Visible atomics: std's atomic types and API, where every operation is
//! first a visible op of the engine carrying its kind (load, store, rmw)
//! and its memory ordering — so the deterministic engine can switch
//! goroutines there and build happens-before edges from the orderings
//! (a missing Acquire/Release shows up as a race on a `RaceCell`).
//!
//! In production each operation is the std operation plus a preemption
//! check. A compare-exchange carries its success ordering. `new` is
//! `const`: the object id is assigned on first use.

use super::object::LazyId;
use crate::engine::{self, Op};
use model::event::{Access, Ordering as ModelOrdering};
use model::OpKind;
use std::fmt;
use std::panic::Location;
use std::sync::atomic as std_atomic;

pub use std::sync::atomic::Ordering;

/// The model's name for a std ordering.
fn model_ordering(o: Ordering) -> ModelOrdering {
    match o {
        Ordering::Relaxed => ModelOrdering::Relaxed,
        Ordering::Acquire => ModelOrdering::Acquire,
        Ordering::Release => ModelOrdering::Release,
        Ordering::AcqRel => ModelOrdering::AcqRel,
        _ => ModelOrdering::SeqCst,
    }
}

/// Announces one atomic operation to the engine.
#[track_caller]
fn visible(id: &LazyId, kind: OpKind, access: Access, o: Ordering) {
    let op = Op::new(kind, id.get(), access, Location::caller()).ordered(model_ordering(o));
    engine::visible(&op);
}

/// The operations every atomic has (load, store, swap, compare-exchange).
macro_rules! atomic_common {
    ($name:ident, $std:ty, $t:ty) => {
        impl $name {
            /// Loads the value.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                visible(&self.id, OpKind::Load, Access::Read, order);
                self.v.load(order)
            }

            /// Stores a value.
            #[track_caller]
            pub fn store(&self, val: $t, order: Ordering) {
                visible(&self.id, OpKind::Store, Access::Write, order);
                self.v.store(val, order)
            }

            /// Stores a value, returning the previous one.
            #[track_caller]
            pub fn swap(&self, val: $t, order: Ordering) -> $t {
                visible(&self.id, OpKind::Rmw, Access::ReadWrite, order);
                self.v.swap(val, order)
            }

            /// Stores `new` if the value is `current`.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                visible(&self.id, OpKind::Rmw, Access::ReadWrite, success);
                self.v.compare_exchange(current, new, success, failure)
            }

            /// As `compare_exchange`, but may fail spuriously.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                visible(&self.id, OpKind::Rmw, Access::ReadWrite, success);
                self.v.compare_exchange_weak(current, new, success, failure)
            }

            /// The value (no synchronisation needed: `&mut self`).
            pub fn get_mut(&mut self) -> &mut $t {
                self.v.get_mut()
            }

            /// Consumes the atomic, returning the value.
            pub fn into_inner(self) -> $t {
                self.v.into_inner()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.v, f)
            }
        }
    };
}

/// Read-modify-write operations named after std's, each one visible op.
macro_rules! atomic_rmw {
    ($name:ident, $t:ty; $($op:ident),+) => {
        impl $name {
            $(
                #[doc = concat!("std's `", stringify!($op), "`, as one visible op.")]
                #[track_caller]
                pub fn $op(&self, val: $t, order: Ordering) -> $t {
                    visible(&self.id, OpKind::Rmw, Access::ReadWrite, order);
                    self.v.$op(val, order)
                }
            )+
        }
    };
}

macro_rules! atomic_int {
    ($(#[$doc:meta] $name:ident($std:ident, $t:ty)),+ $(,)?) => {$(
        #[$doc]
        #[derive(Default)]
        pub struct $name {
            id: LazyId,
            v: std_atomic::$std,
        }

        impl $name {
            /// A new atomic (`const`, usable in statics).
            pub const fn new(v: $t) -> Self {
                $name { id: LazyId::new(), v: std_atomic::$std::new(v) }
            }

            /// std's `fetch_update`: each attempt is one visible op.
            #[track_caller]
            pub fn fetch_update<F>(&self, set: Ordering, fetch: Ordering, mut f: F) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                let mut prev = self.load(fetch);
                while let Some(next) = f(prev) {
                    match self.compare_exchange_weak(prev, next, set, fetch) {
                        Ok(x) => return Ok(x),
                        Err(x) => prev = x,
                    }
                }
                Err(prev)
            }
        }

        atomic_common!($name, std_atomic::$std, $t);
        atomic_rmw!($name, $t; fetch_add, fetch_sub, fetch_and, fetch_nand, fetch_or, fetch_xor, fetch_max, fetch_min);
    )+};
}

atomic_int! {
    /// A visible `AtomicUsize`.
    AtomicUsize(AtomicUsize, usize),
    /// A visible `AtomicIsize`.
    AtomicIsize(AtomicIsize, isize),
    /// A visible `AtomicU32`.
    AtomicU32(AtomicU32, u32),
    /// A visible `AtomicI32`.
    AtomicI32(AtomicI32, i32),
    /// A visible `AtomicU64`.
    AtomicU64(AtomicU64, u64),
    /// A visible `AtomicI64`.
    AtomicI64(AtomicI64, i64),
}

/// A visible `AtomicBool`.
#[derive(Default)]
pub struct AtomicBool {
    id: LazyId,
    v: std_atomic::AtomicBool,
}

impl AtomicBool {
    /// A new atomic (`const`, usable in statics).
    pub const fn new(v: bool) -> Self {
        AtomicBool {
            id: LazyId::new(),
            v: std_atomic::AtomicBool::new(v),
        }
    }
}

atomic_common!(AtomicBool, std_atomic::AtomicBool, bool);
atomic_rmw!(AtomicBool, bool; fetch_and, fetch_nand, fetch_or, fetch_xor);

/// A visible `AtomicPtr<T>`.
pub struct AtomicPtr<T> {
    id: LazyId,
    v: std_atomic::AtomicPtr<T>,
}

impl<T> AtomicPtr<T> {
    /// A new atomic (`const`, usable in statics).
    pub const fn new(p: *mut T) -> Self {
        AtomicPtr {
            id: LazyId::new(),
            v: std_atomic::AtomicPtr::new(p),
        }
    }

    /// Loads the pointer.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        visible(&self.id, OpKind::Load, Access::Read, order);
        self.v.load(order)
    }

    /// Stores a pointer.
    #[track_caller]
    pub fn store(&self, p: *mut T, order: Ordering) {
        visible(&self.id, OpKind::Store, Access::Write, order);
        self.v.store(p, order)
    }

    /// Stores a pointer, returning the previous one.
    #[track_caller]
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        visible(&self.id, OpKind::Rmw, Access::ReadWrite, order);
        self.v.swap(p, order)
    }

    /// Stores `new` if the pointer is `current`.
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        visible(&self.id, OpKind::Rmw, Access::ReadWrite, success);
        self.v.compare_exchange(current, new, success, failure)
    }

    /// Consumes the atomic, returning the pointer.
    pub fn into_inner(self) -> *mut T {
        self.v.into_inner()
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> Self {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.v, f)
    }
}
