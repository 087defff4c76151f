//! Metrics chosen in [`FitConfig::metrics`](super::FitConfig::metrics), computed after every
//! epoch with the functions of [`crate::metrics`] from the epoch's outputs.

use crate::metrics::{
    mean_absolute_error, r2_score, reconstruction_errors, roc_auc, root_mean_squared_error,
    top_k_accuracy, ConfusionMatrix, MetricError,
};
use crate::network::{LossKind, Network};

/// A metric `fit` reports per epoch besides the loss and accuracy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Metric {
    /// The fraction of samples whose class is among their `k` highest outputs.
    TopKAccuracy(usize),
    /// Precision, the unweighted mean over the classes (scikit-learn's `macro`).
    Precision,
    /// Recall, the unweighted mean over the classes.
    Recall,
    /// F1, the unweighted mean over the classes' F1.
    F1,
    /// The area under the ROC curve of a binary classifier (one sigmoid output, or the
    /// second of two softmax outputs).
    RocAuc,
    /// Mean absolute error of a regressor.
    MeanAbsoluteError,
    /// Root mean squared error of a regressor (per output, then averaged).
    RootMeanSquaredError,
    /// The coefficient of determination R² of a regressor.
    R2,
    /// The area under the ROC curve of anomaly detection: each validation sample's
    /// reconstruction error (the mean squared difference of its outputs and targets, as
    /// [`reconstruction_errors`] computes it) as its score, against the labels of
    /// [`FitConfig::validation_anomalies`](super::FitConfig::validation_anomalies). For an
    /// autoencoder, whose targets are its inputs. Measured on validation data only: its
    /// training value is `None` (an autoencoder trains on normal samples alone).
    AnomalyAuc,
}

/// One metric's value in one epoch, on training and validation data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricValue {
    /// Which metric.
    pub metric: Metric,
    /// Over the epoch's training samples, from the outputs each had as it was trained (as
    /// Keras computes training metrics); `None` for [`Metric::AnomalyAuc`], which needs
    /// anomaly labels only validation data has.
    pub train: Option<f64>,
    /// Over the validation data after the epoch, when there is some.
    pub validation: Option<f64>,
}

impl Metric {
    /// The name in the history's columns and the progress line, after Keras':
    /// `top_5_accuracy`, `precision`, `recall`, `f1`, `auc`, `mae`, `rmse`, `r2`, and
    /// `anomaly_auc`.
    pub fn name(self) -> String {
        match self {
            Metric::TopKAccuracy(k) => format!("top_{k}_accuracy"),
            Metric::Precision => "precision".to_string(),
            Metric::Recall => "recall".to_string(),
            Metric::F1 => "f1".to_string(),
            Metric::RocAuc => "auc".to_string(),
            Metric::MeanAbsoluteError => "mae".to_string(),
            Metric::RootMeanSquaredError => "rmse".to_string(),
            Metric::R2 => "r2".to_string(),
            Metric::AnomalyAuc => "anomaly_auc".to_string(),
        }
    }

    /// Whether the metric applies to network `N`; `Err` says why not.
    pub(crate) fn check<N: Network>(self) -> Result<(), String> {
        let classifier = !N::LOSS.is_regression();
        let binary = match N::LOSS {
            LossKind::SigmoidBinaryCrossEntropy => N::OUTPUT_LEN == 1,
            LossKind::SoftmaxCrossEntropy => N::OUTPUT_LEN == 2,
            _ => false,
        };
        let fits = match self {
            Metric::TopKAccuracy(k) => N::LOSS == LossKind::SoftmaxCrossEntropy && k >= 1,
            Metric::Precision | Metric::Recall | Metric::F1 => classifier,
            Metric::RocAuc => binary,
            Metric::MeanAbsoluteError | Metric::RootMeanSquaredError | Metric::R2 => true,
            Metric::AnomalyAuc => true,
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "`{}` does not apply to a network trained with {} over {} outputs",
                self.name(),
                N::LOSS.name(),
                N::OUTPUT_LEN
            ))
        }
    }

    /// The metric of `outputs` (rows of `N::OUTPUT_LEN`) against the samples' one-hot or
    /// real `targets` (rows of the same width), and for [`Metric::AnomalyAuc`] their
    /// `anomalies`, without which it is `None`.
    pub(crate) fn compute<N: Network>(
        self,
        outputs: &[f32],
        targets: &[f32],
        anomalies: Option<&[bool]>,
    ) -> Result<Option<f64>, MetricError> {
        let width = N::OUTPUT_LEN;
        let labels = || class_labels(targets, width);
        match self {
            Metric::TopKAccuracy(k) => top_k_accuracy(width, &labels(), outputs, k),
            Metric::Precision | Metric::Recall | Metric::F1 => {
                let matrix = if width == 1 {
                    let predicted: Vec<usize> =
                        outputs.iter().map(|&p| usize::from(p > 0.5)).collect();
                    ConfusionMatrix::new(2, &labels(), &predicted)?
                } else {
                    ConfusionMatrix::from_outputs(width, &labels(), outputs)?
                };
                let scores = matrix.macro_average();
                Ok(match self {
                    Metric::Precision => scores.precision,
                    Metric::Recall => scores.recall,
                    _ => scores.f1,
                })
            }
            Metric::RocAuc => {
                let positives: Vec<bool> = labels().into_iter().map(|l| l == 1).collect();
                let scores: Vec<f32> = outputs
                    .chunks_exact(width)
                    .map(|row| row[width - 1])
                    .collect();
                roc_auc(&scores, &positives)
            }
            Metric::MeanAbsoluteError => mean_absolute_error(outputs, targets, width),
            Metric::RootMeanSquaredError => root_mean_squared_error(outputs, targets, width),
            Metric::R2 => r2_score(outputs, targets, width),
            Metric::AnomalyAuc => match anomalies {
                Some(anomalies) => {
                    roc_auc(&reconstruction_errors(outputs, targets, width)?, anomalies)
                }
                None => return Ok(None),
            },
        }
        .map(Some)
    }
}

/// The class of each target row: its argmax, or for one column, whether it is above 0.5.
fn class_labels(targets: &[f32], width: usize) -> Vec<usize> {
    targets
        .chunks_exact(width)
        .map(|row| match row {
            [single] => usize::from(*single > 0.5),
            _ => super::metrics::argmax(row),
        })
        .collect()
}

/// What the selected metrics see of one pass: every output and target row, in visit order.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) outputs: Vec<f32>,
    pub(crate) targets: Vec<f32>,
}

impl Collected {
    pub(crate) fn clear(&mut self) {
        self.outputs.clear();
        self.targets.clear();
    }

    /// Every metric over the collected rows, whose anomaly labels are `anomalies` when
    /// they have some.
    pub(crate) fn compute<N: Network>(
        &self,
        metrics: &[Metric],
        anomalies: Option<&[bool]>,
    ) -> Result<Vec<Option<f64>>, MetricError> {
        metrics
            .iter()
            .map(|metric| metric.compute::<N>(&self.outputs, &self.targets, anomalies))
            .collect()
    }
}
