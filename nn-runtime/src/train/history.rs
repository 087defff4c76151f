//! What training measured: per-pass evaluations, per-epoch statistics and their history.

use std::fmt;

use super::{Metric, MetricValue};

/// Loss and metric of one pass over a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss per sample.
    pub loss: f32,
    /// Fraction classified correctly, for a classification loss: the argmax of each output
    /// row against that of its one-hot target for softmax cross-entropy, and every output
    /// element thresholded at 0.5 against its target for binary cross-entropy. `None` for
    /// a regression loss.
    pub accuracy: Option<f32>,
}

/// What one epoch of training measured.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Training loss and accuracy, averaged over the epoch's samples as the parameters
    /// changed during the epoch (as Keras reports them).
    pub train: Evaluation,
    /// Validation loss and accuracy after the epoch, when validation data was given.
    pub validation: Option<Evaluation>,
    /// Wall-clock seconds the epoch took, validation included.
    pub seconds: f64,
    /// The metrics [`FitConfig::metrics`](super::FitConfig::metrics) selected, in its order.
    pub metrics: Vec<MetricValue>,
}

/// Per-epoch statistics of a `fit`. Its [`Display`](fmt::Display) is a small table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per completed epoch.
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// Statistics of the last completed epoch.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// Training loss of the last epoch.
    pub fn final_loss(&self) -> Option<f32> {
        self.last().map(|stats| stats.train.loss)
    }

    /// Training accuracy of the last epoch (`None` without epochs or for a regression loss).
    pub fn final_accuracy(&self) -> Option<f32> {
        self.last().and_then(|stats| stats.train.accuracy)
    }

    /// Validation loss and accuracy of the last epoch, when validation data was given.
    pub fn final_validation(&self) -> Option<Evaluation> {
        self.last().and_then(|stats| stats.validation)
    }

    /// The metric of every epoch, training and validation (`None` where an epoch did not
    /// measure it).
    pub fn metric(&self, metric: Metric) -> Vec<Option<MetricValue>> {
        let find = |stats: &EpochStats| stats.metrics.iter().copied().find(|m| m.metric == metric);
        self.epochs.iter().map(find).collect()
    }

    /// The history as CSV, one row per epoch under the header
    /// `epoch,loss,accuracy,val_loss,val_accuracy,seconds` (Keras' `CSVLogger` names); a
    /// value that was not measured is an empty cell. Numbers are written in full precision
    /// (Rust's shortest round-trip form), so reading them back gives the same `f32`s.
    pub fn to_csv(&self) -> String {
        let mut csv = csv_header(self.epochs.first());
        for stats in &self.epochs {
            csv.push_str(&csv_row(stats));
        }
        csv
    }

    /// Writes [`Self::to_csv`] to `path`, crash-safely (see
    /// [`write_atomically`](crate::io::write_atomically)).
    ///
    /// # Errors
    /// The I/O error of writing the file.
    pub fn save_csv(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        let csv = self.to_csv();
        crate::io::write_atomically(path.as_ref(), |file| file.write_all(csv.as_bytes()))
    }
}

/// The header line of [`History::to_csv`], with the metric columns of `first`'s metrics.
pub(crate) fn csv_header(first: Option<&EpochStats>) -> String {
    let mut header = String::from("epoch,loss,accuracy,val_loss,val_accuracy");
    for value in first.map_or(&[][..], |stats| &stats.metrics) {
        let name = value.metric.name();
        header.push_str(&format!(",{name},val_{name}"));
    }
    header.push_str(",seconds\n");
    header
}

/// One epoch's line of [`History::to_csv`].
pub(crate) fn csv_row(stats: &EpochStats) -> String {
    let cell = |value: Option<f32>| value.map_or(String::new(), |v| v.to_string());
    let validation = stats.validation.as_ref();
    let mut row = format!(
        "{},{},{},{},{}",
        stats.epoch,
        stats.train.loss,
        cell(stats.train.accuracy),
        cell(validation.map(|v| v.loss)),
        cell(validation.and_then(|v| v.accuracy)),
    );
    let number = |value: Option<f64>| value.map_or(String::new(), |v| v.to_string());
    for value in &stats.metrics {
        let (train, validation) = (number(value.train), number(value.validation));
        row.push_str(&format!(",{train},{validation}"));
    }
    row.push_str(&format!(",{}\n", stats.seconds));
    row
}

/// Writes `value` right-aligned in `width` columns, or a dash when there is none.
fn cell(f: &mut fmt::Formatter<'_>, value: Option<String>, width: usize) -> fmt::Result {
    write!(f, "  {:>width$}", value.as_deref().unwrap_or("-"))
}

fn loss_text(loss: f32) -> String {
    format!("{loss:.4}")
}

fn percent_text(accuracy: f32) -> String {
    format!("{:.2}%", accuracy * 100.0)
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>5}  {:>10}  {:>8}  {:>10}  {:>8}  {:>8}",
            "epoch", "loss", "accuracy", "val_loss", "val_acc", "seconds"
        )?;
        for stats in &self.epochs {
            write!(f, "{:>5}", stats.epoch)?;
            cell(f, Some(loss_text(stats.train.loss)), 10)?;
            cell(f, stats.train.accuracy.map(percent_text), 8)?;
            let validation = stats.validation.as_ref();
            cell(f, validation.map(|v| loss_text(v.loss)), 10)?;
            cell(f, validation.and_then(|v| v.accuracy).map(percent_text), 8)?;
            cell(f, Some(format!("{:.2}", stats.seconds)), 8)?;
            for value in &stats.metrics {
                write!(f, "  {}", value.metric.name())?;
                if let Some(train) = value.train {
                    write!(f, " {train:.4}")?;
                }
                if let Some(validation) = value.validation {
                    write!(f, " (val {validation:.4})")?;
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
