//! What can be wrong with the shape of a data set's flat matrices, wherever they are checked:
//! building a [`Dataset`](super::Dataset), or handing data to `fit`, `evaluate` or `predict`.

/// Flat matrices that do not split into rows, or inputs and targets that do not pair up.
///
/// [`DataError::DataShape`](super::DataError::DataShape) and
/// [`TrainError::DataShape`](crate::TrainError::DataShape) carry it, so one match covers
/// both.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DataShapeError {
    /// A matrix whose length is not a whole number of rows.
    #[error(
        "{what} hold {floats} floats, which is not a whole number of rows of {row_len}; \
         the data is truncated or has the wrong row length"
    )]
    PartialRow {
        /// Which matrix, e.g. `"inputs"` or `"validation targets"`.
        what: &'static str,
        /// Floats in the matrix.
        floats: usize,
        /// Floats per row.
        row_len: usize,
    },
    /// Rows of zero floats were asked for.
    #[error(
        "{what} rows must hold at least one float, but a row length of 0 was given \
         (for {floats} floats)"
    )]
    ZeroRowLength {
        /// Which matrix, e.g. `"inputs"`.
        what: &'static str,
        /// Floats in the matrix.
        floats: usize,
    },
    /// Inputs and targets have different numbers of rows.
    #[error(
        "{what} has {inputs} input rows but {targets} target rows; every sample needs \
         exactly one target"
    )]
    RowMismatch {
        /// Which data, e.g. `"training data"` or `"the data set"`.
        what: &'static str,
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
}

/// Rows in a matrix of `floats` floats with rows of `row_len`, if that is a whole number.
pub(crate) fn whole_rows(
    what: &'static str,
    floats: usize,
    row_len: usize,
) -> Result<usize, DataShapeError> {
    if row_len == 0 {
        return Err(DataShapeError::ZeroRowLength { what, floats });
    }
    if !floats.is_multiple_of(row_len) {
        return Err(DataShapeError::PartialRow {
            what,
            floats,
            row_len,
        });
    }
    Ok(floats / row_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_rows_counts_rows_and_names_each_failure() {
        assert_eq!(whole_rows("inputs", 6, 2), Ok(3));
        assert_eq!(whole_rows("inputs", 0, 2), Ok(0));
        let partial = whole_rows("inputs", 5, 2).unwrap_err();
        assert_eq!(
            partial.to_string(),
            "inputs hold 5 floats, which is not a whole number of rows of 2; the data is \
             truncated or has the wrong row length"
        );
        let zero = whole_rows("targets", 4, 0).unwrap_err();
        assert_eq!(
            zero,
            DataShapeError::ZeroRowLength {
                what: "targets",
                floats: 4
            }
        );
        assert!(zero.to_string().contains("at least one float"), "{zero}");
    }
}
