//! The AVX2 + FMA variant of the single-sample convolution, for the common case of stride 1
//! and no padding before the input (`valid` convolutions): every output row is a run of
//! contiguous 8-wide loads, so a register tile of [`FILTERS`] filters × [`ROWS`] output rows
//! × 8 outputs takes, per kernel tap, `ROWS` input loads and `FILTERS` weight broadcasts for
//! `FILTERS · ROWS` FMAs. A row shorter than a multiple of 8 (or a map with a row count not a
//! multiple of `ROWS`) ends with a tile moved back to its edge, which recomputes a few
//! outputs instead of masking. Where that rounding wastes more lanes than it would to compute
//! the map as one long row of `in_width`-wide rows, [`Tiling::best`] picks that instead
//! (`conv_avx2_flat.rs`).
//!
//! Other geometries use the portable kernel in `conv_direct.rs`.

use super::{tile_origins as origins, Conv2dShape};
use core::arch::x86_64::*;

#[path = "conv_avx2_flat.rs"]
mod flat;

/// Filters per register tile; the leftover filters of a layer go one at a time.
const FILTERS: usize = 4;
/// Output rows per register tile: with [`FILTERS`], 8 accumulators + 2 loads + broadcasts
/// of the 16 AVX registers. (Three rows, 12 accumulators, made LLVM spill one to the stack
/// in the inner loop and ran 1.6× slower.)
const ROWS: usize = 2;
/// Outputs per vector.
const LANES: usize = 8;

/// True when [`conv2d_forward`] handles `s`: see [`super::fits_direct_tiles`].
pub(crate) fn supports(s: &Conv2dShape) -> bool {
    super::fits_direct_tiles(s, LANES, ROWS)
}

/// The flat tiling's extra work per vector of outputs (finding its row, permuting the output
/// lanes together), in FMAs. Measured on this project's CNN with 3×3 kernels: its first
/// convolution (1 input channel: 9 FMAs per vector, 92 vectors instead of 104 per filter) ran
/// 11 % faster flat, its second (72 FMAs per vector, 18 vectors instead of 24) 24 % faster;
/// with the kernel width unknown at compile time the first ran 12 % slower flat.
const FLAT_STORE_COST: usize = 1;

/// How the outputs of a filter are cut into register tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tiling {
    /// [`ROWS`] output rows × 8 columns, the last tile of a row or map moved back to its edge.
    Rows,
    /// Consecutive positions of the map flattened over the input's width (`conv_avx2_flat.rs`).
    Flat,
}

impl Tiling {
    /// The tiling with the lower estimated cost for `s` (accepted by [`supports`]): vectors
    /// of outputs computed × (FMAs per vector + [`FLAT_STORE_COST`] for the flat tiling's
    /// stores).
    pub(super) fn best(s: &Conv2dShape) -> Self {
        let rows = origins(s.out_height, ROWS).count() * ROWS * origins(s.out_width, LANES).count();
        let fmas = s.in_channels * s.kernel_h * s.kernel_w;
        if flat::vectors_per_filter(s) * (fmas + FLAT_STORE_COST) < rows * fmas {
            Tiling::Flat
        } else {
            Tiling::Rows
        }
    }
}

/// One sample, `shape` accepted by [`supports`], lengths checked by the caller, in the
/// tiling that wastes fewer lanes.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn conv2d_forward(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    // SAFETY: passed on from our caller.
    unsafe { conv2d_forward_tiled(Tiling::best(s), s, weight, bias, input, output) }
}

/// [`conv2d_forward`] in the given tiling.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn conv2d_forward_tiled(
    tiling: Tiling,
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    assert!(supports(s));
    let tensors = (weight, bias, input, &mut *output);
    super::for_each_filter_block(s, tensors, FILTERS, |n, w, b, out| {
        // SAFETY: the CPU has AVX2 and FMA (this function's contract); `s` passes `supports`
        // and the slices are `n` filters' weights, biases and output maps, as both
        // `filter_block`s require.
        unsafe {
            match (n == FILTERS, tiling, s.kernel_w) {
                (true, Tiling::Rows, 3) => filter_block::<FILTERS, 3>(s, w, b, input, out),
                (true, Tiling::Rows, _) => filter_block::<FILTERS, 0>(s, w, b, input, out),
                (true, Tiling::Flat, 3) => flat::filter_block::<FILTERS, 3>(s, w, b, input, out),
                (true, Tiling::Flat, _) => flat::filter_block::<FILTERS, 0>(s, w, b, input, out),
                (false, Tiling::Rows, 3) => filter_block::<1, 3>(s, w, b, input, out),
                (false, Tiling::Rows, _) => filter_block::<1, 0>(s, w, b, input, out),
                (false, Tiling::Flat, 3) => flat::filter_block::<1, 3>(s, w, b, input, out),
                (false, Tiling::Flat, _) => flat::filter_block::<1, 0>(s, w, b, input, out),
            }
        }
    });
}

/// `s.kernel_w`, as the constant `KW` unless that is 0: a kernel width known at compile time
/// unrolls the innermost loop of the `filter_block`s, which for 3×3 kernels saves a tenth of
/// the time.
#[inline(always)]
fn kernel_width<const KW: usize>(s: &Conv2dShape) -> usize {
    if KW == 0 {
        s.kernel_w
    } else {
        assert_eq!(KW, s.kernel_w);
        KW
    }
}

/// `N` whole output maps from their `N` filters (`[N, in_channels, kernel_h, kernel_w]`),
/// `KW` the kernel width or 0 for "read it from `s`".
///
/// # Safety
/// The CPU must support AVX2 and FMA; `s` must pass [`supports`] and the slices have the
/// lengths [`conv2d_forward`] asserts, for `N` filters.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn filter_block<const N: usize, const KW: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    bias: &[f32],
    input: &[f32],
    out_maps: &mut [f32],
) {
    let (kh, kw, width) = (s.kernel_h, kernel_width::<KW>(s), s.in_width);
    let taps = kh * kw;
    let filter_len = s.in_channels * taps;
    let (in_plane, out_plane) = (s.in_height * width, s.out_height * s.out_width);
    let bias: [__m256; N] = core::array::from_fn(|n| _mm256_set1_ps(bias[n]));
    for y in origins(s.out_height, ROWS) {
        for x in origins(s.out_width, LANES) {
            let mut acc = [[_mm256_setzero_ps(); ROWS]; N];
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
                            let v: [__m256; ROWS] =
                                core::array::from_fn(|r| _mm256_loadu_ps(row.add(r * width + j)));
                            for (n, acc) in acc.iter_mut().enumerate() {
                                let wn = _mm256_broadcast_ss(&*w.add(n * filter_len + j));
                                for r in 0..ROWS {
                                    acc[r] = _mm256_fmadd_ps(wn, v[r], acc[r]);
                                }
                            }
                        }
                    }
                }
            }
            for (n, acc) in acc.iter().enumerate() {
                for (r, &a) in acc.iter().enumerate() {
                    let at = n * out_plane + (y + r) * s.out_width + x;
                    let out = &mut out_maps[at..at + LANES];
                    // SAFETY: `out` holds the 8 floats stored.
                    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), _mm256_add_ps(a, bias[n])) };
                }
            }
        }
    }
}
