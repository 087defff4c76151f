//! What turns a convolution's or dense layer's 32-bit accumulators into int8 outputs: the
//! zero points subtracted on the way in, the per-channel scales, the output zero point and
//! the clamp of the fused activation.

use super::multiplier::Requantize;

/// The quantization around one convolution, depthwise convolution or dense layer.
///
/// `acc = bias[o] + Σ (weight − weight_zero_point) · (input − input_zero_point)`, then
/// `output = clamp(scales[o].requantize(acc) + output_zero_point, min, max)`.
#[derive(Clone, Copy, Debug)]
pub struct OutputStage<'a, R> {
    /// The input activations' zero point.
    pub input_zero_point: i32,
    /// The weights' zero point: 0 for TFLite's symmetric int8 weights.
    pub weight_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// The smallest output, from the fused activation ([`super::activation_range`]).
    pub min: i8,
    /// The largest output.
    pub max: i8,
    /// One scale per output channel, or one for all of them (per-tensor weights).
    pub scales: &'a [R],
}

impl<R: Requantize> OutputStage<'_, R> {
    /// Checks that there is one scale, or one per channel of `channels`.
    pub(super) fn check(&self, what: &str, channels: usize) {
        assert!(
            self.scales.len() == 1 || self.scales.len() == channels,
            "{what}: {} scales for {channels} output channels; expected 1 or {channels}",
            self.scales.len()
        );
        assert!(
            self.min <= self.max,
            "{what}: the clamp [{}, {}] is empty",
            self.min,
            self.max
        );
    }

    /// The scale of output channel `channel`.
    #[inline]
    pub(super) fn scale(&self, channel: usize) -> R {
        if self.scales.len() == 1 {
            self.scales[0]
        } else {
            self.scales[channel]
        }
    }

    /// Whether every channel's scale has a prepared form (what the optimized kernels apply).
    pub(super) fn all_prepared(&self) -> bool {
        self.scales.iter().all(|scale| scale.prepare().is_some())
    }

    /// The prepared scale of `channel`, with its bias: what an optimized kernel keeps in
    /// registers while it finishes that channel's outputs. `None` only where
    /// [`Self::all_prepared`] is false.
    #[inline(always)]
    pub(super) fn prepared(&self, channel: usize, bias: &[i32]) -> Option<(R::Prepared, i32)> {
        Some((self.scale(channel).prepare()?, bias_of(bias, channel)))
    }

    /// [`Self::output`] through a prepared scale: the same byte.
    #[inline(always)]
    pub(super) fn output_prepared(&self, scale: R::Prepared, acc: i32) -> i8 {
        let value = R::requantize_prepared(scale, acc).wrapping_add(self.output_zero_point);
        value.clamp(i32::from(self.min), i32::from(self.max)) as i8
    }

    /// The int8 output for accumulator `acc` (bias included) of channel `channel`.
    #[inline]
    pub(super) fn output(&self, scale: R, acc: i32) -> i8 {
        let value = scale.requantize(acc).wrapping_add(self.output_zero_point);
        value.clamp(i32::from(self.min), i32::from(self.max)) as i8
    }
}

/// The bias of `channel`, or 0 when the layer has none (an empty slice).
#[inline]
pub(super) fn bias_of(bias: &[i32], channel: usize) -> i32 {
    if bias.is_empty() {
        0
    } else {
        bias[channel]
    }
}
