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
/// mapped by `map`, the padding zero, into `packed`.
pub(super) fn pack_rows<T: Copy + Default, const G: usize>(
    weight: &[i8],
    k: usize,
    padded_rows: usize,
    map: impl Fn(i8) -> T,
    packed: &mut Vec<T>,
) {
    let width = k.div_ceil(G) * G;
    packed.clear();
    packed.resize(padded_rows * width, T::default());
    for (row, filter) in packed.chunks_exact_mut(width).zip(weight.chunks_exact(k)) {
        for (to, &w) in row.iter_mut().zip(filter) {
            *to = map(w);
        }
    }
}

/// The im2col matrix of `s` as int8 rows: row `k` the tap `(i, ky, kx)`, column `p` the
/// output `oy · out_width + ox`, positions outside the input holding `iz` (the zero point,
/// which adds nothing). A pointwise convolution's matrix is its input, borrowed.
pub(super) fn im2col<'a>(
    s: &Conv2dShape,
    input: &'a [i8],
    iz: i8,
    rows: &'a mut Vec<i8>,
) -> &'a [i8] {
    let pointwise = s.kernel_h == 1 && s.kernel_w == 1;
    let unit = s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 && s.pad_left == 0;
    if pointwise && unit && s.out_height == s.in_height && s.out_width == s.in_width {
        return input;
    }
    let taps = s.kernel_h * s.kernel_w;
    let pixels = s.out_height * s.out_width;
    rows.clear();
    rows.resize(s.in_channels * taps * pixels, iz);
    let plane = s.in_height * s.in_width;
    for i in 0..s.in_channels {
        let channel = &input[i * plane..][..plane];
        for ky in 0..s.kernel_h {
            let top = ky as isize - s.pad_top as isize;
            let oys = inside(top, s.stride_h, s.in_height, s.out_height);
            for kx in 0..s.kernel_w {
                let offset = kx as isize - s.pad_left as isize;
                let oxs = inside(offset, s.stride_w, s.in_width, s.out_width);
                if oxs.is_empty() {
                    continue;
                }
                let k = i * taps + ky * s.kernel_w + kx;
                let row = &mut rows[k * pixels..][..pixels];
                for oy in oys.clone() {
                    let iy = oy * s.stride_h + ky - s.pad_top;
                    let in_row = &channel[iy * s.in_width..][..s.in_width];
                    let to = &mut row[oy * s.out_width..][oxs.clone()];
                    let first = (oxs.start * s.stride_w) as isize + offset;
                    let from = &in_row[first as usize..];
                    if s.stride_w == 1 {
                        to.copy_from_slice(&from[..to.len()]);
                    } else {
                        for (to, &x) in to.iter_mut().zip(from.iter().step_by(s.stride_w)) {
                            *to = x;
                        }
                    }
                }
            }
        }
    }
    rows
}

/// `k × pixels` int8 rows (an [`im2col`] matrix) mapped by `map` and interleaved for the GEMM
/// kernels: in `groups = ⌈k / G⌉` groups of `G` rows and panels of `NR` columns, `(k, p)` at
/// `((p / NR) · groups + k / G) · NR · G + (p % NR) · G + k % G`. Rows past `k` and columns
/// past `pixels` (up to a whole panel) hold `pad`. Returns `(groups, columns)`, the columns a
/// multiple of `NR`. `write_block` writes a whole group of a whole panel (`G` rows of `NR` values)
/// as `map` would, faster.
pub(super) fn interleave<T: Copy, const G: usize, const NR: usize>(
    rows: &[i8],
    k: usize,
    pixels: usize,
    map: impl Fn(i8) -> T,
    pad: T,
    write_block: impl Fn([&[i8]; G], &mut [T]),
    packed: &mut Vec<T>,
) -> (usize, usize) {
    let groups = k.div_ceil(G);
    let columns = pixels.next_multiple_of(NR);
    packed.clear();
    packed.resize(groups * columns * G, pad);
    for (panel, block) in packed.chunks_exact_mut(groups * NR * G).enumerate() {
        let p0 = panel * NR;
        let width = NR.min(pixels - p0);
        for (g, to) in block.chunks_exact_mut(NR * G).enumerate() {
            let lanes = G.min(k - g * G);
            if width == NR && lanes == G {
                write_block(
                    core::array::from_fn(|l| &rows[(g * G + l) * pixels + p0..][..NR]),
                    to,
                );
            } else {
                for l in 0..lanes {
                    let from = &rows[(g * G + l) * pixels + p0..][..width];
                    for (j, &x) in from.iter().enumerate() {
                        to[j * G + l] = map(x);
                    }
                }
            }
        }
    }
    (groups, columns)
}

/// Where a depthwise kernel reads one channel: `rows = (out_height − 1) · stride_h +
/// kernel_h` padded input rows, `pitch` apart, each split into `stride_w` phases of
/// `phase_len = out_width + (kernel_w − 1) / stride_w` values, phase `ph` holding the padded
/// columns `j · stride_w + ph`. Output `(oy, ox)` meets tap `(ky, kx)` at
/// `(oy · stride_h + ky) · pitch + ox + offset(ky, kx)` with `offset = ky · pitch +
/// (kx % stride_w) · phase_len + kx / stride_w` — whatever the strides, every tap is one
/// constant offset from the output's own position, so a run of outputs is a run of loads.
/// With `stride_h = 1` the whole map is one run (`pitch − out_width` unused outputs per row).
#[derive(Clone, Copy, Debug)]
pub(super) struct PhasePlane {
    pub(super) phase_len: usize,
    pub(super) pitch: usize,
}

impl PhasePlane {
    pub(super) fn new(s: &Conv2dShape) -> PhasePlane {
        let phase_len = s.out_width + (s.kernel_w - 1) / s.stride_w;
        PhasePlane {
            phase_len,
            pitch: phase_len * s.stride_w,
        }
    }

    /// The offset of padded row `r`, phase `phase`.
    #[inline]
    pub(super) fn at(self, r: usize, phase: usize) -> usize {
        r * self.pitch + phase * self.phase_len
    }

    /// Tap `(ky, kx)`'s offset from an output's position.
    pub(super) fn offset(self, s: &Conv2dShape, ky: usize, kx: usize) -> usize {
        self.at(ky, kx % s.stride_w) + kx / s.stride_w
    }

    /// The plane's length: its rows, one row more and `lanes` values of zeros, so that a
    /// kernel computing `lanes` outputs at a time reads inside it.
    pub(super) fn len(self, s: &Conv2dShape, lanes: usize) -> usize {
        let rows = (s.out_height - 1) * s.stride_h + s.kernel_h;
        (rows + 1) * self.pitch + lanes
    }

    /// Fills `plane` with one channel's values less `iz`, 0 outside the input.
    pub(super) fn fill(
        self,
        s: &Conv2dShape,
        channel: &[i8],
        iz: i32,
        lanes: usize,
        plane: &mut Vec<i32>,
    ) {
        let rows = (s.out_height - 1) * s.stride_h + s.kernel_h;
        plane.clear();
        plane.resize(self.len(s, lanes), 0);
        let row_range = inside(-(s.pad_top as isize), 1, s.in_height, rows);
        for phase in 0..s.stride_w {
            let offset = phase as isize - s.pad_left as isize;
            let js = inside(offset, s.stride_w, s.in_width, self.phase_len);
            if js.is_empty() {
                continue;
            }
            let first = ((js.start * s.stride_w) as isize + offset) as usize;
            for r in row_range.clone() {
                let in_row = &channel[(r - s.pad_top) * s.in_width..][..s.in_width];
                let to = &mut plane[self.at(r, phase)..][js.clone()];
                if s.stride_w == 1 {
                    // The common case as plain slices, which the compiler vectorizes.
                    for (to, &x) in to.iter_mut().zip(&in_row[first..]) {
                        *to = i32::from(x) - iz;
                    }
                } else {
                    let from = in_row[first..].iter().step_by(s.stride_w);
                    for (to, &x) in to.iter_mut().zip(from) {
                        *to = i32::from(x) - iz;
                    }
                }
            }
        }
    }
}

/// Pairs of `x − iz` as `i16` for the AVX2 tiles: `to[2j + l] = from[l][j] − iz`, 16 columns.
pub(super) fn pairs_block(iz: i16, from: [&[i8]; 2], to: &mut [i16]) {
    use core::arch::x86_64::*;
    assert!(from[0].len() >= 16 && from[1].len() >= 16 && to.len() >= 32);
    // SAFETY: 16 bytes of each row are read and 32 `i16` written (asserted); SSE2 is part
    // of x86-64.
    unsafe {
        let zero_point = _mm_set1_epi16(iz);
        let widen = |row: &[i8]| {
            let x = _mm_loadu_si128(row.as_ptr().cast());
            let low = _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8);
            let high = _mm_srai_epi16(_mm_unpackhi_epi8(x, x), 8);
            (
                _mm_sub_epi16(low, zero_point),
                _mm_sub_epi16(high, zero_point),
            )
        };
        let (low0, high0) = widen(from[0]);
        let (low1, high1) = widen(from[1]);
        let out = to.as_mut_ptr().cast::<__m128i>();
        _mm_storeu_si128(out, _mm_unpacklo_epi16(low0, low1));
        _mm_storeu_si128(out.add(1), _mm_unpackhi_epi16(low0, low1));
        _mm_storeu_si128(out.add(2), _mm_unpacklo_epi16(high0, high1));
        _mm_storeu_si128(out.add(3), _mm_unpackhi_epi16(high0, high1));
    }
}

/// Quads of `x + 128` as bytes for the VNNI tiles: `to[4j + l] = from[l][j] ^ 0x80`, 16
/// columns.
pub(super) fn quads_block(from: [&[i8]; 4], to: &mut [u8]) {
    use core::arch::x86_64::*;
    assert!(from.iter().all(|row| row.len() >= 16) && to.len() >= 64);
    // SAFETY: 16 bytes of each row are read and 64 written (asserted); SSE2 is part of
    // x86-64.
    unsafe {
        let flip = _mm_set1_epi8(i8::MIN);
        let row = |l: usize| _mm_xor_si128(_mm_loadu_si128(from[l].as_ptr().cast()), flip);
        let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
        let (a, b) = (_mm_unpacklo_epi8(r0, r1), _mm_unpackhi_epi8(r0, r1));
        let (c, d) = (_mm_unpacklo_epi8(r2, r3), _mm_unpackhi_epi8(r2, r3));
        let out = to.as_mut_ptr().cast::<__m128i>();
        _mm_storeu_si128(out, _mm_unpacklo_epi16(a, c));
        _mm_storeu_si128(out.add(1), _mm_unpackhi_epi16(a, c));
        _mm_storeu_si128(out.add(2), _mm_unpacklo_epi16(b, d));
        _mm_storeu_si128(out.add(3), _mm_unpackhi_epi16(b, d));
    }
}
