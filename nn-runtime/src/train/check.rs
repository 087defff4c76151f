//! Up-front checks of data sets against a network, so a mistake is reported before any work.

use super::targets::{check_labels, is_sparse};
use super::{FitConfig, TrainError};
use crate::data::{DataShapeError, Dataset};
use crate::network::{LossKind, Network};

/// The part a data set plays, which names it in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The data `fit` learns from.
    Training,
    /// The data `fit` evaluates after each epoch.
    Validation,
    /// The data `evaluate` measures.
    Evaluation,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Training => "training",
            Role::Validation => "validation",
            Role::Evaluation => "evaluation",
        }
    }

    fn data(self) -> &'static str {
        match self {
            Role::Training => "training data",
            Role::Validation => "validation data",
            Role::Evaluation => "evaluation data",
        }
    }

    fn inputs(self) -> &'static str {
        match self {
            Role::Training => "training inputs",
            Role::Validation => "validation inputs",
            Role::Evaluation => "evaluation inputs",
        }
    }

    fn targets(self) -> &'static str {
        match self {
            Role::Training => "training targets",
            Role::Validation => "validation targets",
            Role::Evaluation => "evaluation targets",
        }
    }

    /// The targets of a softmax network, named with both encodings it accepts, so that a
    /// user who forgot to one-hot encode learns that class indices work as they are.
    fn class_targets(self) -> &'static str {
        match self {
            Role::Training => "training targets (one-hot rows, or one class index per sample)",
            Role::Validation => "validation targets (one-hot rows, or one class index per sample)",
            Role::Evaluation => "evaluation targets (one-hot rows, or one class index per sample)",
        }
    }
}

/// Number of whole rows in `len` floats of rows of `row_len`.
pub(crate) fn whole_rows(
    what: &'static str,
    len: usize,
    row_len: usize,
) -> Result<usize, TrainError> {
    Ok(crate::data::whole_rows(what, len, row_len)?)
}

/// Checks that `data` fits network `N` and is not empty, and that `N`'s loss is usable;
/// returns its number of samples.
///
/// Reads only the public fields, so it holds for a data set built field by field too.
pub(crate) fn check_dataset<N: Network>(data: &Dataset, role: Role) -> Result<usize, TrainError> {
    N::LOSS
        .validate()
        .map_err(|reason| TrainError::InvalidSetting {
            setting: "loss",
            reason: reason.to_string(),
        })?;
    if data.input_len != N::INPUT_LEN {
        return Err(TrainError::ShapeMismatch {
            what: role.inputs(),
            expected: N::INPUT_LEN,
            found: data.input_len,
        });
    }
    if data.target_len != N::OUTPUT_LEN && !is_sparse::<N>(data) {
        let softmax = N::LOSS == LossKind::SoftmaxCrossEntropy && N::OUTPUT_LEN > 1;
        return Err(TrainError::ShapeMismatch {
            what: if softmax {
                role.class_targets()
            } else {
                role.targets()
            },
            expected: N::OUTPUT_LEN,
            found: data.target_len,
        });
    }
    let inputs = whole_rows(role.inputs(), data.inputs.len(), data.input_len)?;
    let targets = whole_rows(role.targets(), data.targets.len(), data.target_len)?;
    if inputs != targets {
        return Err(DataShapeError::RowMismatch {
            what: role.data(),
            inputs,
            targets,
        }
        .into());
    }
    if inputs == 0 {
        return Err(TrainError::EmptyDataset { what: role.name() });
    }
    Ok(inputs)
}

/// [`check_dataset`], then that every sparse label names a class (a pass over the labels,
/// so it runs once per data set, not per batch).
pub(crate) fn check_dataset_and_labels<N: Network>(
    data: &Dataset,
    role: Role,
) -> Result<usize, TrainError> {
    let samples = check_dataset::<N>(data, role)?;
    check_labels::<N>(data, 0..samples, role)?;
    Ok(samples)
}

/// Checks that a batch size is usable.
pub(crate) fn check_batch_size(batch_size: usize) -> Result<(), TrainError> {
    if batch_size == 0 {
        return Err(TrainError::ZeroBatchSize);
    }
    Ok(())
}

/// The thread count a `fit` runs on: `threads`, or for 0 one per core, at most
/// [`FitConfig::MAX_THREADS`]. Checked before any thread is started: past some thousands
/// (about 16 000 on Linux's default of 65 530 memory maps per process) the operating system
/// refuses to start more, and when it refuses inside a new thread, the process aborts.
pub(crate) fn check_threads(threads: usize) -> Result<usize, TrainError> {
    let max = FitConfig::MAX_THREADS;
    match threads {
        0 => Ok(std::thread::available_parallelism().map_or(1, |n| n.get().min(max))),
        n if n > max => Err(TrainError::TooManyThreads { threads: n, max }),
        n => Ok(n),
    }
}
