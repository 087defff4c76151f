//! Why a picture could not be made.

use std::fmt;
use std::path::PathBuf;

/// Why a picture could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// The path's extension names no format that can be written.
    UnsupportedFormat {
        /// The path.
        path: PathBuf,
    },
    /// There is nothing to draw.
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A value to draw is NaN or infinite.
    NonFinite {
        /// Which series.
        series: String,
        /// The epoch (or position) of the value.
        at: usize,
    },
    /// Class names were given, but not one per class.
    ClassNames {
        /// Names given.
        found: usize,
        /// Classes in the matrix.
        expected: usize,
    },
    /// Drawing or writing the file failed.
    Draw(String),
}

impl PlotError {
    pub(super) fn drawing(error: impl fmt::Display) -> Self {
        PlotError::Draw(error.to_string())
    }
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::UnsupportedFormat { path } => write!(
                f,
                "cannot tell the picture format of {}: name it .png or .svg",
                path.display()
            ),
            PlotError::Empty { what } => write!(f, "there is nothing to draw: {what}"),
            PlotError::NonFinite { series, at } => write!(
                f,
                "{series} is not a finite number at {at}; a curve cannot show it"
            ),
            PlotError::ClassNames { found, expected } => write!(
                f,
                "{found} class names were given for a matrix of {expected} classes"
            ),
            PlotError::Draw(reason) => write!(f, "drawing the picture failed: {reason}"),
        }
    }
}

impl std::error::Error for PlotError {}
