//! The convolution with `SMLAD`: im2col columns of a batch of output pixels, summed two
//! filters by two pixels at a time ([`dot_2x2`]); a filter longer than a column is summed in
//! pieces of whole input channels.

use super::super::conv::{check_lengths, taps_inside};
use super::super::multiplier::Requantize;
use super::super::output_stage::bias_of;
use super::super::output_stage::OutputStage;
use super::epilogue::{dispatch, Kernel, Requantizer};
use super::live::LiveFilters;
use super::primitives::{sadd16, sxtb16, sxtb16_ror8};
use super::{dot, dot_2x2, pair_for_sxtb16, Column, BLOCK, MAX_COLUMN, PIECE};
use crate::ops::conv::Conv2dShape;
use core::ops::Range;

/// [`crate::int8::conv2d`] with the DSP inner products: two output pixels by two filters at
/// a time, filters whose weights are all zeros skipped. `false` (nothing written) when the
/// weights have a zero point, the requantization does not fit 32-bit arithmetic (see
/// `epilogue`), or a filter longer than [`MAX_COLUMN`] has a window longer than [`PIECE`].
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
    // Input channels per piece: all, or as many whole windows as a piece holds, the pieces
    // balanced (two of 16 channels rather than 21 and 11).
    let per_piece = if len <= MAX_COLUMN {
        s.in_channels
    } else {
        let most = PIECE / taps;
        let pieces = s.in_channels.div_ceil(most.max(1));
        s.in_channels.div_ceil(pieces)
    };
    let in_pieces = per_piece < s.in_channels;
    if stage.weight_zero_point != 0 || per_piece == 0 || (in_pieces && per_piece * taps > PIECE) {
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
    // Filters that fit a column skip the all-zero ones.
    let live = if in_pieces {
        LiveFilters::all()
    } else {
        LiveFilters::of(weight, len)
    };
    let pixels = s.out_height * s.out_width;
    let conv = Conv {
        s,
        iz: stage.input_zero_point,
        weight,
        input,
        len,
        pixels,
        live: &live,
    };
    if !dispatch(stage, bias, len, &live, &(conv, per_piece), output) {
        return false;
    }
    if live.any_dead() {
        for (o, map) in output.chunks_exact_mut(pixels.max(1)).enumerate() {
            if !live.is_live(o) {
                map.fill(stage.output(stage.scale(o), bias_of(bias, o)));
            }
        }
    }
    true
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
    /// The output channels to sum (the others' filters are all zeros).
    live: &'a LiveFilters,
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

    /// Filters that fit a column: the columns of as many pixels as the two buffers hold
    /// (64 for 8-long filters, 8 for 64-long ones; pixel `i` of a batch in buffer `i % 2`
    /// at `i / 2` columns in) filled once, then each filter pair's channel constants taken
    /// once and its sums over the batch's pixel pairs requantized as they come. Not inlined
    /// (nor is [`Self::in_pieces`]): the two paths' frames then take turns on the stack
    /// instead of adding up.
    #[inline(never)]
    fn whole_filters<E: Requantizer>(
        &self,
        epilogue: &E,
        columns: &mut [Column; 2],
        output: &mut [i8],
    ) {
        let (s, len, pixels) = (self.s, self.len, self.pixels);
        // Columns start on a word: an odd filter length leaves one half spare.
        let step = len + len % 2;
        let batch = 2 * (MAX_COLUMN / step.max(2));
        let same_grid = s.kernel_h == 1
            && s.kernel_w == 1
            && (s.stride_h, s.stride_w, s.pad_top, s.pad_left) == (1, 1, 0, 0)
            && (s.out_height, s.out_width) == (s.in_height, s.in_width);
        for start in (0..pixels).step_by(batch) {
            let count = batch.min(pixels - start);
            if same_grid {
                self.fill_pointwise_batch(start, count, step, columns);
            } else if (s.kernel_h, s.kernel_w) == (3, 3) {
                let mut padded = self.fill_3x3_batch(start, count, step, columns);
                while padded != 0 {
                    let i = padded.trailing_zeros() as usize;
                    padded &= padded - 1;
                    let column = &mut columns[i % 2].0[i / 2 * step..][..len];
                    fill_column(self, start + i, 0..s.in_channels, column);
                }
            } else {
                for i in 0..count {
                    let column = &mut columns[i % 2].0[i / 2 * step..][..len];
                    fill_column(self, start + i, 0..s.in_channels, column);
                }
            }
            if self.live.any_dead() {
                self.live_products(epilogue, columns, (start, count, step), output);
                continue;
            }
            // An odd last pixel is summed with stale values as its pair's second, whose
            // sums are not stored.
            let mut filter_pairs = self.weight.chunks_exact(2 * len);
            let mut map_pairs = output.chunks_exact_mut(2 * pixels);
            for (o, (rows, maps)) in (0..)
                .step_by(2)
                .zip((&mut filter_pairs).zip(&mut map_pairs))
            {
                let (first, next) = (epilogue.channel(o), epilogue.channel(o + 1));
                let (first_map, next_map) = maps.split_at_mut(pixels);
                let outs = first_map[start..][..count].chunks_mut(2);
                let next_outs = next_map[start..][..count].chunks_mut(2);
                for (k, (out, next_out)) in outs.zip(next_outs).enumerate() {
                    let [sums, next_sums] = dot_2x2(rows, len, len, columns, k * step);
                    store(epilogue, &first, out, sums);
                    store(epilogue, &next, next_out, next_sums);
                }
            }
            let (row, map) = (filter_pairs.remainder(), map_pairs.into_remainder());
            if !row.is_empty() {
                let channel = epilogue.channel(s.out_channels - 1);
                for (k, out) in map[start..][..count].chunks_mut(2).enumerate() {
                    store(epilogue, &channel, out, dot_one_row(row, columns, k * step));
                }
            }
        }
    }

    /// [`Self::whole_filters`]' products for a layer with all-zero filters: the live ones
    /// in pairs, the second `stride` bytes after the first (the others' maps are
    /// [`conv2d`]'s to write). Not inlined: the rare pruned layer needs no copy of its own
    /// in every kernel.
    #[inline(never)]
    fn live_products<E: Requantizer>(
        &self,
        epilogue: &E,
        columns: &[Column; 2],
        (start, count, step): (usize, usize, usize),
        output: &mut [i8],
    ) {
        let (channels, len, pixels) = (self.s.out_channels, self.len, self.pixels);
        let mut next = self.live.next(0, channels);
        while let Some(o) = next {
            let rows = &self.weight[o * len..];
            let first = epilogue.channel(o);
            let Some(p) = self.live.next(o + 1, channels) else {
                let map = &mut output[o * pixels + start..][..count];
                for (k, out) in map.chunks_mut(2).enumerate() {
                    store(
                        epilogue,
                        &first,
                        out,
                        dot_one_row(&rows[..len], columns, k * step),
                    );
                }
                return;
            };
            let (stride, second) = ((p - o) * len, epilogue.channel(p));
            let (before, from_p) = output.split_at_mut(p * pixels);
            let outs = before[o * pixels + start..][..count].chunks_mut(2);
            let next_outs = from_p[start..][..count].chunks_mut(2);
            for (k, (out, next_out)) in outs.zip(next_outs).enumerate() {
                let [sums, next_sums] = dot_2x2(rows, stride, len, columns, k * step);
                store(epilogue, &first, out, sums);
                store(epilogue, &second, next_out, next_sums);
            }
            next = self.live.next(p + 1, channels);
        }
    }

    /// Filters longer than a column: for each pixel pair and each block of [`BLOCK`] output
    /// channels, the pieces' sums add up in the columns' tails, then are requantized.
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
        for block in (0..s.out_channels).step_by(BLOCK) {
            let block = block..(block + BLOCK).min(s.out_channels);
            for p in (0..self.pixels).step_by(2) {
                let second = p + 1 < self.pixels;
                for i in 0..block.len() {
                    columns[0].set_partial(i, 0);
                    columns[1].set_partial(i, 0);
                }
                for first in (0..s.in_channels).step_by(per_piece) {
                    let channels = first..(first + per_piece).min(s.in_channels);
                    let (start, piece) = (first * taps, channels.len() * taps);
                    self.fill_pair(p, second, channels, columns);
                    let mut o = block.start;
                    while o < block.end {
                        let rows = &self.weight[o * len + start..];
                        let i = o - block.start;
                        if o + 1 < block.end {
                            let [sums, next_sums] = dot_2x2(rows, len, piece, columns, 0);
                            add(columns, i, sums);
                            add(columns, i + 1, next_sums);
                            o += 2;
                        } else {
                            add(columns, i, dot_one_row(&rows[..piece], columns, 0));
                            o += 1;
                        }
                    }
                }
                store_block(
                    epilogue,
                    block.clone(),
                    columns,
                    (self.pixels, p, second),
                    output,
                );
            }
        }
    }

    /// The columns of pixels `start..start + count` of a pointwise convolution whose output
    /// pixel `p` reads input position `p`, a pixel pair at a time: for each group of four
    /// channels, one halfword (the pair's two inputs) from each channel's plane, two of
    /// them merged into a word whose bytes `SXTB16` splits into the first pixel's halves
    /// (bytes 0 and 2) and the second's (bytes 1 and 3), already in `SXTB16`'s order: 19
    /// instructions for eight values. Not inlined, for the same reason as
    /// [`Self::fill_3x3_batch`].
    #[inline(never)]
    fn fill_pointwise_batch(
        &self,
        start: usize,
        count: usize,
        step: usize,
        columns: &mut [Column; 2],
    ) {
        let (plane, len, iz) = (self.s.in_height * self.s.in_width, self.len, self.iz);
        let groups = len / 4;
        let minus_iz = u32::from((-iz) as u16) * 0x0001_0001;
        let pairs = count / 2;
        // Every pair reads positions `start + 2k` and `+ 1` of each channel's plane, and
        // writes `len` halves at `k · step` of both columns.
        assert!(start + count <= plane && len * plane <= self.input.len());
        assert!(pairs == 0 || (pairs - 1) * step + len <= MAX_COLUMN);
        let [even, odd] = columns;
        for k in 0..pairs {
            // SAFETY: the reads are positions `start + 2k` and `start + 2k + 1 < start +
            // count ≤ plane` of channel planes below `len`, inside the input; the writes are
            // halves `k · step .. k · step + len` of each column (asserted above), the
            // columns 4-aligned and `k · step` even (`step` is), so the words are aligned.
            unsafe {
                let mut input = self.input.as_ptr().add(start + 2 * k);
                let even = even.0.as_mut_ptr().add(k * step).cast::<u32>();
                let odd = odd.0.as_mut_ptr().add(k * step).cast::<u32>();
                for g in 0..groups {
                    let pair =
                        |c: usize| u32::from(input.add(c * plane).cast::<u16>().read_unaligned());
                    let (first, third) = (pair(0) | pair(2) << 16, pair(1) | pair(3) << 16);
                    even.add(2 * g).write(sadd16(sxtb16(first), minus_iz));
                    even.add(2 * g + 1).write(sadd16(sxtb16(third), minus_iz));
                    odd.add(2 * g).write(sadd16(sxtb16_ror8(first), minus_iz));
                    odd.add(2 * g + 1)
                        .write(sadd16(sxtb16_ror8(third), minus_iz));
                    input = input.add(4 * plane);
                }
                // A last partial group keeps its natural order, as `pair_for_sxtb16`
                // leaves it.
                let (even, odd) = (even.cast::<i16>(), odd.cast::<i16>());
                for c in 4 * groups..len {
                    let at = c * plane + start + 2 * k;
                    *even.add(c) = (i32::from(self.input[at]) - iz) as i16;
                    *odd.add(c) = (i32::from(self.input[at + 1]) - iz) as i16;
                }
            }
        }
        if count % 2 == 1 {
            let last = start + count - 1;
            let column = &mut even.0[pairs * step..][..len];
            fill_pointwise(&self.input[last..], plane, 0..len, iz, column);
        }
    }

    /// The columns of those of pixels `start..start + count` of a 3×3 convolution whose
    /// windows lie inside the input, copied straight from a position the loop steps along
    /// (the general fill's set-up, a division and the padding's geometry, costs as much as
    /// a 27-long window's copy); returns the others as bits (pixel `start + i` as bit `i`;
    /// a batch of 3×3 windows has at most 56 pixels), which the caller fills. Not inlined:
    /// one copy serves the three requantizers' kernels (flash), and it calls nothing, so its
    /// frame never sits under [`fill_column`]'s (stack).
    #[inline(never)]
    fn fill_3x3_batch(
        &self,
        start: usize,
        count: usize,
        step: usize,
        columns: &mut [Column; 2],
    ) -> u64 {
        assert!(count <= 64);
        let mut padded = 0;
        let s = self.s;
        let len = self.len;
        let window = |at: usize| Window {
            input: &self.input[at..],
            row_stride: s.in_width,
            plane: s.in_height * s.in_width,
            kernel_h: 3,
            iz: self.iz,
        };
        let (mut oy, mut ox) = (start / s.out_width, start % s.out_width);
        for i in 0..count {
            if let Some(at) = self.inside_3x3(oy, ox) {
                let column = &mut columns[i % 2].0[i / 2 * step..][..len];
                window(at).fill_3x3(0..s.in_channels, column);
                pair_for_sxtb16(column);
            } else {
                padded |= 1 << i;
            }
            ox += 1;
            if ox == s.out_width {
                (oy, ox) = (oy + 1, 0);
            }
        }
        padded
    }

    /// Where output pixel `(oy, ox)`'s 3×3 window starts in a channel of the input, if the
    /// window lies wholly inside it.
    #[inline(always)]
    fn inside_3x3(&self, oy: usize, ox: usize) -> Option<usize> {
        let s = self.s;
        let (iy, ix) = (oy * s.stride_h, ox * s.stride_w);
        let inside = iy >= s.pad_top
            && ix >= s.pad_left
            && iy + 3 <= s.pad_top + s.in_height
            && ix + 3 <= s.pad_left + s.in_width;
        inside.then(|| (iy - s.pad_top) * s.in_width + (ix - s.pad_left))
    }

    /// The columns of pixel `p` and, if `second`, `p + 1`, over input channels `channels`.
    #[inline(always)]
    fn fill_pair(&self, p: usize, second: bool, channels: Range<usize>, columns: &mut [Column; 2]) {
        let len = channels.len() * self.s.kernel_h * self.s.kernel_w;
        let [first_column, second_column] = columns;
        fill_column(self, p, channels.clone(), &mut first_column.0[..len]);
        if second {
            fill_column(self, p + 1, channels, &mut second_column.0[..len]);
        }
    }
}

/// A channel's outputs at a pixel pair from their sums: `out` holds one or both.
#[inline(always)]
fn store<E: Requantizer>(epilogue: &E, channel: &E::Channel, out: &mut [i8], sums: [i32; 2]) {
    for (out, sum) in out.iter_mut().zip(sums) {
        *out = epilogue.output(channel, sum);
    }
}

/// One weight row times both columns at `at` (an odd channel count's last channel). Not
/// inlined, for the same reason as [`store_block`].
#[inline(never)]
fn dot_one_row(row: &[i8], columns: &[Column; 2], at: usize) -> [i32; 2] {
    let [first, second] = columns
        .each_ref()
        .map(|column| &column.0[at..][..row.len()]);
    let [sums] = dot([row], [first, second], row.len());
    sums
}

/// The outputs of output channels `block` at pixel `p` (and `p + 1` if `second`) from
/// their partial sums in the columns. Not inlined: its registers would add to the frame of
/// [`Conv::in_pieces`], which is on the stack beside the deepest fills.
#[inline(never)]
fn store_block<E: Requantizer>(
    epilogue: &E,
    block: Range<usize>,
    columns: &[Column; 2],
    (pixels, p, second): (usize, usize, bool),
    output: &mut [i8],
) {
    for (i, o) in block.enumerate() {
        let sums = [columns[0].partial(i), columns[1].partial(i)];
        let out = &mut output[o * pixels + p..][..1 + usize::from(second)];
        store(epilogue, &epilogue.channel(o), out, sums);
    }
}

/// Partial sums `i` of both pixels `+= sums`, wrapping as the portable kernel's sums wrap.
#[inline(always)]
fn add(columns: &mut [Column; 2], i: usize, sums: [i32; 2]) {
    for (column, sum) in columns.iter_mut().zip(sums) {
        column.set_partial(i, column.partial(i).wrapping_add(sum));
    }
}

/// Fills `column` with output pixel `pixel`'s receptive field over input channels
/// `channels`: `x − iz`, 0 outside the input; then pairs it for `SXTB16`.
fn fill_column(conv: &Conv<'_>, pixel: usize, channels: Range<usize>, column: &mut [i16]) {
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
    let column_values = &mut column[..len];
    if rows.len() == kernel_h && cols.len() == kernel_w {
        let at = iy0 as usize * s.in_width + ix0 as usize;
        let window = Window {
            input: &input[at..],
            row_stride: s.in_width,
            plane,
            kernel_h,
            iz,
        };
        match (kernel_h, kernel_w) {
            (3, 3) => window.fill_3x3(channels, column_values),
            (_, 3) => window.fill::<3>(channels, column_values),
            _ => window.fill_any(kernel_w, channels, column_values),
        }
        pair_for_sxtb16(column_values);
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
    pair_for_sxtb16(column_values);
}

/// A pointwise column: one value per channel of `channels`, `plane` bytes apart from
/// `input[0]`, widened and placed for `SXTB16` as they are read (four channels at a time),
/// which costs a fraction of the general fill's per-value bookkeeping.
#[inline(always)]
fn fill_pointwise(input: &[i8], plane: usize, channels: Range<usize>, iz: i32, column: &mut [i16]) {
    let len = channels.len();
    let values = &mut column[..len];
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

    /// [`Self::fill`] for a 3×3 kernel: each channel's nine taps through three fixed-length
    /// rows, unrolled (a third of the general loop's instructions per value).
    #[inline(always)]
    fn fill_3x3(&self, channels: Range<usize>, column: &mut [i16]) {
        let (plane, w, iz) = (self.plane, self.row_stride, self.iz);
        // Every tap read lies before the last channel's last tap: checked once here rather
        // than at each of the nine (their checks cost as much as the copies).
        if let Some(last) = channels.end.checked_sub(1) {
            assert!(last * plane + 2 * w + 2 < self.input.len());
        }
        assert!(column.len() >= 9 * channels.len());
        for (c, out) in channels.zip(column.chunks_exact_mut(9)) {
            let at = c * plane;
            for ky in 0..3 {
                for kx in 0..3 {
                    // SAFETY: `at + ky·w + kx ≤ last·plane + 2w + 2`, inside the input
                    // (asserted above).
                    let x = unsafe { *self.input.get_unchecked(at + ky * w + kx) };
                    out[3 * ky + kx] = (i32::from(x) - iz) as i16;
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
