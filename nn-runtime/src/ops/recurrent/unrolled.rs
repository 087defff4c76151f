//! What the three cells share: the single-sample matrix-vector product, and for the batched
//! passes over an unrolled sequence the GEMMs over all steps at once or over one step of
//! every sample, and the bookkeeping of the per-step stash.

use super::{RecurrentShape, WeightGrads, Weights};
use crate::ops::gemm::{gemm, Matrix, MatrixMut};

/// `y += W x` for a row-major `W` of `y.len()` rows; four accumulators per row so the
/// compiler can keep several vector registers busy.
pub(super) fn matvec_add(w: &[f32], x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(w.len(), x.len() * y.len());
    if x.is_empty() {
        return;
    }
    for (out, row) in y.iter_mut().zip(w.chunks_exact(x.len())) {
        let mut acc = [0.0f32; 4];
        let (row_body, row_tail) = row.split_at(row.len() - row.len() % 4);
        let (x_body, x_tail) = x.split_at(row_body.len());
        for (r, v) in row_body.chunks_exact(4).zip(x_body.chunks_exact(4)) {
            for lane in 0..4 {
                acc[lane] += r[lane] * v[lane];
            }
        }
        let tail: f32 = row_tail.iter().zip(x_tail).map(|(r, v)| r * v).sum();
        *out += (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail;
    }
}

/// `gates[(b, t), :] = x[(b, t), :] · W_ihᵀ + bias` for every sample and step at once.
pub(super) fn project_inputs(
    shape: &RecurrentShape,
    w_ih: &[f32],
    bias: impl Fn(usize) -> f32,
    input: &[f32],
    gates: &mut [f32],
    batch: usize,
) {
    let (g, f) = (shape.gate_width(), shape.features);
    for row in gates.chunks_exact_mut(g) {
        row.iter_mut().enumerate().for_each(|(j, v)| *v = bias(j));
    }
    let rows = batch * shape.steps;
    gemm(
        1.0,
        Matrix::row_major(input, rows, f),
        Matrix::row_major(w_ih, g, f).t(),
        1.0,
        MatrixMut::row_major(gates, rows, g),
    );
}

/// `out[b, :cols] += prev[b, t, :] · W[..cols]ᵀ` for step `t` of every sample, where
/// `out` rows are `out_stride` apart and `W` is row-major with `H` columns.
#[allow(clippy::too_many_arguments)]
pub(super) fn add_hidden_projection(
    prev: &[f32],
    step: usize,
    shape: &RecurrentShape,
    w: &[f32],
    cols: usize,
    out: &mut [f32],
    out_stride: usize,
    batch: usize,
) {
    let (h, t) = (shape.units, shape.steps);
    gemm(
        1.0,
        Matrix::strided(&prev[step * h..], batch, h, t * h, 1),
        Matrix::row_major(w, cols, h).t(),
        1.0,
        MatrixMut::strided(out, batch, cols, out_stride, 1),
    );
}

/// `dh[b, :] += da[b, t, :cols] · W[..cols]` for step `t`: the gradient reaching the state
/// the step started from through the hidden projection.
#[allow(clippy::too_many_arguments)]
pub(super) fn add_state_grad(
    da: &[f32],
    da_stride: usize,
    cols: usize,
    w: &[f32],
    dh: &mut [f32],
    h: usize,
    batch: usize,
) {
    gemm(
        1.0,
        Matrix::strided(da, batch, cols, da_stride, 1),
        Matrix::row_major(w, cols, h),
        1.0,
        MatrixMut::row_major(dh, batch, h),
    );
}

/// `dW_ih += daᵀ · x`, `db_ih += Σ da`, and `dx = da · W_ih` over all `rows = B·T` steps.
pub(super) fn input_side_gradients(
    shape: &RecurrentShape,
    w: &Weights,
    input: &[f32],
    da: &[f32],
    input_grad: Option<&mut [f32]>,
    grads: &mut WeightGrads,
    rows: usize,
) {
    let (g, f) = (shape.gate_width(), shape.features);
    gemm(
        1.0,
        Matrix::row_major(da, rows, g).t(),
        Matrix::row_major(input, rows, f),
        1.0,
        MatrixMut::row_major(grads.ih, g, f),
    );
    add_column_sums(da, g, grads.bias_ih, rows);
    if let Some(dx) = input_grad {
        gemm(
            1.0,
            Matrix::row_major(da, rows, g),
            Matrix::row_major(w.ih, g, f),
            0.0,
            MatrixMut::row_major(dx, rows, f),
        );
    }
}

/// `dW[..cols] += da[:, :cols]ᵀ · prev` over all steps; `da` rows are `stride` apart.
pub(super) fn add_hidden_weight_grad(
    da: &[f32],
    stride: usize,
    cols: usize,
    prev: &[f32],
    dw: &mut [f32],
    rows: usize,
    h: usize,
) {
    gemm(
        1.0,
        Matrix::strided(da, rows, cols, stride, 1).t(),
        Matrix::row_major(prev, rows, h),
        1.0,
        MatrixMut::row_major(dw, cols, h),
    );
}

/// `sums[j] += Σ_rows m[row, j]` for the first `sums.len()` columns of rows `stride` apart.
pub(super) fn add_column_sums(m: &[f32], stride: usize, sums: &mut [f32], rows: usize) {
    for row in m.chunks(stride).take(rows) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Adds to `dh`, sample `b`'s state gradient, what arrives at step `t`'s output from above:
/// every step's row of `output_grad` for a sequence output, only the last step's otherwise.
pub(super) fn add_output_grad(
    shape: &RecurrentShape,
    output_grad: &[f32],
    dh: &mut [f32],
    b: usize,
    t: usize,
) {
    let h = shape.units;
    let start = if shape.sequences {
        (b * shape.steps + t) * h
    } else if t + 1 == shape.steps {
        b * h
    } else {
        return;
    };
    for (d, &g) in dh.iter_mut().zip(&output_grad[start..start + h]) {
        *d += g;
    }
}

/// Every sample starts from the zero state: the first step's row of `prev`.
pub(super) fn clear_initial_state(shape: &RecurrentShape, prev: &mut [f32], batch: usize) {
    let (h, steps) = (shape.units, shape.steps);
    for b in 0..batch {
        prev[b * steps * h..(b * steps + 1) * h].fill(0.0);
    }
}

/// Writes step `t`'s new state `h` of sample `b` where later steps and the output read it.
pub(super) fn store_state(
    shape: &RecurrentShape,
    h: &[f32],
    prev: &mut [f32],
    output: &mut [f32],
    b: usize,
    t: usize,
) {
    let (units, steps) = (shape.units, shape.steps);
    if t + 1 < steps {
        let start = (b * steps + t + 1) * units;
        prev[start..start + units].copy_from_slice(h);
    }
    if shape.sequences {
        let start = (b * steps + t) * units;
        output[start..start + units].copy_from_slice(h);
    } else if t + 1 == steps {
        output[b * units..(b + 1) * units].copy_from_slice(h);
    }
}
