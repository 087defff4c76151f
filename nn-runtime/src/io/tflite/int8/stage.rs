//! The requantization of a convolution or dense layer from its tensors' quantization, as
//! TFLite's `Prepare` computes it: shared by the importer (scales read from a file) and
//! post-training quantization (`int8::quantize`, scales chosen by calibration), so that a
//! calibrated network is prepared bit for bit as a converted file would be.

use super::Requantization;
use crate::int8::{
    activation_range, effective_scale, DoubleScale, FusedActivation, QuantizedMultiplier,
};

/// TFLite's `PopulateConvolutionQuantizationParams` for symmetric weights: per output
/// channel, `QuantizeMultiplier(input_scale · weight_scale / output_scale)` in double
/// precision (one weight scale serves every channel when there is one); the clamp from the
/// activation and the output's quantization.
pub(crate) fn conv_requantization(
    (input_scale, input_zero_point): (f32, i32),
    weight_scales: &[f32],
    (output_scale, output_zero_point): (f32, i32),
    activation: FusedActivation,
    channels: usize,
) -> Requantization<QuantizedMultiplier> {
    let (min, max) = activation_range(activation, output_scale, output_zero_point);
    Requantization {
        input_zero_point,
        weight_zero_point: 0,
        output_zero_point,
        min,
        max,
        scales: (0..channels)
            .map(|o| {
                let s = weight_scales[if weight_scales.len() == 1 { 0 } else { o }];
                QuantizedMultiplier::from_f64(effective_scale(input_scale, s, output_scale))
            })
            .collect(),
    }
}

/// `FULLY_CONNECTED`'s requantization: the reference kernel's double-precision scales (one
/// per weight scale) and the fixed-point multipliers TFLite's optimized kernels use (per
/// tensor, TFLite multiplies the two scales in single precision).
pub(crate) fn dense_requantization(
    (input_scale, input_zero_point): (f32, i32),
    (weight_scales, weight_zero_point): (&[f32], i32),
    (output_scale, output_zero_point): (f32, i32),
    activation: FusedActivation,
) -> (Requantization<DoubleScale>, Vec<QuantizedMultiplier>) {
    let (min, max) = activation_range(activation, output_scale, output_zero_point);
    let multipliers = weight_scales
        .iter()
        .map(|&s| {
            QuantizedMultiplier::from_f64(if weight_scales.len() == 1 {
                f64::from(input_scale * s) / f64::from(output_scale)
            } else {
                effective_scale(input_scale, s, output_scale)
            })
        })
        .collect();
    let stage = Requantization {
        input_zero_point,
        weight_zero_point,
        output_zero_point,
        min,
        max,
        scales: weight_scales
            .iter()
            .map(|&s| DoubleScale(effective_scale(input_scale, s, output_scale)))
            .collect(),
    };
    (stage, multipliers)
}
