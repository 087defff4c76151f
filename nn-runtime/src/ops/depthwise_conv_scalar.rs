//! One depthwise output map for cores with a scalar FPU and no SIMD (Cortex-M4F and M7):
//! the 3×3 kernel's nine weights stay in registers for the whole map, and the outputs of a
//! row go [`OUTPUTS`] at a time, each input loaded once for the outputs that read it.
//!
//! Padding would split a row into edge outputs with fewer taps and inside ones (a 5-wide row
//! with `same` padding has 2 and 3), so when `kernel_h + 1` padded rows fit in [`RING`] floats,
//! each input row needed is copied once, zeros on both sides, into a ring of `kernel_h` rows on
//! the stack (with a row of zeros for the padding above and below), and every output of a row reads whole windows from it. Otherwise outputs whose
//! windows overhang an edge sum the taps inside the input one by one. Other kernel sizes take
//! the same loops with the size read at run time.
//!
//! Inner loops read without bounds tests, as in `conv_scalar.rs`: every offset comes from the
//! geometry, which [`check_offsets`] ties to the slice lengths once per map.

use super::Conv2dShape;
use crate::ops::conv::taps_inside;

/// Outputs of a row computed together: 4 accumulators, the 9 weights and up to 11 inputs
/// (stride 2) fit the 32 registers.
const OUTPUTS: usize = 4;

/// Floats of stack for the ring of padded rows (1 KiB: three rows of up to 64 values and the
/// row of zeros).
const RING: usize = 256;

/// Kernel rows the ring holds at most.
const RING_ROWS: usize = 8;

/// The ring of padded rows (or the whole padded map), shared by all the maps of one layer:
/// its padding is written once, as zeros, and never again.
pub(crate) struct Ring([f32; RING]);

impl Ring {
    pub(crate) fn new() -> Self {
        Ring([0.0; RING])
    }
}

/// Writes `out_map` = `bias` + the depthwise convolution of `in_map` with `filter`
/// (`[kernel_h, kernel_w]`). `ring` must have served only maps of the same geometry.
pub(crate) fn channel(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
    ring: &mut Ring,
) {
    check_offsets(s, filter, in_map, out_map);
    let padded = padded_width(s);
    let fits = s.kernel_h < RING_ROWS && (s.kernel_h + 1) * padded <= RING;
    let whole_map = padded_height(s) * padded <= RING;
    match (s.kernel_h, s.kernel_w) {
        (3, 3) if whole_map => map_channel::<3, 3>(s, filter, bias, in_map, out_map, &mut ring.0),
        (3, 3) if fits => ring_channel::<3, 3>(s, filter, bias, in_map, out_map, &mut ring.0),
        (3, 3) => channel_with::<3, 3>(s, filter, bias, in_map, out_map),
        _ if fits => ring_channel::<0, 0>(s, filter, bias, in_map, out_map, &mut ring.0),
        _ => channel_with::<0, 0>(s, filter, bias, in_map, out_map),
    }
}

/// The rows of the padded map that the last output row's windows reach.
fn padded_height(s: &Conv2dShape) -> usize {
    (s.out_height.max(1) - 1) * s.stride_h + s.kernel_h
}

/// [`channel`] for maps small enough that the whole padded map fits in [`RING`] floats (as
/// KWS's 25×5): the map is copied in once, zeros around it, and every output reads its
/// whole window with no per-row bookkeeping.
#[inline(always)]
fn map_channel<const KH: usize, const KW: usize>(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
    ring: &mut [f32; RING],
) {
    let (width, height) = (padded_width(s), padded_height(s));
    let first = s.pad_left.min(width);
    let count = s.in_width.min(width - first);
    let rows = s.in_height.min(height.saturating_sub(s.pad_top));
    for (r, row) in in_map.chunks_exact(s.in_width).take(rows).enumerate() {
        ring[(s.pad_top + r) * width + first..][..count].copy_from_slice(&row[..count]);
    }
    let weights = Weights::<KH, KW>::new(filter);
    for (y, out_row) in out_map.chunks_exact_mut(s.out_width).enumerate() {
        let top = y * s.stride_h * width;
        let rows: [usize; RING_ROWS] = core::array::from_fn(|i| top + i * width);
        // SAFETY: output row `y` reads padded rows `y·sh + i` < height, each `width` long,
        // and height·width ≤ RING (checked by the caller).
        unsafe { padded_row(s, &weights, bias, ring, &rows[..s.kernel_h], out_row) };
    }
}

/// The length of a padded row: the input row with its left padding, extended (with zeros)
/// or cut to what the last output's window reads.
fn padded_width(s: &Conv2dShape) -> usize {
    (s.out_width.max(1) - 1) * s.stride_w + s.kernel_w
}

/// [`channel`] through the ring of padded rows (`(kernel_h + 1) · padded_width` ≤
/// [`RING`]): slots `0..kernel_h` hold input rows, the last stays zero and stands for the
/// rows of padding, so every output reads `kernel_h` whole kernel rows.
#[inline(always)]
fn ring_channel<const KH: usize, const KW: usize>(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
    ring: &mut [f32; RING],
) {
    let kh = if KH == 0 { s.kernel_h } else { KH };
    let width = padded_width(s);
    // The input columns a padded row holds, and where they go in it.
    let first = s.pad_left.min(width);
    let count = s.in_width.min(width - first);
    // Which input row each slot holds (`usize::MAX`: none yet).
    let mut held = [usize::MAX; RING_ROWS];
    let zero_row = kh * width;
    let weights = Weights::<KH, KW>::new(filter);
    let mut rows = [0usize; RING_ROWS];
    for (y, out_row) in out_map.chunks_exact_mut(s.out_width).enumerate() {
        let (i0, i1) = taps_inside(y, s.stride_h, s.pad_top, s.in_height, kh);
        for (i, start) in rows[..kh].iter_mut().enumerate() {
            *start = zero_row;
            if (i0..i1).contains(&i) {
                let row = y * s.stride_h + i - s.pad_top;
                let slot = row % kh;
                if held[slot] != row {
                    held[slot] = row;
                    ring[slot * width + first..][..count]
                        .copy_from_slice(&in_map[row * s.in_width..][..count]);
                }
                *start = slot * width;
            }
        }
        // SAFETY: each slot holds `width` floats from `slot·width`, and the zero row ends
        // at (kh + 1)·width ≤ RING (checked by the caller).
        unsafe { padded_row(s, &weights, bias, ring, &rows[..kh], out_row) };
    }
}

/// A depthwise kernel's weights: with its size constant (3×3), loaded once into locals that
/// stay in registers; otherwise read from the filter.
struct Weights<'a, const KH: usize, const KW: usize> {
    fixed: [f32; 9],
    filter: &'a [f32],
}

impl<'a, const KH: usize, const KW: usize> Weights<'a, KH, KW> {
    fn new(filter: &'a [f32]) -> Self {
        let fixed = core::array::from_fn(|k| filter.get(k).copied().unwrap_or(0.0));
        Weights { fixed, filter }
    }

    #[inline(always)]
    fn at(&self, k: usize) -> f32 {
        if KH == 3 && KW == 3 {
            self.fixed[k]
        } else {
            self.filter[k]
        }
    }
}

/// One output row, every window whole: kernel row `i` reads the padded row that starts at
/// `rows[i]` in `padded`, outputs [`OUTPUTS`] at a time, then one by one.
///
/// # Safety
/// Every `rows[i] + padded_width(s)` must be at most [`RING`]: output `x` reads
/// `rows[i] + x·sw + j` < `rows[i] + (out_width − 1)·sw + kw`.
#[inline(always)]
unsafe fn padded_row<const KH: usize, const KW: usize>(
    s: &Conv2dShape,
    weights: &Weights<'_, KH, KW>,
    bias: f32,
    padded: &[f32; RING],
    rows: &[usize],
    out_row: &mut [f32],
) {
    let kh = if KH == 0 { s.kernel_h } else { KH };
    let kw = if KW == 0 { s.kernel_w } else { KW };
    let sw = s.stride_w;
    let padded = padded.as_ptr();
    let mut x = 0;
    while x + OUTPUTS <= out_row.len() {
        let mut acc = [bias; OUTPUTS];
        for (i, &start) in rows[..kh].iter().enumerate() {
            let at = start + x * sw;
            for j in 0..kw {
                let w = weights.at(i * kw + j);
                for (l, a) in acc.iter_mut().enumerate() {
                    // SAFETY: within the padded row (the caller's contract).
                    *a += w * unsafe { *padded.add(at + j + l * sw) };
                }
            }
        }
        out_row[x..x + OUTPUTS].copy_from_slice(&acc);
        x += OUTPUTS;
    }
    for (x, out) in out_row.iter_mut().enumerate().skip(x) {
        let mut sum = bias;
        for (i, &start) in rows[..kh].iter().enumerate() {
            for j in 0..kw {
                // SAFETY: as above, for one output.
                sum += weights.at(i * kw + j) * unsafe { *padded.add(start + x * sw + j) };
            }
        }
        *out = sum;
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
