//! Seeded case generators shared by the tests that hold a fast int8 path against the
//! portable kernels (`dsp_tests`, `accelerated_tests`).

use super::*;
use crate::Rng;

/// Input and weight values: random, every value −128, every value 127.
pub(super) const EDGES: [Option<i8>; 3] = [None, Some(i8::MIN), Some(i8::MAX)];

/// `len` values, every one `edge` or random.
pub(super) fn values(rng: &mut Rng, len: usize, edge: Option<i8>) -> Vec<i8> {
    (0..len)
        .map(|_| edge.unwrap_or((rng.next_u64() >> 56) as u8 as i8))
        .collect()
}

/// `n` ordinary per-channel scales.
pub(super) fn scales(rng: &mut Rng, n: usize) -> Vec<QuantizedMultiplier> {
    (0..n)
        .map(|_| QuantizedMultiplier::from_f64(1e-4 + 0.02 * f64::from(rng.next_f32())))
        .collect()
}

/// An output stage with the full int8 clamp and symmetric weights.
pub(super) fn stage<R>(scales: &[R], iz: i32, oz: i32) -> OutputStage<'_, R> {
    OutputStage {
        input_zero_point: iz,
        weight_zero_point: 0,
        output_zero_point: oz,
        min: -128,
        max: 127,
        scales,
    }
}

/// The ranges a random convolution is drawn from: each an exclusive upper bound of a draw
/// `1 + below(bound)` (or `below(bound)` for `grow`).
pub(super) struct Limits {
    pub(super) in_channels: u64,
    pub(super) kernel_h: u64,
    pub(super) kernel_w: u64,
    pub(super) stride: u64,
    /// Input rows and columns beyond the kernel's.
    pub(super) grow: u64,
    pub(super) out_channels: u64,
    pub(super) multiplier: u64,
    /// Whether inputs may be smaller than the kernel (the padding then makes up the rest).
    pub(super) shrink: bool,
}

/// Small convolutions, within the DSP kernels' stack buffers.
pub(super) const SMALL: Limits = Limits {
    in_channels: 19,
    kernel_h: 4,
    kernel_w: 5,
    stride: 2,
    grow: 7,
    out_channels: 9,
    multiplier: 2,
    shrink: false,
};

/// A convolution of ragged shape: padding below the kernel size on the top and left (the
/// bottom and right implied by the output size; some taps of a small input may meet no
/// input at all), depthwise ones with a multiplier.
pub(super) fn shape(rng: &mut Rng, depthwise: bool, limits: &Limits) -> Conv2dShape {
    let mut pick = |n: u64| (rng.next_u64() % n) as usize;
    let in_channels = 1 + pick(limits.in_channels);
    let (kernel_h, kernel_w) = (1 + pick(limits.kernel_h), 1 + pick(limits.kernel_w));
    let (stride_h, stride_w) = (1 + pick(limits.stride), 1 + pick(limits.stride));
    let (in_height, in_width) = if limits.shrink {
        let (h, w) = (kernel_h as u64 + limits.grow, kernel_w as u64 + limits.grow);
        (1 + pick(h), 1 + pick(w))
    } else {
        (kernel_h + pick(limits.grow), kernel_w + pick(limits.grow))
    };
    // At least the padding that leaves one output.
    let pad_top = pick(kernel_h as u64).max(kernel_h.saturating_sub(in_height).div_ceil(2));
    let pad_left = pick(kernel_w as u64).max(kernel_w.saturating_sub(in_width).div_ceil(2));
    let out_channels = if depthwise {
        in_channels * (1 + pick(limits.multiplier))
    } else {
        1 + pick(limits.out_channels)
    };
    Conv2dShape {
        in_channels,
        in_height,
        in_width,
        out_channels,
        kernel_h,
        kernel_w,
        stride_h,
        stride_w,
        pad_top,
        pad_left,
        out_height: (in_height + 2 * pad_top - kernel_h) / stride_h + 1,
        out_width: (in_width + 2 * pad_left - kernel_w) / stride_w + 1,
    }
}
