//! Trains the MNIST MLP and CNN (as examples 02 and 03: 5 epochs of Adam, lr 1e-3, batches
//! of 32, seed 42) and the LSTM digit reader (as example 04: Adam 2e-3, gradients clipped to
//! norm 5) and the residual CNN (as example 06, seed 42) and writes what the firmware in
//! `firmware/` compiles into its image:
//!
//! | file | contents |
//! |---|---|
//! | `mlp.bin`, `cnn.bin`, `lstm.bin`, `resnet.bin` | the trained parameters, little-endian f32, in `parameters()` order |
//! | `digits.bin` | the first 100 test digits, 784 raw u8 pixels each (scaled by 1/255 on the device) |
//! | `labels.bin` | their 100 labels, one byte each |
//! | `expected.bin` | the host's predicted class for each digit: 100 bytes for the MLP, then 100 for the CNN, 100 for the LSTM and 100 for the residual CNN |
//!
//! Training is deterministic, so the files are reproducible:
//! `cargo run --release --example export-firmware-data [DATA_DIR] [OUT_DIR]`
//! (defaults: `data/mnist` and `firmware/data`).

use nn::data::MnistSplit;
use nn::optim::ClipGlobalNorm;
use nn::{Adam, Dataset, FitConfig, Model};
use std::fs;
use std::path::Path;

include!("../models/mlp.rs");

include!("../models/cnn.rs");

include!("../models/lstm.rs");

include!("../models/resnet.rs");

/// Test digits compiled into the firmware.
const DIGITS: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = std::env::args().skip(1);
    let data_dir = args.next().unwrap_or_else(|| format!("{root}/data/mnist"));
    let out_dir = args
        .next()
        .unwrap_or_else(|| format!("{root}/firmware/data"));
    let (data_dir, out_dir) = (Path::new(&data_dir), Path::new(&out_dir));

    let train = Dataset::mnist(data_dir, MnistSplit::Train)?;
    let test = Dataset::mnist(data_dir, MnistSplit::Test)?;
    let config = FitConfig::new(5, 32).seed(42).quiet();

    // The digits go into flash as raw u8 pixels (784 bytes instead of 3,136 each). Dataset::mnist
    // made each input as `pixel as f32 / 255.0`, so rounding back recovers the pixel exactly; the
    // assertion checks that the firmware, scaling the same way, sees the host's very floats.
    let inputs = &test.inputs[..DIGITS * 784];
    let pixels: Vec<u8> = inputs.iter().map(|&x| (x * 255.0).round() as u8).collect();
    let scaled: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    assert_eq!(scaled, inputs, "pixels do not round-trip through / 255.0");
    let labels: Vec<u8> = test.labels()[..DIGITS].iter().map(|&l| l as u8).collect();

    let mut mlp = Mlp::new_boxed(42);
    mlp.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    let mut cnn = Cnn::new_boxed(42);
    cnn.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    let mut lstm = DigitReader::new_boxed(42);
    lstm.fit(
        &train,
        None,
        &mut ClipGlobalNorm::new(Adam::new(2e-3), 5.0),
        &config,
    )?;

    let mut resnet = MnistResNet::new_boxed(42);
    resnet.fit(&train, None, &mut Adam::new(1e-3), &config)?;

    let mut expected = Vec::with_capacity(4 * DIGITS);
    for digit in scaled.chunks_exact(784) {
        let input: &[f32; 784] = digit.try_into()?;
        expected.push(argmax(&mlp.forward(input)));
    }
    for digit in scaled.chunks_exact(784) {
        let input: &[f32; 784] = digit.try_into()?;
        expected.push(argmax(&cnn.forward(input)));
    }
    for digit in scaled.chunks_exact(784) {
        let input: &[f32; 784] = digit.try_into()?;
        expected.push(argmax(&lstm.forward(input)));
    }
    for digit in scaled.chunks_exact(784) {
        let input: &[f32; 784] = digit.try_into()?;
        expected.push(argmax(&resnet.forward(input)));
    }

    fs::create_dir_all(out_dir)?;
    write(out_dir, "mlp.bin", &le_bytes(mlp.parameters()))?;
    write(out_dir, "cnn.bin", &le_bytes(cnn.parameters()))?;
    write(out_dir, "lstm.bin", &le_bytes(lstm.parameters()))?;
    write(out_dir, "resnet.bin", &le_bytes(resnet.parameters()))?;
    write(out_dir, "digits.bin", &pixels)?;
    write(out_dir, "labels.bin", &labels)?;
    write(out_dir, "expected.bin", &expected)?;

    for (name, predicted) in [
        ("MLP", &expected[..DIGITS]),
        ("CNN", &expected[DIGITS..2 * DIGITS]),
        ("LSTM", &expected[2 * DIGITS..3 * DIGITS]),
        ("ResNet", &expected[3 * DIGITS..]),
    ] {
        let correct = predicted
            .iter()
            .zip(&labels)
            .filter(|(p, l)| p == l)
            .count();
        println!("{name}: {correct}/{DIGITS} of the exported digits correct on the host");
    }
    Ok(())
}

fn le_bytes(params: &[f32]) -> Vec<u8> {
    params.iter().flat_map(|p| p.to_le_bytes()).collect()
}

/// The index of the largest value (the first, on ties), as the firmware computes it.
fn argmax(values: &[f32]) -> u8 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u8
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    fs::write(&path, bytes)?;
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
