//! The layouts the x86 int8 kernels read: weights and im2col columns interleaved in groups of
//! `G` consecutive filter taps (pairs of `i16` for `vpmaddwd`, quads of bytes for
//! `vpdpbusd`), and one depthwise channel as an `i32` plane split by column phase.

use crate::ops::conv::Conv2dShape;
use core::ops::Range;
use std::vec::Vec;

/// The outputs `o` of a row (or column) whose input `o · stride + offset` lies in `0..len`.
fn inside(offset: isize, stride: usize, len: usize, outputs: usize) -> Range<usize> {
    let start = if offset >= 0 {
        0
    } else {
        offset.unsigned_abs().div_ceil(stride)
    };
    let room = len as isize - offset;
    let end = if room <= 0 {
        0
    } else {
        (room as usize).div_ceil(stride).min(outputs)
    };
    start.min(end)..end
}

/// `rows × k` weights as `padded_rows` rows of `groups · G` values (`groups = ⌈k / G⌉`),
/// mapped by `map`, the padding zero.
pub(super) fn pack_rows<T: Copy + Default, const G: usize>(
    weight: &[i8],
    k: usize,
    padded_rows: usize,
    map: impl Fn(i8) -> T,
) -> Vec<T> {
    let width = k.div_ceil(G) * G;
    let mut packed = std::vec![T::default(); padded_rows * width];
    for (row, filter) in packed.chunks_exact_mut(width).zip(weight.chunks_exact(k)) {
        for (to, &w) in row.iter_mut().zip(filter) {
            *to = map(w);
        }
    }
    packed
}

/// The im2col matrix of `s` — row `k` the tap `(i, ky, kx)`, column `p` the output
/// `oy · out_width + ox` — with `map` applied, in `groups = ⌈K / G⌉` groups of `G` rows and
/// panels of `NR` columns: `(k, p)` at `((p / NR) · groups + k / G) · NR · G + (p % NR) · G +
/// k % G`. Taps outside the input, rows past `K` and columns past `P` (up to a whole panel)
/// hold `pad`. Returns `(groups, columns)`, the columns a multiple of `NR`.
pub(super) fn pack_columns<T: Copy, const G: usize, const NR: usize>(
    s: &Conv2dShape,
    input: &[i8],
    map: impl Fn(i8) -> T,
    pad: T,
    packed: &mut Vec<T>,
) -> (usize, usize) {
    let taps = s.kernel_h * s.kernel_w;
    let groups = (s.in_channels * taps).div_ceil(G);
    let columns = (s.out_height * s.out_width).next_multiple_of(NR);
    packed.clear();
    packed.resize(groups * columns * G, pad);
    let plane = s.in_height * s.in_width;
    for i in 0..s.in_channels {
        let channel = &input[i * plane..][..plane];
        for ky in 0..s.kernel_h {
            let rows = inside(
                ky as isize - s.pad_top as isize,
                s.stride_h,
                s.in_height,
                s.out_height,
            );
            for kx in 0..s.kernel_w {
                let offset = kx as isize - s.pad_left as isize;
                let cols = inside(offset, s.stride_w, s.in_width, s.out_width);
                let k = i * taps + ky * s.kernel_w + kx;
                let (group, lane) = (k / G, k % G);
                for oy in rows.clone() {
                    let iy = oy * s.stride_h + ky - s.pad_top;
                    let in_row = &channel[iy * s.in_width..][..s.in_width];
                    for ox in cols.clone() {
                        let p = oy * s.out_width + ox;
                        let at = ((p / NR) * groups + group) * NR * G + (p % NR) * G + lane;
                        let ix = (ox * s.stride_w) as isize + offset;
                        packed[at] = map(in_row[ix as usize]);
                    }
                }
            }
        }
    }
    (groups, columns)
}

/// Where a depthwise kernel reads one channel: `rows = (out_height − 1) · stride_h +
/// kernel_h` padded input rows, each split into `stride_w` phases of `phase_len` values, the
/// phase `ph` holding the padded columns `j · stride_w + ph`. Output column `ox` then meets
/// tap `kx` at phase `kx % stride_w`, index `ox + kx / stride_w`: contiguous in `ox` whatever
/// the stride.
#[derive(Clone, Copy, Debug)]
pub(super) struct PhasePlane {
    pub(super) phase_len: usize,
}

impl PhasePlane {
    /// The plane for outputs computed `padded_width` columns at a time.
    pub(super) fn new(s: &Conv2dShape, padded_width: usize) -> PhasePlane {
        PhasePlane {
            phase_len: padded_width + (s.kernel_w - 1) / s.stride_w,
        }
    }

    /// The offset of padded row `r`, phase `phase`.
    #[inline]
    pub(super) fn at(self, s: &Conv2dShape, r: usize, phase: usize) -> usize {
        (r * s.stride_w + phase) * self.phase_len
    }

    /// Fills `plane` with one channel's values less `iz`, 0 outside the input.
    pub(super) fn fill(self, s: &Conv2dShape, channel: &[i8], iz: i32, plane: &mut Vec<i32>) {
        let rows = (s.out_height - 1) * s.stride_h + s.kernel_h;
        plane.clear();
        plane.resize(self.at(s, rows, 0), 0);
        let row_range = inside(-(s.pad_top as isize), 1, s.in_height, rows);
        for r in row_range {
            let in_row = &channel[(r - s.pad_top) * s.in_width..][..s.in_width];
            for phase in 0..s.stride_w {
                let offset = phase as isize - s.pad_left as isize;
                let start = self.at(s, r, phase);
                let to = &mut plane[start..start + self.phase_len];
                for j in inside(offset, s.stride_w, s.in_width, self.phase_len) {
                    let ix = (j * s.stride_w) as isize + offset;
                    to[j] = i32::from(in_row[ix as usize]) - iz;
                }
            }
        }
    }
}
