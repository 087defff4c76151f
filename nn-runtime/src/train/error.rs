//! Why training, evaluation or prediction could not run or stopped early.

use std::fmt;
use std::path::PathBuf;

use crate::io::WeightsError;
use crate::optim::OptimizerError;

/// Why `fit`, `evaluate` or `predict` failed. Every message says what to change.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TrainError {
    /// The training loss became NaN or infinite; the parameters are those from before the
    /// offending batch.
    NonFiniteLoss {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch, as the progress bar counts.
        batch: usize,
        /// The offending value.
        loss: f32,
    },
    /// Rows of a data set are wider or narrower than the network's input or output.
    ShapeMismatch {
        /// Which rows, e.g. `"training inputs"`.
        what: &'static str,
        /// Floats per row the network needs.
        expected: usize,
        /// Floats per row the data set has.
        found: usize,
    },
    /// A flat buffer does not hold a whole number of rows.
    RaggedData {
        /// Which buffer, e.g. `"validation targets"`.
        what: &'static str,
        /// Floats in the buffer.
        len: usize,
        /// Floats per row.
        row_len: usize,
    },
    /// A data set has a different number of input rows and target rows.
    RowMismatch {
        /// Which data set, e.g. `"training"`.
        what: &'static str,
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
    /// A data set has no samples.
    EmptyDataset {
        /// Which data set, e.g. `"validation"`.
        what: &'static str,
    },
    /// The batch size is zero, or a batch names no samples.
    ZeroBatchSize,
    /// A batch has more samples than the [`Workspace`](super::Workspace) was made for.
    BatchTooLarge {
        /// Samples in the batch.
        batch: usize,
        /// Largest batch the workspace holds.
        max_batch: usize,
    },
    /// A batch names a sample the data set does not have.
    SampleOutOfRange {
        /// The sample index.
        index: usize,
        /// Samples in the data set.
        len: usize,
    },
    /// A checkpoint could not be written, or the one to resume from could not be used.
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What went wrong.
        error: WeightsError,
    },
    /// More training threads were asked for than [`FitConfig::MAX_THREADS`](super::FitConfig::MAX_THREADS).
    TooManyThreads {
        /// Threads asked for.
        threads: usize,
        /// The most accepted.
        max: usize,
    },
    /// The optimizer cannot train this model: a hyperparameter is out of range, or its state
    /// belongs to a model with another number of parameters. Reported before any training,
    /// with the model and the optimizer untouched.
    InvalidOptimizer(OptimizerError),
    /// A training step would have left a parameter or the optimizer's state NaN or infinite:
    /// a gradient was (the data holds NaN or infinity, or the loss's gradient overflowed), or
    /// the update overflowed. The step was not taken: the parameters and the optimizer's
    /// state are those from before the offending batch.
    NonFiniteStep {
        /// 1-based epoch; 0 for a step taken outside `fit`.
        epoch: usize,
        /// 1-based batch within the epoch; 0 for a step taken outside `fit`.
        batch: usize,
        /// The first tensor concerned, as [`Network::TENSORS`](crate::Network::TENSORS)
        /// names it, e.g. `dense_0.weight`.
        tensor: &'static str,
        /// The element within that tensor (row-major).
        element: usize,
        /// What the optimizer found.
        error: OptimizerError,
    },
    /// A parameter is NaN or infinite before training starts (after resuming from a
    /// checkpoint, if asked to): there is nothing to train from.
    NonFiniteParameter {
        /// The tensor, as [`Network::TENSORS`](crate::Network::TENSORS) names it.
        tensor: &'static str,
        /// The element within that tensor (row-major).
        element: usize,
        /// The value.
        value: f32,
    },
    /// The network's output for a sample is NaN or infinite (its input holds NaN or infinity,
    /// or the parameters do); `evaluate`, `predict` and `predict_class` never pass one on.
    NonFiniteOutput {
        /// Whose sample, e.g. `"evaluation"`, `"validation"` or `"prediction"`.
        what: &'static str,
        /// 0-based row of the sample in the data or the inputs.
        sample: usize,
        /// The first non-finite output value.
        value: f32,
    },
    /// Every output is finite, but the loss over evaluation or validation data is not: the
    /// targets hold NaN or infinity, or the loss overflowed.
    NonFiniteEvaluationLoss {
        /// Which data, e.g. `"validation"`.
        what: &'static str,
        /// The loss.
        loss: f32,
    },
    /// A sparse target (one class index per sample, for a softmax network) is not a whole
    /// number naming one of the network's classes.
    LabelOutOfRange {
        /// Which data set, e.g. `"training"`.
        what: &'static str,
        /// 0-based sample.
        sample: usize,
        /// The target found.
        label: f32,
        /// Classes of the network: labels run from 0 to `classes - 1`.
        classes: usize,
    },
    /// A setting of [`FitConfig`](super::FitConfig) cannot be used with this data: a
    /// validation split that leaves either part empty, weights of the wrong count, a
    /// negative or non-finite weight.
    InvalidSetting {
        /// The setting, e.g. `"validation_split"`.
        setting: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A callback refused to go on (its monitored value is missing, its file cannot be
    /// written, its state does not fit).
    Callback {
        /// The callback's name.
        callback: String,
        /// What went wrong.
        reason: String,
    },
    /// The threads of data-parallel training could not be started.
    Threads {
        /// Threads asked for.
        threads: usize,
        /// What the operating system said.
        reason: String,
    },
    /// Another rank of an MPI job failed (its own error says why), so this one stopped too.
    #[cfg(feature = "mpi")]
    OtherRank {
        /// The first rank that failed.
        rank: usize,
    },
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TrainError::LabelOutOfRange {
                what,
                sample,
                label,
                classes,
            } => write!(
                f,
                "{what} sample {sample} has label {label}, but the network has {classes} \
                 classes; class indices must be whole numbers from 0 to {}",
                classes - 1
            ),
            TrainError::InvalidSetting {
                setting,
                ref reason,
            } => write!(f, "`{setting}`: {reason}"),
            TrainError::Callback {
                ref callback,
                ref reason,
            } => write!(f, "callback {callback}: {reason}"),
            TrainError::TooManyThreads { threads, max } => write!(
                f,
                "{threads} training threads were asked for; expected at most {max} (0 takes \
                 one per core)"
            ),
            TrainError::Threads {
                threads,
                ref reason,
            } => write!(
                f,
                "could not start {threads} training threads ({reason}); train with fewer threads"
            ),
            #[cfg(feature = "mpi")]
            TrainError::OtherRank { rank } => write!(
                f,
                "rank {rank} of the MPI job failed (its own error says why), so this rank \
                 stopped too"
            ),
            TrainError::InvalidOptimizer(ref error) => {
                write!(f, "the optimizer cannot train this model: {error}")
            }
            TrainError::NonFiniteStep {
                epoch,
                batch,
                tensor,
                element,
                ref error,
            } => {
                let place = if epoch == 0 {
                    "a training step was refused".to_string()
                } else {
                    format!("training stopped at epoch {epoch}, batch {batch}")
                };
                let unchanged = "the parameters and the optimizer's state are as before this batch";
                match *error {
                    OptimizerError::NonFiniteGradient { value, .. } => write!(
                        f,
                        "{place}: the gradient of `{tensor}` (element {element}) is {value}; \
                         {unchanged}; check the data for NaN/inf or lower the learning rate"
                    ),
                    OptimizerError::NonFiniteUpdate { buffer, .. } => write!(
                        f,
                        "{place}: the update would make {} of `{tensor}` (element {element}) \
                         overflow; {unchanged}; lower the learning rate",
                        if buffer == "parameter" {
                            "the parameter".to_string()
                        } else {
                            format!("the optimizer's `{buffer}`")
                        }
                    ),
                    ref other => write!(f, "{place}: {other}; {unchanged}"),
                }
            }
            TrainError::NonFiniteParameter {
                tensor,
                element,
                value,
            } => write!(
                f,
                "parameter `{tensor}` (element {element}) is {value} before training; \
                 initialize the network or load finite weights"
            ),
            TrainError::NonFiniteOutput {
                what,
                sample,
                value,
            } => write!(
                f,
                "the network's output for {what} sample {sample} is {value}; check that \
                 sample's inputs (and the parameters) for NaN/inf"
            ),
            TrainError::NonFiniteEvaluationLoss { what, loss } => write!(
                f,
                "the loss over the {what} data is {loss} although every output is finite; \
                 check the {what} targets for NaN/inf"
            ),
            TrainError::NonFiniteLoss { epoch, batch, loss } => {
                let value = if loss.is_nan() {
                    "NaN".to_string()
                } else {
                    loss.to_string()
                };
                write!(
                    f,
                    "training stopped: loss became {value} at epoch {epoch}, batch {batch}; \
                     lower the learning rate or check the data for NaN/inf"
                )
            }
            TrainError::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what} have {found} floats per sample, but the network expects {expected}; \
                 reshape or re-encode the data to match the network"
            ),
            TrainError::RaggedData { what, len, row_len } => write!(
                f,
                "{what} hold {len} floats, which is not a whole number of rows of {row_len}; \
                 the data is truncated or has the wrong row length"
            ),
            TrainError::RowMismatch {
                what,
                inputs,
                targets,
            } => write!(
                f,
                "{what} data has {inputs} input rows but {targets} target rows; \
                 every sample needs exactly one target"
            ),
            TrainError::EmptyDataset { what } => {
                write!(f, "{what} data has no samples; give it at least one")
            }
            TrainError::ZeroBatchSize => write!(f, "batch size is 0; use at least 1"),
            TrainError::BatchTooLarge { batch, max_batch } => write!(
                f,
                "a batch of {batch} samples does not fit a workspace made for {max_batch}; \
                 make the workspace with a larger maximum batch"
            ),
            TrainError::SampleOutOfRange { index, len } => write!(
                f,
                "a batch names sample {index}, but the data set has only {len} samples"
            ),
            TrainError::Checkpoint {
                ref path,
                error:
                    WeightsError::Io {
                        path: ref about,
                        ref message,
                        ..
                    },
            } if about == path => write!(f, "checkpoint {}: {message}", path.display()),
            TrainError::Checkpoint {
                ref path,
                ref error,
            } => write!(f, "checkpoint {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for TrainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrainError::Checkpoint { error, .. } => Some(error),
            TrainError::InvalidOptimizer(error) | TrainError::NonFiniteStep { error, .. } => {
                Some(error)
            }
            _ => None,
        }
    }
}
