//! Training: the fit / evaluate / predict loop over any generated [`Network`].
//!
//! [`Model`] gives every network Keras-style methods. A `fit` checks its data up front, then
//! runs epochs of seeded, shuffled batches through one [`Workspace`] (so a step allocates
//! nothing), stops with [`TrainError::NonFiniteLoss`] the moment the loss is NaN or
//! infinite and with [`TrainError::NonFiniteStep`] before a step that would leave a
//! parameter NaN or infinite, and returns a [`History`] of per-epoch [`EpochStats`].
//! Evaluation and prediction never pass on a NaN output: they name the sample instead.

pub mod callbacks;
mod check;
mod checkpoint;
mod config;
mod epochs;
mod error;
mod evaluate;
mod finite;
mod fit;
pub(crate) mod history;
mod layer_outputs;
mod metric_selection;
mod metrics;
mod parallel;
mod predictions;
mod progress;
mod settings;
mod targets;
mod team;
mod workspace;

#[cfg(feature = "mpi")]
pub mod mpi;

pub use config::FitConfig;
pub use error::TrainError;
pub use history::{EpochStats, Evaluation, History};
pub use metric_selection::{Metric, MetricValue};
pub use predictions::Predictions;
pub use workspace::{BatchStats, Workspace};

use crate::data::Dataset;
use crate::network::Network;
use crate::optim::Optimizer;
use callbacks::Callback;

/// Keras-style training, evaluation and prediction, for every [`Network`] (all generated
/// networks are `Sync`: data-parallel training shares one among its threads).
pub trait Model: Network + Sized + Sync {
    /// Trains in place for `config.epochs` epochs and evaluates `validation` after each.
    ///
    /// Every epoch visits each training sample once, in an order that depends only on
    /// `config.seed` and the epoch (or in data-set order without shuffling), in batches of
    /// `config.batch_size`; the last batch holds the remainder. The same seed, data, starting
    /// parameters and optimizer give bit-identical parameters and statistics.
    ///
    /// # Errors
    /// Before any training: [`TrainError::ZeroBatchSize`], for either data set
    /// [`TrainError::ShapeMismatch`], [`TrainError::DataShape`]
    /// or [`TrainError::EmptyDataset`], [`TrainError::InvalidOptimizer`] when
    /// [`Optimizer::validate`] refuses the optimizer's hyperparameters or state, and
    /// [`TrainError::NonFiniteParameter`] when the network starts with NaN or infinity. During
    /// training, [`TrainError::NonFiniteLoss`], or [`TrainError::NonFiniteStep`] when a
    /// step would leave a parameter or the optimizer's state NaN or infinite (a NaN in the
    /// data, an overflow), both with the parameters and the optimizer's state as they were
    /// before the offending batch; after an epoch, [`TrainError::NonFiniteOutput`] or
    /// [`TrainError::NonFiniteEvaluationLoss`] for the validation data, instead of recording
    /// a NaN loss.
    fn fit(
        &mut self,
        train: &Dataset,
        validation: Option<&Dataset>,
        optimizer: &mut dyn Optimizer,
        config: &FitConfig,
    ) -> Result<History, TrainError> {
        fit::fit(self, train, validation, optimizer, config, &mut [])
    }

    /// [`Self::fit`] with callbacks (see [`callbacks`]), run in the order given: early
    /// stopping, schedules, checkpoints of the best weights, a CSV log, or your own.
    ///
    /// ```no_run
    /// use nn_runtime::train::callbacks::{EarlyStopping, LearningRateScheduler, Monitor, Schedule};
    /// # use nn_runtime::{Adam, Dataset, FitConfig, History, Model, TrainError};
    /// # fn train<M: Model>(model: &mut M, data: &Dataset) -> Result<History, TrainError> {
    /// let mut stopping = EarlyStopping::new(Monitor::ValLoss).patience(2).restore_best_weights(true);
    /// let mut cosine = LearningRateScheduler::new(Schedule::Cosine { epochs: 10, min_lr: 0.0 });
    /// let config = FitConfig::new(10, 32).validation_split(0.1);
    /// model.fit_with(data, None, &mut Adam::new(1e-3), &config, &mut [&mut stopping, &mut cosine])
    /// # }
    /// ```
    ///
    /// # Errors
    /// Those of [`Self::fit`], [`TrainError::InvalidSetting`] for a validation split or
    /// weights that do not fit the data, and [`TrainError::Callback`] when a callback fails
    /// (two share a name, a monitored value was not measured, a file cannot be written, a
    /// checkpoint holds state for other callbacks).
    fn fit_with(
        &mut self,
        train: &Dataset,
        validation: Option<&Dataset>,
        optimizer: &mut dyn Optimizer,
        config: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History, TrainError> {
        fit::fit(self, train, validation, optimizer, config, callbacks)
    }

    /// Mean loss and accuracy over `data` in batches of `batch_size`, in inference mode.
    ///
    /// # Errors
    /// As `fit` does for its data, before any work; [`TrainError::NonFiniteOutput`] naming
    /// the first sample whose output is NaN or infinite, and
    /// [`TrainError::NonFiniteEvaluationLoss`] when the outputs are finite but the loss is
    /// not (NaN or infinite targets).
    fn evaluate(&self, data: &Dataset, batch_size: usize) -> Result<Evaluation, TrainError> {
        evaluate::evaluate(self, data, batch_size)
    }

    /// The mean loss over `data` in training mode, without gradients: every stochastic layer
    /// samples as in training (dropout's masks, a variational autoencoder's `ε`), `draws`
    /// passes over the data in batches of `batch_size`, seeded by `seed`. For a variational
    /// autoencoder this is the negative ELBO that training minimizes, where
    /// [`Self::evaluate`] (inference mode) takes `ε = 0`.
    ///
    /// # Errors
    /// As [`Self::evaluate`]; [`TrainError::InvalidSetting`] for no draws.
    fn sampled_loss(
        &self,
        data: &Dataset,
        batch_size: usize,
        draws: usize,
        seed: u64,
    ) -> Result<f64, TrainError> {
        evaluate::sampled_loss(self, data, batch_size, draws, seed)
    }

    /// [`Self::evaluate`], and the value of each of `metrics` over `data`, in their order
    /// (Keras' `evaluate` with `metrics`).
    ///
    /// # Errors
    /// Those of [`Self::evaluate`], and [`TrainError::InvalidSetting`] for a metric that
    /// does not fit the network or is undefined on the data (AUC over one class).
    fn evaluate_metrics(
        &self,
        data: &Dataset,
        batch_size: usize,
        metrics: &[Metric],
    ) -> Result<(Evaluation, Vec<f64>), TrainError> {
        evaluate::evaluate_metrics(self, data, batch_size, metrics)
    }

    /// Outputs for `inputs`, rows of [`Network::INPUT_LEN`] floats: as many rows of
    /// [`Network::OUTPUT_LEN`] floats, in inference mode.
    ///
    /// # Errors
    /// [`TrainError::DataShape`] when `inputs` is not a whole number of rows, and
    /// [`TrainError::NonFiniteOutput`] naming the first row whose output is NaN or infinite.
    fn predict(&self, inputs: &[f32]) -> Result<Vec<f32>, TrainError> {
        evaluate::predict(self, inputs)
    }

    /// [`Self::predict`] as one fixed-size row per sample: `predictions[i]` is sample `i`'s
    /// outputs, and [`Predictions::classes`] their classes.
    ///
    /// # Errors
    /// As [`Self::predict`].
    fn predict_rows(&self, inputs: &[f32]) -> Result<Predictions, TrainError> {
        Ok(Predictions::new(
            evaluate::predict(self, inputs)?,
            Self::OUTPUT_LEN,
        ))
    }

    /// The predicted class of every sample of `inputs` (rows of [`Network::INPUT_LEN`]), in
    /// batches, as [`Self::predict_class`] picks it for one.
    ///
    /// # Errors
    /// As [`Self::predict`]: no class is picked from a NaN or infinite output.
    fn predict_classes(&self, inputs: &[f32]) -> Result<Vec<usize>, TrainError> {
        let predictions = self.predict_rows(inputs)?;
        if Self::LOSS == crate::network::LossKind::SigmoidBinaryCrossEntropy {
            return Ok(predictions.classes());
        }
        // Only a sigmoid's single output is thresholded; any other row takes its argmax.
        Ok(predictions.rows().map(metrics::argmax).collect())
    }

    /// The predicted class of one sample: the index of the largest output, or for a single
    /// sigmoid output, 1 when it is above 0.5. Uses the stack alone for outputs of up to 256
    /// floats.
    ///
    /// # Errors
    /// [`TrainError::ShapeMismatch`] when `input.len()` is not [`Network::INPUT_LEN`] (both
    /// lengths named), and [`TrainError::NonFiniteOutput`] (sample 0) when an output is NaN
    /// or infinite: no class is picked from it.
    fn predict_class(&self, input: &[f32]) -> Result<usize, TrainError> {
        evaluate::predict_class(self, input)
    }

    /// The output of every layer for one sample, in inference mode: `outputs[i]` is the
    /// output of layer `i` of [`Network::LAYERS`], `LAYERS[i].output_shape` laid out
    /// row-major (`[C, H, W]` for a map), so the last is what [`Network::forward_sample`]
    /// returns. For debugging: compare a network, say one imported with
    /// [`crate::io::tflite::load`], with another implementation layer by layer, and find
    /// the first layer where they part. Values are returned as computed, NaN included.
    ///
    /// ```no_run
    /// # use nn_runtime::{Model, Network};
    /// # fn show<M: Model>(model: &M, input: &[f32]) -> Result<(), nn_runtime::TrainError> {
    /// for (layer, output) in M::LAYERS.iter().zip(model.layer_outputs(input)?) {
    ///     let largest = output.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    ///     println!("{} {:?}: max |value| {largest}", layer.name, layer.output_shape);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`TrainError::ShapeMismatch`] when `input.len()` is not [`Network::INPUT_LEN`] (both
    /// lengths named).
    fn layer_outputs(&self, input: &[f32]) -> Result<Vec<Vec<f32>>, TrainError> {
        layer_outputs::layer_outputs(self, input)
    }
}

impl<N: Network + Sync> Model for N {}
