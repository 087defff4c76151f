//! Int8 2-D convolution with per-channel weights, TFLite's `reference_integer_ops::
//! ConvPerChannel` over `nn`'s layouts: input `[in_channels, height, width]`, weight
//! `[out_channels, in_channels, kernel_h, kernel_w]`, output `[out_channels, out_h, out_w]`.
//! Positions outside the input are skipped (they are the input's zero point, which adds
//! nothing once subtracted). The sums are exact in `i32`, so the layout does not change the
//! result.

use super::multiplier::Requantize;
use super::output_stage::{bias_of, OutputStage};
use crate::ops::conv::Conv2dShape;

/// The kernel rows (or columns) `k` with `origin + k` inside `0..len`: TFLite's padding, which
/// leaves out what lies outside the input.
#[inline]
pub(super) fn taps_inside(origin: isize, kernel: usize, len: usize) -> core::ops::Range<usize> {
    let start = (-origin).max(0) as usize;
    let end = (len as isize - origin).clamp(0, kernel as isize) as usize;
    start.min(end)..end
}

/// Asserts the slice lengths of a convolution of `shape` with `weight_len` weights.
pub(super) fn check_lengths(
    what: &str,
    s: &Conv2dShape,
    weight: usize,
    bias: usize,
    input: usize,
    output: usize,
    weights_per_filter: usize,
) {
    assert!(
        s.stride_h >= 1 && s.stride_w >= 1,
        "{what}: strides must be at least 1"
    );
    assert_eq!(
        weight,
        s.out_channels * weights_per_filter,
        "{what}: weight length does not match {} filters of {weights_per_filter}",
        s.out_channels
    );
    assert!(
        bias == 0 || bias == s.out_channels,
        "{what}: {bias} biases for {} output channels",
        s.out_channels
    );
    assert_eq!(
        input,
        s.in_channels * s.in_height * s.in_width,
        "{what}: input length is not {}×{}×{}",
        s.in_channels,
        s.in_height,
        s.in_width
    );
    assert_eq!(
        output,
        s.out_channels * s.out_height * s.out_width,
        "{what}: output length is not {}×{}×{}",
        s.out_channels,
        s.out_height,
        s.out_width
    );
}

/// The same as [`conv2d_portable`], on the fastest path this target has.
///
/// On a Cortex-M with the DSP extension (`thumbv7em`) this runs [`super::dsp::conv2d`] where it
/// applies; with `std`, the int8 kernels of the kernel table's variant
/// ([`crate::ops::kernels`], e.g. AVX2 or AVX-512 VNNI) where they apply; else
/// [`conv2d_portable`]. All give the same bits.
pub fn conv2d<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    #[cfg(nn_arm_dsp)]
    if super::dsp::conv2d(shape, stage, weight, bias, input, output) {
        return;
    }
    #[cfg(feature = "std")]
    if super::accelerated::conv2d(
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
    conv2d_portable(shape, stage, weight, bias, input, output);
}

/// The portable kernel, the reference every other path is tested against. One sample: `output[o, y, x] = requantize(bias[o] + Σ (weight[o, i, ky, kx] − wz) ·
/// (input[i, y·sh + ky − pad_top, x·sw + kx − pad_left] − iz))`, clamped. `bias` may be
/// empty.
// On a DSP core the fast path runs; kept out of line, the fallback adds nothing to its
// stack frame.
#[cfg_attr(nn_arm_dsp, inline(never))]
pub fn conv2d_portable<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    let s = shape;
    let what = "int8::conv2d";
    let filter_len = s.in_channels * s.kernel_h * s.kernel_w;
    check_lengths(
        what,
        s,
        weight.len(),
        bias.len(),
        input.len(),
        output.len(),
        filter_len,
    );
    stage.check(what, s.out_channels);
    let (iz, wz) = (stage.input_zero_point, stage.weight_zero_point);
    let plane = s.in_height * s.in_width;
    for o in 0..s.out_channels {
        let filter = &weight[o * filter_len..][..filter_len];
        let scale = stage.scale(o);
        let out_map = &mut output[o * s.out_height * s.out_width..][..s.out_height * s.out_width];
        for oy in 0..s.out_height {
            let iy0 = (oy * s.stride_h) as isize - s.pad_top as isize;
            let rows = taps_inside(iy0, s.kernel_h, s.in_height);
            for ox in 0..s.out_width {
                let ix0 = (ox * s.stride_w) as isize - s.pad_left as isize;
                let cols = taps_inside(ix0, s.kernel_w, s.in_width);
                let mut acc = 0i32;
                for i in 0..s.in_channels {
                    for ky in rows.clone() {
                        let iy = (iy0 + ky as isize) as usize;
                        let in_row = &input[i * plane + iy * s.in_width..][..s.in_width];
                        let w_row = &filter[(i * s.kernel_h + ky) * s.kernel_w..][..s.kernel_w];
                        for kx in cols.clone() {
                            let x = i32::from(in_row[(ix0 + kx as isize) as usize]) - iz;
                            let w = i32::from(w_row[kx]) - wz;
                            acc = acc.wrapping_add(w.wrapping_mul(x));
                        }
                    }
                }
                acc = acc.wrapping_add(bias_of(bias, o));
                out_map[oy * s.out_width + ox] = stage.output(scale, acc);
            }
        }
    }
}
