//! Metrics over a whole pass of predictions: what a classifier, a scorer or a regressor got
//! right, computed as scikit-learn computes them (its `labels=range(classes)` convention for
//! classification, so every class counts, also one that never occurs).
//!
//! Each function checks its inputs first: mismatched lengths, a label outside the classes,
//! or a non-finite score or prediction is a [`MetricError`], never a silent number.
//!
//! ```
//! use nn_runtime::metrics::{roc_auc, ConfusionMatrix};
//!
//! let matrix = ConfusionMatrix::new(3, &[0, 1, 2, 2], &[0, 2, 2, 1])?;
//! assert_eq!(matrix.count(1, 2), 1); // one sample of class 1 was predicted as class 2
//! assert_eq!(matrix.accuracy(), 0.5);
//! assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?, 0.75);
//! # Ok::<(), nn_runtime::metrics::MetricError>(())
//! ```

mod classification;
mod error;
mod ranking;
mod regression;

pub use classification::{ClassScores, ConfusionMatrix};
pub use error::MetricError;
pub use ranking::{reconstruction_errors, roc_auc, top_k_accuracy};
pub use regression::{mean_absolute_error, r2_score, root_mean_squared_error};

/// `Err` naming the first non-finite value of `values`, called `what`.
fn check_finite(what: &'static str, values: &[f32]) -> Result<(), MetricError> {
    match values.iter().position(|value| !value.is_finite()) {
        Some(index) => Err(MetricError::NonFinite {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// `Err` unless `found == expected`.
fn check_len(what: &'static str, found: usize, expected: usize) -> Result<(), MetricError> {
    if found == expected {
        Ok(())
    } else {
        Err(MetricError::LengthMismatch {
            what,
            found,
            expected,
        })
    }
}

/// `Err` naming the first label of `labels` that is not below `classes`.
fn check_labels(what: &'static str, labels: &[usize], classes: usize) -> Result<(), MetricError> {
    match labels.iter().position(|&label| label >= classes) {
        Some(index) => Err(MetricError::LabelOutOfRange {
            what,
            index,
            label: labels[index],
            classes,
        }),
        None => Ok(()),
    }
}
