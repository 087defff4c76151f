//! Int8 inference, bit for bit as TensorFlow Lite's reference kernels compute it.
//!
//! TFLite's int8 scheme: a tensor holds `q` for the real value `scale · (q − zero_point)`;
//! weights are symmetric (zero point 0) with one scale per output channel, biases `i32` with
//! scale `input_scale · weight_scale`, activations asymmetric. A convolution or dense layer
//! sums `(w − wz) · (x − xz)` exactly in `i32`, adds the bias, and requantizes the sum to the
//! output's scale with a fixed-point multiplier ([`QuantizedMultiplier`], TFLite's rounding:
//! [`fixed_point`]), adds the output's zero point and clamps to the fused activation's range
//! ([`activation_range`]). Max pooling takes each window's largest value. Average pooling, addition and softmax have integer algorithms of
//! their own.
//!
//! Every kernel here works on one sample in `nn`'s layouts — activations `[C, H, W]`,
//! convolution weights `[O, I, KH, KW]`, depthwise weights `[C·M, KH, KW]`, dense weights
//! `[out, in]` — over plain slices with the geometry passed as arguments: no heap, no
//! `std`. Integer sums are exact, so the layout does not change a single bit.
//!
//! What TFLite's `Prepare` computes once per operator (multipliers, shifts, clamps) is here
//! too ([`QuantizedMultiplier::from_f64`], [`effective_scale`], [`AddParams::new`],
//! [`SoftmaxParams::new`]); `io::tflite::int8` reads it from a `.tflite` file.

#[cfg(feature = "std")]
pub(crate) mod accelerated;
mod activation;
mod add;
#[cfg(feature = "std")]
pub mod calibrate;
mod conv;
mod dense;
mod depthwise_conv;
pub mod dsp;
pub mod fixed_point;
mod max_pool;
mod multiplier;
pub mod network;
mod output_stage;
mod pool;
#[cfg(feature = "std")]
mod quantize;
#[cfg(feature = "std")]
mod scales;
mod softmax;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86;

pub use crate::ops::conv::Conv2dShape;
pub use activation::{activation_range, FusedActivation};
pub use add::{add, AddParams, ADD_LEFT_SHIFT};
pub use conv::{conv2d, conv2d_portable};
pub use dense::{fully_connected, fully_connected_portable};
pub use depthwise_conv::{depthwise_conv2d, depthwise_conv2d_portable};
pub use max_pool::max_pool2d;
pub use multiplier::{
    effective_scale, DoubleScale, PreparedMultiplier, QuantizedMultiplier, Requantize,
};
pub use network::{Int8Layer, Int8LayerKind, Quantization, QuantizedNetwork};
pub use output_stage::OutputStage;
pub use pool::{avg_pool2d, rounded_average, AvgPool2dShape};
#[cfg(feature = "std")]
pub use quantize::{quantize_into, quantized_param_bytes, Calibration, QuantizeError};
#[cfg(feature = "std")]
pub use scales::Int8Scales;
pub use softmax::{
    exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1, softmax, SoftmaxParams,
};

/// TFLite's `RESHAPE` on one sample: the elements unchanged, in order. In `nn`'s channels-first
/// layout this is TFLite's reshape only where the order is the same in both layouts — a
/// `[C, 1, 1]` map to `[C]`, as at the end of the MLPerf Tiny classifiers, or any 1-D tensor.
pub fn reshape(input: &[i8], output: &mut [i8]) {
    output.copy_from_slice(input);
}

#[cfg(all(test, feature = "std"))]
mod accelerated_tests;
#[cfg(test)]
mod dsp_tests;
#[cfg(test)]
mod kernel_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod test_cases;
