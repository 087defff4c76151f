//! Sparse class labels, `validation_split` and loss weights in `fit`.

use nn::{Dataset, FitConfig, Model, Network, Rng, Sgd, TrainError};

nn::network! {
    pub struct Mlp { input: [6], dense(12), relu, dense(3), softmax }
}

/// 48 samples of 3 classes: the argmax of a fixed linear map of 6 uniform inputs.
fn one_hot_data() -> Dataset {
    let mut rng = Rng::new(5);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..48 {
        let x: Vec<f32> = (0..6).map(|_| rng.uniform(1.0)).collect();
        let score = |c: usize| -> f32 {
            x.iter()
                .enumerate()
                .map(|(i, v)| v * ((i + 2 * c) % 4) as f32)
                .sum()
        };
        let class = (0..3).fold(0, |best, c| if score(c) > score(best) { c } else { best });
        inputs.extend(x);
        targets.extend((0..3).map(|c| f32::from(c == class)));
    }
    Dataset::new(inputs, targets, 6, 3).unwrap()
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn train(
    data: &Dataset,
    validation: Option<&Dataset>,
    config: &FitConfig,
) -> (Box<Mlp>, nn::History) {
    let mut model = Mlp::new_boxed(3);
    let history = model
        .fit(data, validation, &mut Sgd::new(0.1), config)
        .unwrap();
    (model, history)
}

#[test]
fn class_indices_train_bit_for_bit_as_one_hot_rows() {
    let config = FitConfig::new(3, 8).seed(2).quiet();
    let one_hot = one_hot_data();
    let sparse = one_hot.to_class_indices();
    assert_eq!(sparse.target_len, 1);
    let (dense_model, dense_history) = train(&one_hot, Some(&one_hot), &config);
    let (sparse_model, sparse_history) = train(&sparse, Some(&sparse), &config);
    assert_eq!(bits(dense_model.params()), bits(sparse_model.params()));
    let losses = |h: &nn::History| {
        h.epochs
            .iter()
            .map(|e| (e.train, e.validation))
            .collect::<Vec<_>>()
    };
    assert_eq!(losses(&dense_history), losses(&sparse_history));
    assert_eq!(
        dense_model.evaluate(&one_hot, 16).unwrap(),
        sparse_model.evaluate(&sparse, 16).unwrap()
    );
}

#[test]
fn a_label_outside_the_classes_is_refused_before_training() {
    let mut data = one_hot_data().to_class_indices();
    data.targets[7] = 3.0;
    let mut model = Mlp::new_boxed(3);
    let before = model.params().to_vec();
    let error = model
        .fit(
            &data,
            None,
            &mut Sgd::new(0.1),
            &FitConfig::new(1, 8).quiet(),
        )
        .unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            TrainError::LabelOutOfRange {
                what: "training",
                sample: 7,
                label: 3.0,
                classes: 3
            }
        )
    );
    assert!(
        error.to_string().contains("whole numbers from 0 to 2"),
        "{error}"
    );
    assert_eq!(model.params(), &before[..]);
}

#[test]
fn validation_split_takes_the_last_fraction_before_shuffling() {
    let data = one_hot_data();
    // Keras: the first ⌊48 · 0.75⌋ = 36 samples train, the last 12 validate.
    let config = FitConfig::new(2, 8).seed(4).quiet();
    let (split_model, split_history) = train(&data, None, &config.clone().validation_split(0.25));
    let indices: Vec<usize> = (0..48).collect();
    let (head, tail) = (data.subset(&indices[..36]), data.subset(&indices[36..]));
    let (model, history) = train(&head, Some(&tail), &config);
    assert_eq!(bits(split_model.params()), bits(model.params()));
    let stats = |h: &nn::History| {
        h.epochs
            .iter()
            .map(|e| (e.train, e.validation))
            .collect::<Vec<_>>()
    };
    assert_eq!(stats(&split_history), stats(&history));
    assert!(split_history.final_validation().is_some());
}

#[test]
fn validation_split_misuse_is_an_error() {
    let data = one_hot_data();
    let mut model = Mlp::new_boxed(3);
    for (fraction, expected) in [
        (0.0, "not in (0, 1)"),
        (1.5, "not in (0, 1)"),
        (0.99, "leaves 0 to train and 48"),
    ] {
        let config = FitConfig::new(1, 8).quiet().validation_split(fraction);
        let error = model
            .fit(&data, None, &mut Sgd::new(0.1), &config)
            .unwrap_err();
        assert!(matches!(
            error,
            TrainError::InvalidSetting {
                setting: "validation_split",
                ..
            }
        ));
        assert!(error.to_string().contains(expected), "{error}");
    }
    let config = FitConfig::new(1, 8).quiet().validation_split(0.5);
    let error = model
        .fit(&data, Some(&data), &mut Sgd::new(0.1), &config)
        .unwrap_err();
    assert!(error.to_string().contains("one or the other"), "{error}");
}

#[test]
fn weights_of_one_change_nothing() {
    let data = one_hot_data();
    let config = FitConfig::new(2, 8).seed(1).quiet();
    let (plain, _) = train(&data, None, &config);
    let (weighted, _) = train(
        &data,
        None,
        &config
            .clone()
            .class_weight(vec![1.0; 3])
            .sample_weight(vec![1.0; 48]),
    );
    assert_eq!(bits(plain.params()), bits(weighted.params()));
}

/// One full-batch SGD step with weights moves the parameters by the weighted mean of the
/// per-sample steps: `Δ = Σ wᵢ·Δᵢ / batch`, where `Δᵢ` is the step on sample `i` alone.
#[test]
fn class_and_sample_weights_scale_each_samples_gradient() {
    let data = one_hot_data().take(6).to_class_indices();
    let class_weight = [0.5f32, 2.0, 3.0];
    let sample_weight = [1.0f32, 0.0, 2.0, 1.0, 0.25, 1.0];
    let config = FitConfig::new(1, 6).shuffle(false).quiet();
    let (start, _) = train(&data, None, &FitConfig::new(0, 6).quiet());
    let (weighted, history) = train(
        &data,
        None,
        &config
            .clone()
            .class_weight(class_weight.to_vec())
            .sample_weight(sample_weight.to_vec()),
    );
    let mut expected: Vec<f64> = start.params().iter().map(|&p| f64::from(p)).collect();
    let mut weighted_loss = 0.0f64;
    for sample in 0..6 {
        let alone = data.subset(&[sample]);
        let (moved, alone_history) = train(&alone, None, &FitConfig::new(1, 1).quiet());
        let weight = f64::from(class_weight[data.labels()[sample]] * sample_weight[sample]);
        weighted_loss += weight * f64::from(alone_history.final_loss().unwrap()) / 6.0;
        for ((e, &m), &s) in expected.iter_mut().zip(moved.params()).zip(start.params()) {
            *e += weight * (f64::from(m) - f64::from(s)) / 6.0;
        }
    }
    for (index, (&got, &want)) in weighted.params().iter().zip(&expected).enumerate() {
        assert!(
            (f64::from(got) - want).abs() < 1e-6,
            "parameter {index}: {got} vs {want}"
        );
    }
    let loss = f64::from(history.final_loss().unwrap());
    assert!(
        (loss - weighted_loss).abs() < 1e-6,
        "loss {loss} vs {weighted_loss}"
    );
}

#[test]
fn weights_of_the_wrong_count_or_sign_are_refused() {
    let data = one_hot_data();
    let mut model = Mlp::new_boxed(3);
    let cases = [
        (
            FitConfig::new(1, 8).class_weight(vec![1.0; 2]),
            "2 weights given; expected one per class of the network, 3",
        ),
        (
            FitConfig::new(1, 8).sample_weight(vec![1.0; 47]),
            "expected one per training sample, 48",
        ),
        (
            FitConfig::new(1, 8).class_weight(vec![1.0, f32::NAN, 1.0]),
            "weight 1 is NaN",
        ),
        (
            FitConfig::new(1, 8).sample_weight(vec![-1.0; 48]),
            "weight 0 is -1",
        ),
    ];
    for (config, expected) in cases {
        let error = model
            .fit(&data, None, &mut Sgd::new(0.1), &config.quiet())
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn selected_metrics_are_those_of_nn_metrics_on_the_epochs_outputs() {
    use nn::metrics::{top_k_accuracy, ConfusionMatrix};
    use nn::train::Metric;
    let data = one_hot_data();
    let (mut model, _) = train(&data, None, &FitConfig::new(2, 8).quiet());
    // A learning rate of 0: the outputs seen while training are those of inference.
    let metrics = vec![Metric::F1, Metric::TopKAccuracy(2), Metric::Recall];
    let config = FitConfig::new(1, 8)
        .quiet()
        .validation_split(0.25)
        .metrics(metrics);
    let history = model.fit(&data, None, &mut Sgd::new(0.0), &config).unwrap();
    let indices: Vec<usize> = (0..48).collect();
    let reference = |part: &Dataset| {
        let inputs: Vec<f32> = (0..part.len())
            .flat_map(|i| part.input(i).to_vec())
            .collect();
        let outputs = model.predict(&inputs).unwrap();
        let matrix = ConfusionMatrix::from_outputs(3, &part.labels(), &outputs).unwrap();
        let top2 = top_k_accuracy(3, &part.labels(), &outputs, 2).unwrap();
        [
            matrix.macro_average().f1,
            top2,
            matrix.macro_average().recall,
        ]
    };
    let (train_part, validation_part) = (data.subset(&indices[..36]), data.subset(&indices[36..]));
    let (train_reference, validation_reference) =
        (reference(&train_part), reference(&validation_part));
    let values = &history.epochs[0].metrics;
    assert_eq!(values.len(), 3);
    for (index, value) in values.iter().enumerate() {
        assert!(
            (value.train.unwrap() - train_reference[index]).abs() < 1e-12,
            "{value:?}"
        );
        assert_eq!(
            value.validation,
            Some(validation_reference[index]),
            "{value:?}"
        );
    }
    assert!(history
        .to_csv()
        .starts_with("epoch,loss,accuracy,val_loss,val_accuracy,f1,val_f1,"));
}

#[test]
fn a_metric_that_does_not_fit_the_network_is_refused_before_training() {
    use nn::train::Metric;
    let config = FitConfig::new(1, 8).quiet().metrics(vec![Metric::RocAuc]);
    let error = Mlp::new_boxed(1)
        .fit(&one_hot_data(), None, &mut Sgd::new(0.1), &config)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`metrics`: `auc` does not apply to a network trained with cross_entropy over 3 outputs"
    );
}

#[test]
fn batched_predictions_are_one_row_per_sample_with_the_classes_of_predict_class() {
    let data = one_hot_data();
    let (model, _) = train(&data, None, &FitConfig::new(2, 8).quiet());
    let predictions = model.predict_rows(&data.inputs).unwrap();
    assert_eq!((predictions.len(), predictions.width()), (48, 3));
    assert_eq!(
        predictions.as_flat(),
        &model.predict(&data.inputs).unwrap()[..]
    );
    let classes = model.predict_classes(&data.inputs).unwrap();
    for sample in 0..48 {
        assert_eq!(predictions[sample].len(), 3);
        assert_eq!(
            classes[sample],
            model.predict_class(data.input(sample)).unwrap()
        );
    }
    assert!(model.predict_classes(&data.inputs[..5]).is_err());
}

#[test]
fn one_epoch_fits_with_initial_epoch_equal_one_longer_fit() {
    let data = one_hot_data();
    let mut optimizer = nn::Adam::new(0.01);
    let mut stepwise = Mlp::new_boxed(3);
    for epoch in 0..3 {
        let config = FitConfig::new(epoch + 1, 8)
            .seed(6)
            .quiet()
            .initial_epoch(epoch);
        let history = stepwise.fit(&data, None, &mut optimizer, &config).unwrap();
        assert_eq!(history.epochs[0].epoch, epoch + 1);
    }
    let mut straight = Mlp::new_boxed(3);
    let config = FitConfig::new(3, 8).seed(6).quiet();
    straight
        .fit(&data, None, &mut nn::Adam::new(0.01), &config)
        .unwrap();
    assert_eq!(bits(stepwise.params()), bits(straight.params()));
    let past = FitConfig::new(2, 8).quiet().initial_epoch(3);
    let error = stepwise
        .fit(&data, None, &mut optimizer, &past)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`initial_epoch`: 3 is past the last epoch, 2"
    );
}

#[test]
fn a_validation_splits_loss_is_weighted_by_its_sample_weights_only() {
    let data = one_hot_data();
    let weights: Vec<f32> = (0..48).map(|i| (i % 5) as f32 * 0.5).collect();
    let config = FitConfig::new(1, 8)
        .quiet()
        .validation_split(0.25)
        .sample_weight(weights.clone())
        .class_weight(vec![3.0, 0.5, 1.0]);
    let (model, history) = train(&data, None, &config);
    let mut expected = 0.0f64;
    for (sample, &weight) in weights.iter().enumerate().skip(36) {
        let alone = model.evaluate(&data.subset(&[sample]), 1).unwrap().loss;
        expected += f64::from(weight) * f64::from(alone) / 12.0;
    }
    let loss = f64::from(history.final_validation().unwrap().loss);
    assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
}
