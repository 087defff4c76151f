//! The MLPerf Tiny float reference models loaded into their declarations of
//! `models/mlperf/`, and the importer's errors on declarations that do not match.
//!
//! The reference models are not part of the repository: they are read from
//! `../shared/mlperf-tiny/` beside it, or from the folder `NN_MLPERF_DIR` names. When
//! `NN_MLPERF_EXPECTED` names a folder written by `scripts/mlperf_reference.py` (TFLite's
//! outputs and intermediate tensors on seeded inputs), each model's outputs are also
//! compared with TFLite's, and so is every layer's output that is an operator's output in
//! the file (see `mlperf_reference/`).

use std::path::PathBuf;

use nn::io::tflite::{self, ImportError, Mismatch, Model, TensorType};
use nn::Network;

mod mlperf_reference;
use mlperf_reference::{compare_layers_with_tflite, compare_with_tflite};

include!("../models/mlperf/kws.rs");
include!("../models/mlperf/vww.rs");
include!("../models/mlperf/ic.rs");
include!("../models/mlperf/ad.rs");

fn mlperf_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"));
    let path = dir.join(file);
    assert!(
        path.exists(),
        "{} is missing. These tests read the MLPerf Tiny reference models of the mlcommons/tiny \
         repository (benchmark/training/<task>/trained_models/*.tflite): copy them into \
         ../shared/mlperf-tiny/ beside this repository, or set NN_MLPERF_DIR to the folder \
         that holds them.",
        path.display()
    );
    path
}

fn read_mlperf(file: &str) -> Model {
    let path = mlperf_path(file);
    tflite::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Loads `file` into `network`, failing the test with the importer's message.
fn load<N: Network>(file: &str, network: &mut N) {
    if let Err(error) = tflite::load_into(&read_mlperf(file), network) {
        panic!("{file}: {error}");
    }
}

/// The value of `tensor` (the filter, input 1, of operator `operator`) at flat index
/// `index` in the file's own layout, as a float.
fn file_value(model: &Model, operator: usize, index: usize) -> f32 {
    let graph = model.main_graph();
    let tensor = &graph.tensors[graph.operators[operator].inputs[1].unwrap()];
    match tensor.dtype {
        TensorType::Float32 => {
            f32::from_le_bytes(tensor.data[4 * index..4 * index + 4].try_into().unwrap())
        }
        TensorType::Int8 => {
            let q = tensor.quantization.as_ref().unwrap();
            // Per output channel, the first dimension, as the hybrid KWS kernels are.
            let channel = if q.scales.len() == 1 {
                0
            } else {
                index / (tensor.len() / tensor.shape[0])
            };
            q.scales[channel] * (tensor.data[index] as i8 as f32 - q.zero_points[channel] as f32)
        }
        other => panic!("unexpected weight type {other:?}"),
    }
}

fn tensor_values<'a, N: Network>(network: &'a N, name: &str) -> &'a [f32] {
    let tensor = N::TENSORS.iter().find(|t| t.name == name).unwrap();
    &network.params()[tensor.offset..tensor.offset + tensor.len()]
}

/// Runs one sample of a fixed pattern and checks the output is finite, and a probability
/// distribution when the network ends in a softmax.
fn run_pattern<N: Network>(network: &N, softmax: bool) -> Vec<f32> {
    let input: Vec<f32> = (0..N::INPUT_LEN)
        .map(|i| ((i * 37 % 101) as f32 / 101.0) - 0.5)
        .collect();
    let mut output = vec![0.0; N::OUTPUT_LEN];
    network.forward_sample(&input, &mut output);
    assert!(output.iter().all(|y| y.is_finite()), "{output:?}");
    if softmax {
        let sum: f32 = output.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "{output:?} sums to {sum}");
    }
    output
}

#[test]
fn kws_float_imports_with_its_int8_kernels_dequantized() {
    let file = "kws_ref_model_float32.tflite";
    let mut kws = Kws::zeroed_boxed();
    load(file, &mut *kws);
    let model = read_mlperf(file);
    // The first kernel is int8 with per-channel scales, OHWI [64, 10, 4, 1]; nn's is
    // [64, 1, 10, 4], the same order since there is one input channel.
    let weight = tensor_values(&*kws, "conv2d_0.weight");
    for index in [0, 1, 39, 40, 1000, 64 * 40 - 1] {
        assert_eq!(weight[index], file_value(&model, 0, index), "{index}");
    }
    assert!(weight.iter().any(|&w| w != 0.0));
    run_pattern(&*kws, true);
    compare_with_tflite(&*kws, "kws", 1e-5);
    compare_layers_with_tflite(&*kws, &model, "kws", 1e-5);
}

#[test]
fn vww_float_imports_with_kernels_moved_to_nn_layouts() {
    let file = "vww_96_float.tflite";
    let mut vww = Vww::zeroed_boxed();
    load(file, &mut *vww);
    let model = read_mlperf(file);
    // Operator 0: OHWI [8, 3, 3, 3] → [8, 3, 3, 3] OIHW.
    let weight = tensor_values(&*vww, "conv2d_0.weight");
    for (o, i, y, x) in [(0, 0, 0, 0), (1, 2, 0, 1), (7, 1, 2, 2), (5, 0, 1, 2)] {
        assert_eq!(
            weight[((o * 3 + i) * 3 + y) * 3 + x],
            file_value(&model, 0, ((o * 3 + y) * 3 + x) * 3 + i)
        );
    }
    // Operator 1: depthwise [1, 3, 3, 8] → [8, 1, 3, 3].
    let weight = tensor_values(&*vww, "depthwise_conv2d_0.weight");
    for (c, y, x) in [(0, 0, 0), (3, 1, 2), (7, 2, 1)] {
        assert_eq!(
            weight[(c * 3 + y) * 3 + x],
            file_value(&model, 1, (y * 3 + x) * 8 + c)
        );
    }
    run_pattern(&*vww, true);
    compare_with_tflite(&*vww, "vww", 1e-5);
    compare_layers_with_tflite(&*vww, &model, "vww", 1e-5);
}

#[test]
fn ic_float_imports_with_its_residual_joins() {
    let file = "pretrainedResnet.tflite";
    let mut ic = Ic::zeroed_boxed();
    load(file, &mut *ic);
    run_pattern(&*ic, true);
    compare_with_tflite(&*ic, "ic", 1e-5);
    compare_layers_with_tflite(&*ic, &read_mlperf(file), "ic", 1e-5);
}

#[test]
fn ad_float_imports() {
    let file = "ad01_fp32.tflite";
    let mut ad = Ad::zeroed_boxed();
    load(file, &mut *ad);
    let model = read_mlperf(file);
    // Dense weights stay [out, in].
    let weight = tensor_values(&*ad, "dense_9.weight");
    for index in [0, 1, 127, 128, 640 * 128 - 1] {
        assert_eq!(weight[index], file_value(&model, 9, index));
    }
    run_pattern(&*ad, false);
    compare_with_tflite(&*ad, "ad", 1e-5);
    compare_layers_with_tflite(&*ad, &model, "ad", 1e-5);
}

// ---- declarations that do not match the file ----

/// Loads `file` into a network that must not match it, returning the error.
fn mismatch<N: Network>(file: &str, network: &mut N) -> ImportError {
    let before = network.params().to_vec();
    let error = tflite::load_into(&read_mlperf(file), network)
        .expect_err("the declaration does not match the file");
    assert_eq!(
        network.params(),
        &before[..],
        "a failed import changed the network"
    );
    println!("{error}");
    error
}

/// Checks that `error`'s message names the operator (`operator 0 (CONV_2D)`), what the file
/// holds and what the network expects.
fn assert_names(error: &ImportError, operator: &str, file: &str, network: &str) {
    let message = error.to_string();
    for part in [
        operator,
        &format!("the file holds {file}"),
        &format!("the network expects {network}"),
    ] {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
}

nn::network! {
    /// KWS with a full convolution where the file has its first depthwise one.
    struct KwsWrongOperator {
        input: [1, 49, 10],
        conv2d(64, kernel = (10, 4), stride = 2, padding = same), relu,
        conv2d(64, kernel = 3, padding = same), relu,
        flatten, dense(12), softmax,
    }
}

#[test]
fn a_wrong_operator_is_named_with_its_index() {
    let mut network = KwsWrongOperator::zeroed_boxed();
    let error = mismatch("kws_ref_model_float32.tflite", &mut *network);
    let ImportError::Mismatch {
        operator,
        op,
        layer,
        kind,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (*operator, op.as_str(), *layer, *kind),
        (1, "DEPTHWISE_CONV_2D", Some("conv2d_1"), Mismatch::Kind)
    );
    assert_names(
        &error,
        "operator 1 (DEPTHWISE_CONV_2D) and layer `conv2d_1`",
        "DEPTHWISE_CONV_2D (a `depthwise_conv2d` layer in nn)",
        "a `conv2d` layer",
    );
}

nn::network! {
    /// The autoencoder with a first layer of 64 units where the file has 128.
    struct AdWrongShape {
        input: [640],
        dense(64), relu, dense(640),
    }
}

#[test]
fn a_wrong_shape_is_named_with_both_shapes() {
    let mut network = AdWrongShape::zeroed_boxed();
    let error = mismatch("ad01_fp32.tflite", &mut *network);
    assert!(
        matches!(
            &error,
            ImportError::Mismatch { operator: 0, kind: Mismatch::Shape, file, network, .. }
                if file.contains("[128, 640]") && network.contains("[64, 640]")
        ),
        "{error:?}"
    );
    assert_names(
        &error,
        "operator 0 (FULLY_CONNECTED) and layer `dense_0`",
        "a weight of [128, 640]",
        "`dense_0.weight` of [64, 640]",
    );
}

nn::network! {
    /// KWS whose first convolution has no padding where the file's has TensorFlow's `same`.
    struct KwsWrongPadding {
        input: [1, 49, 10],
        conv2d(64, kernel = (10, 4), stride = 2), relu,
        flatten, dense(12), softmax,
    }
}

nn::network! {
    /// The autoencoder without the ReLU the file fuses into its first dense layer.
    struct AdMissingRelu {
        input: [640],
        dense(128), dense(128), relu,
    }
}

#[test]
fn a_wrong_option_is_named_with_both_settings() {
    let mut network = KwsWrongPadding::zeroed_boxed();
    let error = mismatch("kws_ref_model_float32.tflite", &mut *network);
    assert!(
        matches!(
            &error,
            ImportError::Mismatch { operator: 0, kind: Mismatch::Option, file, network, .. }
                if file.contains("Same") && file.contains("[4, 1, 5, 1]")
                    && network.contains("[0, 0, 0, 0]")
        ),
        "{error:?}"
    );
    assert_names(
        &error,
        "operator 0 (CONV_2D) and layer `conv2d_0`",
        "Same padding, here [4, 1, 5, 1] (top, left, bottom, right)",
        "padding [0, 0, 0, 0]",
    );

    let mut network = AdMissingRelu::zeroed_boxed();
    let error = mismatch("ad01_fp32.tflite", &mut *network);
    assert!(
        matches!(
            &error,
            ImportError::Mismatch { operator: 0, kind: Mismatch::Option, layer: Some("dense_1"), file, .. }
                if file.contains("fused relu")
        ),
        "{error:?}"
    );
    assert_names(
        &error,
        "operator 0 (FULLY_CONNECTED) and layer `dense_1`",
        "a fused relu",
        "a `dense` layer, not `relu`",
    );
}

nn::network! {
    /// KWS with its input as TFLite orders it, `[H, W, C]`, not nn's `[C, H, W]`.
    struct KwsWrongInput {
        input: [49, 10, 1],
        conv2d(64, kernel = (10, 4), stride = 2, padding = same), relu,
        flatten, dense(12), softmax,
    }
}

#[test]
fn a_wrong_input_shape_is_refused() {
    let mut network = KwsWrongInput::zeroed_boxed();
    let error = mismatch("kws_ref_model_float32.tflite", &mut *network);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            ImportError::InputMismatch {
                file: vec![1, 49, 10],
                network: vec![49, 10, 1],
            }
        )
    );
}

#[test]
fn a_network_longer_than_the_file_is_refused_at_the_end_of_the_graph() {
    nn::network! {
        struct AdTooLong {
            input: [640],
            dense(128), relu, dense(128), relu, dense(128), relu, dense(128), relu,
            dense(8), relu,
            dense(128), relu, dense(128), relu, dense(128), relu, dense(128), relu,
            dense(640), relu,
        }
    }
    let mut network = AdTooLong::zeroed_boxed();
    let error = mismatch("ad01_fp32.tflite", &mut *network);
    assert!(
        matches!(
            &error,
            ImportError::Mismatch {
                operator: 10,
                kind: Mismatch::Kind,
                layer: Some("relu_9"),
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_truncated_file_is_a_read_error() {
    let bytes = std::fs::read(mlperf_path("ad01_fp32.tflite")).unwrap();
    let mut network = Ad::zeroed_boxed();
    for len in [0, 7, 100, bytes.len() / 2, bytes.len() - 1] {
        let error = tflite::load_from_bytes(&bytes[..len], &mut *network)
            .expect_err("a truncated file does not load");
        assert!(matches!(error, ImportError::Read(_)), "{len}: {error:?}");
        // No operator to name yet: the reader says the file is cut short, and its length.
        let message = error.to_string();
        assert!(
            message.contains("truncated") && message.contains(&format!("{len} bytes")),
            "{len}: {message}"
        );
    }
    assert!(network.params().iter().all(|&p| p == 0.0));
}
