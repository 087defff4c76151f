//! The quantized MNIST networks for the firmware (features `mlp-int8`, `cnn-int8`): the MLP
//! and CNN that `examples/export-firmware-data.rs` trained (`data/*.bin`, the same weights the
//! float images carry) quantized on the host with `nn::int8::quantize_into`, calibrated on the
//! first training digits of `../data/mnist`. The parameter image, the 100 test digits
//! quantized to the network's input scale and the host's int8 outputs for them are written to
//! `OUT_DIR` for `src/mnist_int8.rs`, which must reproduce the outputs byte for byte.

use std::path::{Path, PathBuf};
use std::{env, fs};

use nn::data::MnistSplit;
use nn::int8::{quantize_into, Calibration, QuantizedNetwork};
use nn::Dataset;

use crate::mlperf_int8::{macs, write_out};

include!("../../models/mlp.rs");
include!("../../models/cnn.rs");

/// Training digits the activation ranges are calibrated on (as `examples/10-quantize-mnist.rs`).
const CALIBRATION_DIGITS: usize = 500;

/// Quantizes the float network `$float` read from `data/$name.bin` into `$int8`, runs the
/// test digits and writes the files.
macro_rules! write_model {
    ($out:expr, $name:literal, $float:ident, $int8:ident, $calibration:expr, $digits:expr) => {{
        let path = PathBuf::from(concat!("data/", $name, ".bin"));
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let mut float = $float::zeroed_boxed();
        let params = float.parameters_mut();
        assert_eq!(
            bytes.len(),
            4 * params.len(),
            "{}: not {} floats",
            path.display(),
            params.len()
        );
        for (param, le) in params.iter_mut().zip(bytes.chunks_exact(4)) {
            *param = f32::from_le_bytes(le.try_into().expect("chunks of 4"));
        }
        let mut int8 = Box::new($int8::ZERO);
        if let Err(error) = quantize_into(&*float, $calibration, Calibration::MinMax, &mut *int8) {
            panic!("quantizing the {}: {error}", $name);
        }
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for digit in $digits.chunks_exact($int8::INPUT_LEN) {
            let input = int8.quantize_input(digit.try_into().expect("chunks of INPUT_LEN"));
            outputs.extend_from_slice(&int8.forward(&input));
            inputs.extend_from_slice(&input);
        }
        write_out(
            $out,
            $name,
            &int8.to_le_bytes(),
            &inputs,
            &outputs,
            macs::<$int8>(),
        );
    }};
}

/// Writes the data of each quantized MNIST network whose feature is on.
pub fn write_enabled(out: &Path) {
    let on = |name: &str| env::var_os(format!("CARGO_FEATURE_{name}_INT8")).is_some();
    if !on("MLP") && !on("CNN") {
        return;
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
    println!("cargo:rerun-if-changed={}", data.display());
    let train = Dataset::mnist(&data, MnistSplit::Train)
        .unwrap_or_else(|error| panic!("{}: {error}", data.display()));
    let calibration = &train.inputs[..CALIBRATION_DIGITS * train.input_len];
    // The test digits of the float images, scaled as the host's `Dataset::mnist` scales them.
    let digits: Vec<f32> = fs::read("data/digits.bin")
        .expect("data/digits.bin")
        .iter()
        .map(|&p| f32::from(p) / 255.0)
        .collect();
    if on("MLP") {
        write_model!(out, "mlp", Mlp, MlpInt8, calibration, digits);
    }
    if on("CNN") {
        write_model!(out, "cnn", Cnn, CnnInt8, calibration, digits);
    }
}
