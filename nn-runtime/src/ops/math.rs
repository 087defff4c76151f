//! The few transcendental functions the kernels need.
//!
//! `core` has no `exp`, `ln`, `tanh` or `sqrt` for floats, so without `std` the portable
//! versions below stand in (argument reduction plus a short polynomial, after FreeBSD's
//! msun `e_expf.c` and `e_logf.c`, within a few ulps of the platform's libm). With `std` the
//! platform's functions are used. Both are always compiled under test and compared there.

/// `e^x`.
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    #[cfg(feature = "std")]
    return x.exp();
    #[cfg(not(feature = "std"))]
    return portable::exp(x);
}

/// Natural logarithm.
#[inline]
pub(crate) fn ln(x: f32) -> f32 {
    #[cfg(feature = "std")]
    return x.ln();
    #[cfg(not(feature = "std"))]
    return portable::ln(x);
}

/// Hyperbolic tangent.
#[inline]
pub(crate) fn tanh(x: f32) -> f32 {
    #[cfg(feature = "std")]
    return x.tanh();
    #[cfg(not(feature = "std"))]
    return portable::tanh(x);
}

/// Square root.
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    #[cfg(feature = "std")]
    return x.sqrt();
    #[cfg(not(feature = "std"))]
    return portable::sqrt(x);
}

/// Square root in double precision (for norms accumulated in `f64`).
#[inline]
pub(crate) fn sqrt_f64(x: f64) -> f64 {
    #[cfg(feature = "std")]
    return x.sqrt();
    #[cfg(not(feature = "std"))]
    return portable::sqrt_f64(x);
}

/// `base^exponent` by repeated squaring: exact for small exponents, and `O(log n)` for large
/// ones (Adam raises β to the step count, which grows without bound).
pub(crate) fn powi(base: f64, exponent: u32) -> f64 {
    let (mut result, mut square, mut rest) = (1.0, base, exponent);
    while rest > 0 {
        if rest & 1 == 1 {
            result *= square;
        }
        square *= square;
        rest >>= 1;
    }
    result
}

#[cfg(any(test, not(feature = "std")))]
pub(crate) mod portable {
    /// `2^n` for a normal exponent `n` in `-126..=127`.
    fn pow2i(n: i32) -> f32 {
        debug_assert!((-126..=127).contains(&n));
        f32::from_bits(((n + 127) as u32) << 23)
    }

    /// `y · 2^k` for `k` in `-150..=128`, rounding only once even for subnormal results.
    fn scale_by_pow2(y: f32, k: i32) -> f32 {
        if k > 127 {
            y * pow2i(127) * pow2i(k - 127)
        } else if k < -126 {
            (y * pow2i(k + 24)) * pow2i(-24)
        } else {
            y * pow2i(k)
        }
    }

    pub(crate) fn exp(x: f32) -> f32 {
        // ln 2 split so that `k · LN2_HI` is exact for |k| ≤ 256. Constants by bit pattern,
        // so they are exactly msun's.
        const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
        const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
        const INV_LN2: f32 = core::f32::consts::LOG2_E;

        // Minimax for r·(e^r + 1)/(e^r − 1) on |r| ≤ 0.35.
        const P1: f32 = f32::from_bits(0x3e2a_aa8f); // ≈ 0.16666625
        const P2: f32 = f32::from_bits(0xbb35_5215); // ≈ -0.0027667333

        if x.is_nan() {
            return x;
        }
        if x >= f32::from_bits(0x42b1_7218) {
            // ≈ 88.7228394: e^x is beyond f32::MAX.
            return f32::INFINITY;
        }
        if x <= -f32::from_bits(0x42cf_f1b5) {
            // ≈ -103.972084: e^x rounds to 0 even as a subnormal.
            return 0.0;
        }
        // x = k·ln2 + r with |r| ≤ ln2 / 2.
        let k = (x * INV_LN2 + 0.5f32.copysign(x)) as i32;
        let k_f = k as f32;
        let hi = x - k_f * LN2_HI;
        let lo = k_f * LN2_LO;
        let r = hi - lo;
        let r2 = r * r;
        let c = r - r2 * (P1 + r2 * P2);
        let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
        scale_by_pow2(y, k)
    }

    pub(crate) fn ln(x: f32) -> f32 {
        const LN2_HI: f32 = f32::from_bits(0x3f31_7180);
        const LN2_LO: f32 = f32::from_bits(0x3717_f7d1);

        // Minimax for (ln(1+s) − ln(1−s))/s on the reduced range.
        const LG1: f32 = f32::from_bits(0x3f2a_aaaa); // ≈ 0.66666663
        const LG2: f32 = f32::from_bits(0x3ecc_ce13); // ≈ 0.40000972
        const LG3: f32 = f32::from_bits(0x3e91_e9ee); // ≈ 0.28498787
        const LG4: f32 = f32::from_bits(0x3e78_9e26); // ≈ 0.24279079

        let mut x = x;
        let mut k = 0i32;
        if x.is_nan() || x == f32::INFINITY {
            return x;
        }
        if x < 0.0 {
            return f32::NAN;
        }
        if x == 0.0 {
            return f32::NEG_INFINITY;
        }
        if x < f32::MIN_POSITIVE {
            // Subnormal: scale into the normal range first.
            k -= 25;
            x *= 33_554_432.0; // 2^25
        }
        // Reduce to m ∈ [√2/2, √2): x = 2^k · m.
        let mut bits = x.to_bits();
        bits += 0x3f80_0000 - 0x3f35_04f3;
        k += (bits >> 23) as i32 - 0x7f;
        bits = (bits & 0x007f_ffff) + 0x3f35_04f3;
        let f = f32::from_bits(bits) - 1.0;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let r = z * (LG1 + w * LG3) + w * (LG2 + w * LG4);
        let half_f2 = 0.5 * f * f;
        let k_f = k as f32;
        s * (half_f2 + r) + k_f * LN2_LO - half_f2 + f + k_f * LN2_HI
    }

    pub(crate) fn tanh(x: f32) -> f32 {
        let a = x.abs();
        if a.is_nan() {
            return x;
        }
        if a > 9.0 {
            // 1 − tanh(9) < 2^-24: already 1 in f32.
            return 1.0f32.copysign(x);
        }
        if a < 0.25 {
            // Taylor series; the first omitted term is below 1e-8 relative here, whereas
            // 1 − 2/(e^2x + 1) would cancel away most digits near 0.
            let x2 = x * x;
            let series =
                -1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0 + x2 * (62.0 / 2835.0)));
            return x + x * x2 * series;
        }
        (1.0 - 2.0 / (exp(2.0 * a) + 1.0)).copysign(x)
    }

    pub(crate) fn sqrt(x: f32) -> f32 {
        if x.is_nan() || x < 0.0 {
            return f32::NAN;
        }
        if x == 0.0 || x == f32::INFINITY {
            return x;
        }
        let (x, unscale) = if x < f32::MIN_POSITIVE {
            (x * 16_777_216.0, 1.0 / 4096.0)
        } else {
            (x, 1.0)
        };
        // Halving the exponent bits gives a guess within 4%; Newton doubles the digits.
        let mut y = f32::from_bits((x.to_bits() >> 1) + 0x1fbd_1df5);
        for _ in 0..4 {
            y = 0.5 * (y + x / y);
        }
        y * unscale
    }

    pub(crate) fn sqrt_f64(x: f64) -> f64 {
        if x.is_nan() || x < 0.0 {
            return f64::NAN;
        }
        if x == 0.0 || x == f64::INFINITY {
            return x;
        }
        let (x, unscale) = if x < f64::MIN_POSITIVE {
            (x * 18_014_398_509_481_984.0, 1.0 / 134_217_728.0) // 2^54, 2^-27
        } else {
            (x, 1.0)
        };
        let mut y = f64::from_bits((x.to_bits() >> 1) + 0x1ff7_a3be_a91d_9b1b);
        for _ in 0..5 {
            y = 0.5 * (y + x / y);
        }
        y * unscale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place, for finite values of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        if a == b {
            return 0;
        }
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    /// A sweep over a range plus a few hand-picked points.
    fn sweep(lo: f32, hi: f32, extra: &[f32]) -> impl Iterator<Item = f32> + '_ {
        let n = 20_000;
        (0..=n)
            .map(move |i| lo + (hi - lo) * (i as f32 / n as f32))
            .chain(extra.iter().copied())
    }

    #[test]
    fn portable_exp_matches_std() {
        for x in sweep(
            -103.0,
            88.7,
            &[
                0.0, -0.0, 1e-8, -1e-8, 0.3465, 0.5, 1.0, -87.5, -100.0, 88.72,
            ],
        ) {
            let (got, want) = (portable::exp(x), x.exp());
            if want >= f32::MIN_POSITIVE {
                assert!(ulps(got, want) <= 2, "exp({x}) = {got}, std {want}");
            } else {
                // Subnormal results carry few bits; compare absolutely.
                assert!(
                    (got - want).abs() <= 2.0 * f32::from_bits(1),
                    "exp({x}) = {got}, std {want}"
                );
            }
        }
        assert_eq!(portable::exp(89.0), f32::INFINITY);
        assert_eq!(portable::exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(portable::exp(-104.0), 0.0);
        assert_eq!(portable::exp(f32::NEG_INFINITY), 0.0);
        assert!(portable::exp(f32::NAN).is_nan());
    }

    #[test]
    fn portable_ln_matches_std() {
        let points = sweep(
            1e-3,
            50.0,
            &[
                1.0,
                2.0,
                0.5,
                1e-30,
                1e30,
                f32::MAX,
                f32::MIN_POSITIVE,
                1e-40,
                1.000_001,
            ],
        );
        for x in points.chain((0..=1000).map(|i| 0.5 + i as f32 / 1000.0)) {
            let (got, want) = (portable::ln(x), x.ln());
            assert!(
                ulps(got, want) <= 2 || (got - want).abs() <= 1e-7,
                "ln({x}) = {got}, std {want}"
            );
        }
        assert_eq!(portable::ln(0.0), f32::NEG_INFINITY);
        assert_eq!(portable::ln(f32::INFINITY), f32::INFINITY);
        assert!(portable::ln(-1.0).is_nan());
        assert!(portable::ln(f32::NAN).is_nan());
    }

    #[test]
    fn portable_tanh_matches_std() {
        for x in sweep(
            -12.0,
            12.0,
            &[
                0.0, 1e-6, -1e-6, 0.2499, 0.25, 0.2501, -0.25, 9.0, 9.01, 100.0,
            ],
        ) {
            let (got, want) = (portable::tanh(x), x.tanh());
            let tolerance = 4e-7 * want.abs() + 1e-9;
            assert!(
                (got - want).abs() <= tolerance,
                "tanh({x}) = {got}, std {want}"
            );
        }
        assert!(portable::tanh(f32::NAN).is_nan());
        assert_eq!(portable::tanh(f32::INFINITY), 1.0);
        assert_eq!(portable::tanh(f32::NEG_INFINITY), -1.0);
    }

    #[test]
    fn portable_sqrt_matches_std() {
        let extra = [
            0.0,
            1.0,
            2.0,
            4.0,
            1e-40,
            f32::from_bits(1),
            f32::MIN_POSITIVE,
            f32::MAX,
            1e30,
        ];
        for x in sweep(0.0, 1000.0, &extra) {
            assert!(
                ulps(portable::sqrt(x), x.sqrt()) <= 1,
                "sqrt({x}) = {}",
                portable::sqrt(x)
            );
            let x = f64::from(x) * 1e100;
            let (got, want) = (portable::sqrt_f64(x), x.sqrt());
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * want,
                "sqrt_f64({x}) = {got}, std {want}"
            );
        }
        assert!(portable::sqrt(-1.0).is_nan());
        assert!(portable::sqrt_f64(-1.0).is_nan());
        assert_eq!(portable::sqrt(f32::INFINITY), f32::INFINITY);
        // A subnormal input: within one ulp.
        assert!(
            portable::sqrt_f64(5e-320)
                .to_bits()
                .abs_diff(5e-320f64.sqrt().to_bits())
                <= 1
        );
    }

    #[test]
    fn powi_agrees_with_std_powi() {
        for base in [0.9f64, 0.999, 1.5, -2.0, 0.0] {
            for exponent in [0u32, 1, 2, 3, 7, 100, 12_345] {
                let want = base.powi(exponent as i32);
                let got = powi(base, exponent);
                assert!(
                    got == want || (got - want).abs() <= 1e-12 * want.abs(),
                    "{base}^{exponent}: {got} vs {want}"
                );
            }
        }
    }
}
