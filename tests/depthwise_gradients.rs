//! Depthwise convolution in whole networks: gradient checks of the generated batched passes,
//! single-sample inference against batched inference, and a depthwise layer against the
//! `conv2d` with block-diagonal weights that it equals.

mod support;

use nn::{LayerOp, Network};
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    /// MobileNet's block (depthwise, then pointwise) with every option: `same` at strides 1
    /// and 2, explicit padding, a multiplier, no bias, a rectangular kernel, ragged maps.
    struct Separable {
        input: [3, 9, 7],
        depthwise_conv2d(kernel = 3, padding = same), tanh,
        conv2d(4, kernel = 1), sigmoid,
        depthwise_conv2d(kernel = (3, 2), stride = 2, padding = same, depth_multiplier = 2, bias = false), tanh,
        depthwise_conv2d(kernel = 2, padding = 1, init = glorot),
        global_avg_pool2d,
        dense(3), softmax,
    }
}

nn::network! {
    struct Depthwise {
        input: [2, 7, 6],
        depthwise_conv2d(kernel = 3, stride = 2, padding = same, depth_multiplier = 3),
    }
}

nn::network! {
    /// [`Depthwise`] as a full convolution.
    struct Full {
        input: [2, 7, 6],
        conv2d(6, kernel = 3, stride = 2, padding = same),
    }
}

#[test]
fn separable_network_gradients() {
    check_gradients(&Separable::new(1), true, 3, 41);
}

#[test]
fn single_samples_match_batched_inference() {
    assert_single_matches_batched(&Separable::new(2), 5, 42);
    assert_single_matches_batched(&Depthwise::new(3), 4, 43);
}

#[test]
fn a_depthwise_convolution_is_a_block_diagonal_convolution() {
    let depthwise = Depthwise::new(4);
    let mut full = Full::new(0);
    // Weights [6, 1, 3, 3] and [6, 2, 3, 3]; biases [6] after them.
    let (weight, bias) = depthwise.params().split_at(54);
    let params = full.params_mut();
    params.fill(0.0);
    for o in 0..6 {
        let c = o / 3; // output channel o reads input channel o / multiplier
        params[(o * 2 + c) * 9..][..9].copy_from_slice(&weight[o * 9..][..9]);
    }
    params[108..].copy_from_slice(bias);
    let input: Vec<f32> = (0..Depthwise::INPUT_LEN)
        .map(|i| ((i * 29 % 17) as f32 - 8.0) / 3.0)
        .collect();
    let (mut a, mut b) = ([0.0; 6 * 4 * 3], [0.0; 6 * 4 * 3]);
    depthwise.forward_sample(&input, &mut a);
    full.forward_sample(&input, &mut b);
    for (k, (a, b)) in a.iter().zip(&b).enumerate() {
        assert!((a - b).abs() < 1e-5, "output {k}: {a} vs {b}");
    }
}

#[test]
fn the_layers_describe_themselves() {
    let layers = Separable::LAYERS;
    assert_eq!(layers[0].name, "depthwise_conv2d_0");
    assert_eq!(layers[0].params, 3 * 9 + 3);
    assert_eq!(layers[4].output_shape, &[8, 5, 4][..]);
    assert_eq!(
        layers[4].op,
        LayerOp::DepthwiseConv2d {
            depth_multiplier: 2,
            kernel: [3, 2],
            stride: [2, 2],
            // 9 → 5 rows: 2 zero rows, one on each side; 7 → 4 columns: 1 zero column,
            // after (TensorFlow's `same`: the odd one after).
            padding: [1, 0, 1, 1],
            bias: false,
        }
    );
    assert_eq!(layers[4].params, 8 * 6);
    assert_eq!(layers[4].flops, 2 * 8 * 6 * 5 * 4);
    assert_eq!(layers[6].output_shape, &[8, 6, 5][..]);
    let names: Vec<&str> = Separable::TENSORS.iter().map(|t| t.name).collect();
    assert!(names.contains(&"depthwise_conv2d_1.weight"));
    assert!(!names.contains(&"depthwise_conv2d_1.bias"));
    assert!(names.contains(&"depthwise_conv2d_2.bias"));
}
