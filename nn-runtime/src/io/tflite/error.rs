//! What can be wrong with a `.tflite` file.

use std::path::PathBuf;

/// A `.tflite` file that could not be read, or whose contents are not a TFLite model this
/// reader understands. Reading never panics: every problem of the bytes is one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TfliteError {
    /// The file could not be read.
    #[error("cannot read {}: {source} ({:?})", .path.display(), .source.kind())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The bytes are not a well-formed flatbuffer: cut short, an offset pointing outside the
    /// file or at misaligned data, a string that is not UTF-8, …
    #[error("not a well-formed TFLite flatbuffer: {reason}")]
    Malformed {
        /// What the flatbuffers verifier found, and where.
        reason: String,
    },
    /// A well-formed flatbuffer (or something else) without TFLite's file identifier `TFL3`.
    #[error(
        "not a TFLite model: expected the file identifier \"TFL3\" at bytes 4..8, found \
         \"{found}\""
    )]
    NotTflite {
        /// The four bytes found where the identifier belongs, escaped.
        found: String,
    },
    /// A TFLite model of a schema version other than 3, the only one in use since 2018.
    #[error(
        "TFLite schema version {found} is not supported: expected version 3 (convert the \
         model again with a current TensorFlow)"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// An operator whose code is none of the schema's builtin operators.
    #[error(
        "operator {operator} has builtin code {code}, which is not an operator of TFLite's \
         schema (the file is corrupt or newer than this reader)"
    )]
    UnknownOperator {
        /// The operator's index in its subgraph.
        operator: usize,
        /// The resolved builtin code.
        code: i32,
    },
    /// The flatbuffer is well-formed but its contents contradict themselves: an index out of
    /// range, a negative dimension, options missing or of another operator, data of the
    /// wrong length, …
    #[error("invalid TFLite model: {reason}")]
    Invalid {
        /// What was expected and what the file holds.
        reason: String,
    },
}

impl TfliteError {
    pub(super) fn invalid(reason: impl Into<String>) -> Self {
        TfliteError::Invalid {
            reason: reason.into(),
        }
    }
}
