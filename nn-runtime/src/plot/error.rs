//! Why a picture could not be made.

use std::fmt;
use std::path::PathBuf;

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The path's extension names no format that can be written.
    #[error(
        "cannot tell the picture format of {}: name it .png or .svg",
        .path.display()
    )]
    UnsupportedFormat {
        /// The path.
        path: PathBuf,
    },
    /// There is nothing to draw.
    #[error("there is nothing to draw: {what}")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A value to draw is NaN or infinite.
    #[error("{series} is not a finite number at {at}; a curve cannot show it")]
    NonFinite {
        /// Which series.
        series: String,
        /// The epoch (or position) of the value.
        at: usize,
    },
    /// Class names were given, but not one per class.
    #[error("{found} class names were given for a matrix of {expected} classes")]
    ClassNames {
        /// Names given.
        found: usize,
        /// Classes in the matrix.
        expected: usize,
    },
    /// Drawing or writing the file failed.
    #[error("drawing the picture failed: {0}")]
    Draw(String),
}

impl PlotError {
    pub(super) fn drawing(error: impl fmt::Display) -> Self {
        PlotError::Draw(error.to_string())
    }
}
