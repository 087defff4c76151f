//! The clamp a fused activation puts on a quantized output, as TFLite's
//! `CalculateActivationRangeQuantized` derives it from the output's quantization.

/// An activation that TFLite fuses into an operator as a clamp of its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusedActivation {
    /// No clamp beyond the int8 range.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// `clamp(x, −1, 1)`.
    ReluN1To1,
}

/// The int8 range `[min, max]` an output quantized as `scale · (q − zero_point)` keeps
/// under `activation`: each real bound quantized as TFLite does it (`f / scale` in single
/// precision, rounded half away from zero, plus the zero point) and intersected with
/// `[−128, 127]`.
pub fn activation_range(activation: FusedActivation, scale: f32, zero_point: i32) -> (i8, i8) {
    let quantize = |real: f32| zero_point.saturating_add(libm::roundf(real / scale) as i32);
    let (low, high) = match activation {
        FusedActivation::None => (i32::MIN, i32::MAX),
        FusedActivation::Relu => (quantize(0.0), i32::MAX),
        FusedActivation::Relu6 => (quantize(0.0), quantize(6.0)),
        FusedActivation::ReluN1To1 => (quantize(-1.0), quantize(1.0)),
    };
    let to_i8 = |q: i32| q.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8;
    (to_i8(low), to_i8(high))
}
