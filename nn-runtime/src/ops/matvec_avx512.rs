//! The AVX-512F variant of [`super::matvec`]: blocks of [`ROWS`] rows with two 16-wide
//! accumulators each (eight FMA chains in flight), 32 inputs per step, then 16, then the
//! fewer than 16 left in one masked load (no scalar tail); leftover rows one at a time the
//! same way.

use core::arch::x86_64::*;

/// Rows computed together: every load of `x` feeds this many rows.
const ROWS: usize = 4;

/// The lanes `0..len` of a 16-lane vector (`len < 16`).
#[inline]
fn first_lanes(len: usize) -> __mmask16 {
    debug_assert!(len < 16);
    ((1u32 << len) - 1) as __mmask16
}

/// `Σ_i w_r[i] · x[i]` for the `R` rows starting at the pointers in `w`, each `n` long.
///
/// # Safety
/// AVX-512F; `x` and every `w[r]` readable for `n` floats.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn dots<const R: usize>(w: [*const f32; R], x: *const f32, n: usize) -> [f32; R] {
    let (wide, whole) = (n - n % 32, n - n % 16);
    let mut lo = [_mm512_setzero_ps(); R];
    let mut hi = [_mm512_setzero_ps(); R];
    // SAFETY: every load reads 16 floats at a column `i` with `i + 16 <= n` (from `wide`
    // and `whole`), or the masked `n - whole` floats at `whole`, inside each row and `x`.
    unsafe {
        let mut i = 0;
        while i < wide {
            let (x0, x1) = (_mm512_loadu_ps(x.add(i)), _mm512_loadu_ps(x.add(i + 16)));
            for r in 0..R {
                lo[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w[r].add(i)), x0, lo[r]);
                hi[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w[r].add(i + 16)), x1, hi[r]);
            }
            i += 32;
        }
        if i < whole {
            let x0 = _mm512_loadu_ps(x.add(i));
            for r in 0..R {
                lo[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w[r].add(i)), x0, lo[r]);
            }
        }
        if whole < n {
            let mask = first_lanes(n - whole);
            let x0 = _mm512_maskz_loadu_ps(mask, x.add(whole));
            for r in 0..R {
                let wr = _mm512_maskz_loadu_ps(mask, w[r].add(whole));
                hi[r] = _mm512_fmadd_ps(wr, x0, hi[r]);
            }
        }
    }
    core::array::from_fn(|r| _mm512_reduce_add_ps(_mm512_add_ps(lo[r], hi[r])))
}

/// `output[o] = bias[o] + Σ_i weight[o·n + i] · input[i]`.
///
/// # Safety
/// The CPU must support AVX-512F. (Lengths are checked here.)
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn matvec(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    let n = input.len();
    assert!(weight.len() == n * output.len() && bias.len() == output.len());
    let x = input.as_ptr();
    let mut rows = output.chunks_exact_mut(ROWS);
    let mut o = 0;
    for out in &mut rows {
        // SAFETY: rows `o..o + ROWS` exist, each `n` floats inside `weight`.
        let sums = unsafe {
            let w = core::array::from_fn(|r| weight.as_ptr().add((o + r) * n));
            dots::<ROWS>(w, x, n)
        };
        for r in 0..ROWS {
            out[r] = bias[o + r] + sums[r];
        }
        o += ROWS;
    }
    for (r, out) in rows.into_remainder().iter_mut().enumerate() {
        // SAFETY: row `o + r` exists, `n` floats inside `weight`.
        let [sum] = unsafe { dots::<1>([weight.as_ptr().add((o + r) * n)], x, n) };
        *out = bias[o + r] + sum;
    }
}
