//! The single-sample convolution without im2col: register tiles of [`FILTER_BLOCK`] filters
//! × [`TILE`] outputs of a row where no window touches the padding (the raw kernel), one
//! output at a time with the overhanging taps skipped elsewhere. Plain Rust that the compiler
//! vectorizes (SSE, AVX, NEON) or runs as scalar code: no heap, no `unsafe`.

use super::{valid_range, Conv2dShape};

/// Output channels computed together by [`super::conv2d_forward`], sharing every input load.
pub(super) const FILTER_BLOCK: usize = 4;
/// Outputs of a row computed together: with [`FILTER_BLOCK`], 32 accumulators, which fit
/// the 16 vector registers of SSE/AVX or the 32 of NEON, so every weight loaded feeds 8.
const TILE: usize = 8;

/// The raw kernel: `N` filters (`[N, in_channels, kernel_h, kernel_w]`) at `W` consecutive
/// outputs of row `y` from `x` on, none of whose windows touches padding, without the bias.
/// With `UNIT`, the horizontal stride is 1 and input rows are read as contiguous lanes.
#[inline(always)]
fn tile_raw<const N: usize, const W: usize, const UNIT: bool>(
    s: &Conv2dShape,
    filters: &[f32],
    input: &[f32],
    (y, x): (usize, usize),
) -> [[f32; W]; N] {
    let sw = if UNIT { 1 } else { s.stride_w };
    let (kw, taps) = (s.kernel_w, s.kernel_h * s.kernel_w);
    let (iy0, ix0) = (y * s.stride_h - s.pad_top, x * sw - s.pad_left);
    let filter_len = s.in_channels * taps;
    let mut acc = [[0.0f32; W]; N];
    for c in 0..s.in_channels {
        for i in 0..s.kernel_h {
            let row_start = (c * s.in_height + iy0 + i) * s.in_width + ix0;
            let row = &input[row_start..][..(W - 1) * sw + kw];
            let w: [&[f32]; N] =
                core::array::from_fn(|n| &filters[n * filter_len + c * taps + i * kw..][..kw]);
            for j in 0..kw {
                let v: [f32; W] = if UNIT {
                    row[j..j + W].try_into().expect("W lanes")
                } else {
                    core::array::from_fn(|l| row[j + l * sw])
                };
                for n in 0..N {
                    let wn = w[n][j];
                    for l in 0..W {
                        acc[n][l] += wn * v[l];
                    }
                }
            }
        }
    }
    acc
}

/// [`tile_raw`] with the stride specialized.
#[inline(always)]
fn tile<const N: usize, const W: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    input: &[f32],
    at: (usize, usize),
) -> [[f32; W]; N] {
    if s.stride_w == 1 {
        tile_raw::<N, W, true>(s, filters, input, at)
    } else {
        tile_raw::<N, W, false>(s, filters, input, at)
    }
}

/// `N` filters at one output `(y, x)` whose window may overhang the input, without the
/// bias: the taps that fall in the padding are skipped.
fn point<const N: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    input: &[f32],
    (y, x): (usize, usize),
) -> [[f32; 1]; N] {
    let (kw, taps) = (s.kernel_w, s.kernel_h * s.kernel_w);
    let (top, left) = (y * s.stride_h, x * s.stride_w);
    let i_end = (s.pad_top + s.in_height).saturating_sub(top);
    let j_end = (s.pad_left + s.in_width).saturating_sub(left);
    let filter_len = s.in_channels * taps;
    let mut acc = [[0.0f32; 1]; N];
    for c in 0..s.in_channels {
        for i in s.pad_top.saturating_sub(top)..i_end.min(s.kernel_h) {
            let row = &input[(c * s.in_height + top + i - s.pad_top) * s.in_width..];
            for j in s.pad_left.saturating_sub(left)..j_end.min(kw) {
                let v = row[left + j - s.pad_left];
                for (n, a) in acc.iter_mut().enumerate() {
                    a[0] += filters[n * filter_len + c * taps + i * kw + j] * v;
                }
            }
        }
    }
    acc
}

/// Writes `bias + acc` for `N` filters at `W` outputs of row `y` from `x` on.
fn store<const N: usize, const W: usize>(
    s: &Conv2dShape,
    bias: &[f32],
    out_maps: &mut [f32],
    (y, x): (usize, usize),
    acc: [[f32; W]; N],
) {
    let (plane, start) = (s.out_height * s.out_width, y * s.out_width + x);
    for ((map, a), &b) in out_maps.chunks_exact_mut(plane).zip(acc).zip(bias) {
        for (o, v) in map[start..][..W].iter_mut().zip(a) {
            *o = b + v;
        }
    }
}

/// `N` whole output maps (`out_maps`) from their `N` filters: tiles through [`tile`] where
/// no window touches padding, every other output through [`point`].
pub(super) fn filter_block<const N: usize>(
    s: &Conv2dShape,
    filters: &[f32],
    bias: &[f32],
    input: &[f32],
    out_maps: &mut [f32],
) {
    // Outputs whose whole window lies inside the input: both its first and last tap do.
    let inside = |out, stride, k: usize, pad, len| {
        valid_range(out, stride, 0, pad, len).0..valid_range(out, stride, k - 1, pad, len).1
    };
    let rows = inside(s.out_height, s.stride_h, s.kernel_h, s.pad_top, s.in_height);
    let cols = inside(s.out_width, s.stride_w, s.kernel_w, s.pad_left, s.in_width);
    const HALF: usize = TILE / 2;
    for y in 0..s.out_height {
        let inner = if rows.contains(&y) {
            cols.clone()
        } else {
            0..0
        };
        for x in (0..s.out_width).filter(|x| !inner.contains(x)) {
            store(
                s,
                bias,
                out_maps,
                (y, x),
                point::<N>(s, filters, input, (y, x)),
            );
        }
        let mut x = inner.start;
        while x < inner.end {
            // Whole tiles, then a half tile; a short remainder is covered by moving the last
            // half tile back to end at the edge (recomputing a few outputs) if the row allows.
            if inner.end - x >= TILE {
                store(
                    s,
                    bias,
                    out_maps,
                    (y, x),
                    tile::<N, TILE>(s, filters, input, (y, x)),
                );
                x += TILE;
            } else if inner.len() >= HALF {
                let at = x.min(inner.end - HALF);
                store(
                    s,
                    bias,
                    out_maps,
                    (y, at),
                    tile::<N, HALF>(s, filters, input, (y, at)),
                );
                x = at + HALF;
            } else {
                store(
                    s,
                    bias,
                    out_maps,
                    (y, x),
                    tile::<N, 1>(s, filters, input, (y, x)),
                );
                x += 1;
            }
        }
    }
}
