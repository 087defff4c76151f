//! The backward pass of a narrow `valid` unit-stride convolution without im2col matrices,
//! on the kernel table's in-place GEMM.
//!
//! Laid out over the input's width, the output positions `p = y · in_width + x` (`x` below
//! `out_width`; the columns between are junk) make each kernel tap `(i, j)` of input channel
//! `c` read the input at `c · plane + i · in_width + j + p`: one contiguous run per tap, so
//! the input itself, read at that offset, is the tap's row of the im2col matrix. With the
//! output gradient widened to the same layout (zeros in the junk columns):
//!
//! - `dWᵀ[(c, i, j), f] += Σ_p x[c, i·W + j + p] · dY[f, p]`: one product whose A rows are
//!   read from the input at those offsets (the table's indirect GEMM) and whose B is `dYᵀ`;
//! - `dX[c, i·W + j + p] += (Wᵀ · dY)[(c, i, j), p]`: one product, then one contiguous add
//!   per tap instead of a run per output row.
//!
//! The training forward pass then builds no im2col matrices for these layers (the direct
//! kernel needs none), which in the MNIST CNN cost more than the products they fed.
//!
//! The junk columns read input values that the tap's own windows do not (times a zero
//! gradient): an infinite or NaN input makes more of `dW` NaN than im2col's sums would. Such
//! an input has already made the forward pass's outputs, and so the loss, non-finite, which
//! training refuses before any step.

use super::{wide, Conv2dShape};
use crate::ops::kernels::{self, IndirectGemm, RowGemm};
use crate::ops::matrix::{Matrix, MatrixMut};
use core::cell::RefCell;
use std::vec::Vec;

std::thread_local! {
    /// Where each tap's row of the im2col matrix starts in a sample's input, kept per thread
    /// so that only a larger layer allocates.
    static TAP_OFFSETS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Whether the backward pass of `s` runs here whenever no threads share GEMMs: a narrow
/// (not [`wide::is_wide`]) convolution with unit strides and no padding whose windows lie in
/// the input, and a kernel table with an in-place GEMM. Independent of the threads, so that
/// the training forward pass decides as the backward pass does.
pub(super) fn suits(s: &Conv2dShape) -> bool {
    let table = kernels::active();
    table.row_gemm.is_some() && table.row_gemm_indirect.is_some() && fits(s)
}

/// The geometry [`suits`] asks for, whatever the kernel table.
pub(super) fn fits(s: &Conv2dShape) -> bool {
    !wide::is_wide(s)
        && (s.stride_h, s.stride_w, s.pad_top, s.pad_left) == (1, 1, 0, 0)
        && s.out_height >= 1
        && s.out_width >= 1
        && s.out_height + s.kernel_h - 1 <= s.in_height
        && s.out_width + s.kernel_w - 1 <= s.in_width
}

/// Output positions over the input's width: up to the last output of the last row.
fn positions(s: &Conv2dShape) -> usize {
    (s.out_height - 1) * s.in_width + s.out_width
}

/// The backward batch for `s` passing [`suits`] (lengths checked by the caller): adds into
/// `weight_grad` and `bias_grad`; overwrites `input_grad` with the input's gradient.
#[allow(clippy::too_many_arguments)]
pub(super) fn backward_batch(
    (gemm, indirect): (RowGemm, IndirectGemm),
    s: &Conv2dShape,
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    batch: usize,
) {
    let (width, plane) = (s.in_width, s.in_height * s.in_width);
    let (in_len, ohw) = (s.in_channels * plane, s.out_height * s.out_width);
    let (filters, kernel_taps) = (s.out_channels, s.kernel_h * s.kernel_w);
    let taps = s.in_channels * kernel_taps;
    let p = positions(s);
    let dx_len = if input_grad.is_some() { taps * p } else { 0 };
    let scratch_len = 2 * taps * filters + 2 * filters * p + dx_len;
    TAP_OFFSETS.with(|offsets| {
        let mut offsets = offsets.borrow_mut();
        offsets.clear();
        for c in 0..s.in_channels {
            for i in 0..s.kernel_h {
                offsets.extend((0..s.kernel_w).map(|j| c * plane + i * width + j));
            }
        }
        wide::with_scratch(scratch_len, |scratch| {
            let (dwt, rest) = scratch.split_at_mut(taps * filters);
            let (wt, rest) = rest.split_at_mut(taps * filters);
            let (dy_wide, rest) = rest.split_at_mut(filters * p);
            let (dy_t, dcols) = rest.split_at_mut(filters * p);
            dwt.fill(0.0);
            dy_wide.fill(0.0); // The junk columns stay zero; each sample fills the rest.
            if input_grad.is_some() {
                wide::transpose(weight, filters, taps, wt);
            }
            for b in 0..batch {
                let x = &input[b * in_len..][..in_len];
                let dy = &output_grad[b * filters * ohw..][..filters * ohw];
                for (map, wide_map) in dy.chunks_exact(ohw).zip(dy_wide.chunks_exact_mut(p)) {
                    for (row, wide_row) in map
                        .chunks_exact(s.out_width)
                        .zip(wide_map.chunks_mut(width))
                    {
                        wide_row[..s.out_width].copy_from_slice(row);
                    }
                }
                for (db, map) in bias_grad.iter_mut().zip(dy.chunks_exact(ohw)) {
                    *db += super::super::math::sum(map);
                }
                wide::transpose(dy_wide, filters, p, dy_t);
                // dWᵀ[taps, F] += X_taps[taps, P] · dYᵀ[P, F], the rows of X_taps in the input.
                indirect(
                    x,
                    &offsets,
                    Matrix::row_major(dy_t, p, filters),
                    true,
                    MatrixMut::row_major(dwt, taps, filters),
                );
                if let Some(dx) = input_grad.as_deref_mut() {
                    let dx = &mut dx[b * in_len..][..in_len];
                    dx.fill(0.0);
                    let dcols = &mut dcols[..taps * p];
                    gemm(
                        Matrix::row_major(wt, taps, filters),
                        Matrix::row_major(dy_wide, filters, p),
                        false,
                        MatrixMut::row_major(dcols, taps, p),
                    );
                    for (&at, run) in offsets.iter().zip(dcols.chunks_exact(p)) {
                        for (d, &g) in dx[at..at + p].iter_mut().zip(run) {
                            *d += g;
                        }
                    }
                }
            }
            for (f, row) in weight_grad.chunks_exact_mut(taps).enumerate() {
                for (t, dw) in row.iter_mut().enumerate() {
                    *dw += dwt[t * filters + f];
                }
            }
        });
    });
}
