//! Reads each MNIST digit as a sequence of 28 rows of 28 pixels and classifies it with an
//! LSTM: 5 epochs of Adam on 8,000 digits, then the accuracy on the 1,000 test digits.
//!
//! The spec is `models/lstm.rs` (the Cortex-M4 firmware runs the same network).
//!
//! Run with `cargo run --release --example 04-mnist-lstm [DATA_DIR]` (default: `data/mnist`).

use nn::data::MnistSplit;
use nn::optim::ClipGlobalNorm;
use nn::{Adam, Dataset, FitConfig, Model};
use std::time::Instant;

include!("../models/lstm.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    // A digit's 784 pixels are stored row by row: exactly 28 steps of 28 features.
    let train = Dataset::mnist(&dir, MnistSplit::Train)?;
    let test = Dataset::mnist(&dir, MnistSplit::Test)?;
    println!(
        "{} training and {} test digits from {dir}\n",
        train.len(),
        test.len()
    );
    print!("{}", DigitReader::SUMMARY);

    let mut model = DigitReader::new_boxed(42);
    let config = FitConfig::new(5, 32).seed(42);
    // Recurrent training can meet steep cliffs; clipping the gradient's norm keeps a step sane.
    let mut optimizer = ClipGlobalNorm::new(Adam::new(2e-3), 5.0);
    let started = Instant::now();
    let history = model.fit(&train, Some(&test), &mut optimizer, &config)?;
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
