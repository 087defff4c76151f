//! The few transcendental functions the kernels need.
//!
//! `core` has no `exp`, `ln`, `tanh` or `sqrt` for floats: with `std` the platform's
//! functions are used, without it the `libm` crate's (a port of musl's libm).

macro_rules! unary {
    ($(#[$doc:meta] $name:ident: $t:ty => $std:ident, $libm:ident;)*) => {$(
        #[$doc]
        #[inline]
        pub(crate) fn $name(x: $t) -> $t {
            #[cfg(feature = "std")]
            return x.$std();
            #[cfg(not(feature = "std"))]
            return libm::$libm(x);
        }
    )*};
}

unary! {
    /// `e^x`.
    exp: f32 => exp, expf;
    /// Natural logarithm.
    ln: f32 => ln, logf;
    /// Hyperbolic tangent.
    tanh: f32 => tanh, tanhf;
    /// Square root.
    sqrt: f32 => sqrt, sqrtf;
    /// Cosine.
    cos: f32 => cos, cosf;
    /// Square root in double precision (for norms accumulated in `f64`).
    sqrt_f64: f64 => sqrt, sqrt;
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

/// `Σ values` as 16 running sums, which the compiler vectorizes (a plain `iter().sum()` is
/// one dependent chain of scalar adds).
pub(crate) fn sum(values: &[f32]) -> f32 {
    const LANES: usize = 16;
    let (chunks, rest) = values.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for chunk in chunks {
        for lane in 0..LANES {
            acc[lane] += chunk[lane];
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libm_agrees_with_the_platform_within_a_few_ulps() {
        let mut rng = crate::rng::Rng::new(5);
        for _ in 0..10_000 {
            let x = rng.uniform(80.0);
            let close = |a: f32, b: f32| {
                (a - b).abs() <= 4.0 * f32::EPSILON * a.abs().max(b.abs()).max(f32::MIN_POSITIVE)
            };
            assert!(close(libm::expf(x), exp(x)), "exp({x})");
            assert!(close(libm::tanhf(x), tanh(x)), "tanh({x})");
            assert!(close(libm::logf(x.abs()), ln(x.abs())), "ln({x})");
            assert!(close(libm::sqrtf(x.abs()), sqrt(x.abs())), "sqrt({x})");
        }
    }

    #[test]
    fn powi_matches_powf() {
        for (base, exponent) in [
            (0.9f64, 0u32),
            (0.9, 1),
            (0.999, 10),
            (0.999, 12_345),
            (2.0, 30),
        ] {
            let expected = base.powf(exponent as f64);
            assert!(
                (powi(base, exponent) - expected).abs() <= 1e-12 * expected,
                "{base}^{exponent}"
            );
        }
    }
}
