//! The int8 addition with 32-bit operations only: TFLite's three roundings of
//! [`AddParams::add`] as `SMMULR` and a rounding shift each (see [`super::epilogue`] for why
//! they agree), about 30 instructions per element where the portable path's 64-bit
//! arithmetic takes over a hundred on a 32-bit core.
//!
//! Every intermediate stays far below `2^30`: an input less its zero point has 9 bits, the
//! 20-bit headroom makes 29 bits at most, each rescaled input is no larger, and their sum
//! has 30 bits, which is what `SMMULR` on a doubled operand needs.

use super::super::add::{AddParams, ADD_LEFT_SHIFT};
use super::super::multiplier::QuantizedMultiplier;
use super::epilogue::{saturate_to_i8, smmulr};

/// A multiplier below one, as one `SMMULR` and a rounding shift apply it.
#[derive(Clone, Copy)]
struct Rescale {
    multiplier: i32,
    /// The rounding shift's half, 0 without a shift.
    half: i32,
    /// All ones with a shift (a negative value then rounds one lower), 0 without.
    negative: i32,
    right: u32,
}

impl Rescale {
    /// `None` for a left shift (the portable path applies it).
    fn new(m: QuantizedMultiplier) -> Option<Self> {
        if !(-31..=0).contains(&m.shift) || m.multiplier < 0 {
            return None;
        }
        let right = m.shift.unsigned_abs();
        Some(Self {
            multiplier: m.multiplier,
            half: (1 << right) >> 1,
            negative: if right == 0 { 0 } else { -1 },
            right,
        })
    }

    /// `x` (already doubled) times the multiplier, rounded as TFLite rounds.
    #[inline(always)]
    fn apply(&self, doubled: i32) -> i32 {
        let high = smmulr(doubled, self.multiplier);
        (high + self.half + ((high >> 31) & self.negative)) >> self.right
    }
}

/// [`super::super::add`] for a core with the DSP extension. `false` (nothing written) where
/// a multiplier shifts left.
pub fn add(params: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) -> bool {
    let (Some(first), Some(second), Some(out)) = (
        Rescale::new(params.input1),
        Rescale::new(params.input2),
        Rescale::new(params.output),
    ) else {
        return false;
    };
    // Doubled for `SMMULR`: one more bit of headroom.
    let shift = ADD_LEFT_SHIFT + 1;
    let (za, zb) = (params.input1_zero_point, params.input2_zero_point);
    let zero_point = params.output_zero_point;
    let whole_range = params.min == i8::MIN && params.max == i8::MAX;
    let (min, max) = (i32::from(params.min), i32::from(params.max));
    for ((out_value, &x), &y) in output.iter_mut().zip(a).zip(b) {
        let sum =
            first.apply((i32::from(x) - za) << shift) + second.apply((i32::from(y) - zb) << shift);
        let value = out.apply(sum << 1) + zero_point;
        *out_value = if whole_range {
            saturate_to_i8(value)
        } else {
            value.max(min).min(max) as i8
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::super::fixed_point::multiply_by_quantized_multiplier_smaller_than_one;
    use super::*;

    /// Each rescaling step alone against TFLite's, on every value an input or a sum of two
    /// rescaled inputs can take, for shifts 0 (the larger input's 0.5) to 31.
    #[test]
    fn a_rescale_is_tflites_rounding() {
        for m in [0.5, 0.499_999, 0.25, 0.1234, 3e-3, 1.1e-6, 5e-10] {
            let multiplier = QuantizedMultiplier::from_f64(m);
            let rescale = Rescale::new(multiplier).expect("a multiplier below one");
            let inputs = (-255..=255).map(|v: i32| v << ADD_LEFT_SHIFT);
            let sums = (-(1 << 29)..(1 << 29)).step_by(65_537);
            for x in inputs.chain(sums) {
                let want = multiply_by_quantized_multiplier_smaller_than_one(
                    x,
                    multiplier.multiplier,
                    multiplier.shift,
                );
                assert_eq!(rescale.apply(x << 1), want, "{x} · {m}");
            }
        }
    }
}
