//! `nn::metrics` against scikit-learn: the values in `fixtures/metrics_reference.rs` were
//! computed by `scripts/metrics_reference.py` on the same seeded float32 data.

#[path = "fixtures/metrics_reference.rs"]
mod reference;

use nn::metrics::{
    mean_absolute_error, r2_score, reconstruction_errors, roc_auc, root_mean_squared_error,
    top_k_accuracy, ConfusionMatrix,
};
use nn::train::Metric;
use nn::{Dataset, FitConfig, Model, Sgd};
use reference::*;

/// Metrics are sums of a few hundred f64 terms: they agree to rounding.
fn assert_close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0),
        "{what}: nn {ours}, scikit-learn {theirs}"
    );
}

#[test]
fn confusion_matrix_and_class_scores_match_scikit_learn() {
    let matrix = ConfusionMatrix::from_outputs(CLASSES, &ACTUAL, &SCORES).unwrap();
    let counts: Vec<u64> = matrix.rows().flatten().copied().collect();
    assert_eq!(counts, CONFUSION);
    for (class, scores) in matrix.per_class().iter().enumerate() {
        assert_close(
            &format!("precision {class}"),
            scores.precision,
            PRECISION[class],
        );
        assert_close(&format!("recall {class}"), scores.recall, RECALL[class]);
        assert_close(&format!("f1 {class}"), scores.f1, F1[class]);
        assert_eq!(scores.support, SUPPORT[class], "support {class}");
    }
    let average = matrix.macro_average();
    let [precision, recall, f1] = MACRO_PRECISION_RECALL_F1;
    assert_close("macro precision", average.precision, precision);
    assert_close("macro recall", average.recall, recall);
    assert_close("macro f1", average.f1, f1);
    assert_close("accuracy", matrix.accuracy(), TOP_K_ACCURACY[0]);
}

#[test]
fn top_k_accuracy_matches_scikit_learn() {
    for (k, expected) in (1..).zip(TOP_K_ACCURACY) {
        let ours = top_k_accuracy(CLASSES, &ACTUAL, &SCORES, k).unwrap();
        assert_close(&format!("top-{k} accuracy"), ours, expected);
    }
}

#[test]
fn roc_auc_with_ties_matches_scikit_learn() {
    assert_close(
        "ROC AUC",
        roc_auc(&BINARY_SCORES, &POSITIVES).unwrap(),
        ROC_AUC,
    );
}

#[test]
fn roc_auc_of_reconstruction_errors_matches_scikit_learn() {
    let scores = reconstruction_errors(&RECONSTRUCTIONS, &ORIGINALS, FEATURES).unwrap();
    // The fixture's last 16 samples repeat the first 16 with flipped labels: scores tie
    // across labels, which count one half.
    assert_eq!(scores[64..], scores[..16]);
    assert_ne!(ANOMALIES[64..], ANOMALIES[..16]);
    assert_close(
        "anomaly ROC AUC",
        roc_auc(&scores, &ANOMALIES).unwrap(),
        ANOMALY_AUC,
    );
}

nn::network! {
    /// An autoencoder that, given the identity as its weights, reconstructs its input exactly.
    pub struct Echo { input: [4], dense(4) }
}

/// The identity, then a zero bias: the dense layer's weight is `[outputs, inputs]`.
fn identity() -> [f32; 20] {
    let mut params = [0.0; 20];
    for i in 0..4 {
        params[i * 4 + i] = 1.0;
    }
    params
}

#[test]
fn the_anomaly_auc_of_fit_matches_scikit_learn() {
    // The validation inputs are the reconstructions and the targets the originals, so the
    // echo's reconstruction errors are the fixture's; a learning rate of 0 keeps the echo.
    let validation = Dataset::new(
        RECONSTRUCTIONS.to_vec(),
        ORIGINALS.to_vec(),
        FEATURES,
        FEATURES,
    )
    .unwrap();
    let normal: Vec<usize> = (0..80).filter(|&i| !ANOMALIES[i]).collect();
    let train = Dataset::new(ORIGINALS.to_vec(), ORIGINALS.to_vec(), FEATURES, FEATURES)
        .unwrap()
        .subset(&normal);
    let config = FitConfig::new(2, 16)
        .quiet()
        .metrics(vec![Metric::AnomalyAuc, Metric::MeanAbsoluteError])
        .validation_anomalies(ANOMALIES.to_vec());
    let mut echo = Echo::from_params(identity());
    let history = echo
        .fit(&train, Some(&validation), &mut Sgd::new(0.0), &config)
        .unwrap();
    for stats in &history.epochs {
        let auc = stats.metrics[0];
        assert_eq!(auc.metric, Metric::AnomalyAuc);
        assert_eq!(
            auc.train, None,
            "the training samples have no anomaly labels"
        );
        assert_close("anomaly AUC in fit", auc.validation.unwrap(), ANOMALY_AUC);
        assert_eq!(stats.metrics[1].train, Some(0.0));
    }
    let csv = history.to_csv();
    assert!(
        csv.starts_with("epoch,loss,accuracy,val_loss,val_accuracy,anomaly_auc,val_anomaly_auc,")
    );
    assert!(csv.lines().nth(1).unwrap().contains(&format!(
        ",,{}",
        history.epochs[0].metrics[0].validation.unwrap()
    )));
}

#[test]
fn regression_metrics_match_scikit_learn() {
    assert_close(
        "MAE",
        mean_absolute_error(&PREDICTIONS, &TARGETS, 3).unwrap(),
        MAE,
    );
    assert_close(
        "RMSE",
        root_mean_squared_error(&PREDICTIONS, &TARGETS, 3).unwrap(),
        RMSE,
    );
    assert_close("R²", r2_score(&PREDICTIONS, &TARGETS, 3).unwrap(), R2);
}
