//! Identifiers of the three entities of the G-P-M design.
//!
//! `GId` names a goroutine, `PId` a processor (one of `GOMAXPROCS` run-queue
//! owners), `MId` a machine (an OS thread in production, a logical thread in
//! the deterministic engine). They are plain indices so that both engines and
//! traces print the same numbers (`g7`, `p1`, `m3`).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into per-entity tables.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }

        impl From<usize> for $name {
            fn from(i: usize) -> Self {
                $name(u32::try_from(i).expect(concat!(stringify!($name), " overflows u32")))
            }
        }
    };
}

id!(
    /// A goroutine. `GId(0)` is the main goroutine of a run.
    GId, "g"
);
id!(
    /// A processor: owner of a local run queue, `runnext` slot and schedtick.
    PId, "p"
);
id!(
    /// A machine: a thread that runs the schedule loop while it holds a P.
    MId, "m"
);

/// The id of a synchronisation object (channel, mutex, atomic, timer, …) as
/// seen by the checkers and in traces.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjId(pub u64);

impl fmt::Debug for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "obj{}", self.0)
    }
}

impl fmt::Display for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_with_their_entity_prefix() {
        assert_eq!(
            format!("{} {} {} {}", GId(7), PId(1), MId(3), ObjId(9)),
            "g7 p1 m3 obj9"
        );
    }
}
