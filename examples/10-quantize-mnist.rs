//! Post-training quantization: trains the MNIST MLP and CNN of BENCHMARKS.md (5 epochs of
//! Adam, as `02-mnist-mlp` and `03-mnist-cnn` do), quantizes each into the int8 type its
//! declaration generates (`quantized: MlpInt8`, `quantized: CnnInt8`) with 500 training
//! digits for calibration, and prints f32 against int8 accuracy on the 1,000 test digits.
//! The min/max-calibrated networks are also written as int8 `.tflite` files
//! (`nn::io::tflite::save_int8`), which TFLite's interpreter runs with the same outputs
//! (`tests/tflite_export_int8.rs` checks that).
//!
//! Run with `cargo run --release --example 10-quantize-mnist [DATA_DIR] [OUT_DIR]`
//! (defaults: `data/mnist`, and the system's temporary folder for the `.tflite` files).

use std::path::{Path, PathBuf};

use nn::data::MnistSplit;
use nn::int8::{quantize_into, Calibration, Int8Scales, QuantizedNetwork};
use nn::{Adam, Dataset, FitConfig, Model, Network};

include!("../models/mlp.rs");
include!("../models/cnn.rs");

const CALIBRATION_DIGITS: usize = 500;
const CALIBRATIONS: [Calibration; 2] = [Calibration::MinMax, Calibration::Percentile(99.99)];

fn argmax<T: PartialOrd + Copy>(values: &[T]) -> usize {
    (0..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

/// Percent of `test` that `classify` gets right.
fn accuracy(test: &Dataset, classify: impl Fn(&[f32]) -> usize) -> f64 {
    let labels = test.labels();
    let right = (0..test.len())
        .filter(|&i| classify(test.input(i)) == labels[i])
        .count();
    100.0 * right as f64 / test.len() as f64
}

fn f32_accuracy<N: Network>(model: &N, test: &Dataset) -> f64 {
    accuracy(test, |x| {
        let mut out = vec![0.0; N::OUTPUT_LEN];
        model.forward_sample(x, &mut out);
        argmax(&out)
    })
}

fn print_row(name: &str, float: f64, [min_max, percentile]: [f64; 2], bytes: [usize; 2]) {
    let [f32_bytes, int8_bytes] = bytes;
    println!(
        "{name:<4} {float:>9.2}% {min_max:>9.2}% {:>+8.2} {percentile:>12.2}% {f32_bytes:>10} \
         {int8_bytes:>11}",
        min_max - float
    );
}

/// Writes `network` as the int8 TFLite model `dir/name`; returns the path.
fn save_tflite<N: QuantizedNetwork>(
    network: &N,
    scales: &Int8Scales,
    dir: &Path,
    name: &str,
) -> Result<PathBuf, nn::io::tflite::ExportError> {
    let path = dir.join(name);
    nn::io::tflite::save_int8(network, scales, &path)?;
    Ok(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    let out_dir = std::env::args()
        .nth(2)
        .map_or_else(std::env::temp_dir, PathBuf::from);
    let mut written = Vec::new();
    let train = Dataset::mnist(&dir, MnistSplit::Train)?;
    let test = Dataset::mnist(&dir, MnistSplit::Test)?;
    let calibration = &train.inputs[..CALIBRATION_DIGITS * train.input_len];
    let config = FitConfig::new(5, 32).seed(42).quiet();
    println!(
        "{} training digits (5 epochs of Adam), {CALIBRATION_DIGITS} of them for calibration \
         (min/max, or the 0.01th and 99.99th percentiles), {} test digits\n",
        train.len(),
        test.len()
    );
    println!(
        "{:<4} {:>10} {:>10} {:>8} {:>13} {:>10} {:>11}",
        "net", "f32", "int8", "points", "int8 p99.99", "f32 bytes", "int8 bytes"
    );

    let mut mlp = Mlp::new_boxed(42);
    mlp.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    let mut mlp_int8 = Box::new(MlpInt8::ZERO);
    let mut int8 = [0.0; 2];
    for (accuracy_of, calibrate) in int8.iter_mut().zip(CALIBRATIONS) {
        let scales = quantize_into(&*mlp, calibration, calibrate, &mut *mlp_int8)?;
        if calibrate == Calibration::MinMax {
            written.push(save_tflite(
                &*mlp_int8,
                &scales,
                &out_dir,
                "mlp_int8.tflite",
            )?);
        }
        *accuracy_of = accuracy(&test, |x| {
            argmax(&mlp_int8.forward(&mlp_int8.quantize_input(x.try_into().unwrap())))
        });
    }
    let bytes = [4 * Mlp::PARAM_COUNT, MlpInt8::PARAM_BYTES];
    print_row("MLP", f32_accuracy(&*mlp, &test), int8, bytes);

    let mut cnn = Cnn::new_boxed(42);
    cnn.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    let mut cnn_int8 = Box::new(CnnInt8::ZERO);
    let mut int8 = [0.0; 2];
    for (accuracy_of, calibrate) in int8.iter_mut().zip(CALIBRATIONS) {
        let scales = quantize_into(&*cnn, calibration, calibrate, &mut *cnn_int8)?;
        if calibrate == Calibration::MinMax {
            written.push(save_tflite(
                &*cnn_int8,
                &scales,
                &out_dir,
                "cnn_int8.tflite",
            )?);
        }
        *accuracy_of = accuracy(&test, |x| {
            argmax(&cnn_int8.forward(&cnn_int8.quantize_input(x.try_into().unwrap())))
        });
    }
    let bytes = [4 * Cnn::PARAM_COUNT, CnnInt8::PARAM_BYTES];
    print_row("CNN", f32_accuracy(&*cnn, &test), int8, bytes);
    // The parameter image firmware would bake in with `CnnInt8::from_le_bytes`.
    assert_eq!(cnn_int8.to_le_bytes().len(), CnnInt8::PARAM_BYTES);
    println!();
    for path in written {
        let bytes = std::fs::metadata(&path)?.len();
        println!("wrote {} ({bytes} bytes, min/max)", path.display());
    }
    Ok(())
}
