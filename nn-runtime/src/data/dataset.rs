//! An in-memory data set of fixed-width input and target rows, and the ways to cut it up.

use super::{whole_rows, DataError, DataShapeError};
use crate::rng::Rng;

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
    /// Checks that both matrices hold the same number of whole, non-empty rows, and that every
    /// value is finite (a NaN or infinity would only surface later, as a NaN loss).
    ///
    /// # Errors
    /// [`DataError::DataShape`] when a matrix is not a whole number of rows or the row
    /// counts differ, and [`DataError::NonFinite`]
    /// naming the first non-finite value's row and column.
    pub fn new(
        inputs: Vec<f32>,
        targets: Vec<f32>,
        input_len: usize,
        target_len: usize,
    ) -> Result<Self, DataError> {
        let input_rows = whole_rows("inputs", inputs.len(), input_len)?;
        let target_rows = whole_rows("targets", targets.len(), target_len)?;
        if input_rows != target_rows {
            return Err(DataShapeError::RowMismatch {
                what: "the data set",
                inputs: input_rows,
                targets: target_rows,
            }
            .into());
        }
        first_non_finite("inputs", &inputs, input_len)?;
        first_non_finite("targets", &targets, target_len)?;
        Ok(Dataset {
            inputs,
            targets,
            input_len,
            target_len,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.inputs.len().checked_div(self.input_len).unwrap_or(0)
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Input row `i`.
    ///
    /// # Panics
    /// If `i >= len()`, like slice indexing.
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.input_len..(i + 1) * self.input_len]
    }

    /// Target row `i`.
    ///
    /// # Panics
    /// If `i >= len()`, like slice indexing.
    pub fn target(&self, i: usize) -> &[f32] {
        &self.targets[i * self.target_len..(i + 1) * self.target_len]
    }

    /// The class of every sample: the index of the largest target (the first, on ties), or
    /// for one target per sample (class indices, or 0/1 labels) that target, rounded to the
    /// nearest class (negative and NaN targets give 0).
    pub fn labels(&self) -> Vec<usize> {
        if self.target_len == 1 {
            return self.targets.iter().map(|&t| t.round() as usize).collect();
        }
        (0..self.len()).map(|i| argmax(self.target(i))).collect()
    }

    /// Multiplies every input by `factor` (for instance `1.0 / 255.0` for raw pixels).
    pub fn scale(&mut self, factor: f32) {
        self.inputs.iter_mut().for_each(|x| *x *= factor);
    }

    /// The samples at `indices`, in that order (repeats allowed).
    ///
    /// # Panics
    /// If an index is `>= len()`, like slice indexing.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut inputs = Vec::with_capacity(indices.len() * self.input_len);
        let mut targets = Vec::with_capacity(indices.len() * self.target_len);
        for &i in indices {
            inputs.extend_from_slice(self.input(i));
            targets.extend_from_slice(self.target(i));
        }
        Dataset {
            inputs,
            targets,
            input_len: self.input_len,
            target_len: self.target_len,
        }
    }

    /// The first `n` samples (all of them if there are fewer).
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            inputs: self.inputs[..n * self.input_len].to_vec(),
            targets: self.targets[..n * self.target_len].to_vec(),
            input_len: self.input_len,
            target_len: self.target_len,
        }
    }

    /// Shuffles the samples with `seed`, then returns `(training, validation)`, where
    /// validation holds `validation_fraction` of them (rounded to the nearest sample).
    /// The same seed always gives the same split.
    ///
    /// # Errors
    /// [`DataError::BadSplitFraction`] if `validation_fraction` is not in `0.0..=1.0` (NaN
    /// included).
    pub fn split(
        &self,
        validation_fraction: f32,
        seed: u64,
    ) -> Result<(Dataset, Dataset), DataError> {
        if !(0.0..=1.0).contains(&validation_fraction) {
            return Err(DataError::BadSplitFraction {
                fraction: validation_fraction,
            });
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        Rng::new(seed).shuffle(&mut order);
        let validation_len = (self.len() as f64 * f64::from(validation_fraction)).round() as usize;
        let (validation, training) = order.split_at(validation_len.min(order.len()));
        Ok((self.subset(training), self.subset(validation)))
    }
}

/// Fails on the first value of `values` (rows of `row_len`) that is NaN or infinite.
fn first_non_finite(what: &'static str, values: &[f32], row_len: usize) -> Result<(), DataError> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(at) => Err(DataError::NonFinite {
            what,
            row: at / row_len,
            column: at % row_len,
            value: values[at],
        }),
        None => Ok(()),
    }
}

/// Index of the largest value, the first on ties; NaN never wins.
fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in row.iter().enumerate() {
        if x > row[best] || row[best].is_nan() && !x.is_nan() {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting(rows: usize) -> Dataset {
        let inputs = (0..rows * 2).map(|x| x as f32).collect();
        let targets = (0..rows).map(|x| x as f32).collect();
        Dataset::new(inputs, targets, 2, 1).expect("valid shape")
    }

    #[test]
    fn new_checks_whole_rows_and_matching_counts() {
        assert_eq!(counting(3).len(), 3);
        assert!(Dataset::new(vec![], vec![], 4, 2).is_ok_and(|d| d.is_empty()));
        let err = Dataset::new(vec![0.0; 5], vec![0.0; 2], 2, 1).unwrap_err();
        assert!(matches!(
            err,
            DataError::DataShape(DataShapeError::PartialRow {
                what: "inputs",
                floats: 5,
                row_len: 2
            })
        ));
        assert!(
            err.to_string().contains("not a whole number of rows of 2"),
            "{err}"
        );
        let err = Dataset::new(vec![0.0; 4], vec![0.0; 3], 2, 1).unwrap_err();
        assert!(matches!(
            err,
            DataError::DataShape(DataShapeError::RowMismatch {
                what: "the data set",
                inputs: 2,
                targets: 3
            })
        ));
        assert!(
            err.to_string().contains("2 input rows but 3 target rows"),
            "{err}"
        );
        let err = Dataset::new(vec![], vec![], 0, 1).unwrap_err();
        assert!(err.to_string().contains("at least one float"), "{err}");
    }

    #[test]
    fn rows_are_sliced_by_width() {
        let d = counting(3);
        assert_eq!(d.input(1), &[2.0, 3.0]);
        assert_eq!(d.target(2), &[2.0]);
    }

    #[test]
    fn labels_are_the_argmax_of_each_target_row() {
        let d = Dataset::new(vec![0.0; 3], vec![0., 1., 0., 1., 0., 0., 0., 0., 1.], 1, 3);
        assert_eq!(d.expect("valid shape").labels(), vec![1, 0, 2]);
        assert_eq!(argmax(&[f32::NAN, 0.5, 0.5]), 1);
    }

    #[test]
    fn scale_multiplies_inputs_only() {
        let mut d = counting(2);
        d.scale(0.5);
        assert_eq!(d.inputs, vec![0.0, 0.5, 1.0, 1.5]);
        assert_eq!(d.targets, vec![0.0, 1.0]);
    }

    #[test]
    fn subset_and_take_copy_the_chosen_rows() {
        let d = counting(4);
        let s = d.subset(&[3, 0, 3]);
        assert_eq!(s.inputs, vec![6.0, 7.0, 0.0, 1.0, 6.0, 7.0]);
        assert_eq!(s.targets, vec![3.0, 0.0, 3.0]);
        assert_eq!(d.take(2).targets, vec![0.0, 1.0]);
        assert_eq!(d.take(99), d);
    }

    fn target_ids(d: &Dataset) -> Vec<usize> {
        d.targets.iter().map(|&t| t as usize).collect()
    }

    #[test]
    fn split_is_seeded_disjoint_and_complete() {
        let d = counting(100);
        let (train, val) = d.split(0.2, 7).unwrap();
        assert_eq!((train.len(), val.len()), (80, 20));
        let mut all = [target_ids(&train), target_ids(&val)].concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "rows lost or duplicated");
        for (i, &id) in target_ids(&val).iter().enumerate() {
            assert_eq!(val.input(i), &[2.0 * id as f32, 2.0 * id as f32 + 1.0]);
        }
        assert_eq!(
            d.split(0.2, 7).unwrap(),
            (train.clone(), val.clone()),
            "same seed, same split"
        );
        assert_ne!(
            target_ids(&d.split(0.2, 8).unwrap().1),
            target_ids(&val),
            "seed ignored"
        );
        assert_ne!(
            target_ids(&val),
            (0..20).collect::<Vec<_>>(),
            "not shuffled"
        );
    }

    #[test]
    fn split_extremes_keep_every_row() {
        let d = counting(5);
        let split = |fraction| d.split(fraction, 1).unwrap();
        assert_eq!(split(0.0).1.len(), 0);
        assert_eq!(split(1.0).0.len(), 0);
        assert_eq!(split(0.5).0.len() + split(0.5).1.len(), 5);
    }
}
