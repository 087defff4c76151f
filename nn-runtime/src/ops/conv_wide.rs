//! Batches of wide convolutions (at least [`MIN_FILTERS`] filters over at least [`MIN_TAPS`]
//! taps, as in the seed CNN's 32- and 64-channel layers) on the kernel table's GEMM of
//! row-major operands read in place (`row_gemm`), per sample:
//!
//! - forward: `Y_b = bias + W · cols_b`, after im2col, where the direct kernel does not take
//!   the geometry (it runs as fast, without im2col; see [`forward_chosen`]);
//! - weight gradient: `dWᵀ += cols_b · dY_bᵀ`, summed over the batch in a scratch `dWᵀ` and
//!   added to `dW` once. Transposing `dY_b` (`F × OHW`) costs a fraction of what a GEMM
//!   library spends packing the transposed im2col matrix (`CKK × OHW`) for `dY_b · cols_bᵀ`;
//! - input gradient: `cols_b = Wᵀ · dY_b`, `Wᵀ` transposed once per batch, then col2im.
//!
//! A training layer's backward pass first tries the sparse path (`conv_sparse_grad.rs`),
//! which below a max pool and a ReLU wins by far; these GEMMs serve dense gradients.
//! Narrower convolutions keep the direct kernels and `gemm` forward, and take the in-place
//! GEMM backward too ([`backward_chosen`]); the wide GEMMs step aside while threads share
//! GEMMs (`gemm_split`), which `gemm` serves.

use super::{col2im, im2col, sample_lens, Conv2dShape};
use crate::ops::kernels::{self, RowGemm};
use crate::ops::matrix::{Matrix, MatrixMut};
use core::cell::RefCell;
use std::vec::Vec;

/// Filters from which a convolution counts as wide.
pub(super) const MIN_FILTERS: usize = 32;
/// Taps per filter (`in_channels · kernel_h · kernel_w`) from which a convolution counts as
/// wide: the seed CNN's first layer (9 taps) stays with the direct kernel.
pub(super) const MIN_TAPS: usize = 64;

std::thread_local! {
    /// Scratch of the transposes, kept per thread so that only a larger layer allocates.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Whether `s` is wide enough for the in-place GEMM.
pub(super) fn is_wide(s: &Conv2dShape) -> bool {
    s.out_channels >= MIN_FILTERS && s.in_channels * s.kernel_h * s.kernel_w >= MIN_TAPS
}

/// The active table's in-place GEMM, when `s` is wide and no threads share GEMMs now.
pub(super) fn chosen(s: &Conv2dShape) -> Option<RowGemm> {
    let shared = super::super::gemm_split::current().is_some_and(|split| split.parts() > 1);
    if !is_wide(s) || shared {
        return None;
    }
    kernels::active().row_gemm
}

/// The in-place GEMM for a batch's backward pass, for any convolution (not only wide ones)
/// while no threads share GEMMs: against `gemm`, which packs `dY_b` and the transposed
/// im2col matrix for every sample, it took the MNIST CNN's training epoch (8 and 16 filters)
/// from 0.314 to 0.219 s.
pub(super) fn backward_chosen() -> Option<RowGemm> {
    let shared = super::super::gemm_split::current().is_some_and(|split| split.parts() > 1);
    if shared {
        return None;
    }
    kernels::active().row_gemm
}

/// [`chosen`] for a forward pass: where the kernel table's direct kernel takes `s`, it runs
/// instead (it needs no im2col and runs as fast: 95 against 91 GFLOP/s on the seed CNN's
/// 32 → 64 convolution, 85 against 74 on its 64 → 64 one).
pub(super) fn forward_chosen(s: &Conv2dShape) -> Option<RowGemm> {
    chosen(s).filter(|_| !(kernels::active().conv2d_direct)(s))
}

/// Whether a forward pass for training may leave the im2col matrices of `s` unfilled: for a
/// wide convolution that the direct kernel or the in-place GEMM computes (the backward pass
/// refills them when it needs them). Independent of whether threads share GEMMs at the
/// time, so that the backward pass decides as the forward pass did.
pub(super) fn may_skip_cols(s: &Conv2dShape) -> bool {
    let table = kernels::active();
    is_wide(s) && (table.row_gemm.is_some() || (table.conv2d_direct)(s))
}

/// One sample on the kernel table's in-place GEMM (`gemm`, where it has one) for the
/// geometries the direct SIMD kernel does not take (`direct`: whether it takes `s`):
///
/// - a pointwise convolution on its input's grid (1×1 kernel, unit strides, no padding):
///   the input `[channels, H·W]` and the output `[filters, H·W]` are already the row-major
///   operands of `Y = bias + W · X`, no im2col needed;
/// - any other: `Y = bias + W · cols`, im2col a block of input channels at a time into a
///   fixed per-thread scratch of [`INFER_SCRATCH`] floats (no allocation); a geometry whose
///   one channel's im2col is larger keeps the direct kernel.
///
/// The GEMM's 6 × 64 register tile beats the portable direct kernel many times over on
/// MobileNet's pointwise layers, strided and padded convolutions at batch 1. `false` (nothing
/// written) where there is no GEMM or the direct kernel takes `s`; lengths checked by the
/// caller.
pub(super) fn gemm_sample(
    gemm: Option<RowGemm>,
    direct: bool,
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    x: &[f32],
    y: &mut [f32],
) -> bool {
    let Some(gemm) = gemm else {
        return false;
    };
    let on_grid = (s.kernel_h, s.kernel_w, s.stride_h, s.stride_w) == (1, 1, 1, 1)
        && (s.pad_top, s.pad_left) == (0, 0)
        && (s.out_height, s.out_width) == (s.in_height, s.in_width);
    let hw = s.out_height * s.out_width;
    if on_grid {
        if hw == 0 {
            return true;
        }
        for (map, &bias) in y.chunks_exact_mut(hw).zip(bias) {
            map.fill(bias);
        }
        gemm(
            Matrix::row_major(weight, s.out_channels, s.in_channels),
            Matrix::row_major(x, s.in_channels, hw),
            true,
            MatrixMut::row_major(y, s.out_channels, hw),
        );
        return true;
    }
    let taps = s.kernel_h * s.kernel_w;
    if direct || taps * hw > INFER_SCRATCH {
        return false;
    }
    // im2col a block of input channels at a time into the thread's fixed scratch, each
    // block's rows of `W` (columns `c0·taps ..`) multiplied into `Y`: no allocation, as
    // single-sample inference promises.
    let per_block = INFER_SCRATCH / (taps * hw);
    let filter_len = s.in_channels * taps;
    for (map, &bias) in y.chunks_exact_mut(hw).zip(bias) {
        map.fill(bias);
    }
    INFER_COLS.with(|cols| {
        let mut cols = cols.borrow_mut();
        for c0 in (0..s.in_channels).step_by(per_block) {
            let channels = per_block.min(s.in_channels - c0);
            let block = Conv2dShape {
                in_channels: channels,
                ..*s
            };
            let plane = s.in_height * s.in_width;
            let col = &mut cols[..channels * taps * hw];
            im2col(&block, &x[c0 * plane..][..channels * plane], col);
            gemm(
                Matrix::strided(
                    &weight[c0 * taps..],
                    s.out_channels,
                    channels * taps,
                    filter_len,
                    1,
                ),
                Matrix::row_major(col, channels * taps, hw),
                true,
                MatrixMut::row_major(y, s.out_channels, hw),
            );
        }
    });
    true
}

/// Floats of im2col scratch single-sample inference may use per thread ([`gemm_sample`]).
const INFER_SCRATCH: usize = 32_768;

std::thread_local! {
    /// [`gemm_sample`]'s im2col blocks: a fixed array in the thread's static storage (a const
    /// initializer and no destructor), so that using it never allocates.
    static INFER_COLS: RefCell<[f32; INFER_SCRATCH]> = const { RefCell::new([0.0; INFER_SCRATCH]) };
}

/// Runs `f` with `len` floats of this thread's scratch (contents unspecified).
pub(super) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.len() < len {
            scratch.resize(len, 0.0);
        }
        f(&mut scratch[..len])
    })
}

/// `dst[c, r] = src[r, c]` for a `rows × cols` row-major `src`, with the kernel table's
/// transpose.
pub(super) fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    (kernels::active().transpose)(src, rows, cols, dst);
}

/// The portable transpose, in blocks of 16 rows: each destination row gets 16 contiguous
/// values while the block's source rows stay in cache.
pub(crate) fn transpose_portable(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    const BLOCK: usize = 16;
    assert!(src.len() == rows * cols && dst.len() == rows * cols);
    if rows == 0 || cols == 0 {
        return;
    }
    for (b, block) in src.chunks(BLOCK * cols).enumerate() {
        let height = block.len() / cols;
        for (c, line) in dst.chunks_exact_mut(rows).enumerate() {
            let out = &mut line[b * BLOCK..][..height];
            for (r, d) in out.iter_mut().enumerate() {
                *d = block[r * cols + c];
            }
        }
    }
}

/// The forward batch (lengths checked by the caller): per sample, im2col into `cols` (or,
/// without it, into scratch that stays in cache), then `Y_b = bias + W · cols_b`.
#[allow(clippy::too_many_arguments)]
pub(super) fn forward_batch(
    gemm: RowGemm,
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    cols: Option<&mut [f32]>,
    batch: usize,
) {
    let (in_len, out_len) = sample_lens(s);
    let col_len = s.col_len();
    let mut sample = |b: usize, col: &mut [f32]| {
        let (x, y) = (
            &input[b * in_len..][..in_len],
            &mut output[b * out_len..][..out_len],
        );
        forward_sample(gemm, s, weight, bias, x, y, col);
    };
    match cols {
        Some(cols) => {
            for (b, col) in cols.chunks_exact_mut(col_len).take(batch).enumerate() {
                sample(b, col);
            }
        }
        None => with_scratch(col_len, |col| (0..batch).for_each(|b| sample(b, col))),
    }
}

/// One sample: im2col into `col`, then `y = bias + W · col`.
fn forward_sample(
    gemm: RowGemm,
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    x: &[f32],
    y: &mut [f32],
    col: &mut [f32],
) {
    let ohw = s.out_height * s.out_width;
    let (filters, taps) = (s.out_channels, s.in_channels * s.kernel_h * s.kernel_w);
    im2col(s, x, col);
    for (map, &bias) in y.chunks_exact_mut(ohw).zip(bias) {
        map.fill(bias);
    }
    gemm(
        Matrix::row_major(weight, filters, taps),
        Matrix::row_major(col, taps, ohw),
        true,
        MatrixMut::row_major(y, filters, ohw),
    );
}

/// Inference over a batch (lengths checked by the caller): the forward pass with im2col into
/// scratch.
pub(super) fn infer_batch(
    gemm: RowGemm,
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    forward_batch(gemm, s, weight, bias, input, output, None, batch);
}

/// im2col of every sample of `input` into `cols`.
pub(super) fn im2col_batch(s: &Conv2dShape, input: &[f32], cols: &mut [f32]) {
    let in_len = s.in_channels * s.in_height * s.in_width;
    for (x, col) in input
        .chunks_exact(in_len)
        .zip(cols.chunks_exact_mut(s.col_len()))
    {
        im2col(s, x, col);
    }
}

/// The backward batch (lengths checked, `input_grad` zeroed by the caller): adds into
/// `weight_grad` and `bias_grad`, adds every window's share into `input_grad`; overwrites
/// `cols`.
#[allow(clippy::too_many_arguments)]
pub(super) fn backward_batch(
    gemm: RowGemm,
    s: &Conv2dShape,
    weight: &[f32],
    output_grad: &[f32],
    mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    let (in_len, out_len) = sample_lens(s);
    let (col_len, ohw) = (s.col_len(), s.out_height * s.out_width);
    let (filters, taps) = (s.out_channels, s.in_channels * s.kernel_h * s.kernel_w);
    let weight_len = filters * taps;
    with_scratch(2 * weight_len + out_len, |scratch| {
        let (dwt, rest) = scratch.split_at_mut(weight_len);
        let (wt, dyt) = rest.split_at_mut(weight_len);
        dwt.fill(0.0);
        if input_grad.is_some() {
            transpose(weight, filters, taps, wt);
        }
        for b in 0..batch {
            let dy = &output_grad[b * out_len..][..out_len];
            let col = &mut cols[b * col_len..][..col_len];
            // dWᵀ[CKK, F] += cols_b[CKK, OHW] · dY_bᵀ[OHW, F].
            transpose(dy, filters, ohw, dyt);
            gemm(
                Matrix::row_major(col, taps, ohw),
                Matrix::row_major(dyt, ohw, filters),
                true,
                MatrixMut::row_major(dwt, taps, filters),
            );
            for (db, plane) in bias_grad.iter_mut().zip(dy.chunks_exact(ohw)) {
                *db += super::super::math::sum(plane);
            }
            if let Some(dx) = input_grad.as_deref_mut() {
                // cols_b = Wᵀ[CKK, F] · dY_b[F, OHW], then folded back onto the input.
                gemm(
                    Matrix::row_major(wt, taps, filters),
                    Matrix::row_major(dy, filters, ohw),
                    false,
                    MatrixMut::row_major(col, taps, ohw),
                );
                col2im(s, col, &mut dx[b * in_len..][..in_len]);
            }
        }
        for (f, row) in weight_grad.chunks_exact_mut(taps).enumerate() {
            for (t, dw) in row.iter_mut().enumerate() {
                *dw += dwt[t * filters + f];
            }
        }
    });
}
