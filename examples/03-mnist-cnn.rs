//! Trains the CNN of BENCHMARKS.md on 8,000 MNIST digits for 5 epochs with Adam and prints
//! the accuracy on the 1,000 test digits and the time per epoch.
//!
//! The spec is `models/cnn.rs` (the benchmarks and the Cortex-M4 firmware run the same network).
//!
//! Run with `cargo run --release --example 03-mnist-cnn [DATA_DIR]` (default: `data/mnist`).

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model};

include!("../models/cnn.rs");

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
    print!("{}", Cnn::SUMMARY);

    let mut model = Cnn::new_boxed(42);
    let config = FitConfig::new(5, 32).seed(42);
    let history = model.fit(&train, None, &mut Adam::new(1e-3), &config)?;

    let mut epoch_seconds: Vec<f64> = history.epochs.iter().map(|e| e.seconds).collect();
    epoch_seconds.sort_by(f64::total_cmp);
    let result = model.evaluate(&test, 256)?;
    println!(
        "\ntest accuracy: {:.2}% (loss {:.4})",
        100.0 * result.accuracy.unwrap_or(0.0),
        result.loss
    );
    println!(
        "training time: {:.3} s per epoch (median of {})",
        epoch_seconds[epoch_seconds.len() / 2],
        epoch_seconds.len()
    );
    Ok(())
}
