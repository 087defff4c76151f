//! Int8 softmax as TFLite's reference kernel computes it for int8 input and output
//! (`reference_ops::Softmax` with the parameters of `SoftmaxPrepare<kReference>`): each
//! row's differences from its maximum are rescaled to Q5.26, exponentiated with gemmlowp's
//! fixed-point `exp`, summed in Q12.19, and each exponential is divided by the sum through a
//! fixed-point reciprocal. The output's quantization is fixed: scale 1/256, zero point −128.

use super::fixed_point::{
    multiply_by_quantized_multiplier_greater_than_one, rounding_divide_by_pot, rounding_half_sum,
    saturating_rounding_doubling_high_mul as mul, saturating_shift_left,
};
use super::multiplier::QuantizedMultiplier;

/// Integer bits of the rescaled differences (Q5.26).
const SCALED_DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// The parameters TFLite's reference `Prepare` computes for an int8 softmax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxParams {
    /// `beta · input_scale · 2^26` as a multiplier greater than one.
    pub input_multiplier: i32,
    /// Its left shift.
    pub input_left_shift: i32,
    /// Differences below this (in input steps) give an output of exactly −128.
    pub diff_min: i32,
}

impl SoftmaxParams {
    /// `PreprocessSoftmaxScaling` and `CalculateInputRadius` for `beta` and the input's scale.
    pub fn new(beta: f32, input_scale: f32) -> Self {
        let real = (f64::from(beta)
            * f64::from(input_scale)
            * f64::from(1i32 << (31 - SCALED_DIFF_INTEGER_BITS)))
        .min(f64::from(i32::MAX));
        let QuantizedMultiplier { multiplier, shift } = QuantizedMultiplier::from_f64(real);
        let radius = f64::from((1i32 << SCALED_DIFF_INTEGER_BITS) - 1)
            * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64
            / (1i64 << shift) as f64;
        Self {
            input_multiplier: multiplier,
            input_left_shift: shift,
            diff_min: -(libm::floor(radius) as i32),
        }
    }
}

/// `exp(x)` for `x` in `[−1/4, 0)`, Q0.31 in and out: gemmlowp's Taylor expansion around
/// −1/8.
fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` given in Q5.26, as Q0.31: gemmlowp's `exp_on_negative_values`, the
/// fractional quarter by the polynomial, each whole power of two of the rest by a constant.
pub fn exp_on_negative_values(a: i32) -> i32 {
    const FRACTIONAL_BITS: i32 = 31 - SCALED_DIFF_INTEGER_BITS;
    const ONE_QUARTER: i32 = 1 << (FRACTIONAL_BITS - 2);
    // exp(−2^k) in Q0.31 for k = −2 … 4.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let a_mod_quarter_minus_one_quarter = (a & (ONE_QUARTER - 1)).wrapping_sub(ONE_QUARTER);
    let mut result =
        exp_on_interval_between_negative_one_quarter_and_0_excl(saturating_shift_left(
            a_mod_quarter_minus_one_quarter,
            SCALED_DIFF_INTEGER_BITS as u32,
        ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    for (exponent, multiplier) in BARREL {
        if SCALED_DIFF_INTEGER_BITS > exponent
            && remainder & (1 << (FRACTIONAL_BITS + exponent)) != 0
        {
            result = mul(result, multiplier);
        }
    }
    if a == 0 {
        i32::MAX
    } else {
        result
    }
}

/// `1 / (1 + x)` for `x` in `[0, 1)`, Q0.31 in and out: gemmlowp's three Newton–Raphson steps
/// in Q2.29.
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    const FORTY_EIGHT_OVER_SEVENTEEN: i32 = 1_515_870_810;
    const MINUS_THIRTY_TWO_OVER_SEVENTEEN: i32 = -1_010_580_540;
    const ONE_Q2: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, i32::MAX);
    let mut x = FORTY_EIGHT_OVER_SEVENTEEN
        .wrapping_add(mul(half_denominator, MINUS_THIRTY_TWO_OVER_SEVENTEEN));
    for _ in 0..3 {
        let one_minus_half_denominator_times_x = ONE_Q2.wrapping_sub(mul(half_denominator, x));
        // Q2 · Q2 is Q4; back to Q2 with a saturating doubling twice.
        x = x.wrapping_add(saturating_shift_left(
            mul(x, one_minus_half_denominator_times_x),
            2,
        ));
    }
    // x / 2 in Q1 is the same raw; back to Q0.
    saturating_shift_left(x, 1)
}

/// TFLite's `GetReciprocal`: `1 / x` for a positive `x` with `integer_bits` integer bits, as a
/// Q0.31 significand and the number of bits it lies above one.
fn reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let bits_over_unit = integer_bits - headroom_plus_one as i32;
    let shifted_minus_one = ((x as u32) << headroom_plus_one).wrapping_sub(1 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        bits_over_unit,
    )
}

/// Softmax over the last axis of `depth` elements; `input` and `output` hold whole rows.
pub fn softmax(params: &SoftmaxParams, depth: usize, input: &[i8], output: &mut [i8]) {
    assert!(
        depth > 0 && input.len().is_multiple_of(depth) && input.len() == output.len(),
        "int8::softmax: {} inputs and {} outputs are not rows of {depth}",
        input.len(),
        output.len()
    );
    let scaled_diff = |diff: i32| {
        multiply_by_quantized_multiplier_greater_than_one(
            diff,
            params.input_multiplier,
            params.input_left_shift,
        )
    };
    for (row, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = i32::from(*row.iter().max().expect("depth > 0"));
        let mut sum_of_exps = 0i32;
        for &x in row {
            let diff = i32::from(x) - max;
            if diff >= params.diff_min {
                let exp = exp_on_negative_values(scaled_diff(diff));
                sum_of_exps = sum_of_exps.wrapping_add(rounding_divide_by_pot(
                    exp,
                    ACCUMULATION_INTEGER_BITS as u32,
                ));
            }
        }
        let (scale, bits_over_unit) = reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        let exponent = (bits_over_unit + 31 - 8) as u32;
        for (&x, o) in row.iter().zip(out.iter_mut()) {
            let diff = i32::from(x) - max;
            *o = if diff >= params.diff_min {
                let exp = exp_on_negative_values(scaled_diff(diff));
                let unsaturated = rounding_divide_by_pot(mul(scale, exp), exponent);
                (unsaturated - 128).clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}
