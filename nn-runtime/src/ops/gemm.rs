//! General matrix multiply: `matrixmultiply` under `std`, a plain loop without it.

/// `C = alpha · A·B + beta · C` for an `m×k` A, a `k×n` B and an `m×n` C, each addressed by
/// a row stride and a column stride (in elements), so transposes cost nothing.
/// Panics if a stride pattern would read or write outside its slice.
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize, k: usize, n: usize, alpha: f32,
    a: &[f32], a_row_stride: usize, a_col_stride: usize,
    b: &[f32], b_row_stride: usize, b_col_stride: usize,
    beta: f32,
    c: &mut [f32], c_row_stride: usize, c_col_stride: usize,
) { todo!() }
