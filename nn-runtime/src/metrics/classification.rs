//! The confusion matrix of a classifier, and the precision, recall and F1 read off it.

use super::{check_finite, check_labels, check_len, MetricError};
use std::vec::Vec;

/// Counts of (actual class, predicted class) pairs: row `actual`, column `predicted`, as
/// scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(classes))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<u64>,
}

/// Precision, recall and F1 of one class (or their macro average), and its support: how
/// many samples actually belong to it (for the average: all samples).
///
/// A ratio whose denominator is zero (a class never predicted, or never present) is 0, as
/// scikit-learn's default `zero_division` gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClassScores {
    /// Of the samples predicted as the class, the fraction that belong to it.
    pub precision: f64,
    /// Of the samples that belong to the class, the fraction predicted as it.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
    /// Samples that belong to the class.
    pub support: u64,
}

impl ConfusionMatrix {
    /// The matrix of `predicted` against `actual`, both class indices below `classes`.
    ///
    /// # Errors
    /// [`MetricError`] when the two differ in length, are empty, or hold a label that is not
    /// below `classes`.
    pub fn new(classes: usize, actual: &[usize], predicted: &[usize]) -> Result<Self, MetricError> {
        check_len("predicted", predicted.len(), actual.len())?;
        if actual.is_empty() {
            return Err(MetricError::Undefined {
                reason: "there are no samples",
            });
        }
        check_labels("actual", actual, classes)?;
        check_labels("predicted", predicted, classes)?;
        let mut counts = vec![0; classes * classes];
        for (&a, &p) in actual.iter().zip(predicted) {
            counts[a * classes + p] += 1;
        }
        Ok(ConfusionMatrix { classes, counts })
    }

    /// The matrix of a classifier's outputs, `classes` scores per sample (probabilities or
    /// logits): each sample is predicted as its highest-scoring class, the first on ties.
    ///
    /// # Errors
    /// As [`Self::new`], and when `outputs` is not `classes` values per label or holds a
    /// non-finite score.
    pub fn from_outputs(
        classes: usize,
        actual: &[usize],
        outputs: &[f32],
    ) -> Result<Self, MetricError> {
        check_len(
            "outputs",
            outputs.len(),
            actual.len().saturating_mul(classes),
        )?;
        check_finite("outputs", outputs)?;
        let predicted: Vec<usize> = outputs
            .chunks_exact(classes.max(1))
            .map(first_argmax)
            .collect();
        Self::new(classes, actual, &predicted)
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples of class `actual` predicted as `predicted`.
    ///
    /// # Panics
    /// When either is not below [`Self::classes`].
    pub fn count(&self, actual: usize, predicted: usize) -> u64 {
        assert!(
            actual < self.classes && predicted < self.classes,
            "class ({actual}, {predicted}) of a {} × {} confusion matrix",
            self.classes,
            self.classes
        );
        self.counts[actual * self.classes + predicted]
    }

    /// The rows of the matrix, one per actual class.
    pub fn rows(&self) -> impl Iterator<Item = &[u64]> {
        self.counts.chunks_exact(self.classes)
    }

    /// All samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The fraction of samples predicted as their own class.
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.classes).map(|c| self.count(c, c)).sum();
        correct as f64 / self.total() as f64
    }

    /// Precision, recall, F1 and support of `class`.
    ///
    /// # Panics
    /// When `class` is not below [`Self::classes`].
    pub fn class_scores(&self, class: usize) -> ClassScores {
        let hits = self.count(class, class);
        let predicted: u64 = (0..self.classes).map(|a| self.count(a, class)).sum();
        let support: u64 = (0..self.classes).map(|p| self.count(class, p)).sum();
        let precision = ratio(hits, predicted);
        let recall = ratio(hits, support);
        // F1 = 2·tp / (2·tp + fp + fn), which is 0 where scikit-learn sets it to 0.
        let f1 = ratio(2 * hits, predicted + support);
        ClassScores {
            precision,
            recall,
            f1,
            support,
        }
    }

    /// [`Self::class_scores`] of every class, in order.
    pub fn per_class(&self) -> Vec<ClassScores> {
        (0..self.classes).map(|c| self.class_scores(c)).collect()
    }

    /// The unweighted mean over the classes of each score (scikit-learn's
    /// `average='macro'`: the macro F1 is the mean of the classes' F1, not the F1 of the
    /// mean precision and recall); the support is the total.
    pub fn macro_average(&self) -> ClassScores {
        let scores = self.per_class();
        let mean = |score: fn(&ClassScores) -> f64| {
            scores.iter().map(score).sum::<f64>() / self.classes as f64
        };
        ClassScores {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            support: self.total(),
        }
    }
}

/// `numerator / denominator`, or 0 when the denominator is 0.
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Index of the largest value, the first on ties (the values are finite).
pub(super) fn first_argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &value) in row.iter().enumerate() {
        if value > row[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_the_actual_row_and_predicted_column() {
        let matrix = ConfusionMatrix::new(3, &[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 0, 2]).unwrap();
        let rows: Vec<&[u64]> = matrix.rows().collect();
        assert_eq!(rows, [&[1, 1, 0][..], &[0, 1, 0], &[1, 0, 2]]);
        assert_eq!(matrix.total(), 6);
        assert_eq!(matrix.accuracy(), 4.0 / 6.0);
    }

    #[test]
    fn scores_by_hand() {
        // Class 0: tp 1, predicted 2, support 2. Class 1: tp 1, predicted 2, support 1.
        // Class 2: tp 2, predicted 2, support 3.
        let matrix = ConfusionMatrix::new(3, &[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 0, 2]).unwrap();
        let class1 = matrix.class_scores(1);
        assert_eq!(
            (class1.precision, class1.recall, class1.support),
            (0.5, 1.0, 1)
        );
        assert!((class1.f1 - 2.0 / 3.0).abs() < 1e-15);
        let class2 = matrix.class_scores(2);
        assert_eq!((class2.precision, class2.recall), (1.0, 2.0 / 3.0));
        let average = matrix.macro_average();
        assert!((average.precision - (0.5 + 0.5 + 1.0) / 3.0).abs() < 1e-15);
        assert!((average.f1 - (0.5 + 2.0 / 3.0 + 0.8) / 3.0).abs() < 1e-15);
        assert_eq!(average.support, 6);
    }

    #[test]
    fn a_class_never_seen_scores_zero_and_counts_in_the_average() {
        let matrix = ConfusionMatrix::new(3, &[0, 1], &[0, 1]).unwrap();
        assert_eq!(matrix.class_scores(2).f1, 0.0);
        assert!((matrix.macro_average().f1 - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn outputs_are_classified_by_their_highest_score_first_on_ties() {
        let outputs = [0.1, 0.7, 0.2, 0.5, 0.5, 0.0];
        let matrix = ConfusionMatrix::from_outputs(3, &[1, 1], &outputs).unwrap();
        assert_eq!(matrix.count(1, 1), 1);
        assert_eq!(matrix.count(1, 0), 1);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            ConfusionMatrix::new(3, &[0, 1], &[0]),
            Err(MetricError::LengthMismatch {
                found: 1,
                expected: 2,
                ..
            })
        ));
        assert!(matches!(
            ConfusionMatrix::new(3, &[0, 3], &[0, 1]),
            Err(MetricError::LabelOutOfRange {
                index: 1,
                label: 3,
                ..
            })
        ));
        assert!(matches!(
            ConfusionMatrix::new(3, &[], &[]),
            Err(MetricError::Undefined { .. })
        ));
        assert!(matches!(
            ConfusionMatrix::from_outputs(2, &[0, 1], &[0.2, 0.8, f32::NAN, 0.1]),
            Err(MetricError::NonFinite { index: 2, .. })
        ));
        assert!(matches!(
            ConfusionMatrix::from_outputs(2, &[0, 1], &[0.2, 0.8, 0.1]),
            Err(MetricError::LengthMismatch {
                found: 3,
                expected: 4,
                ..
            })
        ));
    }
}
