//! The single-sample convolution for cores with a scalar FPU and no SIMD (Cortex-M4F and M7:
//! 32 single-precision registers): register tiles of [`FILTERS`] filters × 3 or 4 outputs
//! of a row, whose accumulators leave room for the weights and inputs they read, so nothing
//! spills and every value loaded feeds 3 or 4 multiply-adds. The
//! kernel width is a compile-time constant for the widths the common networks use (1, 3, 4),
//! so the taps of a kernel row unroll. Rows whose windows reach into the padding clip their
//! kernel rows; outputs whose windows overhang the left or right edge are computed one at a
//! time with their columns clipped.
//!
//! Inner loops use raw offsets without bounds tests: a bounds test costs as much as the
//! multiply-add it guards on these cores. Every offset is derived from the geometry that
//! [`super::conv2d_forward`] checks against the slice lengths before calling in, and
//! [`check_offsets`] states the bounds once per call.

use super::{taps_inside, Conv2dShape};

/// Output channels computed together.
const FILTERS: usize = 4;

/// One sample, same contract as [`super::conv2d_forward`] (lengths already checked).
pub(crate) fn conv2d_forward(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    check_offsets(s, weight, input, output);
    // A 3×3 tile of 4 filters keeps 12 weights, 5 to 7 inputs and 12 accumulators in the
    // 32 registers; other kernels take one tap at a time, 4 weights and 4 inputs for 16
    // accumulators.
    if is_pointwise(s) {
        return pointwise(s, weight, bias, input, output);
    }
    match (s.kernel_h, s.kernel_w) {
        (1, 1) => forward_with::<1, 1, 4>(s, weight, bias, input, output),
        (3, 3) => forward_with::<3, 3, 3>(s, weight, bias, input, output),
        (_, 4) => forward_with::<0, 4, 4>(s, weight, bias, input, output),
        _ => forward_with::<0, 0, 4>(s, weight, bias, input, output),
    }
}

/// The bounds every raw offset below stays within: the filters, the input and the output
/// maps of exactly the checked geometry (the caller has asserted these lengths already; this
/// restates them where the unchecked reads rely on them).
fn check_offsets(s: &Conv2dShape, weight: &[f32], input: &[f32], output: &[f32]) {
    assert!(
        weight.len() == s.out_channels * s.in_channels * s.kernel_h * s.kernel_w
            && input.len() == s.in_channels * s.in_height * s.in_width
            && output.len() == s.out_channels * s.out_height * s.out_width,
        "conv2d (scalar kernel): lengths do not match the geometry"
    );
}

/// A 1×1 convolution at unit stride without padding: every output map is a linear
/// combination of the input maps, position by position (a matrix product).
fn is_pointwise(s: &Conv2dShape) -> bool {
    s.kernel_h == 1
        && s.kernel_w == 1
        && s.stride_h == 1
        && s.stride_w == 1
        && s.pad_top == 0
        && s.pad_left == 0
        && s.out_height == s.in_height
        && s.out_width == s.in_width
}

/// [`conv2d_forward`] for [`is_pointwise`] geometries: each map is one flat row of positions,
/// taken 4 filters × 4 positions at a time, so rows of any width fill whole tiles.
fn pointwise(s: &Conv2dShape, weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    let (channels, plane) = (s.in_channels, s.out_height * s.out_width);
    let mut o = 0;
    while o < s.out_channels {
        let n = FILTERS.min(s.out_channels - o);
        let filters = &weight[o * channels..][..n * channels];
        let maps = &mut output[o * plane..][..n * plane];
        let bias = &bias[o..o + n];
        match n {
            FILTERS => pointwise_block::<FILTERS>(channels, plane, filters, bias, input, maps),
            _ => {
                for ((filter, b), map) in filters
                    .chunks_exact(channels)
                    .zip(bias.chunks_exact(1))
                    .zip(maps.chunks_exact_mut(plane))
                {
                    pointwise_block::<1>(channels, plane, filter, b, input, map);
                }
            }
        }
        o += n;
    }
}

/// `N` output maps of `plane` positions from `N` filters of `channels` weights.
#[inline(always)]
fn pointwise_block<const N: usize>(
    channels: usize,
    plane: usize,
    filters: &[f32],
    bias: &[f32],
    input: &[f32],
    maps: &mut [f32],
) {
    const W: usize = 4;
    let (input, filters) = (input.as_ptr(), filters.as_ptr());
    let mut p = 0;
    while p < plane {
        let width = W.min(plane - p);
        let mut acc = [[0.0f32; W]; N];
        if width == W {
            for c in 0..channels {
                // SAFETY: `c·plane + p + l` < channels·plane = input.len() for l < W (the
                // tile is inside the plane); `n·channels + c` < N·channels = filters.len().
                let v: [f32; W] =
                    core::array::from_fn(|l| unsafe { *input.add(c * plane + p + l) });
                let w: [f32; N] =
                    core::array::from_fn(|n| unsafe { *filters.add(n * channels + c) });
                for n in 0..N {
                    for l in 0..W {
                        acc[n][l] += w[n] * v[l];
                    }
                }
            }
        } else {
            for c in 0..channels {
                for l in 0..width {
                    // SAFETY: as above, for the `width` positions left in the plane.
                    let v = unsafe { *input.add(c * plane + p + l) };
                    for (n, a) in acc.iter_mut().enumerate() {
                        a[l] += unsafe { *filters.add(n * channels + c) } * v;
                    }
                }
            }
        }
        for ((map, a), &b) in maps.chunks_exact_mut(plane).zip(acc).zip(bias) {
            for (out, v) in map[p..p + width].iter_mut().zip(a) {
                *out = b + v;
            }
        }
        p += width;
    }
}

/// The kernel's height and width as constants `KH`, `KW` (0: read from the shape at run
/// time).
#[inline(always)]
fn forward_with<const KH: usize, const KW: usize, const W: usize>(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let plane = s.out_height * s.out_width;
    let filter_len = s.in_channels * s.kernel_h * s.kernel_w;
    let mut o = 0;
    while o < s.out_channels {
        let n = FILTERS.min(s.out_channels - o);
        let filters = &weight[o * filter_len..][..n * filter_len];
        let maps = &mut output[o * plane..][..n * plane];
        let bias = &bias[o..o + n];
        match n {
            FILTERS => filter_block::<FILTERS, KH, KW, W>(s, filters, bias, input, maps),
            _ => {
                for ((filter, &b), map) in filters
                    .chunks_exact(filter_len)
                    .zip(bias)
                    .zip(maps.chunks_exact_mut(plane))
                {
                    filter_block::<1, KH, KW, W>(s, filter, &[b], input, map);
                }
            }
        }
        o += n;
    }
}

/// `N` output maps from their `N` filters.
#[inline(always)]
fn filter_block<const N: usize, const KH: usize, const KW: usize, const W: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    bias: &[f32],
    input: &[f32],
    maps: &mut [f32],
) {
    let kw = if KW == 0 { s.kernel_w } else { KW };
    // Columns whose whole window lies inside the input row.
    let first_inside = s.pad_left.div_ceil(s.stride_w);
    let last_end = if s.in_width + s.pad_left >= kw {
        ((s.in_width + s.pad_left - kw) / s.stride_w + 1).min(s.out_width)
    } else {
        0
    };
    let inner = first_inside.min(last_end)..last_end;
    for y in 0..s.out_height {
        let rows = taps_inside(y, s.stride_h, s.pad_top, s.in_height, s.kernel_h);
        let mut x = 0;
        while x < s.out_width {
            if inner.contains(&x) && inner.end - x >= W {
                let acc = tile::<N, KH, KW, W>(s, filters, input, rows, (y, x));
                store(s, bias, maps, (y, x), acc);
                x += W;
            } else if inner.contains(&x) && inner.end - x >= 2 {
                // Rows with fewer inside outputs than a tile (KWS's 5-wide rows have 3).
                let acc = tile::<N, KH, KW, 2>(s, filters, input, rows, (y, x));
                store(s, bias, maps, (y, x), acc);
                x += 2;
            } else {
                let cols = taps_inside(x, s.stride_w, s.pad_left, s.in_width, kw);
                let acc = point::<N>(s, filters, input, rows, cols, (y, x));
                store(s, bias, maps, (y, x), acc);
                x += 1;
            }
        }
    }
}

/// `N` filters at `W` consecutive outputs of row `y` from `x` on, whose windows lie inside
/// the input row, over the kernel rows `rows` (the others read padding); without the bias.
#[inline(always)]
fn tile<const N: usize, const KH: usize, const KW: usize, const W: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    input: &[f32],
    (i0, i1): (usize, usize),
    (y, x): (usize, usize),
) -> [[f32; W]; N] {
    let kw = if KW == 0 { s.kernel_w } else { KW };
    let kh = if KH == 0 { s.kernel_h } else { KH };
    let (sw, taps) = (s.stride_w, kh * kw);
    let filter_len = s.in_channels * taps;
    let map = s.in_height * s.in_width;
    let mut acc = [[0.0f32; W]; N];
    if i0 == i1 {
        return acc;
    }
    // The first input row read, and the first column (inside the row: `x` is inside).
    let row0 = y * s.stride_h + i0 - s.pad_top;
    let col0 = x * sw - s.pad_left;
    let input = input.as_ptr();
    let filters = filters.as_ptr();
    // A one-row kernel has one row to read (`i0..i1` is `0..1` here: the caller skips
    // rows of padding), which the compiler cannot see through the clipping.
    let (i0, i1) = if KH == 1 { (0, 1) } else { (i0, i1) };
    for c in 0..s.in_channels {
        for i in i0..i1 {
            let row = c * map + (row0 + i - i0) * s.in_width + col0;
            let tap = c * taps + i * kw;
            for j in 0..kw {
                // SAFETY: row `row0 + i − i0` < in_height (the rows are clipped to the
                // input) and columns `col0 + j + l·sw` < in_width (`x..x + W` are inside
                // columns), so the read is within channel `c` of the input; `n·filter_len +
                // tap + j` < N·filter_len = filters.len() (checked by `check_offsets`).
                let v: [f32; W] = core::array::from_fn(|l| unsafe { *input.add(row + j + l * sw) });
                let w: [f32; N] =
                    core::array::from_fn(|n| unsafe { *filters.add(n * filter_len + tap + j) });
                for n in 0..N {
                    for l in 0..W {
                        acc[n][l] += w[n] * v[l];
                    }
                }
            }
        }
    }
    acc
}

/// `N` filters at the single output `(y, x)`, over the kernel rows `rows` and columns `cols`
/// that lie inside the input; without the bias.
#[inline(always)]
fn point<const N: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    input: &[f32],
    (i0, i1): (usize, usize),
    (j0, j1): (usize, usize),
    (y, x): (usize, usize),
) -> [[f32; 1]; N] {
    let (kw, taps) = (s.kernel_w, s.kernel_h * s.kernel_w);
    let filter_len = s.in_channels * taps;
    let mut acc = [[0.0f32; 1]; N];
    if i0 == i1 || j0 == j1 {
        return acc;
    }
    let row0 = y * s.stride_h + i0 - s.pad_top;
    let col0 = x * s.stride_w + j0 - s.pad_left;
    let map = s.in_height * s.in_width;
    let input = input.as_ptr();
    let filters = filters.as_ptr();
    for c in 0..s.in_channels {
        for i in i0..i1 {
            let row = c * map + (row0 + i - i0) * s.in_width + col0;
            let tap = c * taps + i * kw;
            for j in j0..j1 {
                // SAFETY: as in `tile`, with the columns clipped to the input row too.
                let v = unsafe { *input.add(row + j - j0) };
                for (n, a) in acc.iter_mut().enumerate() {
                    let w = unsafe { *filters.add(n * filter_len + tap + j) };
                    a[0] += w * v;
                }
            }
        }
    }
    acc
}

/// Writes `bias + acc` for `N` filters at `W` outputs of row `y` from `x` on.
#[inline(always)]
fn store<const N: usize, const W: usize>(
    s: &Conv2dShape,
    bias: &[f32],
    maps: &mut [f32],
    (y, x): (usize, usize),
    acc: [[f32; W]; N],
) {
    let (plane, start) = (s.out_height * s.out_width, y * s.out_width + x);
    for ((map, a), &b) in maps.chunks_exact_mut(plane).zip(acc).zip(bias) {
        for (o, v) in map[start..][..W].iter_mut().zip(a) {
            *o = b + v;
        }
    }
}
