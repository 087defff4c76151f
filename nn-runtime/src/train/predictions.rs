//! A batch of predictions: one fixed-size row of outputs per sample.

use core::ops::Index;

/// The outputs of [`Model::predict_rows`](super::Model::predict_rows): one row of
/// [`Network::OUTPUT_LEN`](crate::Network::OUTPUT_LEN) floats per input sample, in order.
///
/// ```
/// use nn_runtime::train::Predictions;
/// let predictions = Predictions::new(vec![0.1, 0.9, 0.8, 0.2], 2);
/// assert_eq!(predictions.len(), 2);
/// assert_eq!(&predictions[1], &[0.8, 0.2]);
/// assert_eq!(predictions.classes(), vec![1, 0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    values: Vec<f32>,
    width: usize,
}

impl Predictions {
    /// Rows of `width` floats from `values` (a trailing partial row is dropped; a `width`
    /// of 0 gives no rows).
    pub fn new(mut values: Vec<f32>, width: usize) -> Self {
        let whole = values.len().checked_div(width).unwrap_or(0) * width;
        values.truncate(whole);
        Predictions { values, width }
    }

    /// Samples predicted.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// True when no sample was predicted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Floats per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Every row, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> {
        self.values.chunks_exact(self.width.max(1))
    }

    /// The class of every row: the index of its largest output (the first on ties), or for
    /// one output (a sigmoid), 1 when it is above 0.5.
    pub fn classes(&self) -> Vec<usize> {
        self.rows()
            .map(|row| match row {
                [probability] => usize::from(*probability > 0.5),
                _ => super::metrics::argmax(row),
            })
            .collect()
    }

    /// All rows, flat.
    pub fn as_flat(&self) -> &[f32] {
        &self.values
    }

    /// All rows, flat, by value.
    pub fn into_flat(self) -> Vec<f32> {
        self.values
    }
}

impl Index<usize> for Predictions {
    type Output = [f32];

    /// Row `sample`.
    ///
    /// # Panics
    /// If `sample >= len()`, like slice indexing.
    fn index(&self, sample: usize) -> &[f32] {
        &self.values[sample * self.width..(sample + 1) * self.width]
    }
}
