//! An in-memory data set of fixed-width input and target rows.

use super::DataError;

/// Samples as two row-major matrices: `len()` rows of `input_len` inputs and of `target_len`
/// targets (one-hot for classification).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// `len() * input_len` floats.
    pub inputs: Vec<f32>,
    /// `len() * target_len` floats.
    pub targets: Vec<f32>,
    /// Floats per input row.
    pub input_len: usize,
    /// Floats per target row.
    pub target_len: usize,
}

impl Dataset {
    /// Checks that both matrices hold the same number of whole rows.
    pub fn new(inputs: Vec<f32>, targets: Vec<f32>, input_len: usize, target_len: usize) -> Result<Self, DataError> { todo!() }
    /// Number of samples.
    pub fn len(&self) -> usize { todo!() }
    /// True when there are no samples.
    pub fn is_empty(&self) -> bool { todo!() }
    /// Input row `i`.
    pub fn input(&self, i: usize) -> &[f32] { todo!() }
    /// Target row `i`.
    pub fn target(&self, i: usize) -> &[f32] { todo!() }
}
