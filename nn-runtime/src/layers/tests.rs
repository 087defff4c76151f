//! The shape rules and the definitions of the layer kinds, through the same `KindInfo`s
//! `network!` resolves layers with.

use super::*;
use std::string::{String, ToString};
use std::vec::Vec;

/// A layer of `keyword` with `args` over `input`: its value and output shape, or the
/// message `network!` would report.
fn resolve(
    keyword: &str,
    args: &[(&'static str, ArgValue)],
    input: &[usize],
) -> Result<(AnyLayer, Vec<usize>), String> {
    let kind = kind(keyword).unwrap_or_else(|| panic!("no kind `{keyword}`"));
    (kind.resolve)(&Args::new(args), input)
        .map(|(layer, output)| (layer, output.dims().to_vec()))
        .map_err(|error| error.to_string())
}

fn output_shape(
    keyword: &str,
    args: &[(&'static str, ArgValue)],
    input: &[usize],
) -> Result<Vec<usize>, String> {
    resolve(keyword, args, input).map(|(_, output)| output)
}

fn layer(keyword: &str, args: &[(&'static str, ArgValue)], input: &[usize]) -> AnyLayer {
    resolve(keyword, args, input).unwrap().0
}

/// (name, shape, trainable) of each tensor.
fn tensors(layer: &AnyLayer) -> Vec<(&'static str, Vec<usize>, bool)> {
    let tensors = layer.definition().tensors();
    tensors
        .iter()
        .map(|t| (t.name, t.shape().to_vec(), t.trainable))
        .collect()
}

const DENSE_10: &[(&str, ArgValue)] = &[("units", ArgValue::Count(10))];

fn conv(
    filters: usize,
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: Padding,
) -> [(&'static str, ArgValue); 4] {
    [
        ("filters", ArgValue::Count(filters)),
        ("kernel", ArgValue::Pair(kernel.0, kernel.1)),
        ("stride", ArgValue::Pair(stride.0, stride.1)),
        ("padding", ArgValue::Padding(padding)),
    ]
}

fn window(size: (usize, usize), stride: (usize, usize)) -> [(&'static str, ArgValue); 2] {
    [
        ("size", ArgValue::Pair(size.0, size.1)),
        ("stride", ArgValue::Pair(stride.0, stride.1)),
    ]
}

/// Zeros above and left of the input of a convolution.
fn pad_before(layer: &AnyLayer) -> (usize, usize) {
    match layer {
        AnyLayer::Conv2d(conv) => (conv.shape.pad_top, conv.shape.pad_left),
        other => panic!("not a convolution: {other:?}"),
    }
}

#[test]
fn dense_maps_a_vector_to_its_units() {
    assert_eq!(output_shape("dense", DENSE_10, &[784]), Ok(vec![10]));
    let dense = layer("dense", DENSE_10, &[784]);
    assert_eq!(
        tensors(&dense),
        vec![("weight", vec![10, 784], true), ("bias", vec![10], true)]
    );
    assert_eq!(dense.definition().flops(), 15_680);
}

#[test]
fn dense_rejects_an_image_and_suggests_flatten() {
    let err = output_shape("dense", DENSE_10, &[16, 5, 5]).unwrap_err();
    assert!(err.contains("[16, 5, 5] (16×5×5 = 400 values)"), "{err}");
    assert!(err.contains("flatten"), "{err}");
}

#[test]
fn flatten_multiplies_out_and_activations_keep_shape() {
    assert_eq!(output_shape("flatten", &[], &[16, 5, 5]), Ok(vec![400]));
    assert_eq!(output_shape("tanh", &[], &[3, 4]), Ok(vec![3, 4]));
    let alpha = [("alpha", ArgValue::Number(0.1))];
    assert_eq!(output_shape("leaky_relu", &alpha, &[7]), Ok(vec![7]));
    assert_eq!(
        layer("leaky_relu", &alpha, &[7]),
        AnyLayer::LeakyRelu(LeakyRelu { alpha: 0.1 })
    );
}

#[test]
fn softmax_needs_a_vector_of_at_least_two() {
    assert!(output_shape("softmax", &[], &[1])
        .unwrap_err()
        .contains("sigmoid"));
    assert!(output_shape("softmax", &[], &[2, 5]).is_err());
    assert_eq!(output_shape("softmax", &[], &[5]), Ok(vec![5]));
}

#[test]
fn the_benchmark_cnn_has_the_keras_shapes_and_flops() {
    let conv1 = conv(8, (3, 3), (1, 1), Padding::Valid);
    assert_eq!(
        output_shape("conv2d", &conv1, &[1, 28, 28]),
        Ok(vec![8, 26, 26])
    );
    assert_eq!(
        layer("conv2d", &conv1, &[1, 28, 28]).definition().flops(),
        97_344
    );
    let pool = window((2, 2), (2, 2));
    assert_eq!(
        output_shape("max_pool2d", &pool, &[8, 26, 26]),
        Ok(vec![8, 13, 13])
    );
    let conv2 = conv(16, (3, 3), (1, 1), Padding::Valid);
    assert_eq!(
        output_shape("conv2d", &conv2, &[8, 13, 13]),
        Ok(vec![16, 11, 11])
    );
    let conv2 = layer("conv2d", &conv2, &[8, 13, 13]);
    assert_eq!(conv2.definition().flops(), 278_784);
    assert_eq!(conv2.definition().aux_width(), 8 * 9 * 11 * 11);
    assert_eq!(
        output_shape("max_pool2d", &pool, &[16, 11, 11]),
        Ok(vec![16, 5, 5])
    );
}

#[test]
fn same_padding_keeps_size_at_stride_1_and_rounds_up_at_stride_2() {
    let same = conv(4, (3, 3), (1, 1), Padding::Same);
    assert_eq!(
        output_shape("conv2d", &same, &[1, 28, 28]),
        Ok(vec![4, 28, 28])
    );
    assert_eq!(pad_before(&layer("conv2d", &same, &[1, 28, 28])), (1, 1));
    let strided = conv(4, (3, 3), (2, 2), Padding::Same);
    assert_eq!(
        output_shape("conv2d", &strided, &[1, 28, 28]),
        Ok(vec![4, 14, 14])
    );
    // Keras: total padding 1 for 28 → 14 with k=3, s=2: none before, one after.
    assert_eq!(pad_before(&layer("conv2d", &strided, &[1, 28, 28])), (0, 0));
    let even = conv(4, (4, 4), (1, 1), Padding::Same);
    assert_eq!(pad_before(&layer("conv2d", &even, &[1, 9, 9])), (1, 1));
    assert_eq!(output_shape("conv2d", &even, &[1, 9, 9]), Ok(vec![4, 9, 9]));
}

#[test]
fn the_mlperf_tiny_convolutions_pad_as_tensorflow() {
    // KWS' first layer: 10×4 kernel, stride 2, `same`, over 49×10 → 25×5; TensorFlow pads 9
    // rows (4 above, 5 below) and 2 columns (1 each side).
    let kws = conv(64, (10, 4), (2, 2), Padding::Same);
    assert_eq!(
        output_shape("conv2d", &kws, &[1, 49, 10]),
        Ok(vec![64, 25, 5])
    );
    let kws = layer("conv2d", &kws, &[1, 49, 10]);
    assert_eq!(pad_before(&kws), (4, 1));
    assert!(matches!(
        kws.definition().op(),
        crate::network::LayerOp::Conv2d {
            padding: [4, 1, 5, 1],
            ..
        }
    ));
    // ResNet-8's 1×1 projection at stride 2, `same`: 32×32 → 16×16 with no padding at all.
    let projection = conv(32, (1, 1), (2, 2), Padding::Same);
    let projection = layer("conv2d", &projection, &[16, 32, 32]);
    assert_eq!(pad_before(&projection), (0, 0));
    assert!(matches!(
        projection.definition().op(),
        crate::network::LayerOp::Conv2d {
            padding: [0, 0, 0, 0],
            ..
        }
    ));
}

#[test]
fn explicit_padding_and_rectangular_kernels() {
    let args = conv(2, (3, 5), (1, 2), Padding::Explicit(1, 2));
    // height: (10 + 2 - 3) / 1 + 1 = 10; width: (11 + 4 - 5) / 2 + 1 = 6
    assert_eq!(
        output_shape("conv2d", &args, &[3, 10, 11]),
        Ok(vec![2, 10, 6])
    );
    assert_eq!(
        tensors(&layer("conv2d", &args, &[3, 10, 11]))[0].1,
        vec![2, 3, 3, 5]
    );
}

#[test]
fn windows_that_do_not_fit_are_errors() {
    let big = conv(2, (5, 5), (1, 1), Padding::Valid);
    let err = output_shape("conv2d", &big, &[1, 3, 3]).unwrap_err();
    assert!(
        err.contains("kernel 5×5 does not fit the 3×3 input"),
        "{err}"
    );
    let padded = conv(2, (5, 5), (1, 1), Padding::Explicit(0, 1));
    assert!(output_shape("conv2d", &padded, &[1, 3, 3])
        .unwrap_err()
        .contains("padded"));
    assert!(
        output_shape("avg_pool2d", &window((3, 3), (3, 3)), &[4, 2, 2])
            .unwrap_err()
            .contains("pooling window 3×3 does not fit the 2×2 input")
    );
}

#[test]
fn windows_need_an_image() {
    let args = conv(2, (3, 3), (1, 1), Padding::Valid);
    let err = output_shape("conv2d", &args, &[784]).unwrap_err();
    assert!(
        err.contains("[channels, height, width]") && err.contains("[784]"),
        "{err}"
    );
    assert!(output_shape("conv2d", &args, &[28, 28])
        .unwrap_err()
        .contains("channel dimension"));
}

#[test]
fn overlapping_and_non_dividing_pools_floor_like_keras() {
    let overlapping = window((3, 3), (2, 2));
    assert_eq!(
        output_shape("max_pool2d", &overlapping, &[1, 7, 7]),
        Ok(vec![1, 3, 3])
    );
    let square = [("size", ArgValue::Count(2))];
    assert_eq!(
        output_shape("max_pool2d", &square, &[1, 7, 7]),
        Ok(vec![1, 3, 3])
    );
}

fn depthwise(
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: Padding,
    multiplier: usize,
    bias: bool,
) -> [(&'static str, ArgValue); 5] {
    [
        ("kernel", ArgValue::Pair(kernel.0, kernel.1)),
        ("stride", ArgValue::Pair(stride.0, stride.1)),
        ("padding", ArgValue::Padding(padding)),
        ("depth_multiplier", ArgValue::Count(multiplier)),
        ("bias", ArgValue::Bool(bias)),
    ]
}

fn depthwise_shape(layer: &AnyLayer) -> Conv2dShape {
    match layer {
        AnyLayer::DepthwiseConv2d(conv) => conv.shape,
        other => panic!("not a depthwise convolution: {other:?}"),
    }
}

#[test]
fn depthwise_convolution_multiplies_the_channels_and_pads_as_tensorflow() {
    // KWS: 3×3 `same` at stride 1 over 64 × 25×5.
    let kws = depthwise((3, 3), (1, 1), Padding::Same, 1, true);
    assert_eq!(
        output_shape("depthwise_conv2d", &kws, &[64, 25, 5]),
        Ok(vec![64, 25, 5])
    );
    let layer_kws = layer("depthwise_conv2d", &kws, &[64, 25, 5]);
    let s = depthwise_shape(&layer_kws);
    assert_eq!((s.pad_top, s.pad_left), (1, 1));
    assert_eq!(
        tensors(&layer_kws),
        vec![
            ("weight", vec![64, 1, 3, 3], true),
            ("bias", vec![64], true)
        ]
    );
    assert_eq!(layer_kws.definition().flops(), 2 * 64 * 9 * 125);
    assert_eq!(layer_kws.definition().aux_width(), 0);
    // VWW: 3×3 `same` at stride 2 over 48×48 → 24×24, TensorFlow's one zero row and column
    // after the input, none before.
    let vww = depthwise((3, 3), (2, 2), Padding::Same, 1, true);
    let layer_vww = layer("depthwise_conv2d", &vww, &[16, 48, 48]);
    let s = depthwise_shape(&layer_vww);
    assert_eq!(
        (s.out_height, s.out_width, s.pad_top, s.pad_left),
        (24, 24, 0, 0)
    );
    assert_eq!(
        layer_vww.definition().op(),
        crate::network::LayerOp::DepthwiseConv2d {
            depth_multiplier: 1,
            kernel: [3, 3],
            stride: [2, 2],
            padding: [0, 0, 1, 1],
            bias: true,
        }
    );
    // Multiplier 3 without bias, explicit padding, a rectangular kernel and stride.
    let args = depthwise((3, 2), (2, 1), Padding::Explicit(1, 0), 3, false);
    assert_eq!(
        output_shape("depthwise_conv2d", &args, &[2, 7, 5]),
        Ok(vec![6, 4, 4])
    );
    let layer_3 = layer("depthwise_conv2d", &args, &[2, 7, 5]);
    assert_eq!(tensors(&layer_3), vec![("weight", vec![6, 1, 3, 2], true)]);
    let mut literal = String::new();
    layer_3
        .definition()
        .write_literal("p", &mut literal)
        .unwrap();
    assert!(
        literal.starts_with("p::DepthwiseConv2d { shape: p::Conv2dShape { in_channels: 2,")
            && literal.ends_with("out_width: 4 }, bias: false, init: p::Init::He }"),
        "{literal}"
    );
}

#[test]
fn depthwise_convolution_defaults_and_errors() {
    // Only the kernel given: stride 1, valid, multiplier 1, a bias.
    let kernel_only = [("kernel", ArgValue::Count(3))];
    let conv = layer("depthwise_conv2d", &kernel_only, &[4, 6, 6]);
    let s = depthwise_shape(&conv);
    assert_eq!((s.out_channels, s.out_height, s.pad_top), (4, 4, 0));
    assert_eq!(tensors(&conv).len(), 2);
    let err = output_shape("depthwise_conv2d", &kernel_only, &[36]).unwrap_err();
    assert_eq!(
        err,
        "depthwise_conv2d expects a [channels, height, width] input, but receives [36]"
    );
    let err = output_shape("depthwise_conv2d", &kernel_only, &[4, 2, 6]).unwrap_err();
    assert!(
        err.contains("kernel 3×3 does not fit the 2×6 input"),
        "{err}"
    );
    assert_eq!(
        output_shape("depthwise_conv2d", &[], &[4, 6, 6]),
        Err("the argument `kernel` is missing".to_string())
    );
}

#[test]
fn global_pooling_reduces_each_channel_to_one_value() {
    for keyword in ["global_avg_pool2d", "global_max_pool2d"] {
        assert_eq!(output_shape(keyword, &[], &[64, 25, 5]), Ok(vec![64]));
        assert_eq!(output_shape(keyword, &[], &[3, 1, 1]), Ok(vec![3]));
        let pool = layer(keyword, &[], &[64, 25, 5]);
        assert_eq!(pool.definition().keyword(), keyword);
        assert!(tensors(&pool).is_empty());
        assert_eq!(pool.definition().flops(), 0);
        assert_eq!(pool.definition().aux_width(), 0);
        let err = output_shape(keyword, &[], &[64]).unwrap_err();
        assert_eq!(
            err,
            format!("{keyword} expects a [channels, height, width] input, but receives [64]")
        );
        assert!(output_shape(keyword, &[], &[5, 5])
            .unwrap_err()
            .contains("channel dimension"));
    }
    let mut literal = String::new();
    let pool = layer("global_avg_pool2d", &[], &[8, 3, 2]);
    pool.definition().write_literal("p", &mut literal).unwrap();
    assert_eq!(
        literal,
        "p::GlobalAvgPool2d(p::GlobalPoolShape { channels: 8, height: 3, width: 2 })"
    );
}

#[test]
fn batch_norm_normalizes_channels_and_keeps_shape() {
    assert_eq!(
        output_shape("batch_norm", &[], &[8, 5, 5]),
        Ok(vec![8, 5, 5])
    );
    let groups = |input: &[usize]| match layer("batch_norm", &[], input) {
        AnyLayer::BatchNorm(bn) => (bn.0.channels, bn.0.spatial),
        other => panic!("not a batch norm: {other:?}"),
    };
    assert_eq!(groups(&[8, 5, 5]), (8, 25));
    assert_eq!(groups(&[64]), (64, 1));
    let bn = layer("batch_norm", &[], &[8, 5, 5]);
    let names: Vec<_> = tensors(&bn).iter().map(|t| (t.0, t.2)).collect();
    assert_eq!(
        names,
        [
            ("weight", true),
            ("bias", true),
            ("running_mean", false),
            ("running_var", false)
        ]
    );
    assert_eq!(bn.definition().aux_width(), 16);
}

#[test]
fn recurrent_layers_need_a_sequence() {
    let units = [("units", ArgValue::Count(4))];
    assert_eq!(output_shape("lstm", &units, &[5, 3]), Ok(vec![4]));
    let sequences = [
        ("units", ArgValue::Count(4)),
        ("return_sequences", ArgValue::Bool(true)),
    ];
    assert_eq!(output_shape("gru", &sequences, &[5, 3]), Ok(vec![5, 4]));
    let err = output_shape("rnn", &units, &[15]).unwrap_err();
    assert_eq!(
        err,
        "rnn expects a [steps, features] sequence, but receives [15]"
    );
}

#[test]
fn a_missing_required_argument_is_an_error_not_a_panic() {
    assert_eq!(
        output_shape("dense", &[], &[4]),
        Err("the argument `units` is missing".to_string())
    );
    assert!(output_shape("conv2d", &[("filters", ArgValue::Count(2))], &[1, 4, 4]).is_err());
}

#[test]
fn every_kind_is_registered_once_and_writes_itself_as_rust() {
    let mut keywords: Vec<&str> = KINDS.iter().map(|k| k.keyword).collect();
    keywords.sort_unstable();
    let before = keywords.len();
    keywords.dedup();
    assert_eq!(before, keywords.len(), "a keyword registered twice");
    let dense = layer("dense", DENSE_10, &[3]);
    let mut literal = String::new();
    dense.definition().write_literal("p", &mut literal).unwrap();
    assert_eq!(
        literal,
        "p::Dense { inputs: 3, units: 10, init: p::Init::He }"
    );
}
