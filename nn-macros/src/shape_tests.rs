use super::*;
use crate::ir::{Init, Padding, Pair};
use crate::resolve::resolve;
use nn_runtime::layers::AnyLayer;

/// The runtime value `check` resolves a valid layer to.
fn resolved(kind: &LayerKind, input: &[usize]) -> AnyLayer {
    resolve(kind, input).unwrap().0
}

/// The output shape, or the kind's message.
fn output_shape(kind: &LayerKind, input: &[usize]) -> Result<Vec<usize>, String> {
    resolve(kind, input).map(|(_, output)| output)
}

/// Zeros above and left of the input of a resolved convolution.
fn pad_before(kind: &LayerKind, input: &[usize]) -> (usize, usize) {
    match resolved(kind, input) {
        AnyLayer::Conv2d(conv) => (conv.shape.pad_top, conv.shape.pad_left),
        other => panic!("not a convolution: {other:?}"),
    }
}

/// The (channels, values per channel) a resolved batch norm normalizes over.
fn batch_norm_groups(input: &[usize]) -> (usize, usize) {
    let kind = LayerKind::BatchNorm {
        momentum: 0.1,
        epsilon: 1e-5,
    };
    match resolved(&kind, input) {
        AnyLayer::BatchNorm(bn) => (bn.0.channels, bn.0.spatial),
        other => panic!("not a batch norm: {other:?}"),
    }
}

/// The parameter tensors its definition gives: (name, shape, trainable).
fn parameter_shapes(kind: &LayerKind, input: &[usize]) -> Vec<(&'static str, Vec<usize>, bool)> {
    let layer = resolved(kind, input);
    let tensors = layer.definition().tensors();
    tensors
        .iter()
        .map(|t| (t.name, t.shape().to_vec(), t.trainable))
        .collect()
}

fn flops(kind: &LayerKind, input: &[usize]) -> u64 {
    resolved(kind, input).definition().flops()
}

fn aux_width(kind: &LayerKind, input: &[usize]) -> usize {
    resolved(kind, input).definition().aux_width()
}

const DENSE_10: LayerKind = LayerKind::Dense {
    units: 10,
    init: Init::Glorot,
};

fn conv(filters: usize, kernel: Pair, stride: Pair, padding: Padding) -> LayerKind {
    LayerKind::Conv2d {
        filters,
        kernel,
        stride,
        padding,
        init: Init::He,
    }
}

#[test]
fn dense_maps_a_vector_to_its_units() {
    assert_eq!(output_shape(&DENSE_10, &[784]), Ok(vec![10]));
    assert_eq!(
        parameter_shapes(&DENSE_10, &[784]),
        vec![("weight", vec![10, 784], true), ("bias", vec![10], true)]
    );
    assert_eq!(flops(&DENSE_10, &[784]), 15_680);
}

#[test]
fn dense_rejects_an_image_and_suggests_flatten() {
    let err = output_shape(&DENSE_10, &[16, 5, 5]).unwrap_err();
    assert!(err.contains("[16, 5, 5] (16×5×5 = 400 values)"), "{err}");
    assert!(err.contains("flatten"), "{err}");
}

#[test]
fn flatten_multiplies_out_and_activations_keep_shape() {
    assert_eq!(
        output_shape(&LayerKind::Flatten, &[16, 5, 5]),
        Ok(vec![400])
    );
    assert_eq!(output_shape(&LayerKind::Tanh, &[3, 4]), Ok(vec![3, 4]));
    assert_eq!(
        output_shape(&LayerKind::LeakyRelu { alpha: 0.1 }, &[7]),
        Ok(vec![7])
    );
}

#[test]
fn softmax_needs_a_vector_of_at_least_two() {
    assert!(output_shape(&LayerKind::Softmax, &[1])
        .unwrap_err()
        .contains("sigmoid"));
    assert!(output_shape(&LayerKind::Softmax, &[2, 5]).is_err());
    assert_eq!(output_shape(&LayerKind::Softmax, &[5]), Ok(vec![5]));
}

#[test]
fn the_benchmark_cnn_has_the_keras_shapes_and_flops() {
    let conv1 = conv(8, (3, 3), (1, 1), Padding::Valid);
    assert_eq!(output_shape(&conv1, &[1, 28, 28]), Ok(vec![8, 26, 26]));
    assert_eq!(flops(&conv1, &[1, 28, 28]), 97_344);
    let pool = LayerKind::MaxPool2d {
        size: (2, 2),
        stride: (2, 2),
    };
    assert_eq!(output_shape(&pool, &[8, 26, 26]), Ok(vec![8, 13, 13]));
    let conv2 = conv(16, (3, 3), (1, 1), Padding::Valid);
    assert_eq!(output_shape(&conv2, &[8, 13, 13]), Ok(vec![16, 11, 11]));
    assert_eq!(flops(&conv2, &[8, 13, 13]), 278_784);
    assert_eq!(output_shape(&pool, &[16, 11, 11]), Ok(vec![16, 5, 5]));
    assert_eq!(aux_width(&conv2, &[8, 13, 13]), 8 * 9 * 11 * 11);
}

#[test]
fn same_padding_keeps_size_at_stride_1_and_rounds_up_at_stride_2() {
    let same = conv(4, (3, 3), (1, 1), Padding::Same);
    assert_eq!(output_shape(&same, &[1, 28, 28]), Ok(vec![4, 28, 28]));
    assert_eq!(pad_before(&same, &[1, 28, 28]), (1, 1));
    let strided = conv(4, (3, 3), (2, 2), Padding::Same);
    assert_eq!(output_shape(&strided, &[1, 28, 28]), Ok(vec![4, 14, 14]));
    // Keras: total padding 1 for 28 → 14 with k=3, s=2: none before, one after.
    assert_eq!(pad_before(&strided, &[1, 28, 28]), (0, 0));
    let even = conv(4, (4, 4), (1, 1), Padding::Same);
    assert_eq!(pad_before(&even, &[1, 9, 9]), (1, 1));
    assert_eq!(output_shape(&even, &[1, 9, 9]), Ok(vec![4, 9, 9]));
}

#[test]
fn explicit_padding_and_rectangular_kernels() {
    let layer = conv(2, (3, 5), (1, 2), Padding::Explicit((1, 2)));
    // height: (10 + 2 - 3) / 1 + 1 = 10; width: (11 + 4 - 5) / 2 + 1 = 6
    assert_eq!(output_shape(&layer, &[3, 10, 11]), Ok(vec![2, 10, 6]));
    assert_eq!(
        parameter_shapes(&layer, &[3, 10, 11])[0].1,
        vec![2, 3, 3, 5]
    );
}

#[test]
fn windows_that_do_not_fit_are_errors() {
    let big = conv(2, (5, 5), (1, 1), Padding::Valid);
    let err = output_shape(&big, &[1, 3, 3]).unwrap_err();
    assert!(
        err.contains("kernel 5×5 does not fit the 3×3 input"),
        "{err}"
    );
    let padded = conv(2, (5, 5), (1, 1), Padding::Explicit((0, 1)));
    assert!(output_shape(&padded, &[1, 3, 3])
        .unwrap_err()
        .contains("padded"));
    let pool = LayerKind::AvgPool2d {
        size: (3, 3),
        stride: (3, 3),
    };
    assert!(output_shape(&pool, &[4, 2, 2])
        .unwrap_err()
        .contains("pooling window 3×3 does not fit the 2×2 input"));
}

#[test]
fn windows_need_an_image() {
    let err = output_shape(&conv(2, (3, 3), (1, 1), Padding::Valid), &[784]).unwrap_err();
    assert!(
        err.contains("[channels, height, width]") && err.contains("[784]"),
        "{err}"
    );
    assert!(
        output_shape(&conv(2, (3, 3), (1, 1), Padding::Valid), &[28, 28])
            .unwrap_err()
            .contains("channel dimension")
    );
}

#[test]
fn overlapping_and_non_dividing_pools_floor_like_keras() {
    let pool = LayerKind::MaxPool2d {
        size: (3, 3),
        stride: (2, 2),
    };
    assert_eq!(output_shape(&pool, &[1, 7, 7]), Ok(vec![1, 3, 3]));
    let pool = LayerKind::MaxPool2d {
        size: (2, 2),
        stride: (2, 2),
    };
    assert_eq!(output_shape(&pool, &[1, 7, 7]), Ok(vec![1, 3, 3]));
}

#[test]
fn batch_norm_normalizes_channels_and_keeps_shape() {
    let bn = LayerKind::BatchNorm {
        momentum: 0.1,
        epsilon: 1e-5,
    };
    assert_eq!(output_shape(&bn, &[8, 5, 5]), Ok(vec![8, 5, 5]));
    assert_eq!(batch_norm_groups(&[8, 5, 5]), (8, 25));
    assert_eq!(batch_norm_groups(&[64]), (64, 1));
    let tensors = parameter_shapes(&bn, &[8, 5, 5]);
    let names: Vec<_> = tensors.iter().map(|t| (t.0, t.2)).collect();
    assert_eq!(
        names,
        [
            ("weight", true),
            ("bias", true),
            ("running_mean", false),
            ("running_var", false)
        ]
    );
    assert_eq!(aux_width(&bn, &[8, 5, 5]), 16);
}
