//! The NEON variant of the single-sample convolution, for the geometries the AVX2 kernel
//! takes (stride 1, no padding before the input: `valid` convolutions) and with its register
//! tile: [`FILTERS`] filters × [`ROWS`] output rows × 8 outputs, here two 4-lane vectors per
//! row, so 16 of the 32 vector registers accumulate. Per kernel tap a tile loads 4 input
//! vectors and multiplies them by each filter's weight as a scalar operand (`vfmaq_n_f32`),
//! with no broadcast. The last tile of a row or map moves back to its edge, recomputing a few
//! outputs instead of masking, as on x86. Each output sums its taps in the same order as the
//! AVX2 kernel (zero, then input channel, kernel row, kernel column, then the bias), fused
//! multiply-adds throughout.
//!
//! Other geometries use the portable kernel in `conv_direct.rs`.

use super::{tile_origins as origins, Conv2dShape};
use core::arch::aarch64::*;

/// Filters per register tile; the leftover filters of a layer go one at a time.
const FILTERS: usize = 4;
/// Output rows per register tile.
const ROWS: usize = 2;
/// Outputs per row of a tile: two vectors of 4.
const WIDTH: usize = 8;

/// True when [`conv2d_forward`] handles `s`: see [`super::fits_direct_tiles`].
pub(crate) fn supports(s: &Conv2dShape) -> bool {
    super::fits_direct_tiles(s, WIDTH, ROWS)
}

/// One sample, `shape` accepted by [`supports`], lengths checked by the caller.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn conv2d_forward(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    assert!(supports(s));
    let tensors = (weight, bias, input, &mut *output);
    super::for_each_filter_block(s, tensors, FILTERS, |n, w, b, out| {
        // SAFETY: the CPU has NEON (this function's contract); `s` passes `supports` and the
        // slices are `n` filters' weights, biases and output maps, as `filter_block` requires.
        unsafe {
            if n == FILTERS {
                filter_block::<FILTERS>(s, w, b, input, out)
            } else {
                filter_block::<1>(s, w, b, input, out)
            }
        }
    });
}

/// `N` whole output maps from their `N` filters (`[N, in_channels, kernel_h, kernel_w]`).
///
/// # Safety
/// The CPU must support NEON; `s` must pass [`supports`] and the slices have the lengths
/// [`conv2d_forward`] asserts, for `N` filters.
#[inline]
#[target_feature(enable = "neon")]
unsafe fn filter_block<const N: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    bias: &[f32],
    input: &[f32],
    out_maps: &mut [f32],
) {
    let (kh, kw, width) = (s.kernel_h, s.kernel_w, s.in_width);
    let taps = kh * kw;
    let filter_len = s.in_channels * taps;
    let (in_plane, out_plane) = (s.in_height * width, s.out_height * s.out_width);
    for y in origins(s.out_height, ROWS) {
        for x in origins(s.out_width, WIDTH) {
            let mut acc = [[[vdupq_n_f32(0.0); 2]; ROWS]; N];
            for c in 0..s.in_channels {
                for i in 0..kh {
                    // SAFETY: input row `y + r + i` exists (y + ROWS ≤ out_height and
                    // out_height + kh − 1 ≤ in_height) and the loads read columns
                    // x + j .. x + j + 8 ≤ out_width + kw − 1 ≤ in_width of it; weights are
                    // read at `n·filter_len + c·taps + i·kw + j < N·filter_len`.
                    unsafe {
                        let row = input.as_ptr().add(c * in_plane + (y + i) * width + x);
                        let w = filters.as_ptr().add(c * taps + i * kw);
                        for j in 0..kw {
                            let v: [[float32x4_t; 2]; ROWS] = core::array::from_fn(|r| {
                                let at = row.add(r * width + j);
                                [vld1q_f32(at), vld1q_f32(at.add(4))]
                            });
                            for (n, acc) in acc.iter_mut().enumerate() {
                                let wn = *w.add(n * filter_len + j);
                                for r in 0..ROWS {
                                    acc[r][0] = vfmaq_n_f32(acc[r][0], v[r][0], wn);
                                    acc[r][1] = vfmaq_n_f32(acc[r][1], v[r][1], wn);
                                }
                            }
                        }
                    }
                }
            }
            for (n, acc) in acc.iter().enumerate() {
                let b = vdupq_n_f32(bias[n]);
                for (r, halves) in acc.iter().enumerate() {
                    let at = n * out_plane + (y + r) * s.out_width + x;
                    let out = &mut out_maps[at..at + WIDTH];
                    // SAFETY: `out` holds the 8 floats stored.
                    unsafe {
                        vst1q_f32(out.as_mut_ptr(), vaddq_f32(halves[0], b));
                        vst1q_f32(out.as_mut_ptr().add(4), vaddq_f32(halves[1], b));
                    }
                }
            }
        }
    }
}
