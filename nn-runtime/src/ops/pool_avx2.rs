//! 2×2, stride-2 max pooling on AVX2, forward and backward, eight windows at a time: the
//! same results as the portable rows (`pool.rs`), bit for bit. One plane's rows are short
//! (13 windows on a 26-wide map), so
//! the ragged end of a row runs masked (loads) and in 8-, 4- and 2-float pieces (stores: AMD's
//! masked stores are microcoded) rather than through the scalar loop.

use super::pool::{
    for_each_halving_row, max_pool_halving_backward_row, max_pool_halving_forward_row, Pool2dShape,
};
use core::arch::x86_64::*;

/// [`super::pool::max_pool_halving_forward`] on AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn max_pool_halving_forward(s: &Pool2dShape, plane: &[f32], out: &mut [f32]) {
    let (width, used) = (s.in_width, 2 * s.out_width);
    for (row, pair) in out
        .chunks_exact_mut(s.out_width)
        .zip(plane.chunks_exact(2 * width))
    {
        // SAFETY: AVX2 is the caller's promise; the row's lengths hold by construction.
        if !unsafe { forward_row(pair, width, row) } {
            // The NaN rule, for this row alone.
            max_pool_halving_forward_row(pair, width, used, row);
        }
    }
}

/// One output row of the forward pass: `out.len()` windows over the rows `pair[..width]` and
/// `pair[width..]`; returns false if a window holds a NaN (then the row must be redone).
///
/// # Safety
/// AVX2; `pair` holds `2 · width` values and `2 · out.len() ≤ width`.
#[target_feature(enable = "avx2")]
unsafe fn forward_row(pair: &[f32], width: usize, out: &mut [f32]) -> bool {
    debug_assert!(pair.len() == 2 * width && 2 * out.len() <= width);
    let mut unordered = _mm256_setzero_ps();
    let mut start = 0;
    while start < out.len() {
        let windows = (out.len() - start).min(8);
        let [v0, v1, v2, v3] = windows_at(pair, width, start, windows);
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps::<_CMP_UNORD_Q>(v0, v1));
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps::<_CMP_UNORD_Q>(v2, v3));
        // `max(b, a)` is `b > a ? b : a`, the portable rows' choice (signed zeros included).
        let m = _mm256_max_ps(_mm256_max_ps(v3, v2), _mm256_max_ps(v1, v0));
        let m = swap_middle_pairs(m);
        let to = out.as_mut_ptr().add(start);
        if windows == 8 {
            _mm256_storeu_ps(to, m);
        } else {
            store_count(to, m, windows);
        }
        start += 8;
    }
    _mm256_movemask_ps(unordered) == 0
}

/// The four values of `windows` (1 to 8) windows from window `start` on: the top row's even
/// and odd columns, then the bottom row's, in the window order 0 1 4 5 2 3 6 7 (zeros past
/// the last window).
///
/// # Safety
/// AVX2; `pair` holds `2 · width` values and the windows' columns lie below `width`.
#[inline(always)]
unsafe fn windows_at(pair: &[f32], width: usize, start: usize, windows: usize) -> [__m256; 4] {
    let (lo_mask, hi_mask) = (
        lanes_below(2 * windows),
        lanes_below((2 * windows).saturating_sub(8)),
    );
    let column = 2 * start;
    let load = |row: *const f32| {
        let lo = _mm256_maskload_ps(row.add(column), lo_mask);
        let hi = _mm256_maskload_ps(row.add(column + 8), hi_mask);
        (
            _mm256_shuffle_ps::<0b10_00_10_00>(lo, hi),
            _mm256_shuffle_ps::<0b11_01_11_01>(lo, hi),
        )
    };
    let (v0, v1) = load(pair.as_ptr());
    let (v2, v3) = load(pair.as_ptr().add(width));
    [v0, v1, v2, v3]
}

/// The lanes below `count` (saturating at 8), as a mask for `_mm256_maskload_ps`.
#[inline(always)]
unsafe fn lanes_below(count: usize) -> __m256i {
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_cmpgt_epi32(_mm256_set1_epi32(count.min(8) as i32), lanes)
}

/// Window order 0 1 4 5 2 3 6 7 ↔ 0 1 2 3 4 5 6 7 (its own inverse).
#[inline(always)]
unsafe fn swap_middle_pairs(v: __m256) -> __m256 {
    _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(v)))
}

/// Stores the first `count` (below 8) floats of `v` at `to`, in pieces of 4, 2 and 1.
///
/// # Safety
/// AVX2; `to` is valid for `count` floats.
#[inline(always)]
unsafe fn store_count(to: *mut f32, v: __m256, count: usize) {
    debug_assert!(count < 8);
    let (mut to, mut rest, mut quarter) = (to, count, _mm256_castps256_ps128(v));
    if rest >= 4 {
        _mm_storeu_ps(to, quarter);
        (to, rest, quarter) = (to.add(4), rest - 4, _mm256_extractf128_ps::<1>(v));
    }
    if rest >= 2 {
        _mm_storel_epi64(to.cast(), _mm_castps_si128(quarter));
        (to, rest, quarter) = (to.add(2), rest - 2, _mm_movehl_ps(quarter, quarter));
    }
    if rest == 1 {
        _mm_store_ss(to, quarter);
    }
}

/// [`super::pool::max_pool_halving_backward`] on AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn max_pool_halving_backward(
    s: &Pool2dShape,
    plane: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) {
    let (width, used) = (s.in_width, 2 * s.out_width);
    for_each_halving_row(s, plane, dy, dx, |pair, dy, grads| {
        // SAFETY: AVX2 is the caller's promise; the row's lengths hold by construction.
        let finite = unsafe { row(pair, width, dy, grads) };
        if finite {
            let (top, bottom) = grads.split_at_mut(width);
            top[used..].fill(0.0);
            bottom[used..].fill(0.0);
        } else {
            // The NaN rule, for this row alone.
            max_pool_halving_backward_row(pair, width, used, dy, grads);
        }
    });
}

/// One output row: `dy.len()` windows over the rows `pair[..width]` and `pair[width..]`;
/// writes the used columns of `grads` and returns false if a window holds a NaN (then the
/// row must be redone).
///
/// # Safety
/// AVX2; `pair` and `grads` hold `2 · width` values and `2 · dy.len() ≤ width`.
#[target_feature(enable = "avx2")]
unsafe fn row(pair: &[f32], width: usize, dy: &[f32], grads: &mut [f32]) -> bool {
    debug_assert!(pair.len() == 2 * width && grads.len() == 2 * width);
    debug_assert!(2 * dy.len() <= width);
    let (grad_top, grad_bottom) = (grads.as_mut_ptr(), grads.as_mut_ptr().add(width));
    let mut unordered = _mm256_setzero_ps();
    let mut start = 0;
    while start < dy.len() {
        let windows = (dy.len() - start).min(8);
        let [v0, v1, v2, v3] = windows_at(pair, width, start, windows);
        // The gradients in the same order.
        let g = _mm256_maskload_ps(dy.as_ptr().add(start), lanes_below(windows));
        let g = swap_middle_pairs(g);
        let column = 2 * start;
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps::<_CMP_UNORD_Q>(v0, v1));
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps::<_CMP_UNORD_Q>(v2, v3));
        let m = _mm256_max_ps(_mm256_max_ps(v0, v1), _mm256_max_ps(v2, v3));
        // The first of the four equal to the maximum takes the gradient.
        let e0 = _mm256_cmp_ps::<_CMP_EQ_OQ>(v0, m);
        let e01 = _mm256_or_ps(e0, _mm256_cmp_ps::<_CMP_EQ_OQ>(v1, m));
        let e012 = _mm256_or_ps(e01, _mm256_cmp_ps::<_CMP_EQ_OQ>(v2, m));
        let g0 = _mm256_and_ps(e0, g);
        let g1 = _mm256_andnot_ps(e0, _mm256_and_ps(e01, g));
        let g2 = _mm256_andnot_ps(e01, _mm256_and_ps(e012, g));
        let g3 = _mm256_andnot_ps(e012, g);
        // Interleaving undoes the window order: the low halves are columns 0..8.
        let store = |row: *mut f32, even: __m256, odd: __m256| {
            let (lo, hi) = (_mm256_unpacklo_ps(even, odd), _mm256_unpackhi_ps(even, odd));
            if windows == 8 {
                _mm256_storeu_ps(row.add(column), lo);
                _mm256_storeu_ps(row.add(column + 8), hi);
            } else {
                store_even_count(row.add(column), lo, hi, 2 * windows);
            }
        };
        store(grad_top, g0, g1);
        store(grad_bottom, g2, g3);
        start += 8;
    }
    _mm256_movemask_ps(unordered) == 0
}

/// Stores the first `count` (even, below 16) of the 16 floats `lo`, `hi` at `to`, in pieces
/// of 8, 4 and 2.
///
/// # Safety
/// AVX2; `to` is valid for `count` floats.
#[inline(always)]
unsafe fn store_even_count(to: *mut f32, lo: __m256, hi: __m256, count: usize) {
    debug_assert!(count.is_multiple_of(2) && count < 16);
    let (mut to, mut rest, mut next) = (to, count, lo);
    if rest >= 8 {
        _mm256_storeu_ps(to, lo);
        (to, rest, next) = (to.add(8), rest - 8, hi);
    }
    let mut quarter = _mm256_castps256_ps128(next);
    if rest >= 4 {
        _mm_storeu_ps(to, quarter);
        (to, rest, quarter) = (to.add(4), rest - 4, _mm256_extractf128_ps::<1>(next));
    }
    if rest == 2 {
        _mm_storel_epi64(to.cast(), _mm_castps_si128(quarter));
    }
}
