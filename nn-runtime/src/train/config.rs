//! How a `fit` runs: epochs, batch size, seed, shuffling, progress output and checkpoints.

use std::path::{Path, PathBuf};

use super::Metric;

/// How to train. [`FitConfig::default`] is one epoch of shuffled batches of 32 with seed 0
/// and a progress bar; the builder methods change one setting each, and a `get_` method
/// reads it back (as [`std::process::Command`] names them, since the builder methods take
/// the settings' names). The fields are private, so that a new setting, with its default,
/// breaks no code.
///
/// ```
/// use nn_runtime::FitConfig;
/// let config = FitConfig::new(10, 64).seed(42).quiet();
/// assert_eq!((config.get_epochs(), config.get_batch_size()), (10, 64));
/// assert_eq!((config.get_seed(), config.get_progress()), (42, false));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// Passes over the training data.
    pub(crate) epochs: usize,
    /// Samples per gradient step (the last batch of an epoch may be smaller).
    pub(crate) batch_size: usize,
    /// Seed for shuffling and for stochastic layers such as dropout.
    pub(crate) seed: u64,
    /// Shuffle the training data at every epoch.
    pub(crate) shuffle: bool,
    /// Show a progress bar and a one-line summary per epoch on stderr.
    pub(crate) progress: bool,
    /// Where to write a checkpoint after every epoch (see [`FitConfig::checkpoint`]).
    pub(crate) checkpoint: Option<PathBuf>,
    /// A checkpoint to continue from (see [`FitConfig::resume_from`]).
    pub(crate) resume_from: Option<PathBuf>,
    /// Threads that share each training step (0 means one per core). Default 1: the same
    /// bits on every core count (for a given CPU's features). With more, a network whose dense layers do nearly all its work
    /// shares every large GEMM by columns (same bits as one thread); any other splits each
    /// batch into one shard per thread and sums the gradients in a fixed order, so a run is
    /// reproducible for a given thread count; dropout masks and batch norm statistics are
    /// then drawn per shard. At most [`FitConfig::MAX_THREADS`]; 0 takes one per core up
    /// to that.
    pub(crate) threads: usize,
    /// The fraction of the training data held out for validation: the last samples, taken
    /// before shuffling, as Keras takes them (see [`FitConfig::validation_split`]).
    pub(crate) validation_split: Option<f32>,
    /// A weight per class for every training sample's loss (see [`FitConfig::class_weight`]).
    pub(crate) class_weight: Option<Vec<f32>>,
    /// A weight per training sample (see [`FitConfig::sample_weight`]).
    pub(crate) sample_weight: Option<Vec<f32>>,
    /// A weight per sample of the validation data (see
    /// [`FitConfig::validation_sample_weight`]).
    pub(crate) validation_sample_weight: Option<Vec<f32>>,
    /// Which validation samples are anomalies, for [`Metric::AnomalyAuc`] (see
    /// [`FitConfig::validation_anomalies`]).
    pub(crate) validation_anomalies: Option<Vec<bool>>,
    /// Epochs already trained by earlier `fit` calls: training runs epochs
    /// `initial_epoch + 1 ..= epochs`, each with its own shuffle (Keras' `initial_epoch`).
    pub(crate) initial_epoch: usize,
    /// Metrics reported per epoch besides loss and accuracy (see [`FitConfig::metrics`]).
    pub(crate) metrics: Vec<Metric>,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            seed: 0,
            shuffle: true,
            progress: true,
            checkpoint: None,
            resume_from: None,
            threads: 1,
            validation_split: None,
            class_weight: None,
            sample_weight: None,
            validation_sample_weight: None,
            validation_anomalies: None,
            initial_epoch: 0,
            metrics: Vec::new(),
        }
    }
}

impl FitConfig {
    /// The most threads a `fit` starts; more is [`TrainError::TooManyThreads`](super::TrainError::TooManyThreads),
    /// before any thread is started. Far more than any machine has cores, and far fewer
    /// than the operating system's limits (on Linux, each thread takes four of the 65 530
    /// memory maps a process may have by default; past them, starting a thread fails, or
    /// aborts the process).
    pub const MAX_THREADS: usize = 1024;

    /// `epochs` passes in batches of `batch_size`; everything else as in [`Default`].
    pub fn new(epochs: usize, batch_size: usize) -> Self {
        FitConfig {
            epochs,
            batch_size,
            ..FitConfig::default()
        }
    }

    /// With `epochs` passes over the training data.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// With `batch_size` samples per gradient step; the last batch of an epoch holds the
    /// remainder. 0 makes `fit` fail before it starts.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// With the progress bar and per-epoch summary on stderr switched on or off
    /// ([`Self::quiet`] switches them off).
    pub fn progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// With another seed for shuffling and stochastic layers.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// With shuffling switched on or off; off visits samples in data-set order.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// With `threads` threads sharing each batch; 0 takes one per core. More than
    /// [`FitConfig::MAX_THREADS`] makes `fit` fail before it starts any.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Without progress bar or per-epoch summary.
    pub fn quiet(mut self) -> Self {
        self.progress = false;
        self
    }

    /// Writes a [`Checkpoint`](crate::io::Checkpoint) to `path` after every epoch: the
    /// parameters, the optimizer's state and hyperparameters, the epochs completed, the seed
    /// and a fingerprint of the training data. Each write is crash-safe (a temporary file of
    /// its own, synced, then renamed), so `path` always holds the last complete epoch, even
    /// when several runs save to it at once. `fit` checks before the first epoch that the
    /// directory exists and is writable.
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Continues the run saved in the checkpoint at `path`: loads its parameters and optimizer
    /// state and trains from the epoch after the one it completed up to `epochs`, so a run of
    /// `FitConfig::new(4, b)` interrupted after epoch 2 and resumed with the same settings
    /// ends with the parameters of an uninterrupted run, bit for bit. The seed, batch size,
    /// shuffling, training data and optimizer (method and hyperparameters) must match the
    /// checkpoint's, or `fit` refuses, naming what changed. A checkpoint that has completed
    /// exactly `epochs` resumes to nothing: `fit` loads it and returns an empty history (so
    /// re-running a finished script is harmless); one past `epochs` is an error.
    pub fn resume_from(mut self, path: impl Into<PathBuf>) -> Self {
        self.resume_from = Some(path.into());
        self
    }

    /// Holds out the last `fraction` of the training data for validation, as Keras'
    /// `validation_split` does: the first `⌊len · (1 − fraction)⌋` samples train (shuffled
    /// every epoch), the rest are evaluated after each epoch, in order. `fit` refuses a
    /// fraction outside `(0, 1)`, one that leaves either part empty, and one given together
    /// with validation data.
    pub fn validation_split(mut self, fraction: f32) -> Self {
        self.validation_split = Some(fraction);
        self
    }

    /// Weights each training sample's loss by the weight of its class (its label, the argmax
    /// of a one-hot row, or for one sigmoid output 0 or 1), as Keras' `class_weight` does:
    /// the batch loss is `Σ wᵢ·lossᵢ / batch`, so its gradient scales each sample's by `wᵢ`.
    /// One finite weight of at least 0 per class. Class weights weight the training loss
    /// only, as in Keras.
    pub fn class_weight(mut self, weights: Vec<f32>) -> Self {
        self.class_weight = Some(weights);
        self
    }

    /// Weights each training sample's loss (one finite weight of at least 0 per sample of the
    /// training data, validation split included), multiplied with its class weight if there
    /// is one; as Keras' `sample_weight`. The samples a `validation_split` holds out keep
    /// their weights, which weight the validation loss (Keras splits them with the data).
    pub fn sample_weight(mut self, weights: Vec<f32>) -> Self {
        self.sample_weight = Some(weights);
        self
    }

    /// Weights each validation sample's loss, as the third element of Keras'
    /// `validation_data=(x, y, sample_weight)` does: one finite weight of at least 0 per
    /// sample of the validation data given to `fit`, and the validation loss is
    /// `Σ wᵢ·lossᵢ / samples`. As in Keras, accuracy and the selected metrics stay
    /// unweighted. `fit` refuses weights of another count, and weights without validation
    /// data (a `validation_split` takes its weights from [`FitConfig::sample_weight`]).
    pub fn validation_sample_weight(mut self, weights: Vec<f32>) -> Self {
        self.validation_sample_weight = Some(weights);
        self
    }

    /// Marks the validation samples that are anomalies (`true`) and those that are normal,
    /// for [`Metric::AnomalyAuc`]: one label per validation sample, of the validation data
    /// given to `fit` or, with a `validation_split`, of the samples it holds out, in order.
    /// `fit` refuses another count, labels of one kind only (the area is undefined then),
    /// labels without the metric and the metric without labels.
    pub fn validation_anomalies(mut self, anomalies: Vec<bool>) -> Self {
        self.validation_anomalies = Some(anomalies);
        self
    }

    /// Starts counting at epoch `initial_epoch + 1`, so that a run made of several `fit`
    /// calls gives every epoch its own shuffle and dropout masks.
    pub fn initial_epoch(mut self, initial_epoch: usize) -> Self {
        self.initial_epoch = initial_epoch;
        self
    }

    /// Reports `metrics` for every epoch, on the training samples (from the outputs they had
    /// as they were trained, as Keras does) and on the validation data, in
    /// [`EpochStats::metrics`](super::EpochStats::metrics), the progress line and the
    /// history's CSV and plots. `fit` refuses a metric that does not fit the network (top-k
    /// accuracy of a regressor, say) before it trains.
    pub fn metrics(mut self, metrics: Vec<Metric>) -> Self {
        self.metrics = metrics;
        self
    }
}

/// The settings, read back.
impl FitConfig {
    /// Passes over the training data.
    pub fn get_epochs(&self) -> usize {
        self.epochs
    }

    /// Samples per gradient step (the last batch of an epoch may be smaller).
    pub fn get_batch_size(&self) -> usize {
        self.batch_size
    }

    /// Seed for shuffling and for stochastic layers such as dropout.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// Whether the training data is shuffled at every epoch.
    pub fn get_shuffle(&self) -> bool {
        self.shuffle
    }

    /// Whether a progress bar and a one-line summary per epoch are shown on stderr.
    pub fn get_progress(&self) -> bool {
        self.progress
    }

    /// Where a checkpoint is written after every epoch, if anywhere.
    pub fn get_checkpoint(&self) -> Option<&Path> {
        self.checkpoint.as_deref()
    }

    /// The checkpoint training continues from, if any.
    pub fn get_resume_from(&self) -> Option<&Path> {
        self.resume_from.as_deref()
    }

    /// Threads that share each training step, as asked for (0 means one per core).
    pub fn get_threads(&self) -> usize {
        self.threads
    }

    /// The fraction of the training data held out for validation, if any.
    pub fn get_validation_split(&self) -> Option<f32> {
        self.validation_split
    }

    /// The weight of each class, if given.
    pub fn get_class_weight(&self) -> Option<&[f32]> {
        self.class_weight.as_deref()
    }

    /// The weight of each training sample, if given.
    pub fn get_sample_weight(&self) -> Option<&[f32]> {
        self.sample_weight.as_deref()
    }

    /// The weight of each validation sample, if given.
    pub fn get_validation_sample_weight(&self) -> Option<&[f32]> {
        self.validation_sample_weight.as_deref()
    }

    /// Which validation samples are anomalies, if given.
    pub fn get_validation_anomalies(&self) -> Option<&[bool]> {
        self.validation_anomalies.as_deref()
    }

    /// Epochs already trained by earlier `fit` calls.
    pub fn get_initial_epoch(&self) -> usize {
        self.initial_epoch
    }

    /// Metrics reported per epoch besides loss and accuracy.
    pub fn get_metrics(&self) -> &[Metric] {
        &self.metrics
    }
}
