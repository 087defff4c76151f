//! Sparse class labels: a data set whose target is one class index per sample, which `fit`,
//! `evaluate` and the metrics read as the one-hot rows it stands for.

use super::{DataError, Dataset};

impl Dataset {
    /// Samples with one class index each as their target (what Keras calls sparse labels):
    /// a softmax network of `classes` outputs trains on them exactly as on one-hot rows,
    /// bit for bit, without a one-hot copy of the targets.
    ///
    /// # Errors
    /// Those of [`Dataset::new`].
    pub fn with_class_indices(
        inputs: Vec<f32>,
        input_len: usize,
        labels: &[usize],
    ) -> Result<Self, DataError> {
        // Class counts are at most MAX_CLASSES (2²⁴), which every f32 below holds exactly.
        let targets = labels.iter().map(|&label| label as f32).collect();
        Dataset::new(inputs, targets, input_len, 1)
    }

    /// The same samples with their one-hot (or soft) target rows replaced by class indices,
    /// the argmax of each row.
    pub fn to_class_indices(&self) -> Dataset {
        Dataset {
            inputs: self.inputs.clone(),
            targets: self
                .labels()
                .into_iter()
                .map(|label| label as f32)
                .collect(),
            input_len: self.input_len,
            target_len: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_indices_round_trip_through_one_hot_rows() {
        let one_hot = Dataset::new(vec![0.0; 3], vec![0., 1., 0., 0., 0., 1., 1., 0., 0.], 1, 3);
        let sparse = one_hot.expect("valid shape").to_class_indices();
        assert_eq!(sparse.targets, vec![1.0, 2.0, 0.0]);
        assert_eq!(sparse.labels(), vec![1, 2, 0]);
        let built = Dataset::with_class_indices(vec![0.0; 3], 1, &[1, 2, 0]);
        assert_eq!(built.expect("valid shape"), sparse);
    }
}
