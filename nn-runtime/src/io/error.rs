//! What can be wrong with a weight file or a checkpoint.

use std::path::{Path, PathBuf};

use crate::data::DataFingerprint;
use crate::optim::OptimizerStateError;

/// A weight file or checkpoint that could not be written, read or accepted.
///
/// A load that fails leaves the model (and optimizer) as it was: everything is decoded and
/// checked before anything is copied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// A file could not be created, written, renamed or read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file ends before its header says it does: it was cut short.
    #[error(
        "the file is truncated: its header calls for {expected_bytes} bytes, but it has \
         {found_bytes}; it was cut short while being written or copied"
    )]
    Truncated {
        /// Bytes the header calls for.
        expected_bytes: usize,
        /// Bytes present.
        found_bytes: usize,
    },
    /// The bytes are not a valid safetensors file.
    #[error("not a valid safetensors file: {reason}")]
    Corrupt {
        /// What is wrong with them.
        reason: String,
    },
    /// The network has a tensor the file lacks.
    #[error(
        "tensor `{name}` is missing: the network needs it with shape {expected_shape:?}, \
         F32; the file was saved from another network, or its names need a mapping"
    )]
    MissingTensor {
        /// The tensor's name in the file.
        name: String,
        /// Its shape in the network.
        expected_shape: Vec<usize>,
    },
    /// The file has a tensor the network lacks (a file of another network).
    #[error(
        "the file has a tensor `{name}` with shape {shape:?} that the network does not \
         have; it was saved from another network"
    )]
    UnexpectedTensor {
        /// The tensor's name.
        name: String,
        /// Its shape in the file.
        shape: Vec<usize>,
    },
    /// A tensor is not stored as 32-bit floats.
    #[error(
        "tensor `{name}` is stored as {found}, expected {expected}; convert it to 32-bit \
         floats before loading"
    )]
    WrongDtype {
        /// The tensor's name in the file.
        name: String,
        /// The only dtype accepted, `F32`.
        expected: &'static str,
        /// The dtype in the file, e.g. `F16`.
        found: String,
    },
    /// A tensor's shape differs from the network's.
    #[error("tensor `{name}` has shape {found:?}, but the network expects {expected:?}")]
    WrongShape {
        /// The tensor's name in the file.
        name: String,
        /// Its shape in the network.
        expected: Vec<usize>,
        /// Its shape in the file.
        found: Vec<usize>,
    },
    /// A name mapping points at a tensor the network does not have.
    #[error("the mapping renames `{from}` to `{to}`, but the network has no tensor `{to}`")]
    UnknownMappingTarget {
        /// The file's name of the tensor.
        from: String,
        /// The name it is mapped to.
        to: String,
    },
    /// Two tensors of the file are mapped to the same tensor of the network.
    #[error(
        "the mapping renames both `{first}` and `{second}` to `{to}`; map one file tensor \
         to each network tensor"
    )]
    DuplicateMappingTarget {
        /// The name both are mapped to.
        to: String,
        /// The first file name mapped to it.
        first: String,
        /// The second.
        second: String,
    },
    /// A layer that the ONNX export does not handle yet.
    #[error("layer `{layer}` ({kind}) cannot be exported to ONNX yet")]
    UnsupportedLayer {
        /// The layer, e.g. `lstm_0`.
        layer: String,
        /// Its kind as written in the spec.
        kind: &'static str,
    },
    /// A checkpoint's metadata lacks an entry, or it does not parse.
    #[error("{}", bad_metadata(.key, .found.as_deref()))]
    BadMetadata {
        /// The metadata key, e.g. `epoch`.
        key: &'static str,
        /// Its value, when present.
        found: Option<String>,
    },
    /// A checkpoint's optimizer state does not fit the optimizer it is restored into.
    #[error("checkpoint: {0}")]
    Optimizer(#[from] OptimizerStateError),
    /// A parameter or optimizer tensor holds NaN or infinity: the file was saved from a run
    /// that diverged. The `*_allow_non_finite` loaders accept it, for inspection.
    #[error(
        "tensor `{name}` holds {value} at element {index}; the file was saved from a run \
         that diverged (load it with a `*_allow_non_finite` loader to inspect it)"
    )]
    NonFinite {
        /// The tensor's name in the file.
        name: String,
        /// The element (row-major).
        index: usize,
        /// The value.
        value: f32,
    },
    /// A checkpoint was written by a `fit` with another setting than the one resuming it;
    /// resuming would not continue the same run.
    #[error(
        "the checkpoint was written with {setting} = {checkpoint}, but training resumes \
         with {setting} = {config}; resume with the same setting to continue the run"
    )]
    SettingMismatch {
        /// The setting, e.g. `seed`.
        setting: &'static str,
        /// Its value in the checkpoint.
        checkpoint: String,
        /// Its value in the resuming configuration.
        config: String,
    },
    /// The file names one tensor twice; which copy to take is ambiguous.
    #[error(
        "the file names tensor `{name}` twice; expected each name once (the file was \
         written by a faulty tool)"
    )]
    DuplicateTensor {
        /// The name.
        name: String,
    },
    /// A checkpoint was written with an optimizer hyperparameter other than the resuming
    /// optimizer's (or one of them lacks it); resuming would not continue the same run.
    #[error(
        "the checkpoint was written with the optimizer's {name} = {}, but training resumes \
         with {name} = {}; resume with the same optimizer settings to continue the run bit \
         for bit",
        shortest_or_none(*.checkpoint),
        shortest_or_none(*.optimizer)
    )]
    HyperparameterMismatch {
        /// The hyperparameter, e.g. `learning_rate`.
        name: String,
        /// Its value in the checkpoint, if it has one.
        checkpoint: Option<f64>,
        /// The resuming optimizer's value, if it has one.
        optimizer: Option<f64>,
    },
    /// A checkpoint was written while training on other data than the data given now;
    /// resuming would not continue the same run.
    #[error("{}", data_mismatch(.checkpoint, .given))]
    DataMismatch {
        /// The training data the checkpoint was written with.
        checkpoint: DataFingerprint,
        /// The training data given now.
        given: DataFingerprint,
    },
    /// A checkpoint has completed more epochs than the resuming run asks for.
    #[error(
        "it has completed {completed} epochs, more than the {epochs} this run asks for; ask \
         for at least {completed} epochs to resume it"
    )]
    ResumePastEnd {
        /// Epochs the checkpoint has completed.
        completed: usize,
        /// Epochs the run asks for.
        epochs: usize,
    },
}

impl WeightsError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        WeightsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A metadata entry that is missing (not a checkpoint at all) or does not parse.
fn bad_metadata(key: &str, found: Option<&str>) -> String {
    match found {
        None => format!(
            "not a checkpoint: its metadata has no `{key}`; load weights files with \
             `load_weights`"
        ),
        Some(found) => format!("the checkpoint's metadata `{key}` = `{found}` is invalid"),
    }
}

/// Which training data a checkpoint was written with and which is given now; when only the
/// values differ, says so, since the shapes alone look alike.
fn data_mismatch(checkpoint: &DataFingerprint, given: &DataFingerprint) -> String {
    let same_shape = (
        checkpoint.samples,
        checkpoint.input_len,
        checkpoint.target_len,
    ) == (given.samples, given.input_len, given.target_len);
    format!(
        "the checkpoint was written training on {checkpoint}, but the training data now is \
         {given}{}; resume with the same training data to continue the run bit for bit",
        if same_shape {
            ": the same shape, but other values or another order"
        } else {
            ""
        }
    )
}

/// A hyperparameter's value as briefly as it is exact, or `(none)` when it is absent.
fn shortest_or_none(v: Option<f64>) -> String {
    v.map_or("(none)".to_string(), shortest)
}

/// `v` as briefly as it can be written exactly: as an `f32` when it is one (`0.01`, not
/// `0.009999999776482582`), which every hyperparameter of this crate's optimizers is.
fn shortest(v: f64) -> String {
    let single = v as f32;
    if f64::from(single).to_bits() == v.to_bits() {
        single.to_string()
    } else {
        v.to_string()
    }
}
