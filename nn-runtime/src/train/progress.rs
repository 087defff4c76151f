//! What a `fit` shows while it runs: a bar per epoch and a one-line summary after it.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::{EpochStats, Evaluation};

const TEMPLATE: &str =
    "epoch {prefix} [{bar:30}] {pos}/{len} samples {msg} ({elapsed}, ETA {eta}, {per_sec})";

/// Progress of one epoch: a bar over its batches when enabled and stderr is a terminal.
pub(crate) struct EpochProgress {
    enabled: bool,
    epochs: usize,
    bar: ProgressBar,
}

impl EpochProgress {
    /// Starts the bar of epoch `epoch` (1-based) of `epochs`, over `samples` samples.
    pub(crate) fn start(enabled: bool, epoch: usize, epochs: usize, samples: usize) -> Self {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let style = ProgressStyle::with_template(TEMPLATE)
                .map(|style| style.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar = ProgressBar::new(samples as u64).with_style(style);
            bar.set_prefix(format!("{epoch}/{epochs}"));
            bar
        } else {
            ProgressBar::hidden()
        };
        EpochProgress {
            enabled,
            epochs,
            bar,
        }
    }

    /// A batch of `samples` more done; `so_far` is the running evaluation of the epoch.
    pub(crate) fn advance(&self, samples: usize, so_far: Evaluation) {
        if self.bar.is_hidden() {
            return; // formatting the message would allocate for nothing
        }
        self.bar.set_message(evaluation_text(so_far));
        self.bar.inc(samples as u64);
    }

    /// Clears the bar and, when enabled, prints the epoch's summary line to stderr: the
    /// one line per epoch a log gets when stderr is not a terminal.
    pub(crate) fn finish(self, stats: &EpochStats, samples: usize) {
        self.bar.finish_and_clear();
        if self.enabled {
            eprintln!("{}", summary_line(stats, self.epochs, samples));
        }
    }
}

fn evaluation_text(evaluation: Evaluation) -> String {
    match evaluation.accuracy {
        Some(accuracy) => format!(
            "loss {:.4}, accuracy {:.2}%",
            evaluation.loss,
            accuracy * 100.0
        ),
        None => format!("loss {:.4}", evaluation.loss),
    }
}

/// `epoch 3/10: loss 0.2310, accuracy 93.10%; validation loss 0.2500, accuracy 92.40% (1.52 s,
/// 5263 samples/s)`, the rate counting the training samples.
pub(crate) fn summary_line(stats: &EpochStats, epochs: usize, samples: usize) -> String {
    let mut line = format!(
        "epoch {}/{}: {}",
        stats.epoch,
        epochs,
        evaluation_text(stats.train)
    );
    if let Some(validation) = stats.validation {
        line.push_str("; validation ");
        line.push_str(&evaluation_text(validation));
    }
    for value in &stats.metrics {
        let name = value.metric.name();
        if let Some(train) = value.train {
            line.push_str(&format!(", {name} {train:.4}"));
        }
        if let Some(validation) = value.validation {
            line.push_str(&format!(", val_{name} {validation:.4}"));
        }
    }
    let rate = samples as f64 / stats.seconds.max(1e-9);
    line.push_str(&format!(" ({:.2} s, {rate:.0} samples/s)", stats.seconds));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{Metric, MetricValue};

    #[test]
    fn the_bar_template_parses_with_eta_and_rate() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
        assert!(TEMPLATE.contains("{eta}") && TEMPLATE.contains("{per_sec}"));
    }

    #[test]
    fn summary_names_each_metric_with_its_validation_value() {
        let stats = EpochStats {
            epoch: 1,
            train: Evaluation {
                loss: 0.5,
                accuracy: None,
            },
            validation: None,
            seconds: 2.0,
            metrics: vec![MetricValue {
                metric: Metric::MeanAbsoluteError,
                train: Some(0.25),
                validation: Some(0.375),
            }],
        };
        assert_eq!(
            summary_line(&stats, 2, 100),
            "epoch 1/2: loss 0.5000, mae 0.2500, val_mae 0.3750 (2.00 s, 50 samples/s)"
        );
    }

    #[test]
    fn summary_names_both_evaluations_and_the_time() {
        let stats = EpochStats {
            epoch: 3,
            train: Evaluation {
                loss: 0.231,
                accuracy: Some(0.931),
            },
            validation: Some(Evaluation {
                loss: 0.25,
                accuracy: Some(0.924),
            }),
            seconds: 1.5,
            metrics: Vec::new(),
        };
        assert_eq!(
            summary_line(&stats, 10, 3000),
            "epoch 3/10: loss 0.2310, accuracy 93.10%; validation loss 0.2500, accuracy 92.40% \
             (1.50 s, 2000 samples/s)"
        );
    }
}
