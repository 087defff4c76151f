//! Edge values of TFLite's integer primitives. Every expected value is worked out from the C
//! definitions (gemmlowp's `fixedpoint.h`, TFLite's `common.cc`, `quantization_util.cc`),
//! with the arithmetic written next to it.

use super::*;
use crate::int8::QuantizedMultiplier;

#[test]
fn high_mul_saturates_only_min_times_min() {
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
        i32::MAX
    );
    // −2^31 · (2^31 − 1) = −2^62 + 2^31; + (1 − 2^30); / 2^31 truncates to −2^31 + 1.
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX),
        -2_147_483_647
    );
    // (2^31 − 1)^2 / 2^31 = 2^31 − 2 + 2^−31, rounds to 2^31 − 2.
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MAX, i32::MAX),
        2_147_483_646
    );
    // −2^31 · 2^30 / 2^31 = −2^30 exactly.
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, 1 << 30),
        -(1 << 30)
    );
}

#[test]
fn high_mul_rounds_ties_upwards() {
    // Halving by a multiplier of 0.5 (2^30): gemmlowp's nudge is 2^30 for non-negative
    // products and 1 − 2^30 for negative ones, then the division truncates, so +1.5 → 2 and
    // −1.5 → −1, −0.5 → 0: ties go towards +∞.
    let half = 1 << 30;
    assert_eq!(saturating_rounding_doubling_high_mul(3, half), 2);
    assert_eq!(saturating_rounding_doubling_high_mul(1, half), 1);
    assert_eq!(saturating_rounding_doubling_high_mul(-1, half), 0);
    assert_eq!(saturating_rounding_doubling_high_mul(-3, half), -1);
    assert_eq!(saturating_rounding_doubling_high_mul(-4, half), -2);
    assert_eq!(saturating_rounding_doubling_high_mul(0, i32::MIN), 0);
}

#[test]
fn rounding_divide_by_pot_rounds_ties_away_from_zero() {
    assert_eq!(rounding_divide_by_pot(5, 1), 3); // 2.5
    assert_eq!(rounding_divide_by_pot(-5, 1), -3); // −2.5
    assert_eq!(rounding_divide_by_pot(-3, 1), -2); // −1.5
    assert_eq!(rounding_divide_by_pot(-1, 1), -1); // −0.5
    assert_eq!(rounding_divide_by_pot(7, 2), 2); // 1.75
    assert_eq!(rounding_divide_by_pot(-6, 2), -2); // −1.5
    assert_eq!(rounding_divide_by_pot(-5, 2), -1); // −1.25
    assert_eq!(rounding_divide_by_pot(-7, 0), -7);
}

#[test]
fn rounding_divide_by_pot_at_exponent_31() {
    // mask = 2^31 − 1, so the remainder is the low 31 bits.
    assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
    assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    assert_eq!(rounding_divide_by_pot(1 << 30, 31), 1); // +0.5
    assert_eq!(rounding_divide_by_pot(-(1 << 30), 31), -1); // −0.5
    assert_eq!(rounding_divide_by_pot((1 << 30) - 1, 31), 0);
    assert_eq!(rounding_divide_by_pot(-(1 << 30) + 1, 31), 0);
}

#[test]
fn saturating_shift_left_clamps_at_the_threshold() {
    // threshold = 2^(31 − e) − 1.
    assert_eq!(saturating_shift_left((1 << 29) - 1, 2), i32::MAX - 3);
    assert_eq!(saturating_shift_left(1 << 29, 2), i32::MAX);
    assert_eq!(saturating_shift_left(-(1 << 29) + 1, 2), i32::MIN + 4);
    assert_eq!(saturating_shift_left(-(1 << 29), 2), i32::MIN);
    assert_eq!(saturating_shift_left(-5, 0), -5);
}

#[test]
fn rounding_half_sum_rounds_away_from_zero() {
    assert_eq!(rounding_half_sum(1, 2), 2);
    assert_eq!(rounding_half_sum(-1, -2), -2);
    assert_eq!(rounding_half_sum(i32::MAX, i32::MAX), i32::MAX);
    assert_eq!(rounding_half_sum(i32::MIN, i32::MIN), i32::MIN);
    assert_eq!(rounding_half_sum(0, i32::MAX), 1 << 30);
}

#[test]
fn requantization_rounds_twice() {
    // 5 · 0.5 / 2: the high multiply rounds 2.5 up to 3, the shift 1.5 away to 2. One
    // rounding of 1.25 (TFLITE_SINGLE_ROUNDING) would give 1; TFLite's default build gives 2.
    assert_eq!(multiply_by_quantized_multiplier(5, 1 << 30, -1), 2);
    // −3 · 0.5 = −1.5 rounds up to −1 in the high multiply.
    assert_eq!(multiply_by_quantized_multiplier(-3, 1 << 30, 0), -1);
    // −5 · 0.5 / 2: −2.5 → −2, then −1.
    assert_eq!(multiply_by_quantized_multiplier(-5, 1 << 30, -1), -1);
    // A positive shift multiplies first: 3 · 4 · 0.5.
    assert_eq!(multiply_by_quantized_multiplier(3, 1 << 30, 2), 6);
    // The pre-multiplication wraps as the C code does: 2^29 · 8 = 2^32 → 0.
    assert_eq!(multiply_by_quantized_multiplier(1 << 29, 1 << 30, 3), 0);
    // The largest right shift.
    assert_eq!(multiply_by_quantized_multiplier(i32::MAX, i32::MAX, -31), 1);
    assert_eq!(multiply_by_quantized_multiplier(i32::MIN, i32::MIN, -31), 1);
    assert_eq!(
        multiply_by_quantized_multiplier(i32::MIN, i32::MAX, -31),
        -1
    );
    assert_eq!(
        multiply_by_quantized_multiplier_smaller_than_one(5, 1 << 30, -1),
        multiply_by_quantized_multiplier(5, 1 << 30, -1)
    );
    assert_eq!(
        multiply_by_quantized_multiplier_greater_than_one(3, 1 << 30, 2),
        6
    );
}

#[test]
fn quantize_multiplier_edges() {
    let q = |m: f64| {
        let QuantizedMultiplier { multiplier, shift } = QuantizedMultiplier::from_f64(m);
        (multiplier, shift)
    };
    assert_eq!(q(0.0), (0, 0));
    assert_eq!(q(1.0), (1 << 30, 1)); // frexp(1) = 0.5 · 2^1
    assert_eq!(q(0.5), (1 << 30, 0));
    assert_eq!(q(0.75), (1_610_612_736, 0));
    assert_eq!(q(-0.5), (-(1 << 30), 0));
    assert_eq!(q(3.0 * (1u64 << 20) as f64), (1_610_612_736, 22));
    // 0.5 + 2^−32: the significand · 2^31 is 2^30 + 0.5, a tie, rounded away from zero.
    assert_eq!(q(0.5 + 2f64.powi(-32)), ((1 << 30) + 1, 0));
    // 1 − 2^−40 rounds to 2^31, which is halved with the shift raised.
    assert_eq!(q(1.0 - 2f64.powi(-40)), (1 << 30, 1));
    // 2^−32 = 0.5 · 2^−31 keeps its shift of −31; 2^−33 is flushed to zero.
    assert_eq!(q(2f64.powi(-32)), (1 << 30, -31));
    assert_eq!(q(2f64.powi(-33)), (0, 0));
    assert_eq!(q(f64::from_bits(1)), (0, 0)); // the smallest subnormal
    assert_eq!(q(f64::NAN), (0, 0));
}

#[test]
fn frexp_matches_the_c_library() {
    use crate::int8::multiplier::frexp;
    assert_eq!(frexp(1.0), (0.5, 1));
    assert_eq!(frexp(0.75), (0.75, 0));
    assert_eq!(frexp(-6.0), (-0.75, 3));
    assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
    assert_eq!(frexp(f64::MAX), (1.0 - f64::EPSILON / 2.0, 1024));
}

/// The prepared multiplier's shortcut against TFLite's two roundings, over every shift, the
/// accumulator and significand edges and seeded random values; a significand of `i32::MIN`
/// has no prepared form.
#[test]
fn prepared_multiplier_matches_the_reference_rounding() {
    use crate::int8::PreparedMultiplier;
    let edges = [
        i32::MIN,
        i32::MIN + 1,
        -(1 << 30) - 1,
        -(1 << 30),
        -65_537,
        -3,
        -2,
        -1,
        0,
        1,
        2,
        3,
        65_535,
        1 << 30,
        (1 << 30) + 1,
        i32::MAX - 1,
        i32::MAX,
    ];
    let mut rng = crate::Rng::new(0x05ee_d0f5_ca1e);
    let mut random = || (rng.next_u64() >> 32) as u32 as i32;
    let mut checked = 0u64;
    for shift in -31..=31 {
        for _ in 0..40 {
            let multipliers = [
                random(),
                random() | 1 << 30,
                (1 << 30) + (random() & 0x3fff_ffff),
            ];
            let mut accumulators = edges.to_vec();
            for _ in 0..200 {
                accumulators.push(random());
                accumulators.push(random() >> 16);
            }
            for multiplier in multipliers.into_iter().chain(edges) {
                let m = QuantizedMultiplier { multiplier, shift };
                let Some(prepared) = PreparedMultiplier::new(m) else {
                    assert_eq!(multiplier, i32::MIN, "no prepared form for {m:?}");
                    continue;
                };
                for &acc in &accumulators {
                    assert_eq!(
                        prepared.apply(acc),
                        multiply_by_quantized_multiplier(acc, multiplier, shift),
                        "acc {acc}, {m:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000_000, "{checked} cases");
    assert_eq!(
        PreparedMultiplier::new(QuantizedMultiplier {
            multiplier: 1 << 30,
            shift: 32
        }),
        None
    );
}
