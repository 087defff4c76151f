//! `Model::evaluate`, `predict` and `predict_class`, checked by hand.

mod train_support;

use nn_runtime::{Evaluation, Model, Network};
use train_support::{dataset, Dense, Mse, Sigmoid, Softmax};

/// Softmax over the identity map: the class is the larger input.
fn identity_classifier() -> Dense<Softmax, 2, 2> {
    Dense::with_params(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
}

#[test]
fn softmax_accuracy_compares_argmaxes_of_rows() {
    // Predicted classes 0, 1, 0, 1 against targets 0, 1, 1, 1: three of four right.
    let data = dataset(
        vec![2.0, 1.0, 0.0, 3.0, 5.0, 4.0, -1.0, 1.0],
        vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        2,
        2,
    );
    let evaluation = identity_classifier().evaluate(&data, 3).unwrap();
    assert_eq!(evaluation.accuracy, Some(0.75));
    // Cross-entropy of softmax over a logit gap d is ln(1 + e^-d) when right, ln(1 + e^d) when wrong.
    let per_sample = [1.0f32, 3.0, 1.0, 2.0].map(|gap| (1.0 + (-gap).exp()).ln());
    let wrong = (1.0 + 1.0f32.exp()).ln();
    let expected = (per_sample[0] + per_sample[1] + wrong + per_sample[3]) / 4.0;
    assert!(
        (evaluation.loss - expected).abs() < 1e-6,
        "{} vs {expected}",
        evaluation.loss
    );
}

#[test]
fn binary_accuracy_thresholds_every_element() {
    // Weights zero, biases 2 and -2: outputs σ(2) > 0.5 and σ(-2) < 0.5 for every sample.
    let net = Dense::<Sigmoid, 1, 2>::with_params(&[0.0, 0.0, 2.0, -2.0]);
    // Predictions (1, 0) against targets (1, 0), (1, 1), (0, 1): 2 + 1 + 0 of 6 elements.
    let targets = vec![1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let data = dataset(vec![0.0; 3], targets, 1, 2);
    let evaluation = net.evaluate(&data, 2).unwrap();
    assert_eq!(evaluation.accuracy, Some(3.0 / 6.0));
}

#[test]
fn regression_reports_the_mean_squared_error_and_no_accuracy() {
    let net = Dense::<Mse, 1, 1>::zeroed();
    let data = dataset(vec![0.0; 3], vec![1.0, 2.0, 3.0], 1, 1);
    let evaluation = net.evaluate(&data, 2).unwrap();
    assert_eq!(
        evaluation,
        Evaluation {
            loss: (1.0 + 4.0 + 9.0) / 3.0,
            accuracy: None
        }
    );
}

#[test]
fn the_evaluation_does_not_depend_on_the_batch_size() {
    let data = train_support::two_blobs();
    let mut net = Dense::<Softmax, 2, 2>::zeroed();
    net.init(4);
    let whole = net.evaluate(&data, 20).unwrap();
    for batch_size in [1, 3, 7, 64] {
        let batched = net.evaluate(&data, batch_size).unwrap();
        assert_eq!(batched.accuracy, whole.accuracy);
        assert!((batched.loss - whole.loss).abs() < 1e-6);
    }
}

#[test]
fn predict_returns_one_output_row_per_input_row() {
    let mut net = Dense::<Sigmoid, 3, 2>::zeroed();
    net.init(9);
    let inputs: Vec<f32> = (0..600 * 3).map(|i| (i % 7) as f32 * 0.25 - 0.7).collect();
    let outputs = net.predict(&inputs).unwrap();
    assert_eq!(outputs.len(), 600 * 2, "several internal batches");
    for (input, output) in inputs.chunks(3).zip(outputs.chunks(2)) {
        let mut expected = [0.0; 2];
        net.forward_sample(input, &mut expected);
        assert_eq!(output, expected);
    }
    assert!(net.predict(&[]).unwrap().is_empty());
}

#[test]
fn predict_class_takes_the_argmax_or_thresholds_a_single_sigmoid() {
    let net = identity_classifier();
    assert_eq!(net.predict_class(&[0.3, 0.9]).unwrap(), 1);
    assert_eq!(net.predict_class(&[0.9, 0.3]).unwrap(), 0);
    let positive = Dense::<Sigmoid, 1, 1>::with_params(&[1.0, 0.0]);
    assert_eq!(positive.predict_class(&[0.5]).unwrap(), 1);
    assert_eq!(positive.predict_class(&[-0.5]).unwrap(), 0);
}

#[test]
fn predict_class_handles_outputs_wider_than_its_stack_buffer() {
    let mut params = vec![0.0; 300 + 300];
    params[300 + 271] = 1.0; // bias of output 271
    let net = Dense::<Softmax, 1, 300>::with_params(&params);
    assert_eq!(net.predict_class(&[0.0]).unwrap(), 271);
}
