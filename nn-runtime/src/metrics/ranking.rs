//! Metrics of scores rather than hard predictions: top-k accuracy, the area under the ROC
//! curve, and the reconstruction errors an autoencoder's anomaly scores are.

use super::{check_finite, check_labels, check_len, MetricError};
use std::vec::Vec;

/// The fraction of samples whose actual class is among their `k` highest-scoring classes,
/// from `classes` scores per sample. Ties go to the lower class index, as the first-maximum
/// rule of accuracy does, so `k = 1` is the accuracy.
///
/// # Errors
/// [`MetricError`] when `scores` is not `classes` values per label, is empty, holds a
/// non-finite score, a label is not below `classes`, or `k` is 0.
pub fn top_k_accuracy(
    classes: usize,
    actual: &[usize],
    scores: &[f32],
    k: usize,
) -> Result<f64, MetricError> {
    check_len("scores", scores.len(), actual.len().saturating_mul(classes))?;
    check_labels("actual", actual, classes)?;
    check_finite("scores", scores)?;
    if actual.is_empty() {
        return Err(MetricError::Undefined {
            reason: "there are no samples",
        });
    }
    if k == 0 {
        return Err(MetricError::Undefined {
            reason: "k must be at least 1",
        });
    }
    let hits = actual
        .iter()
        .zip(scores.chunks_exact(classes))
        .filter(|&(&label, row)| {
            let truth = row[label];
            // Classes ranked above the actual one: higher scores, and equal ones before it.
            let above = row
                .iter()
                .enumerate()
                .filter(|&(class, &score)| score > truth || score == truth && class < label)
                .count();
            above < k
        })
        .count();
    Ok(hits as f64 / actual.len() as f64)
}

/// The area under the ROC curve of `scores` (higher means more likely positive) against
/// the actual `positives`: the probability that a random positive scores above a random
/// negative, ties counting one half (scikit-learn's `roc_auc_score` for binary labels).
/// For anomaly detection, pass the reconstruction error as the score and the anomalies as
/// the positives.
///
/// # Errors
/// [`MetricError`] when the lengths differ, a score is not finite, or the samples are not
/// of both kinds (the area is undefined then).
pub fn roc_auc(scores: &[f32], positives: &[bool]) -> Result<f64, MetricError> {
    check_len("positives", positives.len(), scores.len())?;
    check_finite("scores", scores)?;
    let positive_count = positives.iter().filter(|&&p| p).count();
    let negative_count = positives.len() - positive_count;
    if positive_count == 0 || negative_count == 0 {
        return Err(MetricError::Undefined {
            reason: "ROC AUC needs both positive and negative samples",
        });
    }
    // Mann–Whitney: the positives' ranks among all scores (tied scores share their mean
    // rank), less the smallest such sum, over the number of positive–negative pairs.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0f64;
    let mut start = 0;
    while start < order.len() {
        let tied = order[start..]
            .iter()
            .take_while(|&&i| scores[i] == scores[order[start]])
            .count();
        // Ranks start + 1 ..= start + tied, whose mean is this.
        let mean_rank = start as f64 + (tied as f64 + 1.0) / 2.0;
        let tied_positives = order[start..start + tied]
            .iter()
            .filter(|&&i| positives[i])
            .count();
        positive_rank_sum += mean_rank * tied_positives as f64;
        start += tied;
    }
    let p = positive_count as f64;
    let smallest = p * (p + 1.0) / 2.0;
    Ok((positive_rank_sum - smallest) / (p * negative_count as f64))
}

/// Each sample's reconstruction error, the anomaly score of an autoencoder: the mean over
/// its `width` outputs of `(output − target)²`, summed in `f64`. With [`roc_auc`], the area
/// under the ROC curve of anomaly detection (`Metric::AnomalyAuc` during `fit`).
///
/// # Errors
/// [`MetricError`] when `outputs` and `targets` are not the same whole number of rows of
/// `width` (`width` 0 included), or hold a non-finite value.
pub fn reconstruction_errors(
    outputs: &[f32],
    targets: &[f32],
    width: usize,
) -> Result<Vec<f32>, MetricError> {
    check_len("targets", targets.len(), outputs.len())?;
    if width == 0 || !outputs.len().is_multiple_of(width) {
        return Err(MetricError::LengthMismatch {
            what: "outputs (whole rows)",
            found: outputs.len(),
            expected: outputs.len().next_multiple_of(width.max(1)),
        });
    }
    check_finite("outputs", outputs)?;
    check_finite("targets", targets)?;
    Ok(outputs
        .chunks_exact(width)
        .zip(targets.chunks_exact(width))
        .map(|(output, target)| {
            let squares: f64 = output
                .iter()
                .zip(target)
                .map(|(&y, &t)| (f64::from(y) - f64::from(t)).powi(2))
                .sum();
            (squares / width as f64) as f32
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_by_hand() {
        let scores = [
            0.5, 0.3, 0.2, // actual 1: second → top-2 hit, top-1 miss
            0.1, 0.2, 0.7, // actual 0: third → miss even at k = 2
            0.4, 0.4, 0.2, // actual 1: tied with class 0, which ranks first
        ];
        let actual = [1, 0, 1];
        assert_eq!(top_k_accuracy(3, &actual, &scores, 1).unwrap(), 0.0);
        assert_eq!(top_k_accuracy(3, &actual, &scores, 2).unwrap(), 2.0 / 3.0);
        assert_eq!(top_k_accuracy(3, &actual, &scores, 3).unwrap(), 1.0);
    }

    #[test]
    fn top_1_is_the_accuracy_with_first_maximum_ties() {
        let scores = [0.5, 0.5, 0.9, 0.1];
        assert_eq!(top_k_accuracy(2, &[0, 1], &scores, 1).unwrap(), 0.5);
    }

    #[test]
    fn roc_auc_by_hand() {
        // Pairs (positive, negative): 0.35 > 0.1, 0.35 < 0.4, 0.8 > both → 3 of 4.
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap(),
            0.75
        );
        // A tie between a positive and a negative counts one half.
        assert_eq!(roc_auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5);
        assert_eq!(roc_auc(&[0.9, 0.1], &[true, false]).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0.1, 0.9], &[true, false]).unwrap(), 0.0);
    }

    #[test]
    fn reconstruction_errors_by_hand() {
        // Rows (1, 2) against (1, 0) and (0, 0) against (3, −1): 4 / 2 and 10 / 2.
        let errors = reconstruction_errors(&[1.0, 2.0, 0.0, 0.0], &[1.0, 0.0, 3.0, -1.0], 2);
        assert_eq!(errors.unwrap(), [2.0, 5.0]);
        assert!(matches!(
            reconstruction_errors(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 2),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            reconstruction_errors(&[1.0], &[1.0], 0),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            reconstruction_errors(&[1.0, 2.0], &[1.0], 1),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            reconstruction_errors(&[1.0, f32::NAN], &[1.0, 2.0], 1),
            Err(MetricError::NonFinite { index: 1, .. })
        ));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            roc_auc(&[0.1, 0.2], &[true, true]),
            Err(MetricError::Undefined { .. })
        ));
        assert!(matches!(
            roc_auc(&[0.1, f32::INFINITY], &[true, false]),
            Err(MetricError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            top_k_accuracy(2, &[0], &[0.1, 0.9], 0),
            Err(MetricError::Undefined { .. })
        ));
        assert!(matches!(
            top_k_accuracy(2, &[2], &[0.1, 0.9], 1),
            Err(MetricError::LabelOutOfRange { .. })
        ));
    }
}
