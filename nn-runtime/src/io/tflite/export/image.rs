//! The weights and biases of each step, read back from a quantized network's parameter
//! image (the rest of the image, multipliers and clamps, follows from the scales).

use crate::int8::network::bytes::LeReader;
use crate::int8::network::params::{PoolParams, ADD_BYTES, SOFTMAX_BYTES};
use crate::int8::{Int8Layer, Int8LayerKind, Quantization};

/// One step's constants in `nn`'s layouts, and where its parameters start in the image.
pub(super) struct StepImage {
    /// The weights, `[O, I, KH, KW]`, `[C·M, KH, KW]` or `[out, in]`; empty without.
    pub(super) weight: Vec<i8>,
    /// The biases, one per output channel; empty without weights.
    pub(super) bias: Vec<i32>,
    /// The byte offset of the step's parameters.
    pub(super) offset: usize,
}

/// Splits `image` into its steps' constants, or says why its length is not `layers`'.
pub(super) fn read_steps(image: &[u8], layers: &[Int8Layer]) -> Result<Vec<StepImage>, String> {
    let mut at = 2 * Quantization::BYTES;
    let mut steps = Vec::with_capacity(layers.len());
    for layer in layers {
        let (weights, channels, rest) = match layer.kind {
            Int8LayerKind::Conv2d(s) => (
                s.out_channels * s.in_channels * s.kernel_h * s.kernel_w,
                s.out_channels,
                0,
            ),
            Int8LayerKind::DepthwiseConv2d(s) => {
                (s.out_channels * s.kernel_h * s.kernel_w, s.out_channels, 0)
            }
            Int8LayerKind::Dense {
                inputs, outputs, ..
            } => (inputs * outputs, outputs, 0),
            Int8LayerKind::AvgPool2d(_) | Int8LayerKind::MaxPool2d(_) => (0, 0, PoolParams::BYTES),
            Int8LayerKind::Add => (0, 0, ADD_BYTES),
            Int8LayerKind::Softmax { .. } => (0, 0, SOFTMAX_BYTES),
            Int8LayerKind::Flatten => (0, 0, 0),
        };
        // Weights and biases, then per channel a multiplier and a shift (or one double),
        // then two zero points and the clamp.
        let len = if weights > 0 {
            weights + 12 * channels + 10
        } else {
            rest
        };
        if at + len > image.len() {
            return Err(format!(
                "the parameter image of {} bytes ends inside step `{}`",
                image.len(),
                layer.name
            ));
        }
        let mut r = LeReader::new(image, at);
        let mut weight = vec![0; weights];
        r.i8s(&mut weight);
        let mut bias = vec![0; if weights > 0 { channels } else { 0 }];
        r.i32s(&mut bias);
        steps.push(StepImage {
            weight,
            bias,
            offset: at,
        });
        at += len;
    }
    if at != image.len() {
        return Err(format!(
            "the steps take {at} bytes of the {}-byte parameter image",
            image.len()
        ));
    }
    Ok(steps)
}
