//! Whole-network gradient checks: the generated backward pass of networks that use every
//! layer and every loss agrees with central finite differences of the generated forward
//! pass and loss. Per-op checks live beside the kernels in nn-runtime.

mod support;

use nn::__private::Arena;
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

nn::network! {
    struct AbsoluteError {
        input: [3],
        dense(5), tanh,
        dense(3),
        loss: mae,
    }
}

nn::network! {
    struct HuberDefault {
        input: [3],
        dense(5), tanh,
        dense(3),
        loss: huber,
    }
}

nn::network! {
    struct HuberNarrow {
        input: [3],
        dense(5), tanh,
        dense(3),
        loss: huber(delta = 0.25),
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
fn mean_absolute_error_and_huber_after_a_linear_output() {
    check_gradients(&AbsoluteError::new(7), false, 4, 14);
    check_gradients(&HuberDefault::new(8), false, 4, 15);
    check_gradients(&HuberNarrow::new(9), false, 4, 16);
}

#[test]
fn the_generated_losses_are_the_runtime_kernels() {
    use nn::ops::loss::{huber, mean_absolute_error};
    use nn::{Dataset, Model};
    let mut rng = nn::Rng::new(17);
    let mut random = |n: usize| (0..n).map(|_| rng.uniform(2.0)).collect::<Vec<f32>>();
    let (inputs, targets) = (random(5 * 3), random(5 * 3));
    let data = Dataset::new(inputs.clone(), targets.clone(), 3, 3).unwrap();
    let close = |a: f32, b: f32| assert!((a - b).abs() <= 1e-6 * b.abs(), "{a} vs {b}");

    let model = AbsoluteError::new(10);
    let outputs = model.predict(&inputs).unwrap();
    let want = mean_absolute_error(&outputs, &targets, None);
    close(model.evaluate(&data, 5).unwrap().loss, want);

    let model = HuberNarrow::new(11);
    let outputs = model.predict(&inputs).unwrap();
    let want = huber(&outputs, &targets, 0.25, None);
    assert_ne!(want, huber(&outputs, &targets, 1.0, None));
    close(model.evaluate(&data, 5).unwrap().loss, want);
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
    assert_eq!(<Regression as Arena>::NODE_WIDTHS, &[6, 6, 4, 4, 2]);
    assert_eq!(
        <MseOnSoftmax as Network>::LOSS,
        nn::LossKind::MeanSquaredError
    );
    assert_eq!(
        <Binary as Network>::LOSS,
        nn::LossKind::SigmoidBinaryCrossEntropy
    );
    assert_eq!(
        <AbsoluteError as Network>::LOSS,
        nn::LossKind::MeanAbsoluteError
    );
    assert_eq!(
        <HuberDefault as Network>::LOSS,
        nn::LossKind::Huber { delta: 1.0 }
    );
    assert_eq!(
        <HuberNarrow as Network>::LOSS,
        nn::LossKind::Huber { delta: 0.25 }
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
