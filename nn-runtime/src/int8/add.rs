//! Int8 element-wise addition, TFLite's `reference_integer_ops::Add`: both inputs are
//! brought to a common scale (twice the larger input scale) with 20 bits of headroom, added
//! in `i32`, and the sum rescaled to the output.

use super::fixed_point::multiply_by_quantized_multiplier_smaller_than_one;
use super::multiplier::QuantizedMultiplier;

/// The headroom TFLite gives int8 inputs before rescaling them: `2^20`.
pub const ADD_LEFT_SHIFT: u32 = 20;

/// Everything an int8 addition needs, computed once from the three quantizations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// The first input's zero point.
    pub input1_zero_point: i32,
    /// The second input's zero point.
    pub input2_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// `input1_scale / (2 · max input scale)`, a multiplier below one.
    pub input1: QuantizedMultiplier,
    /// `input2_scale / (2 · max input scale)`.
    pub input2: QuantizedMultiplier,
    /// `2 · max input scale / (2^20 · output_scale)`.
    pub output: QuantizedMultiplier,
    /// The smallest output (the fused activation's clamp).
    pub min: i8,
    /// The largest output.
    pub max: i8,
}

impl AddParams {
    /// TFLite's `Prepare` for int8 `ADD`: `(scale, zero_point)` of each input and of the
    /// output, and the output clamp.
    pub fn new(
        input1: (f32, i32),
        input2: (f32, i32),
        output: (f32, i32),
        (min, max): (i8, i8),
    ) -> Self {
        // TFLite takes the maximum in single precision and the rest in double.
        let twice_max = 2.0 * f64::from(input1.0.max(input2.0));
        let output_denominator = f64::from((1u32 << ADD_LEFT_SHIFT) as f32 * output.0);
        Self {
            input1_zero_point: input1.1,
            input2_zero_point: input2.1,
            output_zero_point: output.1,
            input1: QuantizedMultiplier::from_f64(f64::from(input1.0) / twice_max),
            input2: QuantizedMultiplier::from_f64(f64::from(input2.0) / twice_max),
            output: QuantizedMultiplier::from_f64(twice_max / output_denominator),
            min,
            max,
        }
    }

    /// The sum of one pair of elements.
    #[inline]
    pub fn add(&self, a: i8, b: i8) -> i8 {
        let scaled = |x: i8, zero_point: i32, m: QuantizedMultiplier| {
            let shifted = (i32::from(x) - zero_point) * (1 << ADD_LEFT_SHIFT);
            multiply_by_quantized_multiplier_smaller_than_one(shifted, m.multiplier, m.shift)
        };
        let sum = scaled(a, self.input1_zero_point, self.input1)
            + scaled(b, self.input2_zero_point, self.input2);
        let out = self.output;
        let raw = multiply_by_quantized_multiplier_smaller_than_one(sum, out.multiplier, out.shift)
            + self.output_zero_point;
        raw.clamp(i32::from(self.min), i32::from(self.max)) as i8
    }
}

/// `output[i] = a[i] + b[i]` in the output's quantization; all three of one length (no
/// broadcasting).
///
/// With `std` on x86-64 the loop runs compiled for the kernel table's AVX2 or AVX-512 variant
/// ([`crate::ops::kernels`]): the same code, vectorized by the compiler, so the same bits.
pub fn add(params: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    assert!(
        a.len() == output.len() && b.len() == output.len(),
        "int8::add: inputs of {} and {} elements for an output of {}",
        a.len(),
        b.len(),
        output.len()
    );
    #[cfg(nn_arm_dsp)]
    if super::dsp::add(params, a, b, output) {
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::x86::add(crate::ops::kernels::active(), params, a, b, output) {
        return;
    }
    add_elements(params, a, b, output);
}

/// The loop of [`add`], lengths checked.
#[inline(always)]
pub(crate) fn add_elements(params: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    for ((out, &x), &y) in output.iter_mut().zip(a).zip(b) {
        *out = params.add(x, y);
    }
}
