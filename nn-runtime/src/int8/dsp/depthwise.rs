//! The depthwise convolution with `SMLAD`: each channel's input is widened (zero point
//! subtracted, 0 outside the input) into a ring of `kernel_h` padded rows, one new row per
//! output row at stride 1, and each output sums its kernel rows two taps per `SMLAD`.

use super::super::conv::check_lengths;
use super::super::multiplier::Requantize;
use super::super::output_stage::OutputStage;
use super::epilogue::{dispatch, Kernel, Requantizer};
use super::live::LiveFilters;
use super::primitives::smlad;
use super::widen_into;
use crate::ops::conv::Conv2dShape;

/// Widened activations in the ring: `kernel_h` padded rows (512 B; a 3×3 kernel over rows
/// up to 85 wide).
pub const MAX_RING: usize = 256;
/// The longest kernel row.
const MAX_KERNEL_W: usize = 8;
/// The tallest kernel.
const MAX_KERNEL_H: usize = 8;
/// Sums held before they are requantized (longer rows go in segments).
const MAX_SUMS: usize = 32;

/// The ring, aligned for word loads.
#[repr(C, align(4))]
struct Ring([i16; MAX_RING]);

/// [`crate::int8::depthwise_conv2d`] with the DSP inner products. `false` (nothing written)
/// when the weights have a zero point, the requantization does not fit 32-bit arithmetic
/// (see `epilogue`), or the kernel or the ring of padded rows is larger than this module's
/// buffers.
pub fn depthwise_conv2d<R: Requantize>(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let s = shape;
    let padded_w = (s.out_width.max(1) - 1) * s.stride_w + s.kernel_w;
    if stage.weight_zero_point != 0
        || s.kernel_h * padded_w > MAX_RING
        || s.kernel_w > MAX_KERNEL_W
        || s.kernel_h > MAX_KERNEL_H
        || s.in_channels == 0
        || !s.out_channels.is_multiple_of(s.in_channels)
    {
        return false;
    }
    check_lengths(
        "int8::depthwise_conv2d",
        s,
        weight.len(),
        bias.len(),
        input.len(),
        output.len(),
        s.kernel_h * s.kernel_w,
    );
    stage.check("int8::depthwise_conv2d", s.out_channels);
    let geometry = Geometry::new(s, padded_w);
    let depthwise = Depthwise {
        s,
        geometry,
        iz: stage.input_zero_point,
        weight,
        input,
    };
    dispatch(
        stage,
        bias,
        s.kernel_h * s.kernel_w,
        &LiveFilters::all(),
        &depthwise,
        output,
    )
}

/// Where a channel's widened rows live.
#[derive(Clone, Copy)]
struct Geometry {
    /// Halves per padded row.
    padded_w: usize,
    /// Rows the ring holds: the whole padded map when it fits, else `kernel_h`, each padded
    /// row `r` in slot `r % ring_rows`.
    ring_rows: usize,
    /// Whether the ring holds the whole padded map: its padding is then zeroed once per
    /// call, and each channel only copies its input in.
    whole_map: bool,
}

impl Geometry {
    fn new(s: &Conv2dShape, padded_w: usize) -> Self {
        let padded_h = (s.out_height.max(1) - 1) * s.stride_h + s.kernel_h;
        let whole_map = padded_h * padded_w <= MAX_RING;
        Self {
            padded_w,
            ring_rows: if whole_map { padded_h } else { s.kernel_h },
            whole_map,
        }
    }
}

/// One call's operands.
struct Depthwise<'a> {
    s: &'a Conv2dShape,
    geometry: Geometry,
    /// The input's zero point.
    iz: i32,
    weight: &'a [i8],
    input: &'a [i8],
}

impl Kernel for Depthwise<'_> {
    /// Every channel, requantized by `epilogue`.
    #[inline(always)]
    fn run<E: Requantizer>(&self, epilogue: &E, output: &mut [i8]) {
        // One ring and one sum buffer for both instances of `channels` below (each
        // instance's own would add to the stack).
        let mut ring = Ring([0; MAX_RING]);
        let mut sums = [0i32; MAX_SUMS];
        let buffers = (&mut ring, &mut sums);
        // The common 3×3 kernel with its loops unrolled; every other size through the same
        // code.
        match (self.s.kernel_h, self.s.kernel_w) {
            (3, 3) => self.channels(3, 3, epilogue, output, buffers),
            (kernel_h, kernel_w) => self.channels(kernel_h, kernel_w, epilogue, output, buffers),
        }
    }
}

impl Depthwise<'_> {
    /// Every output channel: its input channel's rows through the ring, its taps in
    /// registers.
    #[inline(always)]
    fn channels<E: Requantizer>(
        &self,
        kernel_h: usize,
        kernel_w: usize,
        epilogue: &E,
        output: &mut [i8],
        (ring, sums): (&mut Ring, &mut [i32; MAX_SUMS]),
    ) {
        let (s, weight, input, iz) = (self.s, self.weight, self.input, self.iz);
        let Geometry {
            padded_w,
            ring_rows,
            whole_map,
        } = self.geometry;
        let multiplier = s.out_channels / s.in_channels;
        let (plane, pixels, taps) = (
            s.in_height * s.in_width,
            s.out_height * s.out_width,
            kernel_h * kernel_w,
        );
        let pairs = kernel_w / 2;
        for o in 0..s.out_channels {
            let in_map = &input[o / multiplier * plane..][..plane];
            let filter = &weight[o * taps..][..taps];
            let channel = epilogue.channel(o);
            // Each kernel row's taps in pairs (the low half first, as the rows' halves are) and
            // its odd last tap.
            let mut paired = [[0u32; MAX_KERNEL_W / 2]; MAX_KERNEL_H];
            let mut last = [0i32; MAX_KERNEL_H];
            for ky in 0..kernel_h {
                let row = &filter[ky * kernel_w..][..kernel_w];
                let half = |kx: usize| u32::from(row[kx] as i16 as u16);
                for (k, taps) in paired[ky].iter_mut().enumerate().take(pairs) {
                    *taps = half(2 * k) | half(2 * k + 1) << 16;
                }
                last[ky] = i32::from(row[kernel_w - 1]);
            }
            let out_map = &mut output[o * pixels..][..pixels];
            // Sums wait in `sums` (rows of a map in order, so their outputs are contiguous) and
            // are requantized together: one loop per buffer rather than per row, which narrow
            // maps (5 columns in keyword spotting) would pay for at every row.
            let mut pending = 0;
            // The next padded row to widen into the ring (slot `row % kernel_h`).
            let mut next_row = 0;
            if whole_map {
                copy_map(s, in_map, iz, padded_w, ring_rows, ring);
                next_row = usize::MAX;
                #[cfg(nn_arm_dsp)]
                if kernel_h == 3 && kernel_w == 3 && s.out_width <= MAX_SUMS {
                    let map = WholeMap { s, ring, padded_w };
                    let taps = taps_3x3(&paired, &last);
                    let done = match s.stride_w {
                        1 => map.channel_3x3::<2, E>(&taps, epilogue, &channel, sums, out_map),
                        2 => map.channel_3x3::<4, E>(&taps, epilogue, &channel, sums, out_map),
                        _ => false,
                    };
                    if done {
                        continue;
                    }
                }
            }
            for oy in 0..s.out_height {
                let top = oy * s.stride_h;
                while next_row < top + kernel_h {
                    let slot = &mut ring.0[next_row % ring_rows * padded_w..][..padded_w];
                    widen_row(s, in_map, iz, next_row, slot);
                    next_row += 1;
                }
                // The sums of the row first, then their requantization: either loop alone keeps
                // its values in registers (taps, row pointers; or the scale's constants), where
                // one loop doing both spilled them to the stack.
                let mut rows = [core::ptr::null::<i16>(); MAX_KERNEL_H];
                for (ky, row) in rows.iter_mut().enumerate().take(kernel_h) {
                    let slot = if whole_map {
                        top + ky
                    } else {
                        (top + ky) % ring_rows
                    };
                    // SAFETY: slot `(top + ky) % ring_rows` (or `top + ky < ring_rows` for a whole
                    // map) starts at most `(ring_rows − 1) · padded_w` halves in, inside the ring
                    // (`ring_rows · padded_w ≤ MAX_RING`).
                    *row = unsafe { ring.0.as_ptr().add(slot * padded_w) };
                }
                let mut column = 0;
                while column < s.out_width {
                    let len = (s.out_width - column).min(MAX_SUMS);
                    if pending + len > MAX_SUMS {
                        let done = oy * s.out_width + column - pending;
                        requantize(
                            epilogue,
                            &channel,
                            &sums[..pending],
                            &mut out_map[done..][..pending],
                        );
                        pending = 0;
                    }
                    let window = Window {
                        rows,
                        kernel_h,
                        kernel_w,
                        stride: s.stride_w,
                        first: column,
                    };
                    let row_sums = &mut sums[pending..pending + len];
                    match (kernel_h, kernel_w, s.stride_w) {
                        #[cfg(nn_arm_dsp)]
                        (3, 3, 1) => window.sums_3x3::<2>(&paired, &last, 0, row_sums),
                        #[cfg(nn_arm_dsp)]
                        (3, 3, 2) => window.sums_3x3::<4>(&paired, &last, 0, row_sums),
                        _ => window.sums(&paired, &last, 0, row_sums),
                    }
                    pending += len;
                    column += len;
                }
            }
            let done = pixels - pending;
            requantize(epilogue, &channel, &sums[..pending], &mut out_map[done..]);
        }
    }
}

/// The rows of a window in the ring, for a row of outputs.
struct Window {
    rows: [*const i16; MAX_KERNEL_H],
    kernel_h: usize,
    kernel_w: usize,
    stride: usize,
    /// The output column of `sums[0]`.
    first: usize,
}

impl Window {
    /// Each output's sum, `bias` plus its window times the taps.
    #[inline(always)]
    fn sums(
        &self,
        paired: &[[u32; MAX_KERNEL_W / 2]; MAX_KERNEL_H],
        last: &[i32; MAX_KERNEL_H],
        bias: i32,
        sums: &mut [i32],
    ) {
        let (kernel_h, kernel_w) = (self.kernel_h, self.kernel_w);
        let pairs = kernel_w / 2;
        for (ox, sum) in sums.iter_mut().enumerate() {
            let left = (self.first + ox) * self.stride;
            let mut acc = bias;
            for ky in 0..kernel_h {
                // SAFETY: the window's columns `left..left + kernel_w` end at most at
                // `(out_width − 1) · stride_w + kernel_w = padded_w`, inside the row.
                // Unaligned word loads of two halves (ARMv7-M allows them for LDR).
                unsafe {
                    let row = self.rows[ky].add(left);
                    for (k, &taps) in paired[ky].iter().enumerate().take(pairs) {
                        let x = row.add(2 * k).cast::<u32>().read_unaligned();
                        acc = smlad(taps, x, acc);
                    }
                    if kernel_w % 2 == 1 {
                        acc = acc.wrapping_add(last[ky] * i32::from(*row.add(kernel_w - 1)));
                    }
                }
            }
            *sum = acc;
        }
    }
}

#[cfg(nn_arm_dsp)]
impl Window {
    /// [`Self::sums`] for a 3×3 kernel, the window moving `STEP` bytes (two per column of
    /// stride) per output ([`sums_3x3`], one row). `bias` must be 0: the epilogue adds it.
    #[inline(always)]
    fn sums_3x3<const STEP: usize>(
        &self,
        paired: &[[u32; MAX_KERNEL_W / 2]; MAX_KERNEL_H],
        last: &[i32; MAX_KERNEL_H],
        bias: i32,
        sums: &mut [i32],
    ) {
        debug_assert_eq!(bias, 0);
        let first = self.first * STEP / 2;
        // SAFETY: output `k` of `sums` reads halves `left..left + 3` of each row, with
        // `left = (first + k) · stride` and every window inside its row (see `sums`).
        unsafe {
            let rows = [0, 1, 2].map(|ky| self.rows[ky].add(first).cast::<u8>());
            sums_3x3::<STEP>(rows, &taps_3x3(paired, last), sums.len(), 0, sums);
        }
    }
}

/// Sums of 3×3 windows, `width` outputs per row, as many rows as fill `sums`: output `k`
/// of a row reads bytes `k · STEP ..+ 6` of each of the three `rows`, and each next row
/// starts `skip` bytes after where the previous one's last window moved on to. One `asm!`
/// loop with the nine taps and the row pointers in registers (the compiler's own loop
/// spilled them, at over twice the cost): 15 instructions per output, 8 more per row.
///
/// # Safety
/// Every window so read lies inside memory readable for the call; `width` divides
/// `sums.len()`.
#[cfg(nn_arm_dsp)]
#[inline(always)]
unsafe fn sums_3x3<const STEP: usize>(
    rows: [*const u8; 3],
    taps: &[u32; 6],
    width: usize,
    skip: usize,
    sums: &mut [i32],
) {
    if sums.is_empty() {
        return;
    }
    let start = sums.as_mut_ptr();
    // SAFETY: the reads are the caller's to guarantee; the stores stay in `sums`, whose
    // rows of `width` end at `start + sums.len()`. r6 and r7 (which asm! cannot name) are
    // saved on the stack and restored, with the skip and the row's bytes of sums, which the
    // loop reads there.
    unsafe {
        core::arch::asm!(
            "push {{r6, r7, r12, lr}}",
            "ldr r6, [r5, #4]",
            "ldr r7, [r5, #8]",
            "ldr r8, [r5, #12]",
            "ldr r9, [r5, #16]",
            "ldr r10, [r5, #20]",
            "ldr r5, [r5]",
            "2:",
            "ldrsh lr, [r0, #4]",
            "smulbb r12, lr, r6",
            "ldr lr, [r0], #{step}",
            "smlad r12, lr, r5, r12",
            "ldrsh lr, [r1, #4]",
            "smlabb r12, lr, r8, r12",
            "ldr lr, [r1], #{step}",
            "smlad r12, lr, r7, r12",
            "ldrsh lr, [r2, #4]",
            "smlabb r12, lr, r10, r12",
            "ldr lr, [r2], #{step}",
            "smlad r12, lr, r9, r12",
            "str r12, [r3], #4",
            "cmp r3, r11",
            "bne 2b",
            // A row done: the next row, unless the sums are.
            "cmp r3, r4",
            "beq 3f",
            "ldr r12, [sp, #8]",
            "add r0, r12",
            "add r1, r12",
            "add r2, r12",
            "ldr r12, [sp, #12]",
            "add r11, r12",
            "b 2b",
            "3:",
            "pop {{r6, r7, r12, lr}}",
            step = const STEP,
            inout("r0") rows[0] => _,
            inout("r1") rows[1] => _,
            inout("r2") rows[2] => _,
            inout("r3") start => _,
            in("r4") start.add(sums.len()),
            inout("r5") taps.as_ptr() => _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            inout("r11") start.add(width) => _,
            inout("r12") skip => _,
            inout("lr") 4 * width => _,
        );
    }
}

/// A 3×3 kernel's taps as [`Window::sums_3x3`] and [`WholeMap::channel_3x3`] read them: each
/// row's pair of taps, then its third (`SMLABB` reads the low half).
#[cfg(nn_arm_dsp)]
#[inline(always)]
fn taps_3x3(
    paired: &[[u32; MAX_KERNEL_W / 2]; MAX_KERNEL_H],
    last: &[i32; MAX_KERNEL_H],
) -> [u32; 6] {
    [
        paired[0][0],
        last[0] as u32,
        paired[1][0],
        last[1] as u32,
        paired[2][0],
        last[2] as u32,
    ]
}

/// A channel's whole padded map in the ring, for a 3×3 kernel.
#[cfg(nn_arm_dsp)]
struct WholeMap<'a> {
    s: &'a Conv2dShape,
    ring: &'a Ring,
    padded_w: usize,
}

#[cfg(nn_arm_dsp)]
impl WholeMap<'_> {
    /// The channel's outputs, as many whole rows at a time as `sums` holds, each batch
    /// summed by one [`sums_3x3`] loop that steps from row to row itself (narrow maps, 5
    /// columns in keyword spotting, otherwise pay a call's set-up at every row). `false`
    /// (nothing written) where `sums` cannot hold a row.
    #[inline(always)]
    fn channel_3x3<const STEP: usize, E: Requantizer>(
        &self,
        taps: &[u32; 6],
        epilogue: &E,
        channel: &E::Channel,
        sums: &mut [i32; MAX_SUMS],
        out_map: &mut [i8],
    ) -> bool {
        let (s, padded_w) = (self.s, self.padded_w);
        let width = s.out_width;
        if width == 0 || width > MAX_SUMS {
            return false;
        }
        let rows_per_batch = MAX_SUMS / width;
        // Bytes from the end of a row's last window (as the loop leaves its pointers) to the
        // start of the next row's first.
        let skip = 2 * s.stride_h * padded_w - width * STEP;
        for first in (0..s.out_height).step_by(rows_per_batch) {
            let count = rows_per_batch.min(s.out_height - first) * width;
            let top = first * s.stride_h * padded_w;
            assert!(top + (count / width - 1) * s.stride_h * padded_w + 3 * padded_w <= MAX_RING);
            let batch = &mut sums[..count];
            // SAFETY: each output `k` of row `r` of the batch reads halves `left..left + 3`
            // of padded rows `(first + r) · stride_h + ky` (ky < 3), `left = k · stride_w`,
            // `left + 3 ≤ padded_w`: inside the ring, as asserted above.
            unsafe {
                let row = self.ring.0.as_ptr().add(top).cast::<u8>();
                let rows = [0, 1, 2].map(|ky| row.add(2 * ky * padded_w));
                sums_3x3::<STEP>(rows, taps, width, skip, batch);
            }
            requantize(
                epilogue,
                channel,
                batch,
                &mut out_map[first * width..][..count],
            );
        }
        true
    }
}

/// Outputs from their sums. Not inlined, so that the channel's constants stay in registers.
#[inline(never)]
fn requantize<E: Requantizer>(epilogue: &E, channel: &E::Channel, sums: &[i32], outs: &mut [i8]) {
    for (out, &sum) in outs.iter_mut().zip(sums) {
        *out = epilogue.output(channel, sum);
    }
}

/// A channel's input into a ring holding the whole padded map: the rows and columns inside
/// the input overwritten, the padding left as it is (zero: the ring starts zeroed and no
/// channel writes there).
#[inline(always)]
fn copy_map(
    s: &Conv2dShape,
    in_map: &[i8],
    iz: i32,
    padded_w: usize,
    ring_rows: usize,
    ring: &mut Ring,
) {
    // What of the input the windows reach: rows and columns past the last window are
    // never read (and may lie outside the ring).
    if s.in_width == 0 {
        return;
    }
    let rows = s.in_height.min(ring_rows.saturating_sub(s.pad_top));
    let cols = s.in_width.min(padded_w.saturating_sub(s.pad_left));
    for (iy, in_row) in in_map.chunks_exact(s.in_width).take(rows).enumerate() {
        let slot = &mut ring.0[(iy + s.pad_top) * padded_w + s.pad_left..][..cols];
        widen_into(&in_row[..cols], iz, slot);
    }
}

/// Padded row `padded_row` of a channel (`in_map`), widened: `x − iz` inside the input,
/// 0 in the padding (what TFLite's skipping those taps adds).
#[inline(always)]
fn widen_row(s: &Conv2dShape, in_map: &[i8], iz: i32, padded_row: usize, slot: &mut [i16]) {
    let iy = padded_row as isize - s.pad_top as isize;
    if !(0..s.in_height as isize).contains(&iy) {
        slot.fill(0);
        return;
    }
    let in_row = &in_map[iy as usize * s.in_width..][..s.in_width];
    // Padded columns `pad_left..pad_left + in_width` hold the row; what the kernel reaches
    // beyond the input on the right is padding too.
    let start = s.pad_left.min(slot.len());
    let end = (s.pad_left + s.in_width).min(slot.len());
    slot[..start].fill(0);
    widen_into(&in_row[..end - start], iz, &mut slot[start..end]);
    slot[end..].fill(0);
}
