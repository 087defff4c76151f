//! The TFLite importer on a small model built here: a convolution with TensorFlow's
//! asymmetric `SAME` padding, a depthwise convolution with two filters per channel, and a
//! dense layer after a reshape of a 2×2 map, so that every move between TFLite's layouts
//! and `nn`'s (OHWI and 1HWO kernels, the HWC order of the flattened map) is exercised.
//! `nn`'s outputs are compared with a direct computation in TFLite's NHWC layout. Then one
//! declaration per kind of mismatch (operator, shape, option) and a truncated file, each
//! error naming the operator, what the file holds and what the network expects.

use nn::io::tflite::{
    self, Activation, Conv2dOptions, DepthwiseConv2dOptions, FullyConnectedOptions, Model, Op,
    Operator, Padding, Subgraph, Tensor, TensorType, WeightsFormat,
};
use nn::Network;

mod tflite_bytes;

nn::network! {
    struct Small {
        input: [2, 4, 3],
        conv2d(3, kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, depth_multiplier = 2, padding = same), relu6,
        flatten,
        dense(5),
    }
}

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

fn activation(name: &str, shape: &[usize]) -> Tensor {
    Tensor {
        name: name.into(),
        shape: shape.to_vec(),
        dtype: TensorType::Float32,
        data: Vec::new(),
        quantization: None,
        is_variable: false,
    }
}

fn constant(name: &str, shape: &[usize], values: &[f32]) -> Tensor {
    Tensor {
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..activation(name, shape)
    }
}

struct Weights {
    conv: Vec<f32>,
    conv_bias: Vec<f32>,
    depthwise: Vec<f32>,
    depthwise_bias: Vec<f32>,
    dense: Vec<f32>,
    dense_bias: Vec<f32>,
}

fn weights() -> Weights {
    Weights {
        conv: values(3 * 3 * 3 * 2, 1),
        conv_bias: values(3, 2),
        depthwise: values(3 * 3 * 6, 3),
        depthwise_bias: values(6, 4),
        dense: values(5 * 24, 5),
        dense_bias: values(5, 6),
    }
}

/// The model: NHWC input [1, 4, 3, 2] → CONV_2D (3 filters, 3×3, stride 2, SAME, ReLU) →
/// [1, 2, 2, 3] → DEPTHWISE_CONV_2D (×2, 3×3, SAME, ReLU6) → [1, 2, 2, 6] → RESHAPE [1, 24]
/// → FULLY_CONNECTED 5.
fn model(w: &Weights) -> Model {
    let tensors = vec![
        activation("input", &[1, 4, 3, 2]),
        constant("conv.weight", &[3, 3, 3, 2], &w.conv),
        constant("conv.bias", &[3], &w.conv_bias),
        activation("conv", &[1, 2, 2, 3]),
        constant("depthwise.weight", &[1, 3, 3, 6], &w.depthwise),
        constant("depthwise.bias", &[6], &w.depthwise_bias),
        activation("depthwise", &[1, 2, 2, 6]),
        activation("reshape", &[1, 24]),
        constant("dense.weight", &[5, 24], &w.dense),
        constant("dense.bias", &[5], &w.dense_bias),
        activation("output", &[1, 5]),
    ];
    let operator = |op, inputs: &[usize], output| Operator {
        op,
        inputs: inputs.iter().map(|&t| Some(t)).collect(),
        outputs: vec![output],
    };
    let operators = vec![
        operator(
            Op::Conv2d(Conv2dOptions {
                padding: Padding::Same,
                stride_h: 2,
                stride_w: 2,
                dilation_h: 1,
                dilation_w: 1,
                activation: Activation::Relu,
            }),
            &[0, 1, 2],
            3,
        ),
        operator(
            Op::DepthwiseConv2d(DepthwiseConv2dOptions {
                padding: Padding::Same,
                stride_h: 1,
                stride_w: 1,
                dilation_h: 1,
                dilation_w: 1,
                depth_multiplier: 2,
                activation: Activation::Relu6,
            }),
            &[3, 4, 5],
            6,
        ),
        operator(
            Op::Reshape {
                new_shape: Some(vec![1, 24]),
            },
            &[6],
            7,
        ),
        operator(
            Op::FullyConnected(FullyConnectedOptions {
                activation: Activation::None,
                weights_format: WeightsFormat::Default,
                keep_num_dims: false,
                asymmetric_quantize_inputs: false,
            }),
            &[7, 8, 9],
            10,
        ),
    ];
    Model {
        version: 3,
        description: String::new(),
        subgraphs: vec![Subgraph {
            name: "main".into(),
            tensors,
            operators,
            inputs: vec![0],
            outputs: vec![10],
        }],
    }
}

/// TFLite's computation, in NHWC: `x` is `[4, 3, 2]` (H, W, C).
fn reference(w: &Weights, x: &[f32]) -> Vec<f32> {
    let at = |map: &[f32], (h, wd, c): (usize, usize, usize), y: isize, xx: isize, ch: usize| {
        if y < 0 || xx < 0 || y >= h as isize || xx >= wd as isize {
            0.0
        } else {
            map[(y as usize * wd + xx as usize) * c + ch]
        }
    };
    // Conv: SAME on 4×3 with a 3×3 window and stride 2 pads (top 0, bottom 1), (left 1, right 1).
    let mut conv = vec![0.0f32; 2 * 2 * 3];
    for oy in 0..2 {
        for ox in 0..2 {
            for o in 0..3 {
                let mut sum = w.conv_bias[o];
                for ky in 0..3 {
                    for kx in 0..3 {
                        for i in 0..2 {
                            let (y, xx) = ((oy * 2 + ky) as isize, (ox * 2 + kx) as isize - 1);
                            sum += w.conv[((o * 3 + ky) * 3 + kx) * 2 + i]
                                * at(x, (4, 3, 2), y, xx, i);
                        }
                    }
                }
                conv[(oy * 2 + ox) * 3 + o] = sum.max(0.0);
            }
        }
    }
    // Depthwise: SAME on 2×2 with a 3×3 window and stride 1 pads 1 on every side.
    let mut depthwise = [0.0f32; 2 * 2 * 6];
    for oy in 0..2 {
        for ox in 0..2 {
            for k in 0..6 {
                let mut sum = w.depthwise_bias[k];
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (y, xx) = ((oy + ky) as isize - 1, (ox + kx) as isize - 1);
                        sum +=
                            w.depthwise[(ky * 3 + kx) * 6 + k] * at(&conv, (2, 2, 3), y, xx, k / 2);
                    }
                }
                depthwise[(oy * 2 + ox) * 6 + k] = sum.clamp(0.0, 6.0);
            }
        }
    }
    // The reshape keeps the HWC order.
    (0..5)
        .map(|o| {
            w.dense_bias[o]
                + (0..24)
                    .map(|j| w.dense[o * 24 + j] * depthwise[j])
                    .sum::<f32>()
        })
        .collect()
}

#[test]
fn layouts_move_so_that_nn_computes_what_tflite_does() {
    let w = weights();
    let mut small = Small::zeroed();
    tflite::load_into(&model(&w), &mut small).unwrap_or_else(|e| panic!("{e}"));
    for seed in 10..14 {
        let nhwc = values(4 * 3 * 2, seed);
        // nn's input is [C, H, W].
        let mut chw = vec![0.0; nhwc.len()];
        for y in 0..4 {
            for x in 0..3 {
                for c in 0..2 {
                    chw[(c * 4 + y) * 3 + x] = nhwc[(y * 3 + x) * 2 + c];
                }
            }
        }
        let mut output = [0.0; 5];
        small.forward_sample(&chw, &mut output);
        let expected = reference(&w, &nhwc);
        for (y, e) in output.iter().zip(&expected) {
            assert!(
                (y - e).abs() <= 1e-5 * e.abs().max(1.0),
                "{output:?} vs {expected:?}"
            );
        }
    }
}

#[test]
fn a_relu_after_a_reshape_where_the_file_has_none_is_a_kind_mismatch() {
    nn::network! {
        struct ExtraRelu {
            input: [2, 4, 3],
            conv2d(3, kernel = 3, stride = 2, padding = same), relu,
            depthwise_conv2d(kernel = 3, depth_multiplier = 2, padding = same), relu6,
            flatten, relu,
            dense(5),
        }
    }
    let error = tflite::load_into(&model(&weights()), &mut ExtraRelu::zeroed()).unwrap_err();
    assert!(
        matches!(
            &error,
            tflite::ImportError::Mismatch {
                operator: 3,
                kind: tflite::Mismatch::Kind,
                layer: Some("relu_1"),
                ..
            }
        ),
        "{error:?}"
    );
}

/// Loads the small model into `network`, which must not match it: the error, after
/// checking that the network is unchanged and that the message names the operator
/// (`operator 3 (FULLY_CONNECTED)`), what the file holds and what the network expects.
fn mismatch<N: Network>(
    network: &mut N,
    operator: &str,
    file: &str,
    expected: &str,
) -> tflite::ImportError {
    let before = network.params().to_vec();
    let error = tflite::load_into(&model(&weights()), network).expect_err("a mismatch");
    assert_eq!(
        network.params(),
        &before[..],
        "a failed import changed the network"
    );
    let message = error.to_string();
    for part in [
        operator,
        &format!("the file holds {file}"),
        &format!("the network expects {expected}"),
    ] {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
    error
}

nn::network! {
    /// A full convolution where the file has its depthwise one.
    struct WrongOperator {
        input: [2, 4, 3],
        conv2d(3, kernel = 3, stride = 2, padding = same), relu,
        conv2d(6, kernel = 3, padding = same), relu6,
        flatten,
        dense(5),
    }
}

#[test]
fn a_wrong_operator_names_both_kinds() {
    let error = mismatch(
        &mut WrongOperator::zeroed(),
        "operator 1 (DEPTHWISE_CONV_2D) and layer `conv2d_1`",
        "DEPTHWISE_CONV_2D (a `depthwise_conv2d` layer in nn)",
        "a `conv2d` layer",
    );
    assert!(
        matches!(
            error,
            tflite::ImportError::Mismatch {
                operator: 1,
                kind: tflite::Mismatch::Kind,
                ..
            }
        ),
        "{error:?}"
    );
}

nn::network! {
    /// A dense layer of 4 units where the file's has 5.
    struct WrongShape {
        input: [2, 4, 3],
        conv2d(3, kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, depth_multiplier = 2, padding = same), relu6,
        flatten,
        dense(4),
    }
}

#[test]
fn a_wrong_shape_names_both_shapes() {
    let error = mismatch(
        &mut WrongShape::zeroed(),
        "operator 3 (FULLY_CONNECTED) and layer `dense_0`",
        "a weight of [5, 24]",
        "`dense_0.weight` of [4, 24]",
    );
    assert!(
        matches!(
            error,
            tflite::ImportError::Mismatch {
                operator: 3,
                kind: tflite::Mismatch::Shape,
                ..
            }
        ),
        "{error:?}"
    );
}

nn::network! {
    /// A ReLU after the depthwise convolution where the file fuses ReLU6.
    struct WrongOption {
        input: [2, 4, 3],
        conv2d(3, kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, depth_multiplier = 2, padding = same), relu,
        flatten,
        dense(5),
    }
}

#[test]
fn a_wrong_option_names_both_settings() {
    let error = mismatch(
        &mut WrongOption::zeroed(),
        "operator 1 (DEPTHWISE_CONV_2D) and layer `relu_1`",
        "a fused relu6",
        "a `relu` layer, not `relu6`",
    );
    assert!(
        matches!(
            error,
            tflite::ImportError::Mismatch {
                operator: 1,
                kind: tflite::Mismatch::Option,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn the_model_built_as_bytes_imports_and_computes() {
    let mut network = tflite_bytes::Classifier::zeroed();
    tflite::load_from_bytes(&tflite_bytes::classifier_bytes(), &mut network)
        .unwrap_or_else(|e| panic!("{e}"));
    let x = [1.0, -2.0, 0.5, 3.0];
    let logits: Vec<f32> = (0..3)
        .map(|o| {
            (tflite_bytes::BIAS[o]
                + (0..4)
                    .map(|i| tflite_bytes::WEIGHTS[o * 4 + i] * x[i])
                    .sum::<f32>())
            .max(0.0)
        })
        .collect();
    let total: f32 = logits.iter().map(|v| v.exp()).sum();
    let mut output = [0.0; 3];
    network.forward_sample(&x, &mut output);
    for (y, l) in output.iter().zip(&logits) {
        assert!(
            (y - l.exp() / total).abs() < 1e-6,
            "{output:?} vs {logits:?}"
        );
    }
}

#[test]
fn a_truncated_file_names_its_length() {
    let bytes = tflite_bytes::classifier_bytes();
    for len in 0..bytes.len() {
        let mut network = tflite_bytes::Classifier::zeroed();
        let error = tflite::load_from_bytes(&bytes[..len], &mut network).expect_err("truncated");
        let message = error.to_string();
        assert!(
            matches!(error, tflite::ImportError::Read(_)),
            "{len}: {error:?}"
        );
        // The reader says the file is cut short, and how long it is; it has no operator
        // to name yet.
        assert!(
            message.contains("truncated") && message.contains(&format!("{len} bytes")),
            "{len} of {} bytes: {message}",
            bytes.len()
        );
        assert!(network.params().iter().all(|&p| p == 0.0), "{len}");
    }
}
