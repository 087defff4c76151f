//! The AVX2 int8 kernels. Inputs less their zero point (−255..=255) and int8 weights are
//! widened to `i16`; `vpmaddwd` multiplies pairs of them and adds each pair's two products
//! into an `i32` lane: both products and their sum are exact (|sum| ≤ 2 · 255 · 128).
//! (`vpmaddubsw` would saturate its pair sums, so it is not used.)

use core::arch::x86_64::*;

/// Output channels of a GEMM tile.
pub(super) const MR: usize = 4;
/// Output pixels of a GEMM tile (two vectors of 8).
pub(super) const NR: usize = 16;
/// Depthwise outputs of one step.
pub(super) const LANES: usize = 8;

/// `c[o · columns + p] = Σ_g a[o, g] · b[g, p]` where `a` holds `rows × groups` pairs of `i16`
/// weights and `b` the packed columns (`pack_columns::<i16, 2, NR>`), each pair product
/// summed by `vpmaddwd`.
///
/// # Safety
/// AVX2. `rows` a multiple of [`MR`], `columns` of [`NR`]; `a` holds `rows · groups · 2`
/// values, `b` `groups · columns · 2`, `c` `rows · columns` (checked).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn gemm(
    a: &[i16],
    b: &[i16],
    rows: usize,
    groups: usize,
    columns: usize,
    c: &mut [i32],
) {
    assert!(rows.is_multiple_of(MR) && columns.is_multiple_of(NR));
    assert!(a.len() >= rows * groups * 2 && b.len() >= groups * columns * 2);
    assert!(c.len() >= rows * columns);
    for panel in 0..columns / NR {
        let bp = b[panel * groups * NR * 2..].as_ptr();
        for o0 in (0..rows).step_by(MR) {
            let ap = a[o0 * groups * 2..].as_ptr();
            let mut acc = [[_mm256_setzero_si256(); 2]; MR];
            for g in 0..groups {
                // SAFETY: group `g` of the panel (32 values) and the pairs `(o0 + r, g)` lie
                // inside `b` and `a` (asserted lengths).
                unsafe {
                    let b0 = _mm256_loadu_si256(bp.add(g * NR * 2).cast());
                    let b1 = _mm256_loadu_si256(bp.add(g * NR * 2 + 16).cast());
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let pair = ap.add((r * groups + g) * 2).cast::<i32>().read_unaligned();
                        let w = _mm256_set1_epi32(pair);
                        acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(w, b0));
                        acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(w, b1));
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                let out = &mut c[(o0 + r) * columns + panel * NR..][..NR];
                // SAFETY: 16 `i32` inside `c`.
                unsafe {
                    _mm256_storeu_si256(out.as_mut_ptr().cast(), acc[0]);
                    _mm256_storeu_si256(out.as_mut_ptr().add(8).cast(), acc[1]);
                }
            }
        }
    }
}

/// `out[q] = Σ_t w_t · plane[start + q + offset_t]` over the `(offset_t, w_t)` of `taps`,
/// for `q` in `0..out.len()`, 8 at a time (`vpmulld`: products of `i32` values, exact): a
/// run of one depthwise output channel ([`super::pack::PhasePlane`]).
///
/// # Safety
/// AVX2. `out.len()` a multiple of [`LANES`]; `plane` holds `start + out.len() + offset_t`
/// values for every tap (checked).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn depthwise(
    plane: &[i32],
    taps: &[(usize, i32)],
    start: usize,
    out: &mut [i32],
) {
    let reach = taps.iter().map(|&(offset, _)| offset).max().unwrap_or(0);
    assert!(out.len().is_multiple_of(LANES) && start + out.len() + reach <= plane.len());
    for q in (0..out.len()).step_by(LANES) {
        let mut acc = _mm256_setzero_si256();
        for &(offset, w) in taps {
            // SAFETY: `start + q + offset + LANES ≤ start + out.len() + reach`, inside
            // `plane` (asserted).
            let x = unsafe { _mm256_loadu_si256(plane.as_ptr().add(start + q + offset).cast()) };
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(x, _mm256_set1_epi32(w)));
        }
        // SAFETY: `LANES` values at `q + LANES ≤ out.len()`.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(q).cast(), acc) };
    }
}

/// `sums[o] = Σ_i weight[o, i] · x[i]` for `x` the inputs less their zero point as `i16`,
/// four rows per pass over `x`, 16 inputs per step, the last `inputs % 16` in scalar code.
///
/// # Safety
/// AVX2; `weight` holds `sums.len()` rows of `x.len()` (checked).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn dense(weight: &[i8], x: &[i16], sums: &mut [i32]) {
    let n = x.len();
    assert_eq!(weight.len(), n * sums.len());
    let whole = n - n % 16;
    let mut o = 0;
    while o < sums.len() {
        let rows = 4.min(sums.len() - o);
        let mut acc = [_mm256_setzero_si256(); 4];
        for i in (0..whole).step_by(16) {
            // SAFETY: 16 values at `i + 16 ≤ n` of `x` and of each of the `rows` rows.
            unsafe {
                let xv = _mm256_loadu_si256(x.as_ptr().add(i).cast());
                for (r, acc) in acc.iter_mut().enumerate().take(rows) {
                    let w = weight.as_ptr().add((o + r) * n + i);
                    let w = _mm256_cvtepi8_epi16(_mm_loadu_si128(w.cast()));
                    *acc = _mm256_add_epi32(*acc, _mm256_madd_epi16(w, xv));
                }
            }
        }
        for (r, acc) in acc.iter().enumerate().take(rows) {
            let row = &weight[(o + r) * n..][..n];
            let tail = row[whole..].iter().zip(&x[whole..]);
            let tail = tail.fold(0i32, |s, (&w, &x)| {
                s.wrapping_add(i32::from(w) * i32::from(x))
            });
            sums[o + r] = horizontal_sum(*acc).wrapping_add(tail);
        }
        o += rows;
    }
}

/// The wrapping sum of the eight lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn horizontal_sum(v: __m256i) -> i32 {
    let half = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    let quarter = _mm_add_epi32(half, _mm_unpackhi_epi64(half, half));
    let last = _mm_add_epi32(quarter, _mm_shuffle_epi32(quarter, 0b01));
    _mm_cvtsi128_si32(last)
}
