//! Trains the MLP of BENCHMARKS.md on 8,000 MNIST digits for 5 epochs with Adam and
//! prints the accuracy on the 1,000 test digits.
//!
//! The spec is `models/mlp.rs` (the benchmarks and the Cortex-M4 firmware run the same network).
//!
//! Run with `cargo run --release --example 02-mnist-mlp [DATA_DIR]` (default: `data/mnist`).

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model};
use std::time::Instant;

include!("../models/mlp.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    let train = Dataset::mnist(&dir, MnistSplit::Train)?;
    let test = Dataset::mnist(&dir, MnistSplit::Test)?;
    println!(
        "{} training and {} test digits from {dir}\n",
        train.len(),
        test.len()
    );
    print!("{}", Mlp::SUMMARY);

    let mut model = Mlp::new_boxed(42);
    let config = FitConfig::new(5, 32).seed(42);
    let started = Instant::now();
    let history = model.fit(&train, Some(&test), &mut Adam::new(1e-3), &config)?;
    let seconds = started.elapsed().as_secs_f64();

    for epoch in &history.epochs {
        println!(
            "epoch {}: loss {:.4}, train accuracy {:.2}%, {:.3} s",
            epoch.epoch,
            epoch.train.loss,
            100.0 * epoch.train.accuracy.unwrap_or(0.0),
            epoch.seconds
        );
    }
    let result = model.evaluate(&test, 256)?;
    let accuracy = 100.0 * result.accuracy.unwrap_or(0.0);
    println!("\ntest accuracy: {accuracy:.2}% (loss {:.4})", result.loss);
    println!(
        "training time: {:.3} s per epoch",
        seconds / config.get_epochs() as f64
    );
    Ok(())
}
