//! The convolution with `SMLAD`: im2col columns of two output pixels, two filters at a time
//! ([`dot_2x2`]); a filter longer than a column is summed in pieces of whole input channels.

use super::super::conv::{check_lengths, taps_inside};
use super::super::multiplier::Requantize;
use super::super::output_stage::OutputStage;
use super::epilogue::{dispatch, Kernel, Requantizer};
use super::{dot, dot_2x2, pair_for_sxtb16, Column, BLOCK, MAX_COLUMN};
use crate::ops::conv::Conv2dShape;
use core::ops::Range;

/// [`crate::int8::conv2d`] with the DSP inner products: two output pixels by two filters at
/// a time. `false` (nothing written) when the weights have a zero point, a scale has no
/// prepared form, or one input channel's window is longer than [`MAX_COLUMN`].
pub fn conv2d<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let s = shape;
    let taps = s.kernel_h * s.kernel_w;
    let len = s.in_channels * taps;
    // Input channels per piece: as many whole windows as a column holds.
    let per_piece = (MAX_COLUMN / taps.max(1)).min(s.in_channels);
    if stage.weight_zero_point != 0 || per_piece == 0 {
        return false;
    }
    let what = "int8::conv2d";
    check_lengths(
        what,
        s,
        weight.len(),
        bias.len(),
        input.len(),
        output.len(),
        len,
    );
    stage.check(what, s.out_channels);
    let conv = Conv {
        s,
        iz: stage.input_zero_point,
        weight,
        input,
        len,
        pixels: s.out_height * s.out_width,
    };
    dispatch(stage, bias, len, &(conv, per_piece), output)
}

/// One call's operands.
struct Conv<'a> {
    s: &'a Conv2dShape,
    /// The input's zero point.
    iz: i32,
    weight: &'a [i8],
    input: &'a [i8],
    /// A filter's length.
    len: usize,
    /// Output pixels per channel.
    pixels: usize,
}

/// The whole convolution, `per_piece` input channels to a column.
impl Kernel for (Conv<'_>, usize) {
    #[inline(always)]
    fn run<E: Requantizer>(&self, epilogue: &E, output: &mut [i8]) {
        let (conv, per_piece) = (&self.0, self.1);
        conv.run(epilogue, per_piece, output);
    }
}

impl Conv<'_> {
    /// The whole convolution, `per_piece` input channels to a column, requantized by
    /// `epilogue`.
    #[inline(always)]
    fn run<E: Requantizer>(&self, epilogue: &E, per_piece: usize, output: &mut [i8]) {
        // Both paths share the buffers (each inlined path's own would add to the stack).
        let mut columns = [Column([0; MAX_COLUMN]), Column([0; MAX_COLUMN])];
        if per_piece == self.s.in_channels {
            self.whole_filters(epilogue, &mut columns, output);
        } else {
            self.in_pieces(epilogue, per_piece, &mut columns, output);
        }
    }

    /// Filters that fit a column: each pixel pair's columns filled once, every filter pair
    /// summed over them and requantized at once. Not inlined (nor is [`Self::in_pieces`]):
    /// the two paths' frames then take turns on the stack instead of adding up.
    #[inline(never)]
    fn whole_filters<E: Requantizer>(
        &self,
        epilogue: &E,
        columns: &mut [Column; 2],
        output: &mut [i8],
    ) {
        let (s, len, pixels) = (self.s, self.len, self.pixels);
        for p in (0..pixels).step_by(2) {
            // An odd last pixel is summed with the previous column's stale values as its
            // second, whose sums are not stored.
            let second = p + 1 < pixels;
            self.fill_pair(p, second, 0..s.in_channels, columns);
            let mut filter_pairs = self.weight.chunks_exact(2 * len);
            let mut map_pairs = output.chunks_exact_mut(2 * pixels);
            for (o, (rows, maps)) in (0..)
                .step_by(2)
                .zip((&mut filter_pairs).zip(&mut map_pairs))
            {
                let [first, next] = dot_2x2(rows, len, len, columns);
                let (first_map, next_map) = maps.split_at_mut(pixels);
                store(epilogue, o, &mut first_map[p..], second, first);
                store(epilogue, o + 1, &mut next_map[p..], second, next);
            }
            let (rows, map) = (filter_pairs.remainder(), map_pairs.into_remainder());
            if !rows.is_empty() {
                let [sums] = dot([rows], [&columns[0], &columns[1]], len);
                store(epilogue, s.out_channels - 1, &mut map[p..], second, sums);
            }
        }
    }

    /// Filters longer than a column: for each pixel pair and each block of [`BLOCK`] output
    /// channels, the pieces' sums add up in `partial`, then are requantized.
    #[inline(never)]
    fn in_pieces<E: Requantizer>(
        &self,
        epilogue: &E,
        per_piece: usize,
        columns: &mut [Column; 2],
        output: &mut [i8],
    ) {
        let (s, len) = (self.s, self.len);
        let taps = s.kernel_h * s.kernel_w;
        let mut partial = [[0i32; 2]; BLOCK];
        for block in (0..s.out_channels).step_by(BLOCK) {
            let block = block..(block + BLOCK).min(s.out_channels);
            for p in (0..self.pixels).step_by(2) {
                let second = p + 1 < self.pixels;
                partial[..block.len()].fill([0, 0]);
                for first in (0..s.in_channels).step_by(per_piece) {
                    let channels = first..(first + per_piece).min(s.in_channels);
                    let (start, piece) = (first * taps, channels.len() * taps);
                    self.fill_pair(p, second, channels, columns);
                    let mut o = block.start;
                    while o < block.end {
                        let rows = &self.weight[o * len + start..];
                        if o + 1 < block.end {
                            let sums = dot_2x2(rows, len, piece, columns);
                            add(&mut partial[o - block.start], sums[0]);
                            add(&mut partial[o + 1 - block.start], sums[1]);
                            o += 2;
                        } else {
                            let sums = dot_one_row(&rows[..piece], columns);
                            add(&mut partial[o - block.start], sums);
                            o += 1;
                        }
                    }
                }
                store_block(
                    epilogue,
                    block.clone(),
                    &partial,
                    (self.pixels, p, second),
                    output,
                );
            }
        }
    }

    /// The columns of pixel `p` and, if `second`, `p + 1`, over input channels `channels`.
    #[inline(always)]
    fn fill_pair(&self, p: usize, second: bool, channels: Range<usize>, columns: &mut [Column; 2]) {
        let [first_column, second_column] = columns;
        fill_column(self, p, channels.clone(), first_column);
        if second {
            fill_column(self, p + 1, channels, second_column);
        }
    }
}

/// Channel `o`'s outputs from its sums: the first into `out[0]`, the second into `out[1]`
/// if `second`.
#[inline(always)]
fn store<E: Requantizer>(epilogue: &E, o: usize, out: &mut [i8], second: bool, sums: [i32; 2]) {
    let channel = epilogue.channel(o);
    out[0] = epilogue.output(&channel, sums[0]);
    if second {
        out[1] = epilogue.output(&channel, sums[1]);
    }
}

/// One weight row times both columns (an odd block's last channel). Not inlined, for the
/// same reason as [`store_block`].
#[inline(never)]
fn dot_one_row(row: &[i8], columns: &[Column; 2]) -> [i32; 2] {
    let [sums] = dot([row], [&columns[0], &columns[1]], row.len());
    sums
}

/// The outputs of output channels `block` at pixel `p` (and `p + 1` if `second`) from
/// their sums in `partial`. Not inlined: its registers would add to the frame of
/// [`Conv::in_pieces`], which is on the stack beside the deepest fills.
#[inline(never)]
fn store_block<E: Requantizer>(
    epilogue: &E,
    block: Range<usize>,
    partial: &[[i32; 2]],
    (pixels, p, second): (usize, usize, bool),
    output: &mut [i8],
) {
    for (o, &sums) in block.zip(partial) {
        store(epilogue, o, &mut output[o * pixels + p..], second, sums);
    }
}

/// `partial += sums`, wrapping as the portable kernel's sums wrap.
#[inline(always)]
fn add(partial: &mut [i32; 2], sums: [i32; 2]) {
    partial[0] = partial[0].wrapping_add(sums[0]);
    partial[1] = partial[1].wrapping_add(sums[1]);
}

/// Fills `column` with output pixel `pixel`'s receptive field over input channels
/// `channels`: `x − iz`, 0 outside the input; then pairs it for `SXTB16`.
fn fill_column(conv: &Conv<'_>, pixel: usize, channels: Range<usize>, column: &mut Column) {
    let (s, input, iz) = (conv.s, conv.input, conv.iz);
    let (kernel_h, kernel_w) = (s.kernel_h, s.kernel_w);
    let len = channels.len() * kernel_h * kernel_w;
    let (oy, ox) = (pixel / s.out_width, pixel % s.out_width);
    let iy0 = (oy * s.stride_h) as isize - s.pad_top as isize;
    let ix0 = (ox * s.stride_w) as isize - s.pad_left as isize;
    let plane = s.in_height * s.in_width;
    let widen = |x: i8| (i32::from(x) - iz) as i16;
    let rows = taps_inside(iy0, kernel_h, s.in_height);
    let cols = taps_inside(ix0, kernel_w, s.in_width);
    if kernel_h == 1 && kernel_w == 1 && !rows.is_empty() && !cols.is_empty() {
        let at = iy0 as usize * s.in_width + ix0 as usize;
        fill_pointwise(&input[at..], plane, channels, iz, column);
        return;
    }
    let column_values = &mut column.0[..len];
    if rows.len() == kernel_h && cols.len() == kernel_w {
        let at = iy0 as usize * s.in_width + ix0 as usize;
        let window = Window {
            input: &input[at..],
            row_stride: s.in_width,
            plane,
            kernel_h,
            iz,
        };
        match kernel_w {
            3 => window.fill::<3>(channels, column_values),
            _ => window.fill_any(kernel_w, channels, column_values),
        }
        pair_for_sxtb16(column, len);
        return;
    }
    // Each input channel's window row by row: the part inside the input copied, the rest 0.
    let inside = cols.len();
    let first = (ix0 + cols.start as isize).max(0) as usize;
    for (i, window) in channels.zip(column_values.chunks_exact_mut(kernel_h * kernel_w)) {
        for (ky, window_row) in window.chunks_exact_mut(kernel_w).enumerate() {
            if !rows.contains(&ky) {
                window_row.fill(0);
                continue;
            }
            let iy = (iy0 + ky as isize) as usize;
            let in_row = &input[i * plane + iy * s.in_width + first..][..inside];
            let (before, rest) = window_row.split_at_mut(cols.start);
            let (within, after) = rest.split_at_mut(inside);
            for (value, &x) in within.iter_mut().zip(in_row) {
                *value = widen(x);
            }
            // Only at the map's edges: a call to `memset` for nothing costs more than
            // the copy.
            if !before.is_empty() || !after.is_empty() {
                before.fill(0);
                after.fill(0);
            }
        }
    }
    pair_for_sxtb16(column, len);
}

/// A pointwise column: one value per channel of `channels`, `plane` bytes apart from
/// `input[0]`, widened and placed for `SXTB16` as they are read (four channels at a time),
/// which costs a fraction of the general fill's per-value bookkeeping.
#[inline(always)]
fn fill_pointwise(
    input: &[i8],
    plane: usize,
    channels: Range<usize>,
    iz: i32,
    column: &mut Column,
) {
    let len = channels.len();
    let values = &mut column.0[..len];
    let widen = |x: i8| (i32::from(x) - iz) as i16;
    let mut at = channels.start * plane;
    let mut groups = values.chunks_exact_mut(4);
    for group in &mut groups {
        let x = [at, at + plane, at + 2 * plane, at + 3 * plane].map(|i| widen(input[i]));
        group.copy_from_slice(&[x[0], x[2], x[1], x[3]]);
        at += 4 * plane;
    }
    for value in groups.into_remainder() {
        *value = widen(input[at]);
        at += plane;
    }
}

/// A receptive field wholly inside the input: every tap is an input value.
struct Window<'a> {
    /// The input from the window's top left tap of channel 0 on.
    input: &'a [i8],
    /// Bytes from one input row to the next.
    row_stride: usize,
    /// Bytes from one channel to the next.
    plane: usize,
    kernel_h: usize,
    iz: i32,
}

impl Window<'_> {
    /// The column of a kernel `KW` wide: each row's taps copied with a fixed-length loop
    /// (the general fill's per-row bookkeeping costs more than a 3-tap row's copy).
    #[inline(always)]
    fn fill<const KW: usize>(&self, channels: Range<usize>, column: &mut [i16]) {
        let widen = |x: i8| (i32::from(x) - self.iz) as i16;
        let mut rows = column.chunks_exact_mut(KW);
        for c in channels {
            let channel = &self.input[c * self.plane..];
            for (ky, row) in (0..self.kernel_h).zip(&mut rows) {
                let taps: &[i8; KW] = channel[ky * self.row_stride..][..KW]
                    .try_into()
                    .expect("KW taps");
                for (value, &x) in row.iter_mut().zip(taps) {
                    *value = widen(x);
                }
            }
        }
    }

    /// [`Self::fill`] for any kernel width.
    #[inline(always)]
    fn fill_any(&self, kernel_w: usize, channels: Range<usize>, column: &mut [i16]) {
        let widen = |x: i8| (i32::from(x) - self.iz) as i16;
        let mut rows = column.chunks_exact_mut(kernel_w);
        for c in channels {
            let channel = &self.input[c * self.plane..];
            for (ky, row) in (0..self.kernel_h).zip(&mut rows) {
                let taps = &channel[ky * self.row_stride..][..kernel_w];
                for (value, &x) in row.iter_mut().zip(taps) {
                    *value = widen(x);
                }
            }
        }
    }
}
