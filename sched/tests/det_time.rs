//! Virtual time: sleeping is instant, the clock moves by exactly the sleep,
//! and a timer firing before a runnable goroutine continues is reachable.

use model::chooser::RandomChooser;
use model::event::Ordering;
use sched::det::probe::ProbeAtomic;
use sched::det::{self, Config, Failure};
use sched::time::Instant;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn an_hour_of_sleep_is_instant_and_moves_the_clock_by_an_hour() {
    let wall = std::time::Instant::now();
    let out = det::run(&Config::new(), &mut RandomChooser::new(0), || {
        let t0 = Instant::now();
        sched::time::sleep(Duration::from_secs(3600));
        Instant::now() - t0
    });
    assert_eq!(out.result.unwrap(), Duration::from_secs(3600));
    assert!(
        wall.elapsed() < Duration::from_secs(1),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn sleeps_wake_in_deadline_order_on_the_virtual_clock() {
    for seed in 0..50 {
        let out = det::run(
            &Config::new().seed(seed),
            &mut RandomChooser::new(seed),
            || {
                let hs: Vec<_> = [30u64, 10, 20]
                    .into_iter()
                    .map(|s| {
                        sched::go(move || {
                            sched::time::sleep(Duration::from_secs(s));
                            Instant::now().as_nanos() / 1_000_000_000
                        })
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().unwrap())
                    .collect::<Vec<_>>()
            },
        );
        let woke = out.result.unwrap();
        // Each wakes at its deadline, or later when another timer fired
        // first and moved the clock (a timer may fire early, never late
        // relative to its own deadline).
        for (w, s) in woke.iter().zip([30, 10, 20]) {
            assert!(*w >= s, "seed {seed}: slept {s}s, woke at {w}s");
        }
    }
}

/// Fails only if main's timer fires before the runnable child sets the flag.
fn timer_race() {
    let flag = Arc::new(ProbeAtomic::new(0));
    let f = flag.clone();
    let h = sched::go(move || f.store(1, Ordering::SeqCst));
    sched::time::sleep(Duration::from_millis(10));
    assert_eq!(flag.load(Ordering::SeqCst), 1, "the timer fired first");
    h.join().unwrap();
}

#[test]
fn a_timer_firing_early_is_reachable() {
    let outcomes: Vec<bool> = (0..300)
        .map(|seed| {
            let out = det::run(
                &Config::new().seed(seed),
                &mut RandomChooser::new(seed),
                timer_race,
            );
            match out.result {
                Ok(()) => true,
                Err(Failure::Panic { message, .. }) => {
                    assert!(message.contains("the timer fired first"));
                    false
                }
                Err(other) => panic!("seed {seed}: {other}"),
            }
        })
        .collect();
    assert!(
        outcomes.contains(&false),
        "no schedule fired the timer early"
    );
    assert!(
        outcomes.contains(&true),
        "every schedule fired the timer early"
    );
}

#[test]
fn which_of_two_simultaneous_timers_fires_first_is_a_choice() {
    let mut orders = std::collections::HashSet::new();
    for seed in 0..60 {
        let out = det::run(
            &Config::new().seed(seed),
            &mut RandomChooser::new(seed),
            || {
                let log = Arc::new(std::sync::Mutex::new(Vec::new()));
                let hs: Vec<_> = (0..2)
                    .map(|i| {
                        let log = log.clone();
                        sched::go(move || {
                            sched::time::sleep(Duration::from_secs(10));
                            log.lock().unwrap().push(i);
                        })
                    })
                    .collect();
                hs.into_iter().for_each(|h| h.join().unwrap());
                let v = log.lock().unwrap().clone();
                v
            },
        );
        orders.insert(out.result.unwrap());
    }
    assert!(
        orders.contains(&vec![0, 1]) && orders.contains(&vec![1, 0]),
        "{orders:?}"
    );
}

#[test]
fn sched_rand_draws_are_recorded_choices_and_replay() {
    use model::chooser::{ChoiceKind, RandomChooser};
    use sched::det::{self, Config};
    let cfg = Config::new().seed(9);
    let body = || {
        (
            sched::rand::u64(),
            sched::rand::below(10),
            sched::rand::bool(),
        )
    };
    let a = det::run(&cfg, &mut RandomChooser::new(9), body);
    let b = det::run(&cfg, &mut RandomChooser::new(10), body);
    let (va, vb) = (a.result.unwrap(), b.result.unwrap());
    assert_ne!(va.0, vb.0, "different choosers draw different numbers");
    assert!(va.1 < 10 && vb.1 < 10);
    let rand_points = a
        .trace
        .entries
        .iter()
        .filter(|e| e.kind == ChoiceKind::Rand)
        .count();
    assert_eq!(
        rand_points,
        8 + 1 + 1,
        "8 bytes for u64, 1 for below(10), 1 for bool"
    );
    let again = det::replay(&cfg, &a.trace, body);
    assert_eq!(
        again.result.unwrap(),
        va,
        "a replay hands out the same numbers"
    );
}
