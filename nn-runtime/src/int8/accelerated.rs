//! The SIMD paths of the int8 convolutions and dense layer, chosen through the kernel table
//! ([`crate::ops::kernels`]): a table's [`Int8Kernels`] compute every output's exact `i32`
//! sum `Σ w · (x − input_zero_point)` into a buffer, and the requantization over those sums is
//! the portable kernels' own ([`OutputStage::output`]), output by output — on x86-64 the same
//! code compiled for AVX2 or AVX-512, which the compiler vectorizes.
//!
//! Products of two int8 values (less a zero point within int8's range) are exact in every
//! SIMD form used, and an `i32` sum wraps the same way whatever its order, so the sums are
//! the portable kernels' bit for bit. Each entry point here returns `false`, writing nothing,
//! where the table has no int8 kernels or the layer is outside what they assume (weights with
//! a zero point, an input zero point outside int8, an empty map); the caller then runs the
//! portable kernel.

use super::conv::check_lengths;
use super::dense::check_dense_lengths;
use super::depthwise_conv::check_multiplier;
use super::multiplier::Requantize;
use super::output_stage::{bias_of, OutputStage};
use crate::ops::conv::Conv2dShape;
use crate::ops::kernels::Kernels;
use std::vec::Vec;

/// Where a convolution's sums lie in the buffer: output `(o, oy, ox)` at
/// `o · channel_stride + oy · row_stride + ox`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SumsLayout {
    pub(crate) channel_stride: usize,
    pub(crate) row_stride: usize,
}

/// The buffers of the SIMD kernels, one set per thread, kept between calls: they grow to the
/// largest layer a thread runs, and after that first call inference allocates nothing.
// Only the x86-64 kernels read the buffers so far.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[derive(Default)]
pub(crate) struct Scratch {
    /// The sums, as [`SumsLayout`] places them.
    pub(crate) sums: Vec<i32>,
    /// An im2col matrix of int8 rows.
    pub(crate) rows: Vec<i8>,
    /// Packed columns or inputs (AVX2: `i16`; VNNI: bytes).
    pub(crate) columns_i16: Vec<i16>,
    pub(crate) columns_u8: Vec<u8>,
    /// Packed weights.
    pub(crate) weights_i16: Vec<i16>,
    pub(crate) weights_i8: Vec<i8>,
    /// Per-channel starting sums, a depthwise channel's plane.
    pub(crate) ints: Vec<i32>,
    /// A depthwise filter's taps.
    pub(crate) taps: Vec<(usize, i32)>,
}

impl Scratch {
    const fn new() -> Scratch {
        Scratch {
            sums: Vec::new(),
            rows: Vec::new(),
            columns_i16: Vec::new(),
            columns_u8: Vec::new(),
            weights_i16: Vec::new(),
            weights_i8: Vec::new(),
            ints: Vec::new(),
            taps: Vec::new(),
        }
    }
}

std::thread_local! {
    static SCRATCH: core::cell::RefCell<Scratch> = const { core::cell::RefCell::new(Scratch::new()) };
}

/// `f` with this thread's scratch buffers.
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|scratch| f(&mut scratch.borrow_mut()))
}

/// A convolution's sums into `scratch.sums`: `(shape, weight, input, input_zero_point,
/// scratch)`; lengths checked, zero points as [`applies`] requires.
pub(crate) type ConvSums = fn(&Conv2dShape, &[i8], &[i8], i32, &mut Scratch) -> SumsLayout;
/// A dense layer's sums into `scratch.sums`, one per output: `(weight, input,
/// input_zero_point, outputs, scratch)`.
pub(crate) type DenseSums = fn(&[i8], &[i8], i32, usize, &mut Scratch);

/// One instruction set's int8 kernels.
pub(crate) struct Int8Kernels {
    /// Convolutions of any geometry.
    pub(crate) conv2d: ConvSums,
    /// Depthwise convolutions, any multiplier.
    pub(crate) depthwise_conv2d: ConvSums,
    /// Fully connected layers.
    pub(crate) fully_connected: DenseSums,
}

/// Whether the SIMD kernels' assumptions hold: symmetric weights (TFLite's int8 scheme) and an
/// input zero point that is itself an int8 value (the padding value of the shifted forms).
fn applies<R>(stage: &OutputStage<'_, R>) -> bool {
    stage.weight_zero_point == 0 && i8::try_from(stage.input_zero_point).is_ok()
}

/// [`super::conv2d_portable`]'s outputs with `kernels`' int8 kernels, or `false` (nothing
/// written) where they do not apply.
pub(crate) fn conv2d<R: Requantize>(
    kernels: &Kernels,
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let Some(int8) = kernels.int8 else {
        return false;
    };
    let filter_len = s.in_channels * s.kernel_h * s.kernel_w;
    let (w, b, i, o) = (weight.len(), bias.len(), input.len(), output.len());
    check_lengths("int8::conv2d", s, w, b, i, o, filter_len);
    stage.check("int8::conv2d", s.out_channels);
    if !applies(stage) || output.is_empty() || filter_len == 0 {
        return false;
    }
    with_scratch(|scratch| {
        let layout = (int8.conv2d)(s, weight, input, stage.input_zero_point, scratch);
        requantize(kernels, s, stage, bias, &scratch.sums, layout, output);
    });
    true
}

/// [`super::depthwise_conv2d_portable`]'s outputs with `kernels`' int8 kernels, or `false`.
pub(crate) fn depthwise_conv2d<R: Requantize>(
    kernels: &Kernels,
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let Some(int8) = kernels.int8 else {
        return false;
    };
    let what = "int8::depthwise_conv2d";
    check_multiplier(what, s);
    let (w, b, i, o) = (weight.len(), bias.len(), input.len(), output.len());
    check_lengths(what, s, w, b, i, o, s.kernel_h * s.kernel_w);
    stage.check(what, s.out_channels);
    if !applies(stage) || output.is_empty() || w == 0 {
        return false;
    }
    with_scratch(|scratch| {
        let iz = stage.input_zero_point;
        let layout = (int8.depthwise_conv2d)(s, weight, input, iz, scratch);
        requantize(kernels, s, stage, bias, &scratch.sums, layout, output);
    });
    true
}

/// [`super::fully_connected_portable`]'s outputs with `kernels`' int8 kernels, or `false`.
pub(crate) fn fully_connected<R: Requantize>(
    kernels: &Kernels,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let Some(int8) = kernels.int8 else {
        return false;
    };
    check_dense_lengths(stage, weight, bias, input, output);
    if !applies(stage) || output.is_empty() || input.is_empty() {
        return false;
    }
    with_scratch(|scratch| {
        let iz = stage.input_zero_point;
        (int8.fully_connected)(weight, input, iz, output.len(), scratch);
        requantize_dense(kernels, stage, bias, &scratch.sums, output);
    });
    true
}

/// [`requantize_vector`] compiled for the table's instruction set (see [`requantize`]).
fn requantize_dense<R: Requantize>(
    kernels: &Kernels,
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    output: &mut [i8],
) {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::ops::kernels::Variant;
        match kernels.variant {
            // SAFETY: a table of these variants is handed out only when the CPU runs them.
            Variant::Avx512 => {
                return unsafe { super::x86::requantize_vector_avx512(stage, bias, sums, output) }
            }
            // SAFETY: as above.
            Variant::Avx2 => {
                return unsafe { super::x86::requantize_vector_avx2(stage, bias, sums, output) }
            }
            _ => {}
        }
    }
    let _ = kernels;
    requantize_vector(stage, bias, sums, output);
}

/// The outputs of a dense layer from its sums: the bias added and requantized as the
/// portable kernel does (compiled for wider instructions by `x86`, as [`requantize_maps`]).
#[inline(always)]
pub(crate) fn requantize_vector<R: Requantize>(
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    output: &mut [i8],
) {
    for (o, (out, &sum)) in output.iter_mut().zip(sums).enumerate() {
        *out = stage.output(stage.scale(o), sum.wrapping_add(bias_of(bias, o)));
    }
}

/// The outputs of a convolution from its sums, by [`requantize_maps`] compiled for the
/// table's instruction set: on x86-64 the same Rust code, which the compiler vectorizes with
/// AVX2 or AVX-512 (a per-channel multiplier over a row of sums), so the same bits.
fn requantize<R: Requantize>(
    kernels: &Kernels,
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    layout: SumsLayout,
    output: &mut [i8],
) {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::ops::kernels::Variant;
        match kernels.variant {
            // SAFETY: a table of these variants is handed out only when the CPU runs them.
            Variant::Avx512 => {
                return unsafe {
                    super::x86::requantize_maps_avx512(s, stage, bias, sums, layout, output)
                }
            }
            // SAFETY: as above.
            Variant::Avx2 => {
                return unsafe {
                    super::x86::requantize_maps_avx2(s, stage, bias, sums, layout, output)
                }
            }
            _ => {}
        }
    }
    let _ = kernels;
    requantize_maps(s, stage, bias, sums, layout, output);
}

/// The outputs of a convolution from its sums: the bias added and requantized as the
/// portable kernels do.
#[inline(always)]
pub(crate) fn requantize_maps<R: Requantize>(
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    layout: SumsLayout,
    output: &mut [i8],
) {
    let map = s.out_height * s.out_width;
    // Rows one after the other are one long row (a longer loop for the compiler to vectorize).
    let width = if layout.row_stride == s.out_width {
        map
    } else {
        s.out_width
    };
    for (o, out_map) in output.chunks_exact_mut(map).enumerate() {
        let (scale, b) = (stage.scale(o), bias_of(bias, o));
        let channel = &sums[o * layout.channel_stride..];
        for (oy, out_row) in out_map.chunks_exact_mut(width).enumerate() {
            let row = &channel[oy * layout.row_stride..][..width];
            for (out, &sum) in out_row.iter_mut().zip(row) {
                *out = stage.output(scale, sum.wrapping_add(b));
            }
        }
    }
}
