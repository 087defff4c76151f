//! The integer primitives of TFLite's quantized arithmetic (gemmlowp's `fixedpoint.h` and
//! TFLite's `common.h`/`common.cc`), written from their definitions.
//!
//! A 32-bit fixed-point value with `k` integer bits stands for `raw / 2^(31 − k)`; a product of
//! two such values is [`saturating_rounding_doubling_high_mul`] of the raws, with integer bits
//! adding up. TFLite's reference kernels, as PyPI's `ai-edge-litert` 2.3.0 builds them, are
//! compiled without `TFLITE_SINGLE_ROUNDING`: requantization rounds twice, once in the high
//! multiply and once in the division by a power of two ([`multiply_by_quantized_multiplier`]).

/// `round(a · b / 2^31)`, ties towards +∞ (gemmlowp nudges by ±2^30 and truncates), saturating the one overflowing case
/// (`i32::MIN · i32::MIN`) to `i32::MAX`. ARM's `VQRDMULH`; gemmlowp's
/// `SaturatingRoundingDoublingHighMul`.
#[inline]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let product = a as i64 * b as i64;
    // gemmlowp nudges towards the sign, then divides truncating towards zero.
    let nudge = if product >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((product + nudge) / (1i64 << 31)) as i32
}

/// `x / 2^exponent` rounded to nearest, ties away from zero; `exponent` in `0..=31`.
/// gemmlowp's `RoundingDivideByPOT`, a rounding arithmetic shift right.
#[inline]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    debug_assert!(exponent <= 31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    // Negative values round away from zero too: their threshold is one higher.
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `x · 2^exponent` for `exponent` in `0..=31`, saturating to `i32::MIN`/`i32::MAX`
/// (gemmlowp's `SaturatingRoundingMultiplyByPOT` for a positive exponent).
#[inline]
pub const fn saturating_shift_left(x: i32, exponent: u32) -> i32 {
    if exponent == 0 {
        return x;
    }
    let threshold = ((1i64 << (31 - exponent)) - 1) as i32;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << exponent
    }
}

/// `(a + b) / 2` rounded to nearest, ties away from zero (gemmlowp's `RoundingHalfSum`,
/// ARM's `VRHADD`).
#[inline]
pub const fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `x · multiplier / 2^31 · 2^shift` as TFLite's `MultiplyByQuantizedMultiplier` computes it
/// without `TFLITE_SINGLE_ROUNDING`: a positive `shift` multiplies `x` first (wrapping, as
/// the C code does in practice), then the high multiply rounds, then a negative `shift`
/// divides with rounding.
#[inline]
pub const fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift as u32 } else { 0 };
    let right = if shift > 0 { 0 } else { (-shift) as u32 };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_mul(1 << left), multiplier),
        right,
    )
}

/// TFLite's `MultiplyByQuantizedMultiplierSmallerThanOneExp`: the high multiply, then a
/// rounding division by `2^−left_shift` (`left_shift ≤ 0`). The same result as
/// [`multiply_by_quantized_multiplier`] for such shifts; named for the kernels that call it.
#[inline]
pub const fn multiply_by_quantized_multiplier_smaller_than_one(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    debug_assert!(left_shift <= 0);
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, multiplier),
        (-left_shift) as u32,
    )
}

/// TFLite's `MultiplyByQuantizedMultiplierGreaterThanOne`: `x · 2^left_shift` (wrapping),
/// then the high multiply (`left_shift ≥ 0`).
#[inline]
pub const fn multiply_by_quantized_multiplier_greater_than_one(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    debug_assert!(left_shift >= 0);
    saturating_rounding_doubling_high_mul(x.wrapping_mul(1 << left_shift), multiplier)
}

#[cfg(test)]
#[path = "fixed_point_tests.rs"]
mod tests;
