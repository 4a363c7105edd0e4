//! The README's runtime example, kept compiling and true.

#[test]
fn readme_example() {
    let total = sched::run(|| {
        let (tx, rx) = sched::chan::<u64>(0);
        let producer = sched::go(move || {
            for i in 0..10 {
                tx.send(i).unwrap()
            }
        });
        let sum: u64 = rx.iter().sum();
        producer.join().unwrap();
        sum
    });
    assert_eq!(total, 45);
}
