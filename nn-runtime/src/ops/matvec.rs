//! `y = W·x + b` for one sample, `W` row-major `[outputs, inputs]`: the kernel behind
//! [`super::dense::dense_forward`].
//!
//! [`matvec`] calls the kernel table's variant (lengths already checked by the caller).
//! Four variants sit side by side and are held to the same naive reference by the tests:
//! - [`matvec_portable`]: plain Rust, one row at a time as 16 running sums, which LLVM
//!   vectorizes for the target's baseline (SSE2, NEON) or runs as scalar code (Cortex-M);
//! - `avx2::matvec` (x86-64 with `std`, AVX2 and FMA): four rows at a time, each 8-wide load
//!   of `x` feeding four rows, with eight independent FMA accumulators;
//! - `avx512::matvec` (x86-64 with `std`, AVX-512F): the same blocking 16 wide, the ragged
//!   end of each row in one masked load.
//! - `neon::matvec` (AArch64 with NEON): the AVX2 blocking 4 wide, with `vfmaq_f32`.

/// Independent partial sums in the portable dot product: enough to hide the latency of
/// vector adds and to fill two AVX or four SSE/NEON registers.
const LANES: usize = 16;

/// `output[o] = bias[o] + Σ_i weight[o·inputs + i] · input[i]`, with the kernel table's
/// variant. The caller has checked `weight.len() == output.len() * input.len()` and
/// `bias.len() == output.len()`.
#[inline]
pub(crate) fn matvec(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    (super::kernels::active().matvec)(weight, bias, input, output);
}

/// The portable variant of [`matvec`].
pub(crate) fn matvec_portable(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    let inputs = input.len();
    debug_assert_eq!(weight.len(), inputs * output.len());
    if inputs == 0 {
        output.copy_from_slice(bias);
        return;
    }
    for ((out, &b), row) in output.iter_mut().zip(bias).zip(weight.chunks_exact(inputs)) {
        *out = b + dot(row, input);
    }
}

/// `Σ a[i] · b[i]` over equal-length slices, as `LANES` running sums over fixed-size chunks
/// (no bounds checks, no loop-carried dependency between lanes, so LLVM vectorizes it).
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let (a_chunks, a_rest) = a.as_chunks::<LANES>();
    let (b_chunks, b_rest) = b.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (ca, cb) in a_chunks.iter().zip(b_chunks) {
        for lane in 0..LANES {
            acc[lane] += ca[lane] * cb[lane];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in a_rest.iter().zip(b_rest) {
        tail += x * y;
    }
    // Pairwise reduction of the lanes: shorter dependency chains, smaller rounding error.
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for lane in 0..width {
            acc[lane] += acc[lane + width];
        }
    }
    acc[0] + tail
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod avx2 {
    use core::arch::x86_64::*;

    /// Rows computed together: every load of `x` feeds this many rows.
    const ROWS: usize = 4;

    /// Sum of the eight lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
        _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)))
    }

    /// The AVX2 + FMA variant of [`super::matvec`]: blocks of [`ROWS`] rows with two
    /// accumulators each (eight FMA chains in flight), 16 inputs per step, then 8, then a
    /// scalar tail; leftover rows one at a time the same way.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA. Lengths must be as [`super::matvec`] requires
    /// (`weight.len() == output.len() * input.len()`, `bias.len() == output.len()`).
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn matvec(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
        let n = input.len();
        assert!(weight.len() == n * output.len() && bias.len() == output.len());
        let (wide, eight) = (n - n % 16, n - n % 8);
        let x = input.as_ptr();
        let mut rows = output.chunks_exact_mut(ROWS);
        let mut o = 0;
        for out in &mut rows {
            // SAFETY: rows o..o+ROWS exist, so each row pointer starts `n` floats inside
            // `weight`; every load below reads 8 floats at a column `i` with `i + 8 <= n`
            // (from `wide` and `eight`), inside its row and inside `input`.
            unsafe {
                let w: [*const f32; ROWS] =
                    core::array::from_fn(|r| weight.as_ptr().add((o + r) * n));
                let mut lo = [_mm256_setzero_ps(); ROWS];
                let mut hi = [_mm256_setzero_ps(); ROWS];
                let mut i = 0;
                while i < wide {
                    let (x0, x1) = (_mm256_loadu_ps(x.add(i)), _mm256_loadu_ps(x.add(i + 8)));
                    for r in 0..ROWS {
                        lo[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w[r].add(i)), x0, lo[r]);
                        hi[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w[r].add(i + 8)), x1, hi[r]);
                    }
                    i += 16;
                }
                if i < eight {
                    let x0 = _mm256_loadu_ps(x.add(i));
                    for r in 0..ROWS {
                        lo[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w[r].add(i)), x0, lo[r]);
                    }
                }
                for r in 0..ROWS {
                    let row = &weight[(o + r) * n..][..n];
                    out[r] = bias[o + r]
                        + hsum(_mm256_add_ps(lo[r], hi[r]))
                        + tail(&row[eight..], &input[eight..]);
                }
            }
            o += ROWS;
        }
        for (r, out) in rows.into_remainder().iter_mut().enumerate() {
            let row = &weight[(o + r) * n..][..n];
            // SAFETY: as above, for the single row `row`.
            unsafe {
                let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
                let mut i = 0;
                while i < wide {
                    lo = _mm256_fmadd_ps(
                        _mm256_loadu_ps(row.as_ptr().add(i)),
                        _mm256_loadu_ps(x.add(i)),
                        lo,
                    );
                    hi = _mm256_fmadd_ps(
                        _mm256_loadu_ps(row.as_ptr().add(i + 8)),
                        _mm256_loadu_ps(x.add(i + 8)),
                        hi,
                    );
                    i += 16;
                }
                if i < eight {
                    lo = _mm256_fmadd_ps(
                        _mm256_loadu_ps(row.as_ptr().add(i)),
                        _mm256_loadu_ps(x.add(i)),
                        lo,
                    );
                }
                *out = bias[o + r]
                    + hsum(_mm256_add_ps(lo, hi))
                    + tail(&row[eight..], &input[eight..]);
            }
        }
    }

    /// The fewer than eight products after the last whole vector.
    #[inline]
    fn tail(w: &[f32], x: &[f32]) -> f32 {
        w.iter().zip(x).map(|(a, b)| a * b).sum()
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[path = "matvec_avx512.rs"]
pub(crate) mod avx512;

#[cfg(target_arch = "aarch64")]
#[path = "matvec_neon.rs"]
pub(crate) mod neon;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::kernels::{test_every_variant, Kernels};
    use crate::ops::test_support::*;
    use crate::rng::Rng;
    use std::vec;
    use std::vec::Vec;

    /// `bias + W·x` in `f64`, and `Σ |W·x|` terms for the tolerance.
    fn reference(weight: &[f32], bias: &[f32], input: &[f32]) -> (Vec<f64>, Vec<f64>) {
        let n = input.len();
        (0..bias.len())
            .map(|o| {
                let products = (0..n).map(|i| f64::from(weight[o * n + i]) * f64::from(input[i]));
                let (sum, size) = products.fold((0.0, 0.0), |(s, m), p| (s + p, m + p.abs()));
                (f64::from(bias[o]) + sum, size + f64::from(bias[o]).abs())
            })
            .unzip()
    }

    /// Runs `kernels.matvec` into a guarded output (see `guarded_output`).
    fn run(kernels: &Kernels, weight: &[f32], bias: &[f32], input: &[f32]) -> Vec<f32> {
        let what = format!("{}×{}", bias.len(), input.len());
        guarded_output(bias.len(), &what, |output| {
            (kernels.matvec)(weight, bias, input, output)
        })
    }

    test_every_variant! {
        fn every_variant_matches_the_reference_on_ragged_shapes(kernels) {
            let mut rng = Rng::new(71);
            // Inputs around multiples of 8, 16 and 32, outputs around multiples of the 4-row
            // block.
            let inputs = [
                0, 1, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100, 784,
            ];
            let outputs = [1, 2, 3, 4, 5, 7, 8, 9, 10, 13];
            for &n in &inputs {
                for &m in &outputs {
                    let weight = random_vec(&mut rng, m * n, 1.0);
                    let bias = random_vec(&mut rng, m, 1.0);
                    let input = random_vec(&mut rng, n, 1.0);
                    let (want, size) = reference(&weight, &bias, &input);
                    let got = run(kernels, &weight, &bias, &input);
                    for o in 0..m {
                        let err = (f64::from(got[o]) - want[o]).abs();
                        assert!(
                            err <= 1e-6 * size[o] + 1e-7 * n as f64 * size[o],
                            "{m}×{n}, output {o}: {} vs {}",
                            got[o],
                            want[o]
                        );
                    }
                }
            }
        }

        fn variants_see_every_weight_exactly_once(kernels) {
            // Powers of two make every partial sum exact: any skipped or repeated element, in
            // any row or column position, changes the result.
            for (n, m) in [(37, 6), (16, 4), (8, 5), (23, 9), (67, 7), (32, 4)] {
                let weight: Vec<f32> = (0..m * n).map(|k| (1u32 << (k % 20)) as f32).collect();
                let input = vec![1.0; n];
                let bias: Vec<f32> = (0..m).map(|o| o as f32).collect();
                let (want, _) = reference(&weight, &bias, &input);
                let got = run(kernels, &weight, &bias, &input);
                assert_eq!(to_f64(&got), want, "{m}×{n}");
            }
        }
    }

    #[test]
    fn dot_covers_every_remainder_length() {
        let mut rng = Rng::new(32);
        for len in 0..=3 * LANES + 1 {
            let (a, b) = (
                random_vec(&mut rng, len, 1.0),
                random_vec(&mut rng, len, 1.0),
            );
            let want: f64 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| f64::from(x) * f64::from(y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - want).abs() < 1e-5, "len {len}");
        }
    }
}
