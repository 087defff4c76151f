//! Real scales as TFLite's integer kernels apply them: a 31-bit fixed-point multiplier and a
//! power-of-two shift ([`QuantizedMultiplier`]), or, where TFLite's reference kernel
//! computes in double precision, the scale itself ([`DoubleScale`]).

use super::fixed_point::multiply_by_quantized_multiplier;

/// A real multiplier `m` as `multiplier / 2^31 · 2^shift`, `multiplier` in `[2^30, 2^31)`
/// (or 0 for a zero or negligible `m`). TFLite's `QuantizeMultiplier` output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QuantizedMultiplier {
    /// The significand, Q0.31.
    pub multiplier: i32,
    /// The power of two: positive shifts left, negative right.
    pub shift: i32,
}

impl QuantizedMultiplier {
    /// TFLite's `QuantizeMultiplier`: the significand of `frexp(m)` rounded (ties away from
    /// zero) to 31 bits, a significand that rounds up to 1.0 halved with the shift raised, and
    /// multipliers below about `2^−31` flushed to zero. `m` is expected finite; a non-finite
    /// `m` gives zero.
    pub fn from_f64(m: f64) -> Self {
        if m == 0.0 || !m.is_finite() {
            return Self::default();
        }
        let (fraction, mut shift) = frexp(m);
        let mut q = libm::round(fraction * (1u64 << 31) as f64) as i64;
        if q == 1 << 31 {
            q /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Self::default();
        }
        Self {
            multiplier: q as i32,
            shift,
        }
    }

    /// `x · m` rounded as TFLite's integer kernels round it
    /// ([`multiply_by_quantized_multiplier`]).
    #[inline]
    pub const fn apply(self, x: i32) -> i32 {
        multiply_by_quantized_multiplier(x, self.multiplier, self.shift)
    }
}

/// `frexp`: `x = fraction · 2^exponent` with `|fraction|` in `[0.5, 1)`, for finite non-zero
/// `x` (subnormals included).
pub(crate) fn frexp(x: f64) -> (f64, i32) {
    const EXPONENT_MASK: u64 = 0x7ff << 52;
    let bits = x.to_bits();
    let biased = ((bits & EXPONENT_MASK) >> 52) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (fraction, exponent) = frexp(x * (1u64 << 54) as f64);
        return (fraction, exponent - 54);
    }
    // Keep sign and mantissa, set the exponent of [0.5, 1): biased 1022.
    let fraction = f64::from_bits((bits & !EXPONENT_MASK) | (1022 << 52));
    (fraction, biased - 1022)
}

/// A double-precision scale applied as `round(acc · scale)` (ties away from zero),
/// saturating to `i32`: how TFLite's reference `FULLY_CONNECTED` kernel requantizes since
/// 2025 (`ai-edge-litert` 2.x), in place of a [`QuantizedMultiplier`].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct DoubleScale(pub f64);

/// How a kernel turns a 32-bit accumulator into the output's scale, before the zero point is
/// added and the result clamped. Kernels are generic over it so that one loop serves both of
/// TFLite's requantizations.
pub trait Requantize: Copy {
    /// The form an optimized kernel applies once per output, prepared once per channel.
    type Prepared: Copy;

    /// The accumulator in units of the output's scale, rounded.
    fn requantize(self, acc: i32) -> i32;

    /// The prepared form, or `None` where it would not give [`Self::requantize`]'s bits (the
    /// kernel then runs the portable path).
    fn prepare(self) -> Option<Self::Prepared>;

    /// [`Self::requantize`] through the prepared form: the same value for every `acc`.
    fn requantize_prepared(prepared: Self::Prepared, acc: i32) -> i32;

    /// The scales as fixed-point multipliers, when that is what they are (the Cortex-M4
    /// convolution then requantizes with 32-bit operations only).
    #[inline]
    fn fixed_point(scales: &[Self]) -> Option<&[QuantizedMultiplier]> {
        let _ = scales;
        None
    }
}

impl Requantize for QuantizedMultiplier {
    type Prepared = PreparedMultiplier;

    #[inline]
    fn requantize(self, acc: i32) -> i32 {
        self.apply(acc)
    }

    #[inline]
    fn prepare(self) -> Option<PreparedMultiplier> {
        PreparedMultiplier::new(self)
    }

    #[inline(always)]
    fn requantize_prepared(prepared: PreparedMultiplier, acc: i32) -> i32 {
        prepared.apply(acc)
    }

    #[inline]
    fn fixed_point(scales: &[Self]) -> Option<&[QuantizedMultiplier]> {
        Some(scales)
    }
}

impl Requantize for DoubleScale {
    type Prepared = Self;

    #[inline]
    fn requantize(self, acc: i32) -> i32 {
        // `as` saturates where C's conversion would be undefined.
        libm::round(f64::from(acc) * self.0) as i32
    }

    #[inline]
    fn prepare(self) -> Option<Self> {
        Some(self)
    }

    #[inline(always)]
    fn requantize_prepared(prepared: Self, acc: i32) -> i32 {
        prepared.requantize(acc)
    }
}

/// A [`QuantizedMultiplier`] prepared to be applied to many accumulators: the shift split
/// into its left and right parts and the rounding constants of the final division computed
/// once, so that each [`Self::apply`] is a 32×32→64-bit multiply and a few 32-bit operations
/// (no 64-bit shifts or divisions, which cost tens of instructions on a 32-bit core).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreparedMultiplier {
    multiplier: i32,
    left: u32,
    right: u32,
    /// `2^right − 1`: the bits the final division drops.
    mask: i32,
    /// `mask / 2`: the largest dropped part that rounds down for a non-negative value.
    half: i32,
}

impl PreparedMultiplier {
    /// `None` for a significand of `i32::MIN` (the doubling high multiply's one saturating
    /// case, which the shortcut in [`Self::apply`] does not reproduce) and for shifts beyond
    /// 31 either way (outside TFLite's range).
    #[inline]
    pub fn new(m: QuantizedMultiplier) -> Option<Self> {
        if m.multiplier == i32::MIN || !(-31..=31).contains(&m.shift) {
            return None;
        }
        let left = m.shift.max(0) as u32;
        let right = (-m.shift).max(0) as u32;
        // 32-bit arithmetic (right ≤ 31): prepared once per channel and tile on a 32-bit core.
        let mask = ((1u32 << right) - 1) as i32;
        Some(Self {
            multiplier: m.multiplier,
            left,
            right,
            mask,
            half: mask >> 1,
        })
    }

    /// [`multiply_by_quantized_multiplier`]'s result, computed as: the doubling high
    /// multiply's "nudge, then divide truncating" is one floor division of
    /// `product + 2^30` by `2^31` (for a negative product, truncating `product + 1 − 2^30`
    /// towards zero is flooring `product + 2^30`), and the rounding division by `2^right`
    /// compares the dropped bits with `half`, one more for a negative value.
    #[inline(always)]
    pub fn apply(self, acc: i32) -> i32 {
        let x = acc.wrapping_shl(self.left);
        let product = i64::from(x) * i64::from(self.multiplier);
        let high = ((product + (1 << 30)) >> 31) as i32;
        let dropped = high & self.mask;
        let threshold = self.half + ((high as u32) >> 31) as i32;
        (high >> self.right) + i32::from(dropped > threshold)
    }
}

/// The effective scale of a convolution or dense output channel, as TFLite's `Prepare`
/// computes it: `input_scale · weight_scale / output_scale`, each widened to double first.
pub fn effective_scale(input_scale: f32, weight_scale: f32, output_scale: f32) -> f64 {
    f64::from(input_scale) * f64::from(weight_scale) / f64::from(output_scale)
}
