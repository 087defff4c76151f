//! Matrix views for GEMM: a slice, its dimensions, and how rows and columns step through it,
//! so a call site says which matrix is which and which one is read transposed.

/// A read-only `rows×cols` matrix inside `data`: element `(i, j)` is
/// `data[i * row_stride + j * col_stride]`. Building one checks nothing; [`super::gemm::gemm`]
/// checks that the pattern stays inside the slice.
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
    /// The elements.
    pub data: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Elements from one row to the next.
    pub row_stride: usize,
    /// Elements from one column to the next.
    pub col_stride: usize,
}

/// A writable `rows×cols` matrix inside `data`, addressed as [`Matrix`] is.
#[derive(Debug)]
pub struct MatrixMut<'a> {
    /// The elements.
    pub data: &'a mut [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Elements from one row to the next.
    pub row_stride: usize,
    /// Elements from one column to the next.
    pub col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// Rows stored one after the other, each `cols` wide.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// Any stride pattern (a padded leading dimension, a broadcast row with stride 0).
    pub fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        Matrix {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// The transpose, read through swapped strides: nothing moves.
    pub fn t(self) -> Self {
        Self::strided(
            self.data,
            self.cols,
            self.rows,
            self.col_stride,
            self.row_stride,
        )
    }
}

impl<'a> MatrixMut<'a> {
    /// Rows stored one after the other, each `cols` wide.
    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// Any stride pattern (a padded leading dimension); `gemm` refuses one whose elements
    /// overlap.
    pub fn strided(
        data: &'a mut [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        MatrixMut {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// The transpose, written through swapped strides: nothing moves.
    pub fn t(self) -> Self {
        Self::strided(
            self.data,
            self.cols,
            self.rows,
            self.col_stride,
            self.row_stride,
        )
    }

    /// The same matrix, read-only.
    pub fn as_ref(&self) -> Matrix<'_> {
        Matrix::strided(
            self.data,
            self.rows,
            self.cols,
            self.row_stride,
            self.col_stride,
        )
    }
}
