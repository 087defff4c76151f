//! Which number of an epoch a callback watches, and which way is better.

use crate::train::EpochStats;

/// A quantity of [`EpochStats`] to watch, named as Keras names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Monitor {
    /// Training loss (`loss`); lower is better.
    Loss,
    /// Training accuracy (`accuracy`); higher is better.
    Accuracy,
    /// Validation loss (`val_loss`); lower is better.
    ValLoss,
    /// Validation accuracy (`val_accuracy`); higher is better.
    ValAccuracy,
}

impl Monitor {
    /// Keras' name: `loss`, `accuracy`, `val_loss` or `val_accuracy`.
    pub const fn name(self) -> &'static str {
        match self {
            Monitor::Loss => "loss",
            Monitor::Accuracy => "accuracy",
            Monitor::ValLoss => "val_loss",
            Monitor::ValAccuracy => "val_accuracy",
        }
    }

    /// Whether a larger value is an improvement (accuracies) or a smaller one (losses).
    pub const fn higher_is_better(self) -> bool {
        matches!(self, Monitor::Accuracy | Monitor::ValAccuracy)
    }

    /// The value in `stats`.
    ///
    /// # Errors
    /// A message naming the quantity when the epoch did not measure it (no validation data,
    /// or no accuracy for a regression loss).
    pub fn value(self, stats: &EpochStats) -> Result<f32, String> {
        let value = match self {
            Monitor::Loss => Some(stats.train.loss),
            Monitor::Accuracy => stats.train.accuracy,
            Monitor::ValLoss => stats.validation.map(|v| v.loss),
            Monitor::ValAccuracy => stats.validation.and_then(|v| v.accuracy),
        };
        value.ok_or_else(|| {
            format!(
                "`{}` was not measured; give validation data (or a `validation_split`) for \
                 `val_*`, and a classification loss for accuracy",
                self.name()
            )
        })
    }

    /// Whether `current` beats `best` by more than `min_delta` (Keras: `current - min_delta <
    /// best` for a loss, `current - min_delta > best` for an accuracy). NaN never improves.
    pub(crate) fn improves(self, current: f32, best: f64, min_delta: f32) -> bool {
        let (current, delta) = (f64::from(current), f64::from(min_delta.abs()));
        if self.higher_is_better() {
            current - delta > best
        } else {
            current + delta < best
        }
    }

    /// The best value before any epoch: one every number improves on.
    pub(crate) fn worst(self) -> f64 {
        if self.higher_is_better() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    }
}
