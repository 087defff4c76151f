//! 2-D convolution over `[channels, height, width]` samples (PyTorch's NCHW layout), weight
//! `[out_channels, in_channels, kernel_h, kernel_w]`, bias `[out_channels]`.
//! Single samples use the kernel table's direct loop (no heap): register-tiled portable code,
//! the scalar-FPU kernel on 32-bit Arm, or on x86-64 an AVX2 + FMA kernel for unit-stride
//! convolutions without leading padding; batches use im2col + GEMM. With `std`, wide
//! convolutions (32 filters and more) run on an in-place AVX-512 GEMM (`conv_wide.rs`), and a
//! training layer's backward pass from a mostly-zero output gradient costs what its nonzeros
//! cost (`conv_sparse_grad.rs`).

use super::gemm::{gemm, Matrix, MatrixMut};
use direct::FILTER_BLOCK;

#[path = "conv_direct.rs"]
mod direct;

/// The kernel table's choice on 32-bit Arm (Cortex-M), tested everywhere.
#[path = "conv_scalar.rs"]
pub(crate) mod scalar;

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[path = "conv_avx2.rs"]
pub(crate) mod avx2;

#[cfg(target_arch = "aarch64")]
#[path = "conv_neon.rs"]
pub(crate) mod neon;

/// True when the direct SIMD kernels (`conv_avx2.rs`, `conv_neon.rs`) handle `s` with tiles
/// `lanes` outputs wide and `rows` rows high: unit strides, no padding on the top and left,
/// no reads past the bottom and right (no padding there either), and maps at least one tile
/// wide and high.
#[cfg_attr(
    not(any(all(feature = "std", target_arch = "x86_64"), target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) fn fits_direct_tiles(s: &Conv2dShape, lanes: usize, rows: usize) -> bool {
    s.stride_h == 1
        && s.stride_w == 1
        && s.pad_top == 0
        && s.pad_left == 0
        && s.kernel_h >= 1
        && s.kernel_w >= 1
        // Checked: the shape's fields are public, and a wrapped sum must not pass.
        && s.out_height.checked_add(s.kernel_h - 1).is_some_and(|r| r <= s.in_height)
        && s.out_width.checked_add(s.kernel_w - 1).is_some_and(|c| c <= s.in_width)
        && s.out_width >= lanes
        && s.out_height >= rows
}

/// Checks a single-sample convolution's slice lengths for `s`, then calls `run(filters,
/// weights, biases, output maps)` for each block of `block` consecutive filters and for each
/// filter left over after the last whole block: the direct SIMD kernels' split of a layer
/// into register tiles of filters.
#[cfg_attr(
    not(any(all(feature = "std", target_arch = "x86_64"), target_arch = "aarch64")),
    allow(dead_code)
)]
#[inline(always)]
pub(crate) fn for_each_filter_block(
    s: &Conv2dShape,
    (weight, bias, input, output): (&[f32], &[f32], &[f32], &mut [f32]),
    block: usize,
    mut run: impl FnMut(usize, &[f32], &[f32], &mut [f32]),
) {
    let filter_len = s.in_channels * s.kernel_h * s.kernel_w;
    let plane = s.out_height * s.out_width;
    assert!(
        weight.len() == s.out_channels * filter_len
            && bias.len() == s.out_channels
            && input.len() == s.in_channels * s.in_height * s.in_width
            && output.len() == s.out_channels * plane
    );
    let full = s.out_channels - s.out_channels % block;
    let blocks = (0..full)
        .step_by(block.max(1))
        .map(|f| (f, block))
        .chain((full..s.out_channels).map(|f| (f, 1)));
    for (f, n) in blocks {
        let (w, b) = (&weight[f * filter_len..][..n * filter_len], &bias[f..f + n]);
        run(n, w, b, &mut output[f * plane..][..n * plane]);
    }
}

/// `0, step, 2·step, …` below `len − step`, then `len − step`: tile origins covering
/// `0..len` with the last tile moved back to end at the edge. `len >= step`.
#[cfg_attr(
    not(any(all(feature = "std", target_arch = "x86_64"), target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) fn tile_origins(len: usize, step: usize) -> impl Iterator<Item = usize> {
    let last = len - step;
    (0..last).step_by(step).chain(core::iter::once(last))
}

/// The backward pass from mostly-zero output gradients.
#[cfg(feature = "std")]
#[path = "conv_sparse_grad.rs"]
pub(crate) mod sparse;

/// The entry points of a training layer, which may skip and refill im2col matrices.
#[path = "conv_training.rs"]
mod training;
pub(crate) use training::{conv2d_backward_batch_from_input, conv2d_forward_batch_for_training};

/// Batches of wide convolutions on the kernel table's in-place GEMM.
#[cfg(feature = "std")]
#[path = "conv_wide.rs"]
pub(crate) mod wide;

/// The backward pass of narrow valid convolutions without im2col matrices.
#[cfg(feature = "std")]
#[path = "conv_flat_grad.rs"]
mod flat_grad;

/// The fixed geometry of one convolution, computed by `network!` at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dShape {
    /// Input channels.
    pub in_channels: usize,
    /// Input height.
    pub in_height: usize,
    /// Input width.
    pub in_width: usize,
    /// Output channels (filters).
    pub out_channels: usize,
    /// Kernel height.
    pub kernel_h: usize,
    /// Kernel width.
    pub kernel_w: usize,
    /// Vertical stride (≥ 1).
    pub stride_h: usize,
    /// Horizontal stride (≥ 1).
    pub stride_w: usize,
    /// Zero rows added above the input (rows below are implied by `out_height`).
    pub pad_top: usize,
    /// Zero columns added left of the input (columns right are implied by `out_width`).
    pub pad_left: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
}

impl Conv2dShape {
    /// Floats of one sample's im2col matrix: `[in_channels·kernel_h·kernel_w, out_height·out_width]`.
    pub const fn col_len(&self) -> usize {
        self.in_channels * self.kernel_h * self.kernel_w * self.out_height * self.out_width
    }
}

/// Checks the strides and the parameter lengths against `shape`, naming `what` on failure.
fn check_parameters(what: &str, shape: &Conv2dShape, weight: usize, bias: usize) {
    let s = shape;
    assert!(
        s.stride_h >= 1 && s.stride_w >= 1,
        "{what}: strides must be at least 1, got {}×{}",
        s.stride_h,
        s.stride_w
    );
    let want = s.out_channels * s.in_channels * s.kernel_h * s.kernel_w;
    assert_eq!(
        weight, want,
        "{what}: weight has {weight} values, but {} out_channels × {} in_channels × {}×{} \
         kernel need {want}",
        s.out_channels, s.in_channels, s.kernel_h, s.kernel_w
    );
    assert_eq!(
        bias, s.out_channels,
        "{what}: bias has {bias} values for {} out_channels",
        s.out_channels
    );
}

/// Asserts that a slice of `len` floats holds `batch` samples of `channels × height × width`.
fn check_samples(what: &str, name: &str, len: usize, batch: usize, dims: [usize; 3]) {
    let [channels, height, width] = dims;
    let want = batch * channels * height * width;
    assert_eq!(
        len, want,
        "{what}: {name} has {len} values, but {batch} samples × {channels} channels × \
         {height}×{width} need {want}"
    );
}

/// `[channels, height, width]` of one input sample.
fn in_dims(s: &Conv2dShape) -> [usize; 3] {
    [s.in_channels, s.in_height, s.in_width]
}

/// `[channels, height, width]` of one output sample.
fn out_dims(s: &Conv2dShape) -> [usize; 3] {
    [s.out_channels, s.out_height, s.out_width]
}

/// Floats of one input sample and of one output sample.
fn sample_lens(s: &Conv2dShape) -> (usize, usize) {
    (
        s.in_channels * s.in_height * s.in_width,
        s.out_channels * s.out_height * s.out_width,
    )
}

/// The output positions `lo..hi` (within `0..out_len`) whose input coordinate
/// `position · stride + offset − pad` lies inside `0..in_len`; everywhere else reads padding.
/// Computing this once per kernel tap keeps the bounds tests out of the inner loops.
#[inline]
fn valid_range(
    out_len: usize,
    stride: usize,
    offset: usize,
    pad: usize,
    in_len: usize,
) -> (usize, usize) {
    // position · stride ≥ pad − offset  and  position · stride < pad + in_len − offset.
    let ceil_div = |a: usize| if stride == 1 { a } else { a.div_ceil(stride) };
    let hi = ceil_div((pad + in_len).saturating_sub(offset)).min(out_len);
    let lo = ceil_div(pad.saturating_sub(offset)).min(hi);
    (lo, hi)
}

/// The kernel positions `lo..hi` along one axis whose input lies inside `0..len` for the
/// output at `position` (padded coordinate `position · stride`).
#[inline(always)]
pub(crate) fn taps_inside(
    position: usize,
    stride: usize,
    pad: usize,
    len: usize,
    kernel: usize,
) -> (usize, usize) {
    let start = position * stride;
    let lo = pad.saturating_sub(start).min(kernel);
    let hi = (pad + len).saturating_sub(start).min(kernel);
    (lo, hi.max(lo))
}

/// True when some window reaches outside the input (into zero padding): only then does
/// [`im2col`] have entries that no run writes.
fn reads_padding(s: &Conv2dShape) -> bool {
    let inside = |out: usize, stride: usize, kernel: usize, len: usize| {
        out == 0 || (out - 1) * stride + kernel <= len
    };
    s.pad_top > 0
        || s.pad_left > 0
        || !inside(s.out_height, s.stride_h, s.kernel_h, s.in_height)
        || !inside(s.out_width, s.stride_w, s.kernel_w, s.in_width)
}

/// One run of outputs that a kernel tap reads from a single input row, all inside the input.
#[derive(Clone, Copy)]
pub(super) struct Run {
    /// The tap `i · kernel_w + j` within one channel's kernel.
    pub(super) tap: usize,
    /// Offset in the output map of the run's first output, `y · out_width + x0`.
    pub(super) out_start: usize,
    /// Outputs in the run (at least one).
    pub(super) len: usize,
    /// Offset in the input map of the value the first output reads; the next output reads
    /// `stride_w` further along.
    pub(super) in_start: usize,
}

impl Run {
    /// Input values between the first and last read, inclusive.
    pub(super) fn in_span(&self, stride_w: usize) -> usize {
        (self.len - 1) * stride_w + 1
    }
}

/// Calls `visit` for every (kernel tap, output row) pair whose input row exists, with the
/// outputs whose reads fall inside the input; the rest read padding. It handles the padding
/// for [`im2col`] and [`col2im`], so their loops that move data have no bounds tests.
#[inline(always)]
pub(super) fn for_each_run(s: &Conv2dShape, mut visit: impl FnMut(Run)) {
    for i in 0..s.kernel_h {
        let (y0, y1) = valid_range(s.out_height, s.stride_h, i, s.pad_top, s.in_height);
        for j in 0..s.kernel_w {
            let (x0, x1) = valid_range(s.out_width, s.stride_w, j, s.pad_left, s.in_width);
            if x0 == x1 {
                continue;
            }
            for y in y0..y1 {
                let iy = y * s.stride_h + i - s.pad_top;
                visit(Run {
                    tap: i * s.kernel_w + j,
                    out_start: y * s.out_width + x0,
                    len: x1 - x0,
                    in_start: iy * s.in_width + x0 * s.stride_w + j - s.pad_left,
                });
            }
        }
    }
}

/// One sample, direct convolution: `output[o, y, x] = bias[o] + Σ weight[o, c, i, j] ·
/// input[c, y·sh + i − pad_top, x·sw + j − pad_left]` (zero outside the input).
pub fn conv2d_forward(
    shape: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let what = "conv2d_forward";
    let s = shape;
    check_parameters(what, s, weight.len(), bias.len());
    check_samples(what, "input", input.len(), 1, in_dims(s));
    check_samples(what, "output", output.len(), 1, out_dims(s));
    let table = super::kernels::active();
    #[cfg(feature = "std")]
    if wide::gemm_sample(
        table.row_gemm,
        (table.conv2d_direct)(s),
        s,
        weight,
        bias,
        input,
        output,
    ) {
        return;
    }
    (table.conv2d_forward)(s, weight, bias, input, output);
}

/// The portable variant of [`conv2d_forward`], for any geometry; lengths already checked.
pub(crate) fn conv2d_forward_portable(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let (plane, filter_len) = (
        s.out_height * s.out_width,
        s.in_channels * s.kernel_h * s.kernel_w,
    );
    if plane == 0 {
        return;
    }
    if filter_len == 0 {
        for (out_map, &b) in output.chunks_exact_mut(plane).zip(bias) {
            out_map.fill(b);
        }
        return;
    }
    let blocks = output
        .chunks_mut(FILTER_BLOCK * plane)
        .zip(weight.chunks(FILTER_BLOCK * filter_len));
    for ((maps, filters), bias) in blocks.zip(bias.chunks(FILTER_BLOCK)) {
        if bias.len() == FILTER_BLOCK {
            direct::filter_block::<FILTER_BLOCK>(s, filters, bias, input, maps);
        } else {
            for ((map, filter), bias) in maps
                .chunks_mut(plane)
                .zip(filters.chunks(filter_len))
                .zip(bias.chunks(1))
            {
                direct::filter_block::<1>(s, filter, bias, input, map);
            }
        }
    }
}

/// Asserts that `cols` holds `batch` im2col matrices of `shape`.
fn check_cols(what: &str, s: &Conv2dShape, len: usize, batch: usize) {
    let want = batch * s.col_len();
    assert_eq!(
        len, want,
        "{what}: cols has {len} values, but {batch} samples × ({} in_channels × {}×{} kernel) × \
         {}×{} outputs need {want}",
        s.in_channels, s.kernel_h, s.kernel_w, s.out_height, s.out_width
    );
}

/// Copies one sample into its im2col matrix `cols[(c, i, j), (y, x)] = input[c, y·sh + i −
/// pad_top, x·sw + j − pad_left]` (zero outside the input): `[in_channels·kernel_h·kernel_w,
/// out_height·out_width]`, row-major, so that the convolution becomes `weight · cols`.
pub fn im2col(shape: &Conv2dShape, input: &[f32], cols: &mut [f32]) {
    let s = shape;
    check_samples("im2col", "input", input.len(), 1, in_dims(s));
    check_cols("im2col", s, cols.len(), 1);
    if reads_padding(s) {
        cols.fill(0.0); // The padding; the runs overwrite the rest.
    }
    let (in_plane, channel_rows) = (s.in_height * s.in_width, s.col_len() / s.in_channels.max(1));
    if in_plane == 0 || channel_rows == 0 {
        return;
    }
    let (ohw, stride) = (s.out_height * s.out_width, s.stride_w);
    for (in_map, rows) in input
        .chunks_exact(in_plane)
        .zip(cols.chunks_exact_mut(channel_rows))
    {
        for_each_run(s, |run| {
            let src = &in_map[run.in_start..][..run.in_span(stride)];
            let dst = &mut rows[run.tap * ohw + run.out_start..][..run.len];
            if stride == 1 {
                dst.copy_from_slice(src);
            } else {
                for (d, &v) in dst.iter_mut().zip(src.iter().step_by(stride)) {
                    *d = v;
                }
            }
        });
    }
}

/// The adjoint of [`im2col`]: *adds* every entry of `cols` to the input position it was
/// copied from, so overlapping windows accumulate; entries that came from padding are dropped.
pub fn col2im(shape: &Conv2dShape, cols: &[f32], image: &mut [f32]) {
    let s = shape;
    check_samples("col2im", "image", image.len(), 1, in_dims(s));
    check_cols("col2im", s, cols.len(), 1);
    let (in_plane, channel_rows) = (s.in_height * s.in_width, s.col_len() / s.in_channels.max(1));
    if in_plane == 0 || channel_rows == 0 {
        return;
    }
    let (ohw, stride) = (s.out_height * s.out_width, s.stride_w);
    for (in_map, rows) in image
        .chunks_exact_mut(in_plane)
        .zip(cols.chunks_exact(channel_rows))
    {
        for_each_run(s, |run| {
            let dst = &mut in_map[run.in_start..][..run.in_span(stride)];
            let src = &rows[run.tap * ohw + run.out_start..][..run.len];
            if stride == 1 {
                // Its own loop: a stride known to be 1 lets the compiler vectorize the adds.
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d += v;
                }
            } else {
                for (d, &v) in dst.iter_mut().step_by(stride).zip(src) {
                    *d += v;
                }
            }
        });
    }
}

/// A batch through im2col + GEMM, or where [`conv2d_forward`] has its AVX2 kernel, through
/// that kernel per sample. `cols` holds `batch · col_len()` floats; it is left holding each
/// sample's im2col matrix, which the backward pass needs.
pub fn conv2d_forward_batch(
    shape: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    let what = "conv2d_forward_batch";
    let s = shape;
    check_parameters(what, s, weight.len(), bias.len());
    check_samples(what, "input", input.len(), batch, in_dims(s));
    check_samples(what, "output", output.len(), batch, out_dims(s));
    check_cols(what, s, cols.len(), batch);
    let (in_len, out_len) = sample_lens(s);
    let (col_len, ohw) = (s.col_len(), s.out_height * s.out_width);
    let (filters, taps) = (s.out_channels, s.in_channels * s.kernel_h * s.kernel_w);
    if ohw == 0 {
        return;
    }
    #[cfg(feature = "std")]
    if let Some(gemm) = wide::forward_chosen(s) {
        let cols = Some(cols);
        return wide::forward_batch(gemm, s, weight, bias, input, output, cols, batch);
    }
    let direct = (super::kernels::active().conv2d_direct)(s);
    for b in 0..batch {
        let col = &mut cols[b * col_len..][..col_len];
        let x = &input[b * in_len..][..in_len];
        im2col(s, x, col);
        let y = &mut output[b * out_len..][..out_len];
        if direct {
            // The AVX2 direct kernel beats a GEMM of these small shapes by far; the im2col
            // matrix is still made for the backward pass.
            conv2d_forward(s, weight, bias, x, y);
            continue;
        }
        for (out_map, &bias) in y.chunks_exact_mut(ohw).zip(bias) {
            out_map.fill(bias);
        }
        // Y_b[F, OHW] += W[F, CKK] · cols_b[CKK, OHW].
        gemm(
            1.0,
            Matrix::row_major(weight, filters, taps),
            Matrix::row_major(col, taps, ohw),
            1.0,
            MatrixMut::row_major(y, filters, ohw),
        );
    }
}

/// A batch for inference only: [`conv2d_forward`] per sample, without the im2col matrices
/// that only the backward pass needs.
pub fn conv2d_infer_batch(
    shape: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    let what = "conv2d_infer_batch";
    let s = shape;
    check_samples(what, "input", input.len(), batch, in_dims(s));
    check_samples(what, "output", output.len(), batch, out_dims(s));
    let (in_len, out_len) = sample_lens(s);
    if in_len == 0 || out_len == 0 {
        return;
    }
    #[cfg(feature = "std")]
    if let Some(gemm) = wide::forward_chosen(s) {
        check_parameters(what, s, weight.len(), bias.len());
        return wide::infer_batch(gemm, s, weight, bias, input, output, batch);
    }
    for (x, y) in input
        .chunks_exact(in_len)
        .zip(output.chunks_exact_mut(out_len))
    {
        conv2d_forward(s, weight, bias, x, y);
    }
}

/// Backward over a batch, from the `cols` the forward pass left (which it overwrites):
/// *adds* into `weight_grad` and `bias_grad`, *overwrites* `input_grad` when given.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward_batch(
    shape: &Conv2dShape,
    weight: &[f32],
    output_grad: &[f32],
    mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    let (what, s, dw) = ("conv2d_backward_batch", shape, weight_grad);
    check_parameters(what, s, weight.len(), bias_grad.len());
    let (dw_len, w_len) = (dw.len(), weight.len());
    assert_eq!(
        dw_len, w_len,
        "{what}: weight_grad has {dw_len} values, weight {w_len}"
    );
    check_samples(what, "output_grad", output_grad.len(), batch, out_dims(s));
    check_cols(what, s, cols.len(), batch);
    if let Some(dx) = input_grad.as_deref_mut() {
        check_samples(what, "input_grad", dx.len(), batch, in_dims(s));
        dx.fill(0.0); // Overwritten: start from zero, then add every window's share.
    }
    let (in_len, out_len) = sample_lens(s);
    let (col_len, ohw) = (s.col_len(), s.out_height * s.out_width);
    let (filters, taps) = (s.out_channels, s.in_channels * s.kernel_h * s.kernel_w);
    if ohw == 0 {
        return;
    }
    #[cfg(feature = "std")]
    if let Some(gemm) = wide::backward_chosen() {
        let dy = output_grad;
        return wide::backward_batch(gemm, s, weight, dy, input_grad, dw, bias_grad, cols, batch);
    }
    for b in 0..batch {
        let dy = &output_grad[b * out_len..][..out_len];
        let col = &mut cols[b * col_len..][..col_len];
        // dW[F, CKK] += dY_b[F, OHW] · cols_bᵀ; cols_bᵀ is cols_b read through swapped strides.
        gemm(
            1.0,
            Matrix::row_major(dy, filters, ohw),
            Matrix::row_major(col, taps, ohw).t(),
            1.0,
            MatrixMut::row_major(dw, filters, taps),
        );
        for (db, plane) in bias_grad.iter_mut().zip(dy.chunks_exact(ohw)) {
            *db += super::math::sum(plane);
        }
        if let Some(dx) = input_grad.as_deref_mut() {
            // cols_b = Wᵀ[CKK, F] · dY_b, the gradient of each im2col entry; fold it back.
            gemm(
                1.0,
                Matrix::row_major(weight, filters, taps).t(),
                Matrix::row_major(dy, filters, ohw),
                0.0,
                MatrixMut::row_major(col, taps, ohw),
            );
            col2im(s, col, &mut dx[b * in_len..][..in_len]);
        }
    }
}

#[cfg(test)]
#[path = "conv_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "conv_variant_tests.rs"]
mod variant_tests;

#[cfg(all(test, feature = "std"))]
#[path = "conv_wide_tests.rs"]
mod wide_tests;

#[cfg(all(test, feature = "std"))]
#[path = "conv_sparse_grad_tests.rs"]
mod sparse_tests;
