//! What `fit`, `evaluate` and `predict` refuse, and how training stops on a NaN loss.

mod train_support;

use nn_runtime::data::DataShapeError;
use nn_runtime::{Dataset, FitConfig, Model, TrainError};
use train_support::{
    dataset, linear_regression, numbered, two_blobs, Dense, Mse, PlainSgd, Recording, Softmax,
};

type Linear = Dense<Mse, 2, 1>;

fn fit_error(
    net: &mut Linear,
    train: &nn_runtime::Dataset,
    validation: Option<&nn_runtime::Dataset>,
) -> TrainError {
    net.fit(
        train,
        validation,
        &mut PlainSgd::new(0.1),
        &FitConfig::new(1, 4).quiet(),
    )
    .unwrap_err()
}

#[test]
fn a_nan_in_the_data_stops_training_at_its_batch() {
    let mut data = linear_regression();
    data.inputs[5 * 2] = f32::NAN; // sample 5: second batch of 4 without shuffling
    let mut net = Linear::zeroed();
    let config = FitConfig::new(3, 4).shuffle(false).quiet();
    let error = net
        .fit(&data, None, &mut PlainSgd::new(0.1), &config)
        .unwrap_err();

    let TrainError::NonFiniteLoss { epoch, batch, loss } = error else {
        panic!("{error:?}")
    };
    assert_eq!((epoch, batch), (1, 2));
    assert!(loss.is_nan());
    assert!(
        net.params.iter().all(|p| p.is_finite()),
        "the offending batch is not applied"
    );
}

#[test]
fn the_nan_error_names_epoch_and_batch_and_what_to_do() {
    // 10 samples in batches of 4 are 3 batches per epoch: pass 8 is epoch 3, batch 2.
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    net.poison_call = Some(8);
    let mut optimizer = PlainSgd::new(0.0);
    let error = net
        .fit(
            &numbered(10),
            None,
            &mut optimizer,
            &FitConfig::new(5, 4).quiet(),
        )
        .unwrap_err();

    assert!(
        matches!(error, TrainError::NonFiniteLoss { epoch: 3, batch: 2, loss } if loss.is_nan()),
        "{error:?}"
    );
    assert_eq!(
        optimizer.steps, 7,
        "the seven batches before it were applied"
    );
    assert_eq!(
        error.to_string(),
        "training stopped: loss became NaN at epoch 3, batch 2; \
         lower the learning rate or check the data for NaN/inf"
    );
}

#[test]
fn a_diverging_learning_rate_stops_with_a_non_finite_loss() {
    let mut net = Linear::zeroed();
    let error = net
        .fit(
            &linear_regression(),
            None,
            &mut PlainSgd::new(1e4),
            &FitConfig::new(50, 4).quiet(),
        )
        .unwrap_err();
    let TrainError::NonFiniteLoss { loss, .. } = error else {
        panic!("{error:?}")
    };
    assert!(!loss.is_finite());
    assert!(error
        .to_string()
        .starts_with("training stopped: loss became "));
}

#[test]
fn inputs_of_the_wrong_width_are_refused_before_training() {
    let data = dataset(vec![0.0; 9], vec![0.0; 3], 3, 1);
    let error = fit_error(&mut Linear::zeroed(), &data, None);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            TrainError::ShapeMismatch {
                what: "training inputs",
                expected: 2,
                found: 3
            }
        )
    );
    assert_eq!(
        error.to_string(),
        "training inputs have 3 floats per sample, but the network expects 2; \
         reshape or re-encode the data to match the network"
    );
}

#[test]
fn targets_of_the_wrong_width_are_refused_for_validation_too() {
    let good = linear_regression();
    let bad = dataset(vec![0.0; 4], vec![0.0; 4], 2, 2);
    let mut net = Linear::zeroed();
    let before = net.params.clone();
    let error = fit_error(&mut net, &good, Some(&bad));
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            TrainError::ShapeMismatch {
                what: "validation targets",
                expected: 1,
                found: 2
            }
        )
    );
    assert_eq!(net.params, before, "nothing was trained");
    assert_eq!(
        format!("{:?}", fit_error(&mut net, &bad, None)),
        format!(
            "{:?}",
            TrainError::ShapeMismatch {
                what: "training targets",
                expected: 1,
                found: 2
            }
        )
    );
}

#[test]
fn malformed_and_empty_data_sets_are_refused() {
    let mut net = Linear::zeroed();
    let ragged = dataset(vec![0.0; 5], vec![0.0; 2], 2, 1);
    assert_eq!(
        format!("{:?}", fit_error(&mut net, &ragged, None)),
        format!(
            "{:?}",
            TrainError::DataShape(DataShapeError::PartialRow {
                what: "training inputs",
                floats: 5,
                row_len: 2
            })
        )
    );
    let uneven = dataset(vec![0.0; 6], vec![0.0; 2], 2, 1);
    let error = fit_error(&mut net, &uneven, None);
    assert!(
        matches!(
            error,
            TrainError::DataShape(DataShapeError::RowMismatch {
                what: "training data",
                inputs: 3,
                targets: 2
            })
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "training data has 3 input rows but 2 target rows; every sample needs exactly one target"
    );
    let empty = dataset(vec![], vec![], 2, 1);
    let error = fit_error(&mut net, &linear_regression(), Some(&empty));
    assert_eq!(
        format!("{:?}", error),
        format!("{:?}", TrainError::EmptyDataset { what: "validation" })
    );
    assert_eq!(
        error.to_string(),
        "validation data has no samples; give it at least one"
    );
}

#[test]
fn a_zero_batch_size_is_refused() {
    let mut net = Linear::zeroed();
    let config = FitConfig::new(1, 0).quiet();
    let error = net
        .fit(&linear_regression(), None, &mut PlainSgd::new(0.1), &config)
        .unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!("{:?}", TrainError::ZeroBatchSize)
    );
    assert_eq!(
        format!("{:?}", net.evaluate(&linear_regression(), 0).unwrap_err()),
        format!("{:?}", TrainError::ZeroBatchSize)
    );
    assert_eq!(error.to_string(), "batch size is 0; use at least 1");
}

#[test]
fn evaluate_and_predict_refuse_malformed_input() {
    let net = Dense::<Softmax, 2, 2>::zeroed();
    // One target per sample for a softmax network reads as class indices; a
    // regression target such as 1.5 names no class.
    let error = net.evaluate(&linear_regression(), 4).unwrap_err();
    assert!(
        matches!(
            error,
            TrainError::LabelOutOfRange {
                what: "evaluation",
                sample: 2,
                classes: 2,
                ..
            }
        ),
        "{error:?}"
    );
    let three_wide = Dataset::new(vec![0.0; 2], vec![0.0; 3], 2, 3).unwrap();
    let error = net.evaluate(&three_wide, 4).unwrap_err();
    assert_eq!(
        error.to_string(),
        "evaluation targets (one-hot rows, or one class index per sample) have 3 floats per \
         sample, but the network expects 2; reshape or re-encode the data to match the network"
    );
    assert!(net.evaluate(&two_blobs(), 4).is_ok());
    let error = net.predict(&[0.0; 3]).unwrap_err();
    assert!(
        matches!(
            error,
            TrainError::DataShape(DataShapeError::PartialRow {
                what: "prediction inputs",
                floats: 3,
                row_len: 2
            })
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "prediction inputs hold 3 floats, which is not a whole number of rows of 2; \
         the data is truncated or has the wrong row length"
    );
}

#[test]
fn train_errors_are_std_errors() {
    let error: Box<dyn std::error::Error> = Box::new(TrainError::ZeroBatchSize);
    assert!(error.source().is_none());
}
