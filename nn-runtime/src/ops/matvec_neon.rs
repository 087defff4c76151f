//! The NEON variant of [`super::matvec`]: the AVX2 kernel's blocking with 4-wide vectors.

use core::arch::aarch64::*;

/// Rows computed together: every load of `x` feeds this many rows.
const ROWS: usize = 4;

/// The NEON variant of [`super::matvec`]: blocks of [`ROWS`] rows with two accumulators each
/// (eight FMA chains in flight), 8 inputs per step, then 4, then a scalar tail; leftover rows
/// one at a time the same way.
///
/// # Safety
/// The CPU must support NEON. Lengths must be as [`super::matvec`] requires
/// (`weight.len() == output.len() * input.len()`, `bias.len() == output.len()`).
#[target_feature(enable = "neon")]
pub(crate) unsafe fn matvec(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    let n = input.len();
    assert!(weight.len() == n * output.len() && bias.len() == output.len());
    let (wide, four) = (n - n % 8, n - n % 4);
    let x = input.as_ptr();
    let mut rows = output.chunks_exact_mut(ROWS);
    let mut o = 0;
    for out in &mut rows {
        // SAFETY: rows o..o+ROWS exist, so each row pointer starts `n` floats inside
        // `weight`; every load below reads 4 floats at a column `i` with `i + 4 <= n`
        // (from `wide` and `four`), inside its row and inside `input`.
        unsafe {
            let w: [*const f32; ROWS] = core::array::from_fn(|r| weight.as_ptr().add((o + r) * n));
            let mut lo = [vdupq_n_f32(0.0); ROWS];
            let mut hi = [vdupq_n_f32(0.0); ROWS];
            let mut i = 0;
            while i < wide {
                let (x0, x1) = (vld1q_f32(x.add(i)), vld1q_f32(x.add(i + 4)));
                for r in 0..ROWS {
                    lo[r] = vfmaq_f32(lo[r], vld1q_f32(w[r].add(i)), x0);
                    hi[r] = vfmaq_f32(hi[r], vld1q_f32(w[r].add(i + 4)), x1);
                }
                i += 8;
            }
            if i < four {
                let x0 = vld1q_f32(x.add(i));
                for r in 0..ROWS {
                    lo[r] = vfmaq_f32(lo[r], vld1q_f32(w[r].add(i)), x0);
                }
            }
            for r in 0..ROWS {
                let row = &weight[(o + r) * n..][..n];
                out[r] = bias[o + r]
                    + vaddvq_f32(vaddq_f32(lo[r], hi[r]))
                    + tail(&row[four..], &input[four..]);
            }
        }
        o += ROWS;
    }
    for (r, out) in rows.into_remainder().iter_mut().enumerate() {
        let row = &weight[(o + r) * n..][..n];
        // SAFETY: as above, for the single row `row`.
        unsafe {
            let (mut lo, mut hi) = (vdupq_n_f32(0.0), vdupq_n_f32(0.0));
            let mut i = 0;
            while i < wide {
                lo = vfmaq_f32(lo, vld1q_f32(row.as_ptr().add(i)), vld1q_f32(x.add(i)));
                hi = vfmaq_f32(
                    hi,
                    vld1q_f32(row.as_ptr().add(i + 4)),
                    vld1q_f32(x.add(i + 4)),
                );
                i += 8;
            }
            if i < four {
                lo = vfmaq_f32(lo, vld1q_f32(row.as_ptr().add(i)), vld1q_f32(x.add(i)));
            }
            *out = bias[o + r] + vaddvq_f32(vaddq_f32(lo, hi)) + tail(&row[four..], &input[four..]);
        }
    }
}

/// The fewer than four products after the last whole vector.
#[inline]
fn tail(w: &[f32], x: &[f32]) -> f32 {
    w.iter().zip(x).map(|(a, b)| a * b).sum()
}
