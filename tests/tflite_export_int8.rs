//! Int8 `.tflite` export (`nn::io::tflite::export_int8`): the MNIST MLP and CNN, trained
//! briefly and quantized, and a small network with every other int8 operator, each
//! exported and loaded back into a fresh instance with the very same parameter bytes.
//!
//! When `NN_LITERT_PYTHON` names a Python with ai-edge-litert (`.ci/run` builds one), each
//! exported file is also run by TFLite's interpreter with its reference kernels
//! (`scripts/tflite_export_check.py`) on 100 seeded random inputs plus all −128 and all 127,
//! and every output byte must be the network's own `forward`'s. Without the variable that
//! comparison is skipped, and says so.

#[macro_use]
mod litert;
mod support;

use std::io::Write;

use litert::compare;
use nn::data::MnistSplit;
use nn::int8::{quantize_into, Calibration, Int8Scales, QuantizedNetwork};
use nn::io::tflite::{self, export_int8, ExportError};
use nn::{Adam, Dataset, FitConfig, Model, Rng};
use support::{Cnn, CnnInt8, Mlp, MlpInt8};

nn::network! {
    /// The int8 operators MNIST's networks leave out: SAME and VALID convolutions,
    /// depthwise convolutions (one with a multiplier), a residual addition, average and max
    /// pooling, a flattened multi-channel map into a dense layer, and softmax.
    struct Mixed {
        input: [3, 10, 10],
        quantized: MixedInt8,
        conv2d(8, kernel = 3, padding = same), relu as stem,
        depthwise_conv2d(kernel = 3, padding = same), relu6,
        conv2d(8, kernel = 1) as mixed,
        add(stem, mixed), relu,
        max_pool2d(2),
        depthwise_conv2d(kernel = 3, depth_multiplier = 2), relu,
        avg_pool2d(2, stride = 1),
        flatten,
        dense(6), softmax,
    }
}

fn mnist_train() -> Dataset {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    Dataset::mnist(dir, MnistSplit::Train).unwrap()
}

/// Trains `$float` for one epoch on the training digits (seed 42), quantizes it into
/// `$int8` on 500 of them and gives back the int8 network and its scales.
macro_rules! trained_and_quantized {
    ($float:ident, $int8:ident) => {{
        let train = mnist_train();
        let mut model = $float::new_boxed(42);
        let config = FitConfig::new(1, 32).seed(42).quiet();
        model
            .fit(&train, None, &mut Adam::new(1e-3), &config)
            .unwrap();
        let mut int8 = Box::new($int8::ZERO);
        let calibration = &train.inputs[..500 * train.input_len];
        let scales = quantize_into(&*model, calibration, Calibration::MinMax, &mut *int8).unwrap();
        (int8, scales)
    }};
}

/// `Mixed` with seeded weights, quantized on seeded inputs in [−1, 1].
fn mixed() -> (Box<MixedInt8>, Int8Scales) {
    let model = Mixed::new_boxed(7);
    let mut rng = Rng::new(7);
    let calibration: Vec<f32> = (0..64 * Mixed::INPUT_LEN)
        .map(|_| rng.uniform(1.0))
        .collect();
    let mut int8 = Box::new(MixedInt8::ZERO);
    let scales = quantize_into(&*model, &calibration, Calibration::MinMax, &mut *int8).unwrap();
    (int8, scales)
}

/// Exports `network`, loads the bytes into a fresh `N` and checks the parameter images
/// are identical; returns the bytes.
fn round_trip<N: QuantizedNetwork + Clone>(network: &N, fresh: N, scales: &Int8Scales) -> Vec<u8> {
    let bytes = export_int8(network, scales).unwrap();
    let mut loaded = fresh;
    tflite::load_int8_from_bytes(&bytes, &mut loaded).unwrap();
    assert_eq!(loaded.to_le_bytes(), network.to_le_bytes());
    bytes
}

#[test]
fn exports_load_back_into_the_same_parameters() {
    let (mlp, scales) = trained_and_quantized!(Mlp, MlpInt8);
    round_trip(&*mlp, MlpInt8::ZERO, &scales);
    let (cnn, scales) = trained_and_quantized!(Cnn, CnnInt8);
    let bytes = round_trip(&*cnn, CnnInt8::ZERO, &scales);
    let ops: Vec<String> = tflite::read_from_bytes(&bytes)
        .unwrap()
        .main_graph()
        .operators
        .iter()
        .map(|o| o.op.name().to_string())
        .collect();
    assert_eq!(
        ops,
        [
            "CONV_2D",
            "MAX_POOL_2D",
            "CONV_2D",
            "MAX_POOL_2D",
            "RESHAPE",
            "FULLY_CONNECTED",
            "SOFTMAX"
        ]
    );
    let (mixed, scales) = mixed();
    round_trip(&*mixed, MixedInt8::ZERO, &scales);
}

#[test]
fn tflite_runs_the_exports_bit_for_bit_as_nn_does() {
    if std::env::var_os("NN_LITERT_PYTHON").is_none() {
        let _ = std::io::stderr().write_all(
            b"\nSKIPPED: NN_LITERT_PYTHON is not set, so the exported .tflite files were NOT run \
              in TFLite. Set it to a Python with ai-edge-litert and numpy, e.g. \
              `NN_LITERT_PYTHON=venv/bin/python cargo test --test tflite_export_int8`.\n",
        );
        return;
    }
    let mut report = Vec::new();
    let (mlp, scales) = trained_and_quantized!(Mlp, MlpInt8);
    let bytes = export_int8(&*mlp, &scales).unwrap();
    report.extend(compare::<MlpInt8>(
        "MLP",
        &bytes,
        forward_steps!(mlp, MlpInt8),
    ));
    let (cnn, scales) = trained_and_quantized!(Cnn, CnnInt8);
    let bytes = export_int8(&*cnn, &scales).unwrap();
    report.extend(compare::<CnnInt8>(
        "CNN",
        &bytes,
        forward_steps!(cnn, CnnInt8),
    ));
    let (mixed, scales) = mixed();
    let bytes = export_int8(&*mixed, &scales).unwrap();
    report.extend(compare::<MixedInt8>(
        "Mixed",
        &bytes,
        forward_steps!(mixed, MixedInt8),
    ));
    for (line, _) in &report {
        println!("{line}");
    }
    assert!(
        report.iter().all(|(_, differing)| *differing == 0),
        "TFLite differs from nn:\n{}",
        report
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn scales_of_another_network_are_refused() {
    let (mixed, mut scales) = mixed();
    let error = export_int8(&*mixed, &Int8Scales::default()).unwrap_err();
    assert!(
        matches!(&error, ExportError::Scales(m) if m.contains("0 activation")),
        "{error}"
    );
    // One weight scale off by a step: the reloaded multipliers would differ.
    let first = &mut scales.weights[0][0];
    *first = f32::from_bits(first.to_bits() + 1);
    let error = export_int8(&*mixed, &scales).unwrap_err();
    assert!(
        matches!(&error, ExportError::Scales(m) if m.contains("step `conv2d_0`")),
        "{error}"
    );
    let mut wrong_count = scales.clone();
    wrong_count.weights[1].clear();
    let error = export_int8(&*mixed, &wrong_count).unwrap_err();
    assert!(
        matches!(&error, ExportError::Scales(m) if m.contains("`depthwise_conv2d_0` has 0 weight scales for 8")),
        "{error}"
    );
    scales.activations[1].scale = -1.0;
    assert!(matches!(
        export_int8(&*mixed, &scales),
        Err(ExportError::Scales(_))
    ));
}

nn::network! {
    /// A stride-2 convolution padded as PyTorch pads it, 1 on every side: TFLite's SAME
    /// pads the odd row at the end only.
    struct TorchPadded {
        input: [1, 8, 8],
        quantized: TorchPaddedInt8,
        conv2d(4, kernel = 3, stride = 2, padding = 1), relu,
        flatten, dense(3),
    }
}

#[test]
fn a_padding_tflite_lacks_is_refused_naming_the_step() {
    let model = TorchPadded::new_boxed(1);
    let mut int8 = Box::new(TorchPaddedInt8::ZERO);
    let calibration = vec![0.5; TorchPadded::INPUT_LEN];
    let scales = quantize_into(&*model, &calibration, Calibration::MinMax, &mut *int8).unwrap();
    let error = export_int8(&*int8, &scales).unwrap_err();
    assert!(
        matches!(&error, ExportError::Unsupported { layer: "conv2d_0", reason } if reason.contains("neither")),
        "{error}"
    );
    assert!(error.to_string().contains("step `conv2d_0`"), "{error}");
}

nn::network! {
    /// A softmax over a flattened 2×2 map: TFLite's RESHAPE would hand it the values in
    /// `[H, W, C]` order, so the outputs would come out permuted.
    struct FlatSoftmax {
        input: [1, 3, 3],
        quantized: FlatSoftmaxInt8,
        conv2d(2, kernel = 2),
        flatten, softmax,
    }
}

#[test]
fn a_reordering_flatten_not_read_by_a_dense_layer_is_refused() {
    let model = FlatSoftmax::new_boxed(1);
    let mut int8 = Box::new(FlatSoftmaxInt8::ZERO);
    let mut rng = Rng::new(1);
    let calibration: Vec<f32> = (0..8 * 9).map(|_| rng.uniform(1.0)).collect();
    let scales = quantize_into(&*model, &calibration, Calibration::MinMax, &mut *int8).unwrap();
    let error = export_int8(&*int8, &scales).unwrap_err();
    assert!(
        matches!(&error, ExportError::Unsupported { layer: "flatten_0", reason } if reason.contains("[H, W, C]")),
        "{error}"
    );
}
