//! Int8 depthwise 2-D convolution with per-channel weights, TFLite's
//! `reference_integer_ops::DepthwiseConvPerChannel` over `nn`'s layouts: input
//! `[channels, height, width]`, weight `[channels · multiplier, kernel_h, kernel_w]`, output
//! channel `o` reading input channel `o / multiplier`.

use super::conv::{check_lengths, taps_inside};
use super::multiplier::Requantize;
use super::output_stage::{bias_of, OutputStage};
use crate::ops::conv::Conv2dShape;

/// The same as [`depthwise_conv2d_portable`], on the fastest path this target has.
///
/// On a Cortex-M with the DSP extension (`thumbv7em`) this runs [`super::dsp::depthwise_conv2d`] where it
/// applies; with `std`, the int8 kernels of the kernel table's variant
/// ([`crate::ops::kernels`]) where they apply; else [`depthwise_conv2d_portable`]. All give
/// the same bits.
pub fn depthwise_conv2d<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    #[cfg(nn_arm_dsp)]
    if super::dsp::depthwise_conv2d(shape, stage, weight, bias, input, output) {
        return;
    }
    #[cfg(feature = "std")]
    if super::accelerated::depthwise_conv2d(
        crate::ops::kernels::active(),
        shape,
        stage,
        weight,
        bias,
        input,
        output,
    ) {
        return;
    }
    depthwise_conv2d_portable(shape, stage, weight, bias, input, output);
}

/// Asserts that the output channels are a whole multiple of the input channels.
pub(super) fn check_multiplier(what: &str, s: &Conv2dShape) {
    assert!(
        s.in_channels > 0 && s.out_channels.is_multiple_of(s.in_channels),
        "{what}: {} output channels are not a multiple of {} input channels",
        s.out_channels,
        s.in_channels
    );
}

/// The portable kernel, the reference every other path is tested against. One sample of a depthwise convolution whose `shape.out_channels` is
/// `in_channels · multiplier`; `bias` may be empty.
// On a DSP core the fast path runs; kept out of line, the fallback adds nothing to its
// stack frame.
#[cfg_attr(nn_arm_dsp, inline(never))]
pub fn depthwise_conv2d_portable<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    let s = shape;
    let what = "int8::depthwise_conv2d";
    check_multiplier(what, s);
    let multiplier = s.out_channels / s.in_channels;
    let taps = s.kernel_h * s.kernel_w;
    check_lengths(
        what,
        s,
        weight.len(),
        bias.len(),
        input.len(),
        output.len(),
        taps,
    );
    stage.check(what, s.out_channels);
    let (iz, wz) = (stage.input_zero_point, stage.weight_zero_point);
    let plane = s.in_height * s.in_width;
    for o in 0..s.out_channels {
        let in_map = &input[(o / multiplier) * plane..][..plane];
        let filter = &weight[o * taps..][..taps];
        let scale = stage.scale(o);
        let out_map = &mut output[o * s.out_height * s.out_width..][..s.out_height * s.out_width];
        for oy in 0..s.out_height {
            let iy0 = (oy * s.stride_h) as isize - s.pad_top as isize;
            let rows = taps_inside(iy0, s.kernel_h, s.in_height);
            for ox in 0..s.out_width {
                let ix0 = (ox * s.stride_w) as isize - s.pad_left as isize;
                let cols = taps_inside(ix0, s.kernel_w, s.in_width);
                let mut acc = 0i32;
                for ky in rows.clone() {
                    let iy = (iy0 + ky as isize) as usize;
                    let in_row = &in_map[iy * s.in_width..][..s.in_width];
                    let w_row = &filter[ky * s.kernel_w..][..s.kernel_w];
                    for kx in cols.clone() {
                        let x = i32::from(in_row[(ix0 + kx as isize) as usize]) - iz;
                        let w = i32::from(w_row[kx]) - wz;
                        acc = acc.wrapping_add(w.wrapping_mul(x));
                    }
                }
                acc = acc.wrapping_add(bias_of(bias, o));
                out_map[oy * s.out_width + ox] = stage.output(scale, acc);
            }
        }
    }
}
