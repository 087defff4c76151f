//! One depthwise output map for cores with a scalar FPU and no SIMD (Cortex-M4F and M7):
//! the 3×3 kernel's nine weights stay in registers for the whole map, and the outputs of a
//! row whose windows lie inside the input go [`OUTPUTS`] at a time, each input loaded once
//! for the outputs that read it; outputs whose windows overhang an edge sum the taps inside
//! the input. Other kernel sizes take the same loops with the size read at run time.
//!
//! Inner loops read without bounds tests, as in `conv_scalar.rs`: every offset comes from the
//! geometry, which [`check_offsets`] ties to the slice lengths once per map.

use super::Conv2dShape;

/// Outputs of a row computed together: 4 accumulators, the 9 weights and up to 11 inputs
/// (stride 2) fit the 32 registers.
const OUTPUTS: usize = 4;

/// Writes `out_map` = `bias` + the depthwise convolution of `in_map` with `filter`
/// (`[kernel_h, kernel_w]`).
pub(crate) fn channel(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
) {
    check_offsets(s, filter, in_map, out_map);
    match (s.kernel_h, s.kernel_w) {
        (3, 3) => channel_with::<3, 3>(s, filter, bias, in_map, out_map),
        _ => channel_with::<0, 0>(s, filter, bias, in_map, out_map),
    }
}

/// The bounds the unchecked reads below rely on.
fn check_offsets(s: &Conv2dShape, filter: &[f32], in_map: &[f32], out_map: &[f32]) {
    assert!(
        filter.len() == s.kernel_h * s.kernel_w
            && in_map.len() == s.in_height * s.in_width
            && out_map.len() == s.out_height * s.out_width,
        "depthwise_conv2d (scalar kernel): lengths do not match the geometry"
    );
}

/// The kernel positions `lo..hi` along one axis whose input lies inside `0..len` for the
/// output at `position`.
#[inline(always)]
fn taps_inside(
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

/// [`channel`] with the kernel's height and width as constants (0: read at run time).
#[inline(always)]
fn channel_with<const KH: usize, const KW: usize>(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
) {
    let kh = if KH == 0 { s.kernel_h } else { KH };
    let kw = if KW == 0 { s.kernel_w } else { KW };
    let sw = s.stride_w;
    // Columns whose whole window lies inside the input row.
    let first_inside = s.pad_left.div_ceil(sw).min(s.out_width);
    let end_inside = if s.in_width + s.pad_left >= kw {
        ((s.in_width + s.pad_left - kw) / sw + 1).min(s.out_width)
    } else {
        0
    };
    let end_inside = end_inside.max(first_inside);
    let input = in_map.as_ptr();
    let weights = filter.as_ptr();
    for (y, out_row) in out_map.chunks_exact_mut(s.out_width).enumerate() {
        let (i0, i1) = taps_inside(y, s.stride_h, s.pad_top, s.in_height, kh);
        // Offset of the input row that kernel row `i0` reads.
        let row0 = (y * s.stride_h + i0).saturating_sub(s.pad_top) * s.in_width;
        let mut x = 0;
        while x < s.out_width {
            if x >= first_inside && x + OUTPUTS <= end_inside {
                let col0 = x * sw - s.pad_left;
                let mut acc = [bias; OUTPUTS];
                for i in i0..i1 {
                    let row = row0 + (i - i0) * s.in_width + col0;
                    for j in 0..kw {
                        // SAFETY: kernel row `i` is inside the input (clipped above) and
                        // columns `col0 + j + l·sw` lie inside the row (`x..x + OUTPUTS` are
                        // inside columns); `i·kw + j` < kh·kw = filter.len().
                        let w = unsafe { *weights.add(i * kw + j) };
                        for (l, a) in acc.iter_mut().enumerate() {
                            *a += w * unsafe { *input.add(row + j + l * sw) };
                        }
                    }
                }
                out_row[x..x + OUTPUTS].copy_from_slice(&acc);
                x += OUTPUTS;
            } else {
                let (j0, j1) = taps_inside(x, sw, s.pad_left, s.in_width, kw);
                let mut sum = bias;
                if j0 < j1 {
                    let col0 = x * sw + j0 - s.pad_left;
                    for i in i0..i1 {
                        let row = row0 + (i - i0) * s.in_width + col0;
                        for j in j0..j1 {
                            // SAFETY: as above, with the columns clipped to the row.
                            sum += unsafe { *weights.add(i * kw + j) * *input.add(row + j - j0) };
                        }
                    }
                }
                out_row[x] = sum;
                x += 1;
            }
        }
    }
}
