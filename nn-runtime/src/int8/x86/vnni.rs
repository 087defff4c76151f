//! The AVX-512 VNNI int8 kernels. `vpdpbusd` multiplies unsigned bytes by signed bytes, four
//! at a time, and adds the four products to an `i32` lane without saturating: each product
//! (at most 255 · 128) and the sum are exact, wrapping only as the portable `i32` sums wrap.
//!
//! The inputs are int8, so they are shifted into `u8` as `u = x + 128` (flipping the sign
//! bit), and `Σ w · (x − iz) = Σ w · u − (128 + iz) · Σ w`: the correction is one product per
//! output channel, the weights' sum being fixed per channel. A tap outside the input holds
//! `u = 128 + iz` (the zero point, shifted), which the correction cancels exactly; taps past
//! the filter's end have weight 0.

use core::arch::x86_64::*;

/// Output channels of a GEMM tile.
pub(super) const MR: usize = 8;
/// Output pixels of a GEMM tile (one vector of 16).
pub(super) const NR: usize = 16;
/// Depthwise outputs of one step.
pub(super) const LANES: usize = 16;

/// `c[o · columns + p] = start[o] + Σ_g a[o, g] · b[g, p]` where `a` holds `rows × groups`
/// quads of int8 weights and `b` the packed `u8` columns (`pack_columns::<u8, 4, NR>`).
///
/// # Safety
/// AVX-512F and VNNI. `rows` a multiple of [`MR`], `columns` of [`NR`]; `a` holds
/// `rows · groups · 4` values, `b` `groups · columns · 4`, `start` `rows`, `c`
/// `rows · columns` (checked).
#[target_feature(enable = "avx512f,avx512vnni")]
pub(super) unsafe fn gemm(
    a: &[i8],
    b: &[u8],
    start: &[i32],
    groups: usize,
    columns: usize,
    c: &mut [i32],
) {
    let rows = start.len();
    assert!(rows.is_multiple_of(MR) && columns.is_multiple_of(NR));
    assert!(a.len() >= rows * groups * 4 && b.len() >= groups * columns * 4);
    assert!(c.len() >= rows * columns);
    for panel in 0..columns / NR {
        let bp = b[panel * groups * NR * 4..].as_ptr();
        for o0 in (0..rows).step_by(MR) {
            let ap = a[o0 * groups * 4..].as_ptr();
            let mut acc: [__m512i; MR] = core::array::from_fn(|r| _mm512_set1_epi32(start[o0 + r]));
            for g in 0..groups {
                // SAFETY: group `g` of the panel (64 bytes) and the quads `(o0 + r, g)` lie
                // inside `b` and `a` (asserted lengths).
                unsafe {
                    let u = _mm512_loadu_si512(bp.add(g * NR * 4).cast());
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let quad = ap.add((r * groups + g) * 4).cast::<i32>().read_unaligned();
                        *acc = _mm512_dpbusd_epi32(*acc, u, _mm512_set1_epi32(quad));
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                let out = &mut c[(o0 + r) * columns + panel * NR..][..NR];
                // SAFETY: 16 `i32` inside `c`.
                unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), *acc) };
            }
        }
    }
}

/// [`super::avx2::depthwise`] 16 outputs at a time.
///
/// # Safety
/// AVX-512F; as [`super::avx2::depthwise`] with [`LANES`] for its lanes.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn depthwise(
    plane: &[i32],
    taps: &[(usize, i32)],
    start: usize,
    out: &mut [i32],
) {
    let reach = taps.iter().map(|&(offset, _)| offset).max().unwrap_or(0);
    assert!(out.len().is_multiple_of(LANES) && start + out.len() + reach <= plane.len());
    for q in (0..out.len()).step_by(LANES) {
        let mut acc = _mm512_setzero_si512();
        for &(offset, w) in taps {
            // SAFETY: `start + q + offset + LANES ≤ start + out.len() + reach`, inside
            // `plane` (asserted).
            let x = unsafe { _mm512_loadu_si512(plane.as_ptr().add(start + q + offset).cast()) };
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(x, _mm512_set1_epi32(w)));
        }
        // SAFETY: `LANES` values at `q + LANES ≤ out.len()`.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(q).cast(), acc) };
    }
}

/// `sums[o] = Σ_i weight[o, i] · (x[i] − iz)` from `u = x + 128`: four rows per pass over
/// `u`, 64 inputs per step, the last `inputs % 64` in one masked step. Each row's weight sum
/// comes from the same loads (`vpdpbusd` against ones) unless `iz = −128`, where the
/// correction vanishes.
///
/// # Safety
/// AVX-512F, BW and VNNI; `weight` holds `sums.len()` rows of `u.len()` (checked).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dense(weight: &[i8], u: &[u8], iz: i32, sums: &mut [i32]) {
    let n = u.len();
    assert_eq!(weight.len(), n * sums.len());
    let whole = n - n % 64;
    let tail: __mmask64 = if n.is_multiple_of(64) {
        0
    } else {
        (1u64 << (n % 64)) - 1
    };
    let correct = iz != -128;
    let ones = _mm512_set1_epi8(1);
    let mut o = 0;
    while o < sums.len() {
        let rows = 4.min(sums.len() - o);
        let mut acc = [_mm512_setzero_si512(); 4];
        let mut weight_sums = [_mm512_setzero_si512(); 4];
        let mut step = |i: usize, mask: __mmask64| {
            // SAFETY: the bytes `i..i + 64` that `mask` selects lie inside `u` and each of the
            // `rows` rows (`i + 64 ≤ n` for a full mask, `i + n % 64 = n` for the tail).
            unsafe {
                let uv = _mm512_maskz_loadu_epi8(mask, u.as_ptr().add(i).cast());
                for r in 0..rows {
                    let w = weight.as_ptr().add((o + r) * n + i);
                    let w = _mm512_maskz_loadu_epi8(mask, w.cast());
                    acc[r] = _mm512_dpbusd_epi32(acc[r], uv, w);
                    if correct {
                        weight_sums[r] = _mm512_dpbusd_epi32(weight_sums[r], ones, w);
                    }
                }
            }
        };
        for i in (0..whole).step_by(64) {
            step(i, u64::MAX);
        }
        if tail != 0 {
            step(whole, tail);
        }
        for r in 0..rows {
            let weight_sum = _mm512_reduce_add_epi32(weight_sums[r]);
            let correction = (128 + iz).wrapping_mul(weight_sum);
            sums[o + r] = _mm512_reduce_add_epi32(acc[r]).wrapping_sub(correction);
        }
        o += rows;
    }
}
