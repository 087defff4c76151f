//! The "flattened rows" tiling of the AVX2 convolution: a unit-stride, unpadded convolution
//! reads `input[c, y + i, x + j]` at the flat offset `c·in_plane + p + i·in_width + j` with
//! `p = y·in_width + x`, so outputs can be computed over consecutive `p` as if the map were
//! one long row. The positions with `x ≥ out_width` (the last `in_width − out_width` of each
//! row) are junk and never stored. Compared with tiles of whole output rows this wastes
//! `in_width / out_width` of the lanes instead of rounding each row up to a multiple of 8
//! (11 columns of 13 instead of 11 of 16 for the benchmark CNN's second convolution).
//!
//! Flat positions run over `0..(out_height − 1)·in_width + out_width`: the last one is the
//! last output, so no load reaches past its channel's plane. The last tile is moved back to
//! end there, recomputing a few outputs instead of masking the loads.

use super::{kernel_width, origins, Conv2dShape, LANES};
use core::arch::x86_64::*;

/// Vectors of consecutive positions per register tile (with 4 filters: 8 accumulators).
const VECTORS: usize = 2;
/// Positions per register tile.
const TILE: usize = VECTORS * LANES;

/// Flat positions from the first output to the last: `(out_height − 1)·in_width + out_width`.
fn positions(s: &Conv2dShape) -> usize {
    (s.out_height - 1) * s.in_width + s.out_width
}

/// Vectors of outputs this tiling computes per filter, for choosing between tilings.
/// `s` must pass [`super::supports`].
pub(super) fn vectors_per_filter(s: &Conv2dShape) -> usize {
    origins(positions(s), TILE).count() * VECTORS
}

/// `N` whole output maps from their `N` filters (`[N, in_channels, kernel_h, kernel_w]`),
/// `KW` the kernel width or 0 (see [`kernel_width`]).
///
/// # Safety
/// The CPU must support AVX2 and FMA; `s` must pass [`super::supports`] (so
/// `in_width ≥ out_width ≥ 8`, `out_height ≥ 2` and every position's window lies inside the
/// input) and the slices have the lengths [`super::conv2d_forward`] asserts, for `N` filters.
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn filter_block<const N: usize, const KW: usize>(
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
    // positions ≥ in_width + 8 ≥ TILE, as `origins` needs.
    for p in origins(positions(s), TILE) {
        let mut acc = [[_mm256_setzero_ps(); VECTORS]; N];
        for c in 0..s.in_channels {
            for i in 0..kh {
                // SAFETY: a load reads the flat offsets `c·in_plane + q + i·width + j` for
                // positions q < positions(s) = (out_height − 1)·width + out_width, so at most
                // c·in_plane + (out_height − 1 + kh − 1)·width + out_width − 1 + kw − 1
                // ≤ c·in_plane + (in_height − 1)·width + in_width − 1 < input.len(), since
                // out_height + kh − 1 ≤ in_height and out_width + kw − 1 ≤ in_width
                // (`supports`). Weights are read at `n·filter_len + c·taps + i·kw + j`.
                unsafe {
                    let row = input.as_ptr().add(c * in_plane + i * width + p);
                    let w = filters.as_ptr().add(c * taps + i * kw);
                    for j in 0..kw {
                        let v: [__m256; VECTORS] =
                            core::array::from_fn(|r| _mm256_loadu_ps(row.add(j + r * LANES)));
                        for (n, acc) in acc.iter_mut().enumerate() {
                            let wn = _mm256_broadcast_ss(&*w.add(n * filter_len + j));
                            for r in 0..VECTORS {
                                acc[r] = _mm256_fmadd_ps(wn, v[r], acc[r]);
                            }
                        }
                    }
                }
            }
        }
        for r in 0..VECTORS {
            let lanes = VectorStore::new(s, p + r * LANES);
            for (n, acc) in acc.iter().enumerate() {
                let map = &mut out_maps[n * out_plane..][..out_plane];
                // SAFETY: `map` is one output map of `s`; the CPU has AVX2 (our contract).
                unsafe { lanes.store(map, _mm256_add_ps(acc[r], bias[n])) };
            }
        }
    }
}

/// How the vector at flat position `p0 = y·in_width + x0` is stored: its output lanes (those
/// with column `(x0 + l) mod in_width < out_width`, at most two runs as `in_width ≥ 8`) are
/// moved together to the front with one permutation and stored from `start`, the output index
/// of the first of them; the junk lanes behind them land on outputs that the next vector
/// (whose first output is `start + count`) overwrites, as vectors are stored in order of `p0`.
///
/// No store runs past the map: the last 8 flat positions are the last 8 outputs (the last
/// row's last columns, as `out_width ≥ 8`), so the first output at or after any `p0` has at
/// least 8 outputs from it to the end: `start + 8 ≤ out_height · out_width`.
struct VectorStore {
    /// Output index of the first output lane.
    start: usize,
    /// For output lane `k`, the vector lane that holds it.
    gather: __m256i,
    /// All 8 lanes are outputs, in order: no permutation.
    whole: bool,
}

impl VectorStore {
    /// `p0 + 7` must be a flat position of `s` (below `positions(s)`).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(s: &Conv2dShape, p0: usize) -> Self {
        let (width, out_width) = (s.in_width, s.out_width);
        let (y, x0) = (p0 / width, p0 % width);
        // Lanes [0, first) are row y's outputs; row y + 1's outputs start at lane width − x0.
        let first = out_width.saturating_sub(x0).min(LANES);
        let next = width - x0;
        let start = if x0 < out_width {
            y * out_width + x0
        } else {
            (y + 1) * out_width
        };
        // Output lane k < first is lane k; the rest are `next − first` further on.
        let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        // The sizes fit in i32: they are below `in_width + 8`.
        let beyond_first = _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(first as i32 - 1));
        let shift = _mm256_and_si256(beyond_first, _mm256_set1_epi32((next - first) as i32));
        let gather = _mm256_min_epi32(_mm256_add_epi32(lane, shift), _mm256_set1_epi32(7));
        Self {
            start,
            gather,
            whole: first == LANES,
        }
    }

    /// Stores the output lanes of `v` into `map`, one output map of the convolution whose
    /// flat position this was made for.
    ///
    /// # Safety
    /// The CPU must support AVX2 and the vector's flat positions must belong to `map`'s
    /// convolution, which puts `start + 8 ≤ map.len()` (see [`VectorStore`]).
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn store(&self, map: &mut [f32], v: __m256) {
        let packed = if self.whole {
            v
        } else {
            _mm256_permutevar8x32_ps(v, self.gather)
        };
        debug_assert!(self.start + LANES <= map.len());
        // SAFETY: start + 8 ≤ map.len(), shown at [`VectorStore`].
        unsafe { _mm256_storeu_ps(map.as_mut_ptr().add(self.start), packed) };
    }
}
