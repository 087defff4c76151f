//! Encodings and per-feature rescalings: one-hot labels, standardization, min-max scaling.
//!
//! The scalers are fitted on training data and then applied, unchanged, to validation and
//! test data, so that no statistic of the held-out data leaks into training.

use super::{DataError, Dataset};

/// The most classes one-hot encoding accepts: 2²⁴, beyond which `f32` cannot count them
/// exactly (and one target row alone would take 64 MiB).
pub const MAX_CLASSES: usize = 1 << 24;

/// Checks a class count before anything is allocated for it: at least 1, at most
/// [`MAX_CLASSES`].
pub(crate) fn check_classes(classes: usize) -> Result<(), DataError> {
    match classes {
        0 => Err(DataError::NoClasses),
        c if c > MAX_CLASSES => Err(DataError::TooManyClasses {
            classes,
            max: MAX_CLASSES,
        }),
        _ => Ok(()),
    }
}

/// `rows * row_len` zeros, or [`DataError::TooLarge`] when that overflows or the allocator
/// refuses it (rather than aborting the process).
pub(crate) fn zeroed_rows(
    what: &'static str,
    rows: usize,
    row_len: usize,
) -> Result<Vec<f32>, DataError> {
    let too_large = || DataError::TooLarge {
        what,
        rows,
        row_len,
    };
    let len = rows.checked_mul(row_len).ok_or_else(too_large)?;
    let mut values = Vec::new();
    values.try_reserve_exact(len).map_err(|_| too_large())?;
    values.resize(len, 0.0);
    Ok(values)
}

/// Encodes class labels as one-hot rows of `classes` floats, row after row.
///
/// Fails if `classes` is 0 or above [`MAX_CLASSES`], if the rows are too large to allocate,
/// or if a label is not below `classes`.
pub fn one_hot<L: Copy + Into<usize>>(labels: &[L], classes: usize) -> Result<Vec<f32>, DataError> {
    check_classes(classes)?;
    let mut rows = zeroed_rows("one-hot targets", labels.len(), classes)?;
    for (index, &label) in labels.iter().enumerate() {
        let label = label.into();
        if label >= classes {
            return Err(DataError::LabelOutOfRange {
                path: None,
                index,
                label,
                classes,
            });
        }
        rows[index * classes + label] = 1.0;
    }
    Ok(rows)
}

/// Per-feature mean and standard deviation of the inputs, to rescale them to zero mean and
/// unit variance.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// Mean of each input feature.
    pub mean: Vec<f32>,
    /// Population standard deviation of each input feature; 1 for a constant feature, so
    /// that applying the standardizer never divides by zero.
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Measures every input feature of `data`. An empty data set gives mean 0 and std 1.
    pub fn fit(data: &Dataset) -> Standardizer {
        let count = data.len().max(1) as f64;
        let mean: Vec<f64> = feature_sums(data, |_, x| x)
            .iter()
            .map(|s| s / count)
            .collect();
        let spread = feature_sums(data, |j, x| (x - mean[j]).powi(2));
        let std = spread
            .iter()
            .zip(&mean)
            .map(|(s, m)| {
                let std = (s / count).sqrt();
                // Rounding leaves a constant feature a tiny, meaningless spread.
                if std > 1e-7 * m.abs() && std.is_finite() {
                    std as f32
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// Replaces every input `x` of feature `j` by `(x - mean[j]) / std[j]`.
    ///
    /// Fails, changing nothing, if `data` has a different number of input features.
    pub fn apply(&self, data: &mut Dataset) -> Result<(), DataError> {
        check_width(self.mean.len(), data)?;
        for row in data.inputs.chunks_exact_mut(data.input_len.max(1)) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = (*x - m) / s;
            }
        }
        Ok(())
    }
}

/// Per-feature minimum and maximum of the inputs, to rescale them to `[0, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct MinMaxScaler {
    /// Smallest value of each input feature.
    pub min: Vec<f32>,
    /// Largest value of each input feature.
    pub max: Vec<f32>,
}

impl MinMaxScaler {
    /// Measures every input feature of `data`. An empty data set gives min 0 and max 1.
    pub fn fit(data: &Dataset) -> MinMaxScaler {
        if data.is_empty() {
            return MinMaxScaler {
                min: vec![0.0; data.input_len],
                max: vec![1.0; data.input_len],
            };
        }
        let mut min = vec![f32::INFINITY; data.input_len];
        let mut max = vec![f32::NEG_INFINITY; data.input_len];
        for row in data.inputs.chunks_exact(data.input_len.max(1)) {
            for (j, &x) in row.iter().enumerate() {
                min[j] = min[j].min(x);
                max[j] = max[j].max(x);
            }
        }
        MinMaxScaler { min, max }
    }

    /// Replaces every input `x` of feature `j` by `(x - min[j]) / (max[j] - min[j])`, which
    /// is in `[0, 1]` on the data it was fitted on; a constant feature becomes 0.
    ///
    /// Fails, changing nothing, if `data` has a different number of input features.
    pub fn apply(&self, data: &mut Dataset) -> Result<(), DataError> {
        check_width(self.min.len(), data)?;
        for row in data.inputs.chunks_exact_mut(data.input_len.max(1)) {
            for ((x, lo), hi) in row.iter_mut().zip(&self.min).zip(&self.max) {
                let range = if hi > lo { hi - lo } else { 1.0 };
                *x = (*x - lo) / range;
            }
        }
        Ok(())
    }
}

/// Per-feature sums over all rows of `f(j, x)` for the input `x` of feature `j`, in `f64`.
fn feature_sums(data: &Dataset, f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    let mut sums = vec![0.0f64; data.input_len];
    for i in 0..data.len() {
        for (j, (sum, &x)) in sums.iter_mut().zip(data.input(i)).enumerate() {
            *sum += f(j, f64::from(x));
        }
    }
    sums
}

/// Fails unless `data` has `fitted` input features.
fn check_width(fitted: usize, data: &Dataset) -> Result<(), DataError> {
    if fitted != data.input_len {
        return Err(DataError::WidthMismatch {
            expected: fitted,
            found: data.input_len,
        });
    }
    Ok(())
}
