//! The x86-64 int8 kernels of the `avx2` and `avx512` kernel tables: each computes the exact
//! sums `Σ w · (x − iz)` that `int8::accelerated` requantizes.
//!
//! - Convolutions, any geometry (pointwise 1×1 and general kernels, any stride and padding):
//!   the im2col matrix ([`pack::im2col`], the input itself for a pointwise convolution) is
//!   interleaved for the tiles ([`pack::interleave`]) and multiplied by the
//!   packed filters in register tiles — AVX2: 4 channels × 16 pixels, `vpmaddwd` on pairs of
//!   `i16`; VNNI: 8 channels × 16 pixels, `vpdpbusd` on quads of bytes. Ragged channels and
//!   pixels run in the padding of the packed buffers, never in a scalar tail.
//! - Depthwise convolutions, any kernel, stride and multiplier: directly on each channel's
//!   plane widened to `i32` ([`pack::PhasePlane`], where every tap is a constant offset), 8
//!   (AVX2) or 16 (AVX-512F) outputs per step, the whole map in one run at vertical stride 1.
//! - Fully connected layers: four rows per pass over the input, 16 (AVX2) or 64 (VNNI, with
//!   a masked tail) inputs per step.
//!
//! Soundness: the kernels need their instruction sets, and the two tables below are
//! referenced only by the kernel tables of `ops::kernels_x86`, which are handed out after the
//! CPU check ([`AVX2`] by the `avx2` and `avx512` tables, [`VNNI`] by the `avx512` table when
//! the CPU also has AVX-512 BW and VNNI).

mod avx2;
mod pack;
mod vnni;

use super::accelerated::{requantize_maps, requantize_vector, Int8Kernels, Scratch, SumsLayout};
use super::multiplier::Requantize;
use super::output_stage::OutputStage;
use crate::ops::conv::Conv2dShape;
use pack::{im2col, interleave, pack_rows, quads_block, PhasePlane};

/// The AVX2 int8 kernels.
pub(crate) static AVX2: Int8Kernels = Int8Kernels {
    conv2d: conv2d_avx2,
    depthwise_conv2d: depthwise_conv2d_avx2,
    fully_connected: fully_connected_avx2,
};

/// The AVX-512 VNNI int8 kernels.
pub(crate) static VNNI: Int8Kernels = Int8Kernels {
    conv2d: conv2d_vnni,
    depthwise_conv2d: depthwise_conv2d_avx512,
    fully_connected: fully_connected_vnni,
};

fn conv2d_avx2(
    s: &Conv2dShape,
    weight: &[i8],
    input: &[i8],
    iz: i32,
    scratch: &mut Scratch,
) -> SumsLayout {
    let k = s.in_channels * s.kernel_h * s.kernel_w;
    let rows = s.out_channels.next_multiple_of(avx2::MR);
    let a = &mut scratch.weights_i16;
    pack_rows::<i16, 2>(weight, k, rows, i16::from, a);
    // `iz` is an int8 value (`accelerated::applies`): `x − iz` fits in `i16`.
    let shifted = |x: i8| i16::from(x) - iz as i16;
    let b = &mut scratch.columns_i16;
    let columns_i8 = im2col(s, input, iz as i8, &mut scratch.rows);
    let pixels = s.out_height * s.out_width;
    let block = |from: [&[i8]; 2], to: &mut [i16]| pack::pairs_block(iz as i16, from, to);
    let (groups, columns) =
        interleave::<i16, 2, { avx2::NR }>(columns_i8, k, pixels, shifted, 0, block, b);
    let sums = &mut scratch.sums;
    sums.clear();
    sums.resize(rows * columns, 0);
    // SAFETY: reachable only through the `AVX2` table (see the module documentation); the
    // buffers have the sizes `gemm` asserts.
    unsafe { avx2::gemm(a, b, rows, groups, columns, sums) };
    SumsLayout {
        channel_stride: columns,
        row_stride: s.out_width,
    }
}

fn conv2d_vnni(
    s: &Conv2dShape,
    weight: &[i8],
    input: &[i8],
    iz: i32,
    scratch: &mut Scratch,
) -> SumsLayout {
    let k = s.in_channels * s.kernel_h * s.kernel_w;
    let rows = s.out_channels.next_multiple_of(vnni::MR);
    let a = &mut scratch.weights_i8;
    pack_rows::<i8, 4>(weight, k, rows, |w| w, a);
    let start = &mut scratch.ints;
    start.clear();
    start.resize(rows, 0);
    for (start, filter) in start.iter_mut().zip(weight.chunks_exact(k)) {
        let weight_sum = filter.iter().map(|&w| i32::from(w)).sum::<i32>();
        *start = (128 + iz).wrapping_mul(weight_sum).wrapping_neg();
    }
    let b = &mut scratch.columns_u8;
    let columns_i8 = im2col(s, input, iz as i8, &mut scratch.rows);
    let pixels = s.out_height * s.out_width;
    let pad = shift_to_u8(iz as i8);
    let (groups, columns) =
        interleave::<u8, 4, { vnni::NR }>(columns_i8, k, pixels, shift_to_u8, pad, quads_block, b);
    let sums = &mut scratch.sums;
    sums.clear();
    sums.resize(rows * columns, 0);
    // SAFETY: reachable only through the `VNNI` table; the buffers have the sizes `gemm`
    // asserts.
    unsafe { vnni::gemm(a, b, start, groups, columns, sums) };
    SumsLayout {
        channel_stride: columns,
        row_stride: s.out_width,
    }
}

/// `x + 128` as an unsigned byte: what `vpdpbusd` multiplies.
#[inline]
fn shift_to_u8(x: i8) -> u8 {
    (x as u8) ^ 0x80
}

/// A depthwise convolution, channel by channel, `kernel` computing runs of outputs `lanes` at
/// a time: the whole map in one run where `stride_h = 1`, else row by row.
fn depthwise_conv2d_with(
    s: &Conv2dShape,
    weight: &[i8],
    input: &[i8],
    iz: i32,
    scratch: &mut Scratch,
    lanes: usize,
    kernel: impl Fn(&[i32], &[(usize, i32)], usize, &mut [i32]),
) -> SumsLayout {
    let multiplier = s.out_channels / s.in_channels;
    let plane_layout = PhasePlane::new(s);
    let pitch = plane_layout.pitch;
    let one_run = s.stride_h == 1;
    let layout = if one_run {
        SumsLayout {
            channel_stride: (s.out_height * pitch).next_multiple_of(lanes),
            row_stride: pitch,
        }
    } else {
        let row = s.out_width.next_multiple_of(lanes);
        SumsLayout {
            channel_stride: s.out_height * row,
            row_stride: row,
        }
    };
    let in_plane = s.in_height * s.in_width;
    let Scratch {
        sums,
        ints: plane,
        taps,
        ..
    } = scratch;
    sums.clear();
    sums.resize(s.out_channels * layout.channel_stride, 0);
    for c in 0..s.in_channels {
        plane_layout.fill(s, &input[c * in_plane..][..in_plane], iz, lanes, plane);
        for o in c * multiplier..(c + 1) * multiplier {
            let filter = &weight[o * s.kernel_h * s.kernel_w..];
            taps.clear();
            for ky in 0..s.kernel_h {
                for kx in 0..s.kernel_w {
                    let w = i32::from(filter[ky * s.kernel_w + kx]);
                    taps.push((plane_layout.offset(s, ky, kx), w));
                }
            }
            let map = &mut sums[o * layout.channel_stride..][..layout.channel_stride];
            if one_run {
                kernel(plane, taps, 0, map);
            } else {
                for (oy, row) in map.chunks_exact_mut(layout.row_stride).enumerate() {
                    kernel(plane, taps, oy * s.stride_h * pitch, row);
                }
            }
        }
    }
    layout
}

fn depthwise_conv2d_avx2(
    s: &Conv2dShape,
    weight: &[i8],
    input: &[i8],
    iz: i32,
    scratch: &mut Scratch,
) -> SumsLayout {
    depthwise_conv2d_with(
        s,
        weight,
        input,
        iz,
        scratch,
        avx2::LANES,
        |p, t, start, out| {
            // SAFETY: reachable only through the `AVX2` table; `depthwise` checks the bounds.
            unsafe { avx2::depthwise(p, t, start, out) }
        },
    )
}

fn depthwise_conv2d_avx512(
    s: &Conv2dShape,
    weight: &[i8],
    input: &[i8],
    iz: i32,
    scratch: &mut Scratch,
) -> SumsLayout {
    depthwise_conv2d_with(
        s,
        weight,
        input,
        iz,
        scratch,
        vnni::LANES,
        |p, t, start, out| {
            // SAFETY: reachable only through the `VNNI` table (AVX-512F); as above.
            unsafe { vnni::depthwise(p, t, start, out) }
        },
    )
}

fn fully_connected_avx2(
    weight: &[i8],
    input: &[i8],
    iz: i32,
    outputs: usize,
    scratch: &mut Scratch,
) {
    let x = &mut scratch.columns_i16;
    x.clear();
    x.extend(input.iter().map(|&x| i16::from(x) - iz as i16));
    scratch.sums.clear();
    scratch.sums.resize(outputs, 0);
    // SAFETY: reachable only through the `AVX2` table; `dense` checks the lengths.
    unsafe { avx2::dense(weight, x, &mut scratch.sums) }
}

fn fully_connected_vnni(
    weight: &[i8],
    input: &[i8],
    iz: i32,
    outputs: usize,
    scratch: &mut Scratch,
) {
    let u = &mut scratch.columns_u8;
    u.clear();
    u.extend(input.iter().map(|&x| shift_to_u8(x)));
    scratch.sums.clear();
    scratch.sums.resize(outputs, 0);
    // SAFETY: reachable only through the `VNNI` table; `dense` checks the lengths.
    unsafe { vnni::dense(weight, u, iz, &mut scratch.sums) }
}

/// [`requantize_maps`] compiled for AVX2.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn requantize_maps_avx2<R: Requantize>(
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    layout: SumsLayout,
    output: &mut [i8],
) {
    requantize_maps(s, stage, bias, sums, layout, output);
}

/// [`requantize_maps`] compiled for AVX-512F.
///
/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn requantize_maps_avx512<R: Requantize>(
    s: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    layout: SumsLayout,
    output: &mut [i8],
) {
    requantize_maps(s, stage, bias, sums, layout, output);
}

/// [`requantize_vector`] compiled for AVX2.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn requantize_vector_avx2<R: Requantize>(
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    output: &mut [i8],
) {
    requantize_vector(stage, bias, sums, output);
}

/// [`requantize_vector`] compiled for AVX-512F.
///
/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn requantize_vector_avx512<R: Requantize>(
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    sums: &[i32],
    output: &mut [i8],
) {
    requantize_vector(stage, bias, sums, output);
}

/// [`super::add`]'s loop compiled for `kernels`' instruction set, or `false` (nothing
/// written) for a variant without one.
pub(crate) fn add(
    kernels: &crate::ops::kernels::Kernels,
    params: &super::AddParams,
    a: &[i8],
    b: &[i8],
    output: &mut [i8],
) -> bool {
    use crate::ops::kernels::Variant;
    match kernels.variant {
        // SAFETY: a table of these variants is handed out only when the CPU runs them.
        Variant::Avx512 => unsafe { add_avx512(params, a, b, output) },
        // SAFETY: as above.
        Variant::Avx2 => unsafe { add_avx2(params, a, b, output) },
        _ => return false,
    }
    true
}

/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
unsafe fn add_avx2(params: &super::AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    super::add::add_elements(params, a, b, output);
}

/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn add_avx512(params: &super::AddParams, a: &[i8], b: &[i8], output: &mut [i8]) {
    super::add::add_elements(params, a, b, output);
}
