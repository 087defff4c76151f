//! Depthwise 2-D convolution over `[channels, height, width]` samples: each input channel `c`
//! is convolved with `multiplier` filters of its own, giving output channels
//! `c·multiplier … c·multiplier + multiplier − 1`. The geometry is a [`Conv2dShape`] whose
//! `out_channels` is `in_channels · multiplier`; the weight is
//! `[out_channels, 1, kernel_h, kernel_w]` (PyTorch's `Conv2d(groups = in_channels)`,
//! ONNX's `Conv(group = in_channels)`), the bias `[out_channels]` or absent.
//!
//! There is no im2col here: every output channel reads one input map, on one sample or a
//! batch alike, with no scratch memory. Two loops compute the forward pass: over wide
//! unit-stride rows, each kernel tap is an `axpy` over a run of output positions (the runs
//! of `conv.rs`, which keep the padding out of the inner loops), which vectorizes; over
//! narrow or strided rows, where those runs are a few values long, each output row takes
//! each kernel row in one pass, the kernel's width fixed at compile time for widths up to 5
//! (outputs whose window reaches into the padding sum their taps inside the input).

use super::conv::{for_each_run, Conv2dShape, Run};

/// The kernel table's choice on 32-bit Arm (Cortex-M), tested everywhere.
#[path = "depthwise_conv_scalar.rs"]
mod scalar;

/// Maps at unit stride, each tap one `axpy` over the whole zero-padded map.
#[cfg(feature = "std")]
#[path = "depthwise_conv_flat.rs"]
mod flat;

/// Filters per input channel: `out_channels / in_channels`.
pub fn multiplier(shape: &Conv2dShape) -> usize {
    shape.out_channels / shape.in_channels.max(1)
}

/// Checks the geometry and the parameter lengths; `bias` may be empty (no bias).
fn check_parameters(what: &str, s: &Conv2dShape, weight: usize, bias: usize) {
    assert!(
        s.stride_h >= 1 && s.stride_w >= 1,
        "{what}: strides must be at least 1, got {}×{}",
        s.stride_h,
        s.stride_w
    );
    assert!(
        s.in_channels >= 1 && s.out_channels.is_multiple_of(s.in_channels),
        "{what}: {} out_channels are not a whole multiple of {} in_channels",
        s.out_channels,
        s.in_channels
    );
    let want = s.out_channels * s.kernel_h * s.kernel_w;
    assert_eq!(
        weight, want,
        "{what}: weight has {weight} values, but {} out_channels × {}×{} kernel need {want}",
        s.out_channels, s.kernel_h, s.kernel_w
    );
    assert!(
        bias == 0 || bias == s.out_channels,
        "{what}: bias has {bias} values for {} out_channels (give all or none)",
        s.out_channels
    );
}

/// The number of samples in `input` and `output` (checked to be the same whole number).
fn samples(what: &str, s: &Conv2dShape, input: usize, output: usize) -> usize {
    let (in_len, out_len) = (
        s.in_channels * s.in_height * s.in_width,
        s.out_channels * s.out_height * s.out_width,
    );
    let batch = input / in_len.max(1);
    assert!(
        in_len > 0 && input == batch * in_len && output == batch * out_len,
        "{what}: {input} input and {output} output values are not the same whole number of \
         samples of {} channels × {}×{} in and {} channels × {}×{} out",
        s.in_channels,
        s.in_height,
        s.in_width,
        s.out_channels,
        s.out_height,
        s.out_width
    );
    batch
}

/// `dst[k] += w · src[k · stride]` over a run.
#[inline(always)]
fn axpy(w: f32, src: &[f32], stride: usize, dst: &mut [f32]) {
    if stride == 1 {
        for (d, &v) in dst.iter_mut().zip(src) {
            *d += w * v;
        }
    } else {
        for (d, &v) in dst.iter_mut().zip(src.iter().step_by(stride)) {
            *d += w * v;
        }
    }
}

/// `Σ a[k] · b[k · stride]` over a run.
#[inline(always)]
fn dot(a: &[f32], b: &[f32], stride: usize) -> f32 {
    if stride == 1 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    } else {
        a.iter()
            .zip(b.iter().step_by(stride))
            .map(|(x, y)| x * y)
            .sum()
    }
}

/// Calls `visit(c, o)` for every sample's output channel `o` (counted over the batch) and the
/// input channel `c` (counted over the batch) it reads.
#[inline(always)]
fn for_each_channel(s: &Conv2dShape, batch: usize, mut visit: impl FnMut(usize, usize)) {
    let m = multiplier(s);
    for b in 0..batch {
        for o in 0..s.out_channels {
            visit(b * s.in_channels + o / m, b * s.out_channels + o);
        }
    }
}

/// Output rows at least this wide, at unit stride, take the `axpy` loop.
const WIDE_ROW: usize = 16;

/// Whether [`depthwise_conv2d_forward`] runs the `axpy` loop ([`taps_channel`]) for `s`,
/// rather than the direct one ([`direct_channel`]).
fn runs_by_tap(s: &Conv2dShape) -> bool {
    s.stride_w == 1 && s.out_width >= WIDE_ROW
}

/// One output map, tap by tap: `out_map += filter[tap] · (the run of inputs it reads)`.
fn taps_channel(s: &Conv2dShape, filter: &[f32], in_map: &[f32], out_map: &mut [f32]) {
    for_each_run(s, |run: Run| {
        let src = &in_map[run.in_start..][..run.in_span(s.stride_w)];
        let dst = &mut out_map[run.out_start..][..run.len];
        axpy(filter[run.tap], src, s.stride_w, dst);
    });
}

/// The kernel positions `lo..hi` along one axis whose input lies inside `0..len`, for the
/// window that starts at padded coordinate `start`.
#[inline(always)]
fn inside(start: usize, pad: usize, len: usize, kernel: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(start);
    let hi = (pad + len).saturating_sub(start).min(kernel);
    (lo, hi.max(lo))
}

/// `out_row[x] += Σ_j weights[j] · in_row[x · stride + j]`: one kernel row (`KW` wide) over
/// outputs whose windows lie inside the input row; the width fixed, the taps unroll and the
/// weights stay in registers.
#[inline(always)]
fn row_taps<const KW: usize>(weights: &[f32], in_row: &[f32], stride: usize, out_row: &mut [f32]) {
    let weights: [f32; KW] = core::array::from_fn(|j| weights[j]);
    let windows = in_row.windows(KW).step_by(stride);
    for (out, window) in out_row.iter_mut().zip(windows) {
        let mut sum = 0.0;
        for j in 0..KW {
            sum += weights[j] * window[j];
        }
        *out += sum;
    }
}

/// [`row_taps`] for any kernel width.
fn row_taps_any(weights: &[f32], in_row: &[f32], stride: usize, out_row: &mut [f32]) {
    let windows = in_row.windows(weights.len()).step_by(stride);
    for (out, window) in out_row.iter_mut().zip(windows) {
        *out += dot(weights, window, 1);
    }
}

/// The outputs `lo..hi` (within `0..out_len`) whose whole window lies inside the input.
fn interior(
    out_len: usize,
    stride: usize,
    pad: usize,
    in_len: usize,
    kernel: usize,
) -> (usize, usize) {
    let lo = pad.div_ceil(stride).min(out_len);
    let hi = match (pad + in_len).checked_sub(kernel) {
        Some(last_start) => (last_start / stride + 1).min(out_len),
        None => 0,
    };
    (lo, hi.max(lo))
}

/// One output map, row by row: outputs whose window reaches into the padding sum the taps
/// inside the input one by one; the others, kernel row by kernel row ([`row_taps`]).
fn direct_channel(s: &Conv2dShape, filter: &[f32], in_map: &[f32], out_map: &mut [f32]) {
    let (x0, x1) = interior(s.out_width, s.stride_w, s.pad_left, s.in_width, s.kernel_w);
    let row_taps: fn(&[f32], &[f32], usize, &mut [f32]) = match s.kernel_w {
        1 => row_taps::<1>,
        2 => row_taps::<2>,
        3 => row_taps::<3>,
        4 => row_taps::<4>,
        5 => row_taps::<5>,
        _ => row_taps_any,
    };
    for (y, out_row) in out_map.chunks_exact_mut(s.out_width).enumerate() {
        let top = y * s.stride_h;
        let (i0, i1) = inside(top, s.pad_top, s.in_height, s.kernel_h);
        let edges = (0..x0).chain(x1..s.out_width);
        for x in edges {
            let left = x * s.stride_w;
            let (j0, j1) = inside(left, s.pad_left, s.in_width, s.kernel_w);
            let mut sum = 0.0;
            for i in i0..i1 {
                let at = (top + i - s.pad_top) * s.in_width + left + j0 - s.pad_left;
                let inputs = &in_map[at..][..j1 - j0];
                let weights = &filter[i * s.kernel_w + j0..][..j1 - j0];
                sum += dot(weights, inputs, 1);
            }
            out_row[x] += sum;
        }
        if x0 == x1 {
            continue;
        }
        for i in i0..i1 {
            let row = (top + i - s.pad_top) * s.in_width;
            let in_row = &in_map[row..][..s.in_width][x0 * s.stride_w - s.pad_left..];
            let weights = &filter[i * s.kernel_w..][..s.kernel_w];
            row_taps(weights, in_row, s.stride_w, &mut out_row[x0..x1]);
        }
    }
}

/// Forward over any number of samples: `output[o, y, x] = bias[o] + Σ weight[o, 0, i, j] ·
/// input[o / multiplier, y·sh + i − pad_top, x·sw + j − pad_left]` (zero outside the input;
/// an empty `bias` adds nothing).
pub fn depthwise_conv2d_forward(
    shape: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let (what, s) = ("depthwise_conv2d_forward", shape);
    check_parameters(what, s, weight.len(), bias.len());
    let batch = samples(what, s, input.len(), output.len());
    let (ihw, ohw, taps) = (
        s.in_height * s.in_width,
        s.out_height * s.out_width,
        s.kernel_h * s.kernel_w,
    );
    if ohw == 0 {
        return;
    }
    let by_tap = runs_by_tap(s);
    #[cfg(feature = "std")]
    let flat = flat::takes(s);
    let mut ring = scalar::Ring::new();
    let scalar_fpu = super::kernels::active().variant == super::kernels::Variant::ScalarFpu;
    for_each_channel(s, batch, |c, o| {
        let in_map = &input[c * ihw..][..ihw];
        let out_map = &mut output[o * ohw..][..ohw];
        let channel = o % s.out_channels;
        let b = bias.get(channel).copied().unwrap_or(0.0);
        let filter = &weight[channel * taps..][..taps];
        if scalar_fpu {
            scalar::channel(s, filter, b, in_map, out_map, &mut ring);
            return;
        }
        #[cfg(feature = "std")]
        if flat {
            flat::channel(s, filter, b, in_map, out_map);
            return;
        }
        out_map.fill(b);
        if by_tap {
            taps_channel(s, filter, in_map, out_map);
        } else {
            direct_channel(s, filter, in_map, out_map);
        }
    });
}

/// Backward over any number of samples, from the forward pass's `input`: *adds* into
/// `weight_grad` and `bias_grad` (empty when there is no bias), *overwrites* `input_grad`
/// when given.
pub fn depthwise_conv2d_backward(
    shape: &Conv2dShape,
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
) {
    let (what, s) = ("depthwise_conv2d_backward", shape);
    check_parameters(what, s, weight.len(), bias_grad.len());
    assert_eq!(
        weight_grad.len(),
        weight.len(),
        "{what}: weight_grad has {} values, weight {}",
        weight_grad.len(),
        weight.len()
    );
    let batch = samples(what, s, input.len(), output_grad.len());
    if let Some(dx) = input_grad.as_deref_mut() {
        assert_eq!(
            dx.len(),
            input.len(),
            "{what}: input_grad has {} values, but input has {}",
            dx.len(),
            input.len()
        );
        dx.fill(0.0); // Overwritten: start from zero, then add every tap's share.
    }
    let (ihw, ohw, taps) = (
        s.in_height * s.in_width,
        s.out_height * s.out_width,
        s.kernel_h * s.kernel_w,
    );
    if ohw == 0 {
        return;
    }
    for_each_channel(s, batch, |c, o| {
        let in_map = &input[c * ihw..][..ihw];
        let dy = &output_grad[o * ohw..][..ohw];
        let channel = o % s.out_channels;
        if let Some(db) = bias_grad.get_mut(channel) {
            *db += super::math::sum(dy);
        }
        let filter = &weight[channel * taps..][..taps];
        let filter_grad = &mut weight_grad[channel * taps..][..taps];
        let mut dx_map = input_grad
            .as_deref_mut()
            .map(|dx| &mut dx[c * ihw..][..ihw]);
        for_each_run(s, |run: Run| {
            let span = run.in_span(s.stride_w);
            let dy = &dy[run.out_start..][..run.len];
            filter_grad[run.tap] += dot(dy, &in_map[run.in_start..][..span], s.stride_w);
            if let Some(dx) = dx_map.as_deref_mut() {
                let dx = &mut dx[run.in_start..][..span];
                let w = filter[run.tap];
                if s.stride_w == 1 {
                    for (d, &g) in dx.iter_mut().zip(dy) {
                        *d += w * g;
                    }
                } else {
                    for (d, &g) in dx.iter_mut().step_by(s.stride_w).zip(dy) {
                        *d += w * g;
                    }
                }
            }
        });
    });
}

#[cfg(test)]
#[path = "depthwise_conv_tests.rs"]
mod tests;
