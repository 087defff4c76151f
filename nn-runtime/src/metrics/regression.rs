//! Metrics of a regressor: mean absolute error, root mean squared error and R², each over
//! `width` outputs per sample and averaged uniformly over the outputs, as scikit-learn's
//! `multioutput='uniform_average'` does.

use super::{check_finite, check_len, MetricError};
use std::vec::Vec;

/// The mean over all outputs of `|prediction − target|`.
///
/// # Errors
/// [`MetricError`] when the lengths differ or are not whole samples, there are none, or a
/// value is not finite.
pub fn mean_absolute_error(
    predictions: &[f32],
    targets: &[f32],
    width: usize,
) -> Result<f64, MetricError> {
    let columns = columns(predictions, targets, width)?;
    Ok(mean(columns.iter().map(|c| c.absolute_error / c.samples)))
}

/// The mean over the outputs of each output's `√(mean (prediction − target)²)`.
///
/// # Errors
/// As [`mean_absolute_error`].
pub fn root_mean_squared_error(
    predictions: &[f32],
    targets: &[f32],
    width: usize,
) -> Result<f64, MetricError> {
    let columns = columns(predictions, targets, width)?;
    Ok(mean(
        columns.iter().map(|c| (c.squared_error / c.samples).sqrt()),
    ))
}

/// The mean over the outputs of each output's coefficient of determination
/// `1 − Σ (target − prediction)² / Σ (target − mean target)²`: 1 for a perfect fit, 0 for
/// predicting the mean, negative for worse. An output whose targets are all equal scores 1
/// when predicted exactly and 0 otherwise (scikit-learn's `force_finite`).
///
/// # Errors
/// As [`mean_absolute_error`].
pub fn r2_score(predictions: &[f32], targets: &[f32], width: usize) -> Result<f64, MetricError> {
    let columns = columns(predictions, targets, width)?;
    Ok(mean(columns.iter().map(|c| {
        match (c.squared_error == 0.0, c.total_variation == 0.0) {
            (true, _) => 1.0,
            (false, true) => 0.0,
            (false, false) => 1.0 - c.squared_error / c.total_variation,
        }
    })))
}

/// Sums over one output's samples, in f64.
struct Column {
    samples: f64,
    absolute_error: f64,
    squared_error: f64,
    /// `Σ (target − mean target)²`.
    total_variation: f64,
}

/// Per-output sums of `predictions` against `targets`, both `width` values per sample.
///
/// # Errors
/// [`MetricError`] when the lengths differ, are not whole samples, are empty, `width` is 0,
/// or a value is not finite.
fn columns(predictions: &[f32], targets: &[f32], width: usize) -> Result<Vec<Column>, MetricError> {
    check_len("predictions", predictions.len(), targets.len())?;
    if width == 0 || targets.is_empty() {
        return Err(MetricError::Undefined {
            reason: "there are no samples, or no outputs per sample",
        });
    }
    check_len("targets", targets.len(), targets.len() / width * width)?;
    check_finite("predictions", predictions)?;
    check_finite("targets", targets)?;
    let samples = targets.len() / width;
    let column = |j: usize| {
        let pairs = || {
            predictions
                .iter()
                .zip(targets)
                .skip(j)
                .step_by(width)
                .map(|(&p, &t)| (f64::from(p), f64::from(t)))
        };
        let mean_target = pairs().map(|(_, t)| t).sum::<f64>() / samples as f64;
        Column {
            samples: samples as f64,
            absolute_error: pairs().map(|(p, t)| (p - t).abs()).sum(),
            squared_error: pairs().map(|(p, t)| (p - t) * (p - t)).sum(),
            total_variation: pairs().map(|(_, t)| (t - mean_target).powi(2)).sum(),
        }
    };
    Ok((0..width).map(column).collect())
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let count = values.len() as f64;
    values.sum::<f64>() / count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        let targets = [1.0, 2.0, 3.0, 4.0];
        let predictions = [1.0, 3.0, 3.0, 2.0];
        assert_eq!(
            mean_absolute_error(&predictions, &targets, 1).unwrap(),
            0.75
        );
        assert_eq!(
            root_mean_squared_error(&predictions, &targets, 1).unwrap(),
            (5.0f64 / 4.0).sqrt()
        );
        // Σ residual² = 5, Σ (t − 2.5)² = 5 → R² = 0.
        assert_eq!(r2_score(&predictions, &targets, 1).unwrap(), 0.0);
        assert_eq!(r2_score(&targets, &targets, 1).unwrap(), 1.0);
    }

    #[test]
    fn several_outputs_average_per_output() {
        // Output 0 exact; output 1 off by 2 everywhere.
        let targets = [0.0, 1.0, 1.0, 3.0];
        let predictions = [0.0, 3.0, 1.0, 5.0];
        assert_eq!(
            root_mean_squared_error(&predictions, &targets, 2).unwrap(),
            1.0
        );
        assert_eq!(mean_absolute_error(&predictions, &targets, 2).unwrap(), 1.0);
        // Output 0: R² 1; output 1: 1 − 8 / 2 = −3.
        assert_eq!(r2_score(&predictions, &targets, 2).unwrap(), -1.0);
    }

    #[test]
    fn constant_targets_follow_force_finite() {
        assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.0], 1).unwrap(), 1.0);
        assert_eq!(r2_score(&[2.0, 3.0], &[2.0, 2.0], 1).unwrap(), 0.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            mean_absolute_error(&[1.0], &[1.0, 2.0], 1),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            mean_absolute_error(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 2),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            r2_score(&[f32::NAN], &[1.0], 1),
            Err(MetricError::NonFinite {
                what: "predictions",
                ..
            })
        ));
        assert!(matches!(
            r2_score(&[], &[], 1),
            Err(MetricError::Undefined { .. })
        ));
    }
}
