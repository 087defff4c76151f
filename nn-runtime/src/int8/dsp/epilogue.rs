//! The requantization of the DSP convolution in a dozen instructions per output, for layers
//! whose sums are small enough (every real layer's): TFLite's two roundings with 32-bit
//! operations only, `SMMULR` for the doubling high multiply.
//!
//! TFLite computes `high = (x·M + 2^30) >> 31` (a floor, see
//! [`PreparedMultiplier`](super::super::PreparedMultiplier)) on 64 bits. When `|x| < 2^30`,
//! `2x` is an `i32` and `SMMULR(2x, M) = (2x·M + 2^31) >> 32` is the same floor. The rounding
//! division by `2^e` (ties away from zero), for `e ≥ 1`, is `(high + 2^(e−1) − [high < 0]) >> e`:
//! with `high = q·2^e + r`, both add one to `q` exactly when `r ≥ 2^(e−1) + [high < 0]`. No
//! step overflows while `|high| ≤ |x| < 2^30`.
//!
//! `x = bias + Σ w·(a − iz)` with `|w| ≤ 128` and `|a − iz| ≤ 255`, so a filter of `len`
//! weights keeps `|x| ≤ len · 32,640 + |bias|`: [`Epilogue::new`] checks that bound once per
//! layer, and that every scale shifts right (`e ≥ 1`), which is what TFLite's converter
//! produces for convolutions. Channels whose filters are all zeros are left out: the
//! convolution writes their constant outputs itself ([`LiveFilters`]). Otherwise the DSP
//! kernel declines the layer and the caller runs the portable one: no layer of the MLPerf
//! Tiny models or of the quantized MNIST networks needs it, and a third instance of the
//! kernels for such layers cost some 6 KB of flash.

use super::super::multiplier::{QuantizedMultiplier, Requantize};
use super::super::output_stage::{bias_of, OutputStage};
use super::live::LiveFilters;
pub(super) use super::primitives::smmulr;
use super::primitives::ssat8;

/// The largest `|w · (a − iz)|` of one multiply-accumulate.
const LARGEST_PRODUCT: u64 = 128 * 255;

/// How a DSP kernel turns a channel's sums into output bytes: the channel's constants taken
/// once, then applied to each of its sums.
pub(super) trait Requantizer {
    /// What one output channel keeps in registers.
    type Channel: Copy;

    /// Output channel `o`'s constants.
    fn channel(&self, o: usize) -> Self::Channel;

    /// The output byte of a channel's sum (bias not included).
    fn output(&self, channel: &Self::Channel, sum: i32) -> i8;
}

/// A kernel generic over its [`Requantizer`], which [`dispatch`] picks for the layer.
pub(super) trait Kernel {
    /// The whole layer into `output`.
    fn run<E: Requantizer>(&self, epilogue: &E, output: &mut [i8]);
}

/// Runs `kernel` with the cheapest requantizer that gives the layer's bytes: [`Saturating`]
/// where the clamp is int8's whole range (every ReLU output with the usual zero point of
/// −128), else [`Epilogue`], where the sums of the `live` channels stay small (the kernel
/// leaves the others alone). `false` (nothing written) otherwise.
#[inline(always)]
pub(super) fn dispatch<R: Requantize, K: Kernel>(
    stage: &OutputStage<'_, R>,
    bias: &[i32],
    len: usize,
    live: &LiveFilters,
    kernel: &K,
    output: &mut [i8],
) -> bool {
    match Epilogue::new(stage, bias, len, live) {
        Some(epilogue) if stage.min == i8::MIN && stage.max == i8::MAX => {
            kernel.run(&Saturating(epilogue), output)
        }
        Some(epilogue) => kernel.run(&epilogue, output),
        None => return false,
    }
    true
}

/// A layer's output stage in the form [`Requantizer::output`] applies.
#[derive(Clone, Copy)]
pub(super) struct Epilogue<'a> {
    scales: &'a [QuantizedMultiplier],
    bias: &'a [i32],
    zero_point: i32,
    min: i32,
    max: i32,
}

impl<'a> Epilogue<'a> {
    /// The epilogue of a layer with filters of `len` weights, or `None` when a scale is not
    /// a fixed-point one shifting right, the sums could reach `2^30`, or the zero point
    /// folded into the rounding constant ([`Channel`]) could overflow. Channels that are not
    /// `live` (all-zero filters, whose outputs the kernel does not requantize) are left out.
    pub(super) fn new<R: Requantize>(
        stage: &OutputStage<'a, R>,
        bias: &'a [i32],
        len: usize,
        live: &LiveFilters,
    ) -> Option<Self> {
        let scales = R::fixed_point(stage.scales)?;
        // Whether `holds` for the scale of every live channel (the one scale of a layer with
        // one, unless no channel is live).
        let every_scale = |holds: &dyn Fn(QuantizedMultiplier) -> bool| match scales {
            [scale] => !live.any_live() || holds(*scale),
            _ => (scales.iter().enumerate()).all(|(o, &scale)| !live.is_live(o) || holds(scale)),
        };
        let shifts_right =
            every_scale(&|s| (-31..=-1).contains(&s.shift) && s.multiplier != i32::MIN);
        let largest_bias = (bias.iter().enumerate())
            .filter(|&(o, _)| live.is_live(o))
            .map(|(_, b)| u64::from(b.unsigned_abs()))
            .max();
        let bound = (len as u64)
            .saturating_mul(LARGEST_PRODUCT)
            .saturating_add(largest_bias.unwrap_or(0));
        // |high| ≤ bound + 1, plus the rounding half, the sign's −1 and zp · 2^e.
        let zero_point = u64::from(stage.output_zero_point.unsigned_abs());
        let folds = every_scale(&|s| {
            let right = s.shift.unsigned_abs().min(31);
            bound + 2 + (1 << right >> 1) + (zero_point << right) < 1 << 31
        });
        (shifts_right && bound < 1 << 30 && folds && stage.min <= stage.max).then_some(Self {
            scales,
            bias,
            zero_point: stage.output_zero_point,
            min: i32::from(stage.min),
            max: i32::from(stage.max),
        })
    }
}

impl Requantizer for Epilogue<'_> {
    type Channel = Channel;

    #[inline(always)]
    fn channel(&self, o: usize) -> Channel {
        let scale = if self.scales.len() == 1 {
            self.scales[0]
        } else {
            self.scales[o]
        };
        let right = scale.shift.unsigned_abs();
        Channel {
            doubled_bias: bias_of(self.bias, o) << 1,
            multiplier: scale.multiplier,
            offset: (1 << (right - 1)) + (self.zero_point << right),
            right,
        }
    }

    #[inline(always)]
    fn output(&self, channel: &Channel, sum: i32) -> i8 {
        // Not `clamp`, whose check that min ≤ max (made once, in `new`) would cost a branch.
        self.unclamped(channel, sum).max(self.min).min(self.max) as i8
    }
}

impl Epilogue<'_> {
    /// The requantized sum plus the zero point, before the clamp.
    #[inline(always)]
    fn unclamped(&self, channel: &Channel, sum: i32) -> i32 {
        let x = channel.doubled_bias + (sum << 1);
        let high = smmulr(x, channel.multiplier);
        (high + channel.offset + (high >> 31)) >> channel.right
    }
}

/// An [`Epilogue`] whose clamp is int8's whole range: one `SSAT` in place of two compares.
pub(super) struct Saturating<'a>(Epilogue<'a>);

impl Requantizer for Saturating<'_> {
    type Channel = Channel;

    #[inline(always)]
    fn channel(&self, o: usize) -> Channel {
        self.0.channel(o)
    }

    #[inline(always)]
    fn output(&self, channel: &Channel, sum: i32) -> i8 {
        saturate_to_i8(self.0.unclamped(channel, sum))
    }
}

/// One output channel's constants, kept in registers over its outputs.
#[derive(Clone, Copy)]
pub(super) struct Channel {
    doubled_bias: i32,
    multiplier: i32,
    /// The rounding half `2^(e−1)` plus the output zero point times `2^e`: adding `zp`
    /// after the shift is adding `zp · 2^e` before it (an arithmetic shift floors).
    offset: i32,
    right: u32,
}

/// `x` clamped to −128..=127 by one `SSAT`.
#[inline(always)]
pub(super) fn saturate_to_i8(x: i32) -> i8 {
    ssat8(x) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(scales: &[QuantizedMultiplier]) -> OutputStage<'_, QuantizedMultiplier> {
        OutputStage {
            input_zero_point: -3,
            weight_zero_point: 0,
            output_zero_point: -7,
            min: -128,
            max: 127,
            scales,
        }
    }

    /// Every sum the bound allows, sampled densely near the edges, gives the general path's
    /// byte, for right shifts 1..=31 and multipliers across [2^30, 2^31), clamped or
    /// saturated.
    #[test]
    fn matches_the_general_requantization() {
        let multipliers = [
            1 << 30,
            (1 << 30) + 1,
            1_518_500_250,
            i32::MAX - 1,
            i32::MAX,
        ];
        let mut checked = 0u64;
        for right in 1..=31 {
            for &multiplier in &multipliers {
                let scales = [QuantizedMultiplier {
                    multiplier,
                    shift: -right,
                }];
                let len = 4096;
                let bias = [-(1 << 28), 12_345];
                let stage = stage(&scales);
                let Some(epilogue) = Epilogue::new(&stage, &bias, len, &LiveFilters::all()) else {
                    // The zero point −7 folded in at 2^28 and beyond would overflow.
                    assert!(right >= 28, "declined at shift −{right}");
                    continue;
                };
                let reach = (len as i32) * LARGEST_PRODUCT as i32;
                let mut sums: Vec<i32> = (-2000..=2000).collect();
                sums.extend((0..=2000).map(|k| reach - k));
                sums.extend((0..=2000).map(|k| -reach + k));
                let mut state = 0x9e37_79b9_u32 ^ right as u32;
                sums.extend((0..20_000).map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state % (2 * reach as u32 + 1)) as i32 - reach
                }));
                // The same scale under a narrower clamp, −100..=20.
                let clamped_stage = OutputStage {
                    min: -100,
                    max: 20,
                    ..stage
                };
                let clamped = Epilogue::new(&clamped_stage, &bias, len, &LiveFilters::all())
                    .expect("as above");
                for (o, &b) in bias.iter().enumerate() {
                    let channel = epilogue.channel(o);
                    for &sum in &sums {
                        let want = stage.output(scales[0], sum + b);
                        assert_eq!(
                            epilogue.output(&channel, sum),
                            want,
                            "sum {sum}, bias {b}, multiplier {multiplier}, shift −{right}"
                        );
                        // The stage clamps to int8's whole range: saturating is the same.
                        assert_eq!(Saturating(epilogue).output(&channel, sum), want);
                        assert_eq!(
                            clamped.output(&channel, sum),
                            clamped_stage.output(scales[0], sum + b),
                            "clamped: sum {sum}, bias {b}, multiplier {multiplier}, shift −{right}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 3_500_000);
    }

    #[test]
    fn declines_left_shifts_large_sums_and_double_scales() {
        let left = [QuantizedMultiplier {
            multiplier: 1 << 30,
            shift: 0,
        }];
        assert!(Epilogue::new(&stage(&left), &[], 16, &LiveFilters::all()).is_none());
        let right = [QuantizedMultiplier {
            multiplier: 1 << 30,
            shift: -4,
        }];
        assert!(Epilogue::new(&stage(&right), &[], 32_896, &LiveFilters::all()).is_some());
        assert!(Epilogue::new(&stage(&right), &[], 32_897, &LiveFilters::all()).is_none());
        assert!(Epilogue::new(&stage(&right), &[1 << 30], 1, &LiveFilters::all()).is_none());
        let double = [super::super::super::DoubleScale(0.25)];
        let double_stage = OutputStage {
            input_zero_point: 0,
            weight_zero_point: 0,
            output_zero_point: 0,
            min: -128,
            max: 127,
            scales: &double[..],
        };
        assert!(Epilogue::new(&double_stage, &[], 16, &LiveFilters::all()).is_none());
    }
}
