//! Accuracy per loss kind, and the running sums that turn batches into an [`Evaluation`].

use super::Evaluation;
use crate::network::LossKind;

/// Index of the largest value; the first on ties, and NaN never wins.
pub(crate) fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &value) in row.iter().enumerate() {
        if value > row[best] || row[best].is_nan() && !value.is_nan() {
            best = i;
        }
    }
    best
}

/// How many predictions of a batch were right, and how many were judged: rows for softmax
/// cross-entropy, elements for binary cross-entropy, none for a regression loss.
///
/// `outputs` is the network's last node, which holds probabilities for the classification
/// losses (the softmax or sigmoid is the last layer; losses fuse it only in the gradient).
pub(crate) fn count_correct(
    loss: LossKind,
    outputs: &[f32],
    targets: &[f32],
    width: usize,
) -> (usize, usize) {
    match loss {
        LossKind::MeanSquaredError
        | LossKind::MeanAbsoluteError
        | LossKind::Huber { .. }
        | LossKind::WeightedSum => (0, 0),
        LossKind::SoftmaxCrossEntropy => {
            let rows = outputs.chunks_exact(width).zip(targets.chunks_exact(width));
            let correct = rows
                .filter(|(output, target)| argmax(output) == argmax(target))
                .count();
            (correct, outputs.len() / width)
        }
        LossKind::SigmoidBinaryCrossEntropy => {
            let pairs = outputs.iter().zip(targets);
            let correct = pairs.filter(|(&p, &t)| (p > 0.5) == (t > 0.5)).count();
            (correct, outputs.len())
        }
    }
}

/// Running sums over the batches of one pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tally {
    loss: LossKind,
    pub(crate) samples: usize,
    pub(crate) loss_sum: f64,
    pub(crate) correct: usize,
    pub(crate) judged: usize,
}

impl Tally {
    /// An empty tally for a network trained with `loss`.
    pub(crate) fn new(loss: LossKind) -> Self {
        Tally {
            loss,
            samples: 0,
            loss_sum: 0.0,
            correct: 0,
            judged: 0,
        }
    }

    /// Adds a batch of `samples` whose mean loss was `mean_loss`.
    pub(crate) fn add(&mut self, samples: usize, mean_loss: f32, correct: usize, judged: usize) {
        self.samples += samples;
        self.loss_sum += f64::from(mean_loss) * samples as f64;
        self.correct += correct;
        self.judged += judged;
    }

    /// The sample-weighted mean loss and the accuracy so far.
    pub(crate) fn evaluation(&self) -> Evaluation {
        let loss = if self.samples == 0 {
            0.0
        } else {
            (self.loss_sum / self.samples as f64) as f32
        };
        let accuracy = match self.loss {
            loss if loss.is_regression() => None,
            _ if self.judged == 0 => None,
            _ => Some((self.correct as f64 / self.judged as f64) as f32),
        };
        Evaluation { loss, accuracy }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum_and_skips_nan() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.3, 0.5]), 2);
        assert_eq!(argmax(&[0.3, f32::NAN, 0.1]), 0);
    }

    #[test]
    fn accuracy_per_loss_kind() {
        let outputs = [0.9, 0.1, 0.4, 0.6, 0.2, 0.8];
        let targets = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        assert_eq!(
            count_correct(LossKind::SoftmaxCrossEntropy, &outputs, &targets, 2),
            (2, 3)
        );
        assert_eq!(
            count_correct(LossKind::SigmoidBinaryCrossEntropy, &outputs, &targets, 2),
            (4, 6)
        );
        assert_eq!(
            count_correct(LossKind::MeanSquaredError, &outputs, &targets, 2),
            (0, 0)
        );
    }

    #[test]
    fn tally_weights_batches_by_their_samples() {
        let mut tally = Tally::new(LossKind::SoftmaxCrossEntropy);
        tally.add(4, 1.0, 3, 4);
        tally.add(2, 4.0, 0, 2);
        let evaluation = tally.evaluation();
        assert_eq!(evaluation.loss, 2.0);
        assert_eq!(evaluation.accuracy, Some(0.5));
        assert_eq!(
            Tally::new(LossKind::MeanSquaredError).evaluation().accuracy,
            None
        );
    }
}
