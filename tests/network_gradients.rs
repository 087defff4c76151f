//! Whole-network gradient checks: the generated backward pass of networks that use every
//! layer and every loss agrees with central finite differences of the generated forward
//! pass and loss. Per-op checks live beside the kernels in nn-runtime.

mod support;

use nn::Network;
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    struct EveryActivation {
        input: [5],
        dense(6), relu,
        dense(6), leaky_relu(0.1),
        dense(5), tanh,
        dense(4), sigmoid,
        dense(3), softmax,
    }
}

nn::network! {
    struct Binary {
        input: [4],
        dense(5), tanh,
        dense(2), sigmoid,
    }
}

nn::network! {
    struct Regression {
        input: [2, 3],
        flatten,
        dense(4), leaky_relu,
        dense(2),
    }
}

nn::network! {
    struct MseOnSoftmax {
        input: [3],
        dense(4), sigmoid,
        dense(3), softmax,
        loss: mse,
    }
}

#[test]
fn softmax_cross_entropy_through_every_activation() {
    check_gradients(&EveryActivation::new(1), true, 4, 10);
}

#[test]
fn binary_cross_entropy_after_sigmoid() {
    check_gradients(&Binary::new(2), true, 3, 11);
}

#[test]
fn mean_squared_error_after_flatten_and_linear_output() {
    check_gradients(&Regression::new(3), false, 5, 12);
}

#[test]
fn mean_squared_error_through_softmax_jacobian() {
    check_gradients(&MseOnSoftmax::new(4), false, 2, 13);
}

#[test]
fn single_sample_forward_matches_the_batched_forward() {
    assert_single_matches_batched(&EveryActivation::new(5), 3, 6);
    assert_single_matches_batched(&Regression::new(6), 4, 7);
}

#[test]
fn layout_constants_describe_the_spec() {
    assert_eq!(EveryActivation::INPUT_SHAPE, [5]);
    assert_eq!(EveryActivation::OUTPUT_SHAPE, [3]);
    assert_eq!(
        EveryActivation::PARAM_COUNT,
        (5 * 6 + 6) + (6 * 6 + 6) + (6 * 5 + 5) + (5 * 4 + 4) + (4 * 3 + 3)
    );
    assert_eq!(Regression::INPUT_SHAPE, [2, 3]);
    assert_eq!(<Regression as Network>::NODE_WIDTHS, &[6, 6, 4, 4, 2]);
    assert_eq!(
        <MseOnSoftmax as Network>::LOSS,
        nn::LossKind::MeanSquaredError
    );
    assert_eq!(
        <Binary as Network>::LOSS,
        nn::LossKind::SigmoidBinaryCrossEntropy
    );
    let names: Vec<&str> = <Binary as Network>::TENSORS
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names,
        [
            "dense_0.weight",
            "dense_0.bias",
            "dense_1.weight",
            "dense_1.bias"
        ]
    );
    assert_eq!(<Binary as Network>::TENSORS[2].shape, &[2, 5]);
    assert_eq!(<Binary as Network>::TENSORS[2].offset, 4 * 5 + 5);
}
