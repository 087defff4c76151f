//! The backward pass of a convolution from a mostly-zero output gradient, at a cost that
//! follows its nonzeros rather than its size.
//!
//! Below a max pool and a ReLU, at most one gradient in each pooling window is nonzero (the
//! window's maximum), and only where the ReLU passed it: three quarters or more of `dY` are
//! exact zeros in the seed CNN's convolutions. Each nonzero `g = dY[f, y, x]` adds
//! `g · window` to row `f` of `dW` and `g · W[f]` to the window of `dX`; with the input, `W`,
//! `dW` and `dX` held channel-last (`[row, column, channel]`, `[f, i, j, c]`), both are runs of
//! `kernel_w · in_channels` contiguous floats per kernel row, which vectorize. The layouts
//! are transposed once per sample (input, `dX`) or per batch (`W`, `dW`).
//!
//! [`backward_batch`] measures the batch's density and takes the sparse path only below
//! [`MAX_DENSITY`]; a dense gradient goes to the GEMMs. Zero gradients are skipped, so a
//! NaN or infinity in the input reaches `dW` only through a nonzero gradient (the GEMMs would
//! also carry it through `0 · ∞`).

use super::{sample_lens, taps_inside, Conv2dShape};

/// The AVX-512F kernel, which keeps the sums in registers.
#[cfg(target_arch = "x86_64")]
#[path = "conv_sparse_avx512.rs"]
pub(crate) mod avx512;
use crate::ops::kernels::{self, SparseGrad};
use core::cell::RefCell;
use std::vec::Vec;

/// Fraction of nonzero output gradients up to which the sparse path runs. A nonzero costs
/// two runs of `kernel_h · kernel_w · in_channels` multiply-adds with loads and stores of
/// the accumulated values, against `2 · kernel_h · kernel_w · in_channels` multiply-adds
/// per output of the register-tiled GEMMs, which run several times faster per
/// multiply-add.
pub(super) const MAX_DENSITY: f32 = 0.3;

std::thread_local! {
    /// Scratch of the channel-last layouts, kept per thread so that only a larger layer
    /// allocates.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// The per-sample kernel: adds every nonzero gradient's share into `dw_perm` (`[f, i, j,
/// c]`) and, when given, `dx_last` (`[row, column, c]`); `x_last` is the input channel-last,
/// `w_perm` the weight as `[f, i, j, c]`. Lengths are the driver's.
pub(crate) fn sample_portable(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    dx_last: Option<&mut [f32]>,
) {
    sample(s, dy, x_last, w_perm, dw_perm, dx_last, |g, x, y| {
        for (y, &x) in y.iter_mut().zip(x) {
            *y += g * x;
        }
    });
}

/// [`sample_portable`] with the multiply-adds of `axpy(g, x, y)`: `y += g · x`.
#[inline(always)]
pub(crate) fn sample(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    mut dx_last: Option<&mut [f32]>,
    axpy: impl Fn(f32, &[f32], &mut [f32]),
) {
    let (c, ow) = (s.in_channels, s.out_width);
    let filter_len = s.kernel_h * s.kernel_w * c;
    let in_row = s.in_width * c;
    for (f, plane) in dy.chunks_exact(s.out_height * ow).enumerate() {
        let dw_f = &mut dw_perm[f * filter_len..][..filter_len];
        let w_f = &w_perm[f * filter_len..][..filter_len];
        for (p, &g) in plane.iter().enumerate() {
            if g == 0.0 {
                continue;
            }
            let (y, x) = (p / ow, p % ow);
            let (i0, i1) = taps_inside(y, s.stride_h, s.pad_top, s.in_height, s.kernel_h);
            let (j0, j1) = taps_inside(x, s.stride_w, s.pad_left, s.in_width, s.kernel_w);
            if j0 == j1 {
                continue;
            }
            let (run, ix) = ((j1 - j0) * c, x * s.stride_w + j0 - s.pad_left);
            for i in i0..i1 {
                let iy = y * s.stride_h + i - s.pad_top;
                let at = iy * in_row + ix * c;
                let tap = (i * s.kernel_w + j0) * c;
                axpy(g, &x_last[at..][..run], &mut dw_f[tap..][..run]);
                if let Some(dx) = dx_last.as_deref_mut() {
                    axpy(g, &w_f[tap..][..run], &mut dx[at..][..run]);
                }
            }
        }
    }
}

/// [`sample_portable`] with fused multiply-adds.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn sample_avx2(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    dx_last: Option<&mut [f32]>,
) {
    sample(s, dy, x_last, w_perm, dw_perm, dx_last, |g, x, y| {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = x.mul_add(g, *y);
        }
    });
}

/// Whether the sparse path suits `s`: a wide convolution (`conv_wide.rs`), whose runs of
/// `kernel_w · in_channels` floats are long enough to vectorize (with one input channel, as
/// in the benchmark CNNs' first layers, they are 3 floats, and the GEMMs win: W3's epoch
/// took 0.38 → 0.46 s), and windows whose columns are adjacent in the input (unit
/// horizontal stride), so that a kernel row is one contiguous run channel-last.
pub(super) fn suits(s: &Conv2dShape) -> bool {
    super::wide::is_wide(s) && s.stride_w == 1
}

/// `dst[c, r] = src[r, c]` for a `rows × cols` row-major `src`.
fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    super::wide::transpose(src, rows, cols, dst);
}

/// The backward batch from `input` (lengths checked by the caller; `input_grad` overwritten),
/// when `s` suits and at most [`MAX_DENSITY`] of `output_grad` is nonzero; returns whether it
/// ran (if not, nothing was touched).
#[allow(clippy::too_many_arguments)]
pub(super) fn backward_batch(
    s: &Conv2dShape,
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    batch: usize,
) -> bool {
    if !suits(s) {
        return false;
    }
    let nonzero = output_grad.iter().filter(|&&g| g != 0.0).count();
    if nonzero as f32 > MAX_DENSITY * output_grad.len() as f32 {
        return false;
    }
    let kernel = kernels::active().conv2d_sparse_grad;
    run(
        kernel,
        s,
        weight,
        input,
        output_grad,
        input_grad,
        weight_grad,
        bias_grad,
        batch,
    );
    true
}

/// [`backward_batch`] with `kernel`, whatever the density.
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    kernel: SparseGrad,
    s: &Conv2dShape,
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    batch: usize,
) {
    let (in_len, out_len) = sample_lens(s);
    let (area, c) = (s.kernel_h * s.kernel_w, s.in_channels);
    let (weight_len, ohw, hw) = (
        weight.len(),
        s.out_height * s.out_width,
        s.in_height * s.in_width,
    );
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let len = 2 * weight_len + 2 * in_len;
        if scratch.len() < len {
            scratch.resize(len, 0.0);
        }
        let (w_perm, rest) = scratch[..len].split_at_mut(weight_len);
        let (dw_perm, rest) = rest.split_at_mut(weight_len);
        let (x_last, dx_last) = rest.split_at_mut(in_len);
        // W[f, c, i, j] → [f, i, j, c]: per filter, a `c × area` transpose.
        for (from, to) in weight
            .chunks_exact(c * area)
            .zip(w_perm.chunks_exact_mut(c * area))
        {
            transpose(from, c, area, to);
        }
        dw_perm.fill(0.0);
        for b in 0..batch {
            let dy = &output_grad[b * out_len..][..out_len];
            transpose(&input[b * in_len..][..in_len], c, hw, x_last);
            let dx = input_grad
                .as_deref_mut()
                .map(|dx| &mut dx[b * in_len..][..in_len]);
            if dx.is_some() {
                dx_last.fill(0.0);
            }
            kernel(
                s,
                dy,
                x_last,
                w_perm,
                dw_perm,
                dx.is_some().then_some(&mut *dx_last),
            );
            if let Some(dx) = dx {
                transpose(dx_last, hw, c, dx);
            }
            for (db, plane) in bias_grad.iter_mut().zip(dy.chunks_exact(ohw)) {
                *db += super::super::math::sum(plane);
            }
        }
        // dW[f, c, i, j] += dW_perm[f, i, j, c].
        for (f, dw) in weight_grad.chunks_exact_mut(c * area).enumerate() {
            let perm = &dw_perm[f * c * area..][..c * area];
            for (ch, dw) in dw.chunks_exact_mut(area).enumerate() {
                for (t, dw) in dw.iter_mut().enumerate() {
                    *dw += perm[t * c + ch];
                }
            }
        }
    });
}
