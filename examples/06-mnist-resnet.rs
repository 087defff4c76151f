//! A small residual CNN on MNIST digits: a stem convolution, a residual block of 16
//! channels, a downsampling residual block of 32 channels whose shortcut is a 1×1 stride-2
//! projection, global average pooling and a dense layer; batch norm inside the blocks.
//! Adam 1e-3, batch 32, 5 epochs. Prints `test accuracy: NN.NN%`.
//!
//! The spec is `models/resnet.rs` (the Cortex-M4 firmware runs the same network).
//! `scripts/resnet_reference.py` trains the same architecture in PyTorch on the same digits.
//!
//! Run with `cargo run --release --example 06-mnist-resnet [DATA_DIR] [SEED]` (defaults:
//! `data/mnist`, 0).

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model};

include!("../models/resnet.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    let seed: u64 = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("SEED must be a whole number, found `{text}`"))?,
        None => 0,
    };
    let train = Dataset::mnist(&dir, MnistSplit::Train)?.to_class_indices();
    let test = Dataset::mnist(&dir, MnistSplit::Test)?.to_class_indices();
    println!(
        "{} training and {} test digits from {dir}\n",
        train.len(),
        test.len()
    );
    print!("{}", MnistResNet::SUMMARY);
    println!(
        "single-sample scratch: {} bytes\n",
        MnistResNet::SCRATCH_BYTES
    );

    let mut model = MnistResNet::new_boxed(seed);
    let config = FitConfig::new(5, 32).seed(seed);
    let history = model.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    print!("\n{history}");
    let result = model.evaluate(&test, 250)?;
    println!(
        "\ntest accuracy: {:.2}% (loss {:.4}, seed {seed})",
        100.0 * result.accuracy.unwrap_or(0.0),
        result.loss
    );
    Ok(())
}
