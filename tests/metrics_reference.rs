//! `nn::metrics` against scikit-learn: the values in `fixtures/metrics_reference.rs` were
//! computed by `scripts/metrics_reference.py` on the same seeded float32 data.

#[path = "fixtures/metrics_reference.rs"]
mod reference;

use nn::metrics::{
    mean_absolute_error, r2_score, roc_auc, root_mean_squared_error, top_k_accuracy,
    ConfusionMatrix,
};
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
