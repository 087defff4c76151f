//! Global pooling and `relu6` in whole networks: gradient checks of the generated batched
//! passes, single-sample inference against batched inference, and global average pooling
//! against the window-sized `avg_pool2d` it equals.

mod support;

use nn::{LayerOp, Network};
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    /// Global average pooling straight into a dense head; ReLU6 where few values meet its
    /// kinks (after a convolution, some of the many values each weight feeds sit within a
    /// finite difference's step of 0, and the check cannot tell).
    struct AvgHead {
        input: [2, 6, 5],
        conv2d(4, kernel = 3, padding = same), tanh,
        global_avg_pool2d,
        dense(5), relu6,
        dense(3), softmax,
    }
}

nn::network! {
    /// Global max pooling over a ragged map after a strided convolution.
    struct MaxHead {
        input: [3, 7, 4],
        conv2d(5, kernel = (3, 2), stride = 2), tanh,
        global_max_pool2d,
        dense(2), sigmoid,
    }
}

nn::network! {
    /// [`AvgHead`] with the global pooling written as a window of the whole map.
    struct WindowHead {
        input: [2, 6, 5],
        conv2d(4, kernel = 3, padding = same), tanh,
        avg_pool2d((6, 5)), flatten,
        dense(5), relu6,
        dense(3), softmax,
    }
}

#[test]
fn global_average_pooling_gradients() {
    check_gradients(&AvgHead::new(4), true, 3, 34);
}

#[test]
fn global_max_pooling_gradients() {
    check_gradients(&MaxHead::new(2), true, 4, 32);
}

#[test]
fn single_samples_match_batched_inference() {
    assert_single_matches_batched(&AvgHead::new(3), 5, 33);
    assert_single_matches_batched(&MaxHead::new(4), 5, 34);
}

#[test]
fn global_average_pooling_is_a_window_over_the_whole_map() {
    let avg = AvgHead::new(5);
    let mut window = WindowHead::new(0);
    assert_eq!(AvgHead::PARAM_COUNT, WindowHead::PARAM_COUNT);
    window.params_mut().copy_from_slice(avg.params());
    let input: Vec<f32> = (0..AvgHead::INPUT_LEN)
        .map(|i| ((i * 37 % 23) as f32 - 11.0) / 4.0)
        .collect();
    let (mut a, mut w) = ([0.0; 3], [0.0; 3]);
    avg.forward_sample(&input, &mut a);
    window.forward_sample(&input, &mut w);
    for (a, w) in a.iter().zip(&w) {
        assert!((a - w).abs() < 1e-6, "{a:?} vs {w:?}");
    }
}

#[test]
fn the_layers_describe_themselves() {
    let ops: Vec<(&str, LayerOp, &[usize])> = AvgHead::LAYERS
        .iter()
        .map(|l| (l.kind, l.op, l.output_shape))
        .collect();
    assert_eq!(
        ops[2],
        ("global_avg_pool2d", LayerOp::GlobalAvgPool2d, &[4][..])
    );
    assert_eq!(ops[4], ("relu6", LayerOp::Relu6, &[5][..]));
    let pool = MaxHead::LAYERS[2];
    assert_eq!(
        (pool.kind, pool.op, pool.input_shape, pool.output_shape),
        (
            "global_max_pool2d",
            LayerOp::GlobalMaxPool2d,
            &[5, 3, 2][..],
            &[5][..]
        )
    );
    assert_eq!((pool.params, pool.flops), (0, 0));
}
