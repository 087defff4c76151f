//! Training: the fit / evaluate / predict loop over any generated [`Network`].

use crate::data::Dataset;
use crate::network::Network;
use crate::optim::Optimizer;

/// How to train.
#[derive(Clone, Debug)]
pub struct FitConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per gradient step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seed for shuffling and for stochastic layers.
    pub seed: u64,
    /// Shuffle the training data at every epoch.
    pub shuffle: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// Loss and metric of one pass over a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss per sample.
    pub loss: f32,
    /// Fraction classified correctly, when the loss is a classification loss.
    pub accuracy: Option<f32>,
}

/// What one epoch of training measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Training loss and accuracy, averaged over the epoch's batches.
    pub train: Evaluation,
    /// Validation loss and accuracy, when validation data was given.
    pub validation: Option<Evaluation>,
    /// Wall-clock seconds the epoch took.
    pub seconds: f64,
}

/// Per-epoch statistics of a `fit`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per completed epoch.
    pub epochs: Vec<EpochStats>,
}

/// Why training stopped early.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrainError {
    /// The loss became NaN or infinite.
    NonFiniteLoss {
        /// 1-based epoch.
        epoch: usize,
        /// 0-based batch within the epoch.
        batch: usize,
        /// The offending value.
        loss: f32,
    },
}

/// Buffers reused across batches, so a training step allocates nothing.
pub struct Workspace {
    _private: (),
}

/// Keras-style training, evaluation and prediction for every generated network.
pub trait Model: Network + Sized {
    /// Trains in place; `validation` is evaluated after every epoch.
    fn fit(&mut self, train: &Dataset, validation: Option<&Dataset>, optimizer: &mut dyn Optimizer, config: &FitConfig) -> Result<History, TrainError> { todo!() }
}
impl<N: Network> Model for N {}
