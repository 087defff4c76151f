//! Validation data passed to `fit` with per-sample weights (Keras'
//! `validation_data=(x, y, sample_weight)`), checked against losses computed by hand.

use nn::{Dataset, FitConfig, Model, Network, Sgd, TrainError};

nn::network! {
    pub struct Line { input: [1], dense(1) }
}

nn::network! {
    pub struct AbsoluteLine { input: [1], dense(1), loss: mae }
}

/// y = 2x + 1; the dense layer's parameters are its weight, then its bias.
const PARAMS: [f32; 2] = [2.0, 1.0];

/// Four training samples (never changed by a learning rate of 0) and three to validate:
/// at x = 0, 1, 2 the line gives 1, 3, 5 against targets 1, 0, 7, errors 0, 3 and −2.
fn data() -> (Dataset, Dataset) {
    let train = Dataset::new(vec![0.0, 1.0, 2.0, 3.0], vec![1.0; 4], 1, 1).unwrap();
    let validation = Dataset::new(vec![0.0, 1.0, 2.0], vec![1.0, 0.0, 7.0], 1, 1).unwrap();
    (train, validation)
}

const WEIGHTS: [f32; 3] = [2.0, 0.5, 1.5];

fn validation_loss<M: Model>(model: &mut M, config: &FitConfig) -> Result<f32, TrainError> {
    let (train, validation) = data();
    let history = model.fit(&train, Some(&validation), &mut Sgd::new(0.0), config)?;
    Ok(history.final_validation().unwrap().loss)
}

#[test]
fn weighted_validation_loss_is_the_weighted_sum_over_the_samples() {
    // Squared errors 0, 9, 4: unweighted 13 / 3; weighted (2·0 + 0.5·9 + 1.5·4) / 3 = 3.5,
    // the sum divided by the sample count, not by the weights' sum, as Keras divides it.
    // In batches of 2 Keras averages (0 + 4.5) / 2 and 6 / 1 by batch size: 3.5 again.
    let mut line = Line::from_params(PARAMS);
    let plain = FitConfig::new(1, 3).quiet();
    assert_eq!(validation_loss(&mut line, &plain).unwrap(), 13.0 / 3.0);
    for batch in [1, 2, 3] {
        let config = FitConfig::new(1, batch)
            .quiet()
            .validation_sample_weight(WEIGHTS.to_vec());
        assert_eq!(validation_loss(&mut line, &config).unwrap(), 3.5);
    }
    // Absolute errors 0, 3, 2: (0 + 1.5 + 3) / 3 = 1.5.
    let mut line = AbsoluteLine::from_params(PARAMS);
    let config = FitConfig::new(1, 2)
        .quiet()
        .validation_sample_weight(WEIGHTS.to_vec());
    assert_eq!(validation_loss(&mut line, &config).unwrap(), 1.5);
}

#[test]
fn validation_weights_leave_training_and_its_loss_alone() {
    let (train, validation) = data();
    let run = |config: &FitConfig| {
        let mut line = Line::from_params(PARAMS);
        let history = line
            .fit(&train, Some(&validation), &mut Sgd::new(0.05), config)
            .unwrap();
        let train_losses: Vec<f32> = history.epochs.iter().map(|e| e.train.loss).collect();
        (line.params().to_vec(), train_losses, history)
    };
    let plain = FitConfig::new(3, 2).seed(1).quiet();
    let weighted = plain.clone().validation_sample_weight(vec![0.0, 0.0, 1.0]);
    let (plain_params, plain_losses, plain_history) = run(&plain);
    let (weighted_params, weighted_losses, weighted_history) = run(&weighted);
    assert_eq!(plain_params, weighted_params);
    assert_eq!(plain_losses, weighted_losses);
    let last = |h: &nn::History| h.final_validation().unwrap().loss;
    assert_ne!(last(&plain_history), last(&weighted_history));
}

#[test]
fn validation_weights_that_do_not_fit_are_errors() {
    let (train, validation) = data();
    let mut line = Line::from_params(PARAMS);
    let mut fit = |validation: Option<&Dataset>, config: FitConfig| {
        line.fit(&train, validation, &mut Sgd::new(0.0), &config.quiet())
            .unwrap_err()
            .to_string()
    };
    let config = FitConfig::new(1, 2);
    assert_eq!(
        fit(
            Some(&validation),
            config.clone().validation_sample_weight(vec![1.0; 4])
        ),
        "`validation_sample_weight`: 4 weights given; expected one per validation sample, 3"
    );
    assert_eq!(
        fit(
            Some(&validation),
            config
                .clone()
                .validation_sample_weight(vec![1.0, f32::NAN, 1.0])
        ),
        "`validation_sample_weight`: weight 1 is NaN; weights must be finite and at least 0"
    );
    assert_eq!(
        fit(
            Some(&validation),
            config
                .clone()
                .validation_sample_weight(vec![1.0, -1.0, 1.0])
        ),
        "`validation_sample_weight`: weight 1 is -1; weights must be finite and at least 0"
    );
    assert_eq!(
        fit(None, config.clone().validation_sample_weight(vec![1.0; 3])),
        "`validation_sample_weight`: no validation data was given"
    );
    let split = config
        .validation_split(0.5)
        .validation_sample_weight(vec![1.0; 2]);
    assert!(fit(None, split).contains("keep their sample_weight"));
    // Validation data of the wrong shape is refused before any training, naming it.
    let wide = Dataset::new(vec![0.0; 4], vec![0.0; 2], 2, 1).unwrap();
    let error = fit(Some(&wide), FitConfig::new(1, 2));
    assert!(error.contains("validation inputs"), "{error}");
}

#[test]
fn anomaly_labels_follow_the_validation_samples() {
    use nn::train::Metric;
    // Errors |2x + 1 − t| per sample of the training data (t = 1): 0, 2, 4, 6; a
    // validation_split of 0.5 holds out the last two, whose labels are given in order.
    let (train, _) = data();
    let anomaly_auc = |anomalies: Vec<bool>| {
        let config = FitConfig::new(1, 2)
            .quiet()
            .validation_split(0.5)
            .metrics(vec![Metric::AnomalyAuc])
            .validation_anomalies(anomalies);
        let mut line = Line::from_params(PARAMS);
        let history = line.fit(&train, None, &mut Sgd::new(0.0), &config);
        history.map(|h| h.epochs[0].metrics[0].validation)
    };
    // Sample 3 reconstructs worse than sample 2: labelling it the anomaly ranks perfectly.
    assert_eq!(anomaly_auc(vec![false, true]).unwrap(), Some(1.0));
    assert_eq!(anomaly_auc(vec![true, false]).unwrap(), Some(0.0));
    let error = anomaly_auc(vec![false, true, false, true]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`validation_anomalies`: 4 labels given; expected one per validation sample, 2"
    );
}

#[test]
fn anomaly_labels_that_do_not_fit_are_errors() {
    use nn::train::Metric;
    let (train, validation) = data();
    let mut line = Line::from_params(PARAMS);
    let mut fit = |validation: Option<&Dataset>, config: FitConfig| {
        line.fit(&train, validation, &mut Sgd::new(0.0), &config.quiet())
            .unwrap_err()
            .to_string()
    };
    let measured = FitConfig::new(1, 2).metrics(vec![Metric::AnomalyAuc]);
    assert!(fit(Some(&validation), measured.clone())
        .starts_with("`metrics`: `anomaly_auc` needs to know which validation samples"));
    assert_eq!(
        fit(
            Some(&validation),
            measured.clone().validation_anomalies(vec![true; 3])
        ),
        "`validation_anomalies`: every validation sample has the same label; ROC AUC needs \
         anomalies and normal samples both"
    );
    assert_eq!(
        fit(None, measured.validation_anomalies(vec![true, false])),
        "`validation_anomalies`: there is no validation data"
    );
    let unread = FitConfig::new(1, 2).validation_anomalies(vec![true, false, false]);
    assert_eq!(
        fit(Some(&validation), unread),
        "`validation_anomalies`: only Metric::AnomalyAuc reads them; add it to the metrics"
    );
    let error = Line::from_params(PARAMS)
        .evaluate_metrics(&validation, 3, &[Metric::AnomalyAuc])
        .unwrap_err();
    assert!(
        error.to_string().contains("reconstruction_errors"),
        "{error}"
    );
}
