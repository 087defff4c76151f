//! W6: the seed essay's CNN (29.3 MFLOP per sample) — one training epoch of Adam at batch 32,
//! and inference at batch 1 and batch 256.

use nn::{Adam, Dataset, FitConfig, Model};
use std::time::Instant;

use crate::mnist::{w1, w2};
use crate::stats::{result_line, Summary};
use crate::Repeats;

include!("../../models/seed_cnn.rs");

/// Training digits of a batch-256 inference pass: 8 batches (a pass over all 8,000 would
/// take seconds and tell nothing more).
const BATCH_256_SAMPLES: usize = 2048;

/// Training digits of the warm-up before the timed epochs.
const WARM_UP_SAMPLES: usize = 1024;

/// The figures of W6.
pub struct Results {
    pub train_seconds: Summary,
    pub batch_1_ns: Summary,
    pub batch_256_per_second: Summary,
}

/// W6: `repeats.seed_epochs` epochs of Adam (lr 1e-3, batch 32, shuffled, one thread) that
/// continue from each other, then the inference passes.
pub fn run(train: &Dataset, test: &Dataset, repeats: &Repeats) -> Results {
    let mut model = SeedCnn::new_boxed(42);
    let mut adam = Adam::new(1e-3);
    let mut epoch = |data: &Dataset, seed: u64| {
        let config = FitConfig::new(1, 32).seed(seed).threads(1).quiet();
        let started = Instant::now();
        model.fit(data, None, &mut adam, &config).expect("training");
        started.elapsed().as_secs_f64()
    };
    eprintln!("seed CNN: W6 training …");
    epoch(&train.take(WARM_UP_SAMPLES), 0);
    let seconds = (1..=repeats.seed_epochs as u64)
        .map(|seed| epoch(train, seed))
        .collect();
    eprintln!("seed CNN: W6 inference …");
    let fresh = SeedCnn::new_boxed(42);
    Results {
        train_seconds: Summary::of(seconds),
        batch_1_ns: w1(&*fresh, test, repeats.seed_inference),
        batch_256_per_second: w2(
            &*fresh,
            &train.take(BATCH_256_SAMPLES),
            repeats.seed_inference,
        ),
    }
}

/// The W6 table.
pub fn print_table(results: &Results) {
    println!("| {:<38} | {:<30} |", "workload", "seed CNN");
    println!("|{:-<40}|{:-<32}|", "", "");
    let rows = [
        (
            "W6 train epoch Adam b32, s/epoch",
            results.train_seconds.show(2),
        ),
        (
            "W6 inference batch 1, ns/sample",
            results.batch_1_ns.show(0),
        ),
        (
            "W6 inference batch 256, samples/s",
            results.batch_256_per_second.show(0),
        ),
    ];
    for (label, cell) in rows {
        println!("| {label:<38} | {cell:<30} |");
    }
}

/// The W6 figures as `result` lines.
pub fn print_results(results: &Results) {
    println!(
        "{}",
        result_line("W6", "seed_cnn", "train_s", &results.train_seconds)
    );
    println!(
        "{}",
        result_line("W6", "seed_cnn", "b1_ns", &results.batch_1_ns)
    );
    println!(
        "{}",
        result_line(
            "W6",
            "seed_cnn",
            "b256_per_s",
            &results.batch_256_per_second
        )
    );
}
