//! What can be wrong with a data file.

/// A data file that could not be read, or whose contents are malformed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Rows of inputs and targets disagree.
    RowMismatch {
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
}
