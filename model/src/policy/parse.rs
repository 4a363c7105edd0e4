//! `Policy::parse`: a preset followed by knob overrides, for command lines.
//!
//! `go,steal=one,runnext=off,queue=chase_lev,quantum=1ms` — every key is one
//! knob; an unknown key or value is an error that lists the valid ones.

use super::{
    bad, GlobalCheck, LocalQueueKind, Policy, PolicyError, RunNextSlot, StealAmount, StealRunnext,
    VictimOrder, YieldTarget,
};

/// The keys `Policy::parse` accepts, with their values.
pub const KNOBS: &str = "steal=half|one|<k>, runnext=go|tokio|off, runnext_steal=never|last|always, join=runnext|off, joinwake=tail|runnext, \
     queue=ring|chase_lev, capacity=<power of two>, rounds=<n>, victims=coprime|random_start|sequential, \
     global=<n>|never, quantum=<n>ns|us|ms, yield=global|local";

impl Policy {
    /// Parses `preset[,knob=value]*` and validates the result.
    pub fn parse(spec: &str) -> Result<Policy, PolicyError> {
        let mut parts = spec.split(',').map(str::trim);
        let mut policy = Policy::preset(parts.next().unwrap_or_default())?;
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad("knob", part, KNOBS))?;
            policy.set(key, value)?;
        }
        policy.name = spec.to_owned();
        policy.validated()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), PolicyError> {
        match key {
            "steal" => self.steal = parse_steal(value)?,
            "runnext" => *self = self.clone().with_runnext(parse_slot(value)?),
            "runnext_steal" => {
                let steal = parse_slot_steal(value)?;
                let slot = self
                    .runnext
                    .as_mut()
                    .ok_or_else(|| bad(key, value, "a policy with a runnext slot"))?;
                slot.steal = steal;
            }
            "join" => {
                self.join_to_runnext = match value {
                    "runnext" | "on" => true,
                    "off" => false,
                    _ => return Err(bad(key, value, "runnext, off")),
                }
            }
            "joinwake" => {
                self.join_wake_tail = match value {
                    "tail" => true,
                    "runnext" => false,
                    _ => return Err(bad(key, value, "tail, runnext")),
                }
            }
            "queue" => self.local_queue = parse_queue(value, self.local_queue)?,
            "capacity" => {
                let capacity = parse_num(key, value, "a power of two in 2..=65536")?;
                self.local_queue = LocalQueueKind::GoRing { capacity };
            }
            "rounds" => self.steal_rounds = parse_num(key, value, "1..=64")?,
            "victims" => self.victim_order = parse_victims(value)?,
            "global" => self.global_check = parse_global(value)?,
            "quantum" => self.quantum_ns = parse_duration_ns(value)?,
            "yield" => self.yield_to = parse_yield(value)?,
            _ => return Err(bad("knob", key, KNOBS)),
        }
        Ok(())
    }
}

fn parse_num(key: &str, value: &str, allowed: &str) -> Result<u32, PolicyError> {
    value.parse().map_err(|_| bad(key, value, allowed))
}

fn parse_steal(v: &str) -> Result<StealAmount, PolicyError> {
    match v {
        "half" => Ok(StealAmount::Half),
        "one" => Ok(StealAmount::One),
        k => parse_num("steal", k, "half, one, or a count ≥ 1").map(StealAmount::Fixed),
    }
}

fn parse_slot(v: &str) -> Result<Option<RunNextSlot>, PolicyError> {
    match v {
        "go" => Ok(Policy::go().runnext),
        "tokio" => Ok(Policy::tokio_like().runnext),
        "off" | "none" | "fifo" => Ok(None),
        _ => Err(bad("runnext", v, "go, tokio, off")),
    }
}

fn parse_slot_steal(v: &str) -> Result<StealRunnext, PolicyError> {
    match v {
        "never" => Ok(StealRunnext::Never),
        "last" => Ok(StealRunnext::LastRound),
        "always" => Ok(StealRunnext::Always),
        _ => Err(bad("runnext_steal", v, "never, last, always")),
    }
}

fn parse_queue(v: &str, current: LocalQueueKind) -> Result<LocalQueueKind, PolicyError> {
    match (v, current) {
        ("ring", LocalQueueKind::GoRing { .. }) => Ok(current),
        ("ring", LocalQueueKind::ChaseLev) => Ok(LocalQueueKind::GoRing {
            capacity: super::GO_LOCAL_CAPACITY,
        }),
        ("chase_lev", _) => Ok(LocalQueueKind::ChaseLev),
        _ => Err(bad("queue", v, "ring, chase_lev")),
    }
}

fn parse_victims(v: &str) -> Result<VictimOrder, PolicyError> {
    match v {
        "coprime" => Ok(VictimOrder::RandomCoprime),
        "random_start" => Ok(VictimOrder::RandomStart),
        "sequential" => Ok(VictimOrder::Sequential),
        _ => Err(bad("victims", v, "coprime, random_start, sequential")),
    }
}

fn parse_global(v: &str) -> Result<GlobalCheck, PolicyError> {
    match v {
        "never" => Ok(GlobalCheck::Never),
        n => parse_num("global", n, "a count ≥ 1, or never").map(GlobalCheck::Every),
    }
}

fn parse_yield(v: &str) -> Result<YieldTarget, PolicyError> {
    match v {
        "global" => Ok(YieldTarget::Global),
        "local" => Ok(YieldTarget::LocalTail),
        _ => Err(bad("yield", v, "global, local")),
    }
}

/// `250us`, `10ms`, `1000000ns`, `2s`.
pub fn parse_duration_ns(v: &str) -> Result<u64, PolicyError> {
    let allowed = "a duration such as 500us, 10ms, 1s";
    let split = v
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| bad("quantum", v, allowed))?;
    let (num, unit) = v.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad("quantum", v, allowed))?;
    let scale = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        _ => return Err(bad("quantum", v, allowed)),
    };
    n.checked_mul(scale)
        .ok_or_else(|| bad("quantum", v, allowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_with_overrides() {
        let p = Policy::parse("go,steal=one,runnext=off,quantum=250us,global=never").unwrap();
        assert_eq!(p.steal, StealAmount::One);
        assert_eq!(p.runnext, None);
        assert!(!p.spawn_to_runnext);
        assert_eq!(p.quantum_ns, 250_000);
        assert_eq!(p.global_check, GlobalCheck::Never);
        assert_eq!(
            p.name,
            "go,steal=one,runnext=off,quantum=250us,global=never"
        );
    }

    #[test]
    fn errors_name_the_knob() {
        let e = Policy::parse("go,stael=one").unwrap_err();
        assert_eq!(e.knob, "knob");
        assert!(e.allowed.contains("steal=half"), "{e}");
        assert_eq!(
            Policy::parse("go,capacity=100").unwrap_err().knob,
            "local_queue.capacity"
        );
        assert_eq!(
            Policy::parse("go,quantum=10parsecs").unwrap_err().knob,
            "quantum"
        );
        assert_eq!(
            Policy::parse("fifo,runnext_steal=always").unwrap_err().knob,
            "runnext_steal"
        );
        assert_eq!(Policy::parse("nope").unwrap_err().knob, "preset");
    }
}
