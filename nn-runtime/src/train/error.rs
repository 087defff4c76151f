//! Why training, evaluation or prediction could not run or stopped early.

use std::path::{Path, PathBuf};

use crate::data::DataShapeError;
use crate::io::WeightsError;
use crate::optim::OptimizerError;

/// Why `fit`, `evaluate` or `predict` failed. Every message says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The training loss became NaN or infinite; the parameters are those from before the
    /// offending batch.
    #[error(
        "training stopped: loss became {loss} at epoch {epoch}, batch {batch}; lower the \
         learning rate or check the data for NaN/inf"
    )]
    NonFiniteLoss {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch, as the progress bar counts.
        batch: usize,
        /// The offending value.
        loss: f32,
    },
    /// Rows of a data set are wider or narrower than the network's input or output.
    #[error(
        "{what} have {found} floats per sample, but the network expects {expected}; reshape \
         or re-encode the data to match the network"
    )]
    ShapeMismatch {
        /// Which rows, e.g. `"training inputs"`.
        what: &'static str,
        /// Floats per row the network needs.
        expected: usize,
        /// Floats per row the data set has.
        found: usize,
    },
    /// A flat buffer does not hold a whole number of rows, or a data set has a different
    /// number of input rows and target rows.
    #[error(transparent)]
    DataShape(#[from] DataShapeError),
    /// A data set has no samples.
    #[error("{what} data has no samples; give it at least one")]
    EmptyDataset {
        /// Which data set, e.g. `"validation"`.
        what: &'static str,
    },
    /// The batch size is zero, or a batch names no samples.
    #[error("batch size is 0; use at least 1")]
    ZeroBatchSize,
    /// A batch has more samples than the [`Workspace`](super::Workspace) was made for.
    #[error(
        "a batch of {batch} samples does not fit a workspace made for {max_batch}; make the \
         workspace with a larger maximum batch"
    )]
    BatchTooLarge {
        /// Samples in the batch.
        batch: usize,
        /// Largest batch the workspace holds.
        max_batch: usize,
    },
    /// A batch names a sample the data set does not have.
    #[error("a batch names sample {index}, but the data set has only {len} samples")]
    SampleOutOfRange {
        /// The sample index.
        index: usize,
        /// Samples in the data set.
        len: usize,
    },
    /// A checkpoint could not be written, or the one to resume from could not be used.
    #[error("checkpoint {}: {}", .path.display(), checkpoint_detail(.path, .error))]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        error: WeightsError,
    },
    /// More training threads were asked for than [`FitConfig::MAX_THREADS`](super::FitConfig::MAX_THREADS).
    #[error(
        "{threads} training threads were asked for; expected at most {max} (0 takes one per \
         core)"
    )]
    TooManyThreads {
        /// Threads asked for.
        threads: usize,
        /// The most accepted.
        max: usize,
    },
    /// The optimizer cannot train this model: a hyperparameter is out of range, or its state
    /// belongs to a model with another number of parameters. Reported before any training,
    /// with the model and the optimizer untouched.
    #[error("the optimizer cannot train this model: {0}")]
    InvalidOptimizer(#[source] OptimizerError),
    /// A training step would have left a parameter or the optimizer's state NaN or infinite:
    /// a gradient was (the data holds NaN or infinity, or the loss's gradient overflowed), or
    /// the update overflowed. The step was not taken: the parameters and the optimizer's
    /// state are those from before the offending batch.
    #[error("{}", non_finite_step(*.epoch, *.batch, .tensor, *.element, .error))]
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
        #[source]
        error: OptimizerError,
    },
    /// A parameter is NaN or infinite before training starts (after resuming from a
    /// checkpoint, if asked to): there is nothing to train from.
    #[error(
        "parameter `{tensor}` (element {element}) is {value} before training; initialize the \
         network or load finite weights"
    )]
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
    #[error(
        "the network's output for {what} sample {sample} is {value}; check that sample's \
         inputs (and the parameters) for NaN/inf"
    )]
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
    #[error(
        "the loss over the {what} data is {loss} although every output is finite; check the \
         {what} targets for NaN/inf"
    )]
    NonFiniteEvaluationLoss {
        /// Which data, e.g. `"validation"`.
        what: &'static str,
        /// The loss.
        loss: f32,
    },
    /// A sparse target (one class index per sample, for a softmax network) is not a whole
    /// number naming one of the network's classes.
    #[error(
        "{what} sample {sample} has label {label}, but the network has {classes} classes; \
         class indices must be whole numbers from 0 to {}",
        .classes - 1
    )]
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
    #[error("`{setting}`: {reason}")]
    InvalidSetting {
        /// The setting, e.g. `"validation_split"`.
        setting: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A callback refused to go on (its monitored value is missing, its file cannot be
    /// written, its state does not fit).
    #[error("callback {callback}: {reason}")]
    Callback {
        /// The callback's name.
        callback: String,
        /// What went wrong.
        reason: String,
    },
    /// The threads of data-parallel training could not be started.
    #[error("could not start {threads} training threads ({source}); train with fewer threads")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Another rank of an MPI job failed (its own error says why), so this one stopped too.
    #[cfg(feature = "mpi")]
    #[error(
        "rank {rank} of the MPI job failed (its own error says why), so this rank stopped too"
    )]
    OtherRank {
        /// The first rank that failed.
        rank: usize,
    },
}

/// What went wrong with a checkpoint; an I/O failure on the checkpoint itself is not
/// prefixed with its path a second time.
fn checkpoint_detail(path: &Path, error: &WeightsError) -> String {
    match error {
        WeightsError::Io {
            path: about,
            source,
        } if about == path => source.to_string(),
        other => other.to_string(),
    }
}

/// Where a refused step was (inside `fit`, or a step taken alone), what overflowed, and what
/// to change.
fn non_finite_step(
    epoch: usize,
    batch: usize,
    tensor: &str,
    element: usize,
    error: &OptimizerError,
) -> String {
    let place = if epoch == 0 {
        "a training step was refused".to_string()
    } else {
        format!("training stopped at epoch {epoch}, batch {batch}")
    };
    let unchanged = "the parameters and the optimizer's state are as before this batch";
    match *error {
        OptimizerError::NonFiniteGradient { value, .. } => format!(
            "{place}: the gradient of `{tensor}` (element {element}) is {value}; \
             {unchanged}; check the data for NaN/inf or lower the learning rate"
        ),
        OptimizerError::NonFiniteUpdate { buffer, .. } => format!(
            "{place}: the update would make {} of `{tensor}` (element {element}) \
             overflow; {unchanged}; lower the learning rate",
            if buffer == "parameter" {
                "the parameter".to_string()
            } else {
                format!("the optimizer's `{buffer}`")
            }
        ),
        ref other => format!("{place}: {other}; {unchanged}"),
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_checkpoint_error_chains_down_to_the_operating_systems_error() {
        let path = PathBuf::from("/runs/a.ckpt");
        let error = TrainError::Checkpoint {
            path: path.clone(),
            error: WeightsError::Io {
                path,
                source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
            },
        };
        // The path is named once, not once per level.
        assert_eq!(error.to_string(), "checkpoint /runs/a.ckpt: denied");
        let weights = error.source().expect("the weights error");
        assert_eq!(weights.to_string(), "/runs/a.ckpt: denied");
        let io = weights.source().expect("the I/O error");
        assert_eq!(
            io.downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind),
            Some(std::io::ErrorKind::PermissionDenied)
        );
        assert!(io.source().is_none());
    }

    #[test]
    fn a_data_shape_error_reads_the_same_from_training_as_from_loading() {
        let shape = DataShapeError::RowMismatch {
            what: "training data",
            inputs: 3,
            targets: 2,
        };
        let from_training = TrainError::from(shape.clone());
        let from_loading = crate::data::DataError::from(shape.clone());
        assert_eq!(from_training.to_string(), shape.to_string());
        assert_eq!(from_loading.to_string(), shape.to_string());
    }
}
