//! The DSP kernels (here with the instructions emulated) against the portable ones on
//! ragged shapes, strides, padding and saturating values: every output identical. The
//! firmware's `int8-kernel-tests` runs the same comparison with the real instructions.

use super::test_cases::{scales, shape, stage, values, EDGES, SMALL};
use super::*;
use crate::Rng;

#[test]
fn dsp_convolutions_are_bit_identical_to_the_portable_ones() {
    let mut rng = Rng::new(15);
    for case in 0..600 {
        let depthwise = case % 2 == 1;
        let s = shape(&mut rng, depthwise, &SMALL);
        let edge = EDGES[case % 3];
        let per_filter = if depthwise {
            s.kernel_h * s.kernel_w
        } else {
            s.in_channels * s.kernel_h * s.kernel_w
        };
        let weight = values(&mut rng, s.out_channels * per_filter, EDGES[(case / 3) % 3]);
        let input = values(&mut rng, s.in_channels * s.in_height * s.in_width, edge);
        let bias: Vec<i32> = (0..s.out_channels)
            .map(|_| (rng.next_u64() % 20001) as i32 - 10000)
            .collect();
        let sc = scales(&mut rng, s.out_channels);
        let iz = [-128, 127, 3][case % 3];
        let st = stage(&sc, iz, -5);
        let n = s.out_channels * s.out_height * s.out_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        if depthwise {
            assert!(dsp::depthwise_conv2d(
                &s, &st, &weight, &bias, &input, &mut fast
            ));
            depthwise_conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        } else {
            assert!(dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast));
            conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        }
        assert_eq!(fast, portable, "case {case}: {s:?}");
    }
}

/// Filters longer than a column (summed in pieces) with more output channels than a block of
/// partial sums, 3×3 depthwise kernels at strides 1 and 2 (the unrolled path) on rows longer
/// than the sums held at once, and dense layers with more inputs than a column and more
/// outputs than a block.
#[test]
fn dsp_pieces_blocks_and_long_rows_are_bit_identical_to_the_portable_ones() {
    let mut rng = Rng::new(17);
    for case in 0..12 {
        let depthwise = case % 3 == 2;
        let kernel = if case % 4 == 0 { 1 } else { 3 };
        let (in_channels, out_channels) = if depthwise {
            (3, 3 * (1 + case % 2))
        } else {
            (20 + 7 * case, 60 + 11 * case)
        };
        let (in_height, in_width) = if depthwise {
            (5, 70 + case)
        } else {
            (4, 5 + case % 3)
        };
        let stride = 1 + case % 2;
        let s = Conv2dShape {
            in_channels,
            in_height,
            in_width,
            out_channels,
            kernel_h: kernel,
            kernel_w: kernel,
            stride_h: stride,
            stride_w: stride,
            pad_top: kernel / 2,
            pad_left: kernel / 2,
            out_height: (in_height + 2 * (kernel / 2) - kernel) / stride + 1,
            out_width: (in_width + 2 * (kernel / 2) - kernel) / stride + 1,
        };
        let per_filter = kernel * kernel * if depthwise { 1 } else { in_channels };
        let weight = values(&mut rng, out_channels * per_filter, EDGES[case % 3]);
        let input = values(
            &mut rng,
            in_channels * in_height * in_width,
            EDGES[(case + 1) % 3],
        );
        let bias: Vec<i32> = (0..out_channels).map(|o| o as i32 * 131 - 4000).collect();
        let sc = scales(&mut rng, out_channels);
        let st = stage(&sc, [-128, 127, 3][case % 3], 9);
        let n = out_channels * s.out_height * s.out_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        if depthwise {
            assert!(dsp::depthwise_conv2d(
                &s, &st, &weight, &bias, &input, &mut fast
            ));
            depthwise_conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        } else {
            assert!(dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast));
            conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        }
        assert_eq!(fast, portable, "case {case}: {s:?}");
    }
    for (inputs, outputs) in [(145, 3), (784, 128), (640, 129), (300, 257), (1000, 7)] {
        let weight = values(&mut rng, inputs * outputs, None);
        let input = values(&mut rng, inputs, None);
        let bias: Vec<i32> = (0..outputs).map(|o| o as i32 * 977 - 3000).collect();
        let sc = scales(&mut rng, outputs);
        let st = stage(&sc, -7, 2);
        let (mut fast, mut portable) = (vec![0i8; outputs], vec![0i8; outputs]);
        assert!(dsp::fully_connected(&st, &weight, &bias, &input, &mut fast));
        fully_connected_portable(&st, &weight, &bias, &input, &mut portable);
        assert_eq!(fast, portable, "{inputs} → {outputs}");
    }
}

/// Pointwise convolutions on the input's own grid (filled a batch of pixels at a time):
/// channel counts across partial groups of four and filter lengths that batch 2 to 64
/// pixels, odd pixel counts, odd filter counts.
#[test]
fn dsp_pointwise_on_the_input_grid_is_bit_identical_to_the_portable_one() {
    let mut rng = Rng::new(18);
    for case in 0..60 {
        let in_channels = [1, 3, 4, 5, 8, 13, 16, 33, 64, 127, 200, 256][case % 12];
        let (in_height, in_width) = (1 + case % 5, 3 + case % 7);
        let out_channels = 1 + case % 6;
        let s = Conv2dShape {
            in_channels,
            in_height,
            in_width,
            out_channels,
            kernel_h: 1,
            kernel_w: 1,
            stride_h: 1,
            stride_w: 1,
            pad_top: 0,
            pad_left: 0,
            out_height: in_height,
            out_width: in_width,
        };
        let weight = values(&mut rng, out_channels * in_channels, EDGES[case % 3]);
        let input = values(
            &mut rng,
            in_channels * in_height * in_width,
            EDGES[(case / 3) % 3],
        );
        let bias: Vec<i32> = (0..out_channels).map(|o| o as i32 * 211 - 900).collect();
        let sc = scales(&mut rng, out_channels);
        let st = stage(&sc, [-128, 127, 3][case % 3], -2);
        let n = out_channels * in_height * in_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        assert!(dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast));
        conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        assert_eq!(fast, portable, "case {case}: {s:?}");
    }
}

/// 3×3 convolutions whose filters fit a column (filled a batch of pixels at a time, windows
/// inside the input copied directly): strides 1 and 2, paddings 0 and 1 on either side,
/// maps from 3 to 11 wide, 1 to 28 input channels.
#[test]
fn dsp_3x3_convolutions_are_bit_identical_to_the_portable_one() {
    let mut rng = Rng::new(19);
    for case in 0..48 {
        let in_channels = 1 + (case * 5) % 28;
        let (in_height, in_width) = (3 + case % 7, 3 + (case * 3) % 9);
        let (stride, pad_top, pad_left) = (1 + case % 2, (case / 2) % 2, (case / 4) % 2);
        let out_channels = 1 + case % 5;
        let s = Conv2dShape {
            in_channels,
            in_height,
            in_width,
            out_channels,
            kernel_h: 3,
            kernel_w: 3,
            stride_h: stride,
            stride_w: stride,
            pad_top,
            pad_left,
            out_height: (in_height + 2 * pad_top - 3) / stride + 1,
            out_width: (in_width + 2 * pad_left - 3) / stride + 1,
        };
        let weight = values(&mut rng, out_channels * in_channels * 9, EDGES[case % 3]);
        let input = values(
            &mut rng,
            in_channels * in_height * in_width,
            EDGES[(case / 3) % 3],
        );
        let bias: Vec<i32> = (0..out_channels).map(|o| o as i32 * 307 - 700).collect();
        let sc = scales(&mut rng, out_channels);
        let st = stage(&sc, [-128, 127, 3][case % 3], 4);
        let n = out_channels * s.out_height * s.out_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        assert!(dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast));
        conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        assert_eq!(fast, portable, "case {case}: {s:?}");
    }
}

#[test]
fn dsp_dense_is_bit_identical_to_the_portable_one() {
    let mut rng = Rng::new(16);
    for case in 0..300 {
        let (inputs, outputs) = (
            1 + (rng.next_u64() % 70) as usize,
            1 + (rng.next_u64() % 9) as usize,
        );
        let weight = values(&mut rng, inputs * outputs, EDGES[(case / 3) % 3]);
        let input = values(&mut rng, inputs, EDGES[case % 3]);
        let bias: Vec<i32> = (0..outputs).map(|o| o as i32 * 977 - 3000).collect();
        let doubles: Vec<DoubleScale> = (0..outputs)
            .map(|o| DoubleScale(0.001 * (o + 1) as f64))
            .collect();
        let st = stage(&doubles, [-128, 127, 0][case % 3], 7);
        let (mut fast, mut portable) = (vec![0i8; outputs], vec![0i8; outputs]);
        assert!(dsp::fully_connected(&st, &weight, &bias, &input, &mut fast));
        fully_connected_portable(&st, &weight, &bias, &input, &mut portable);
        assert_eq!(fast, portable, "case {case}: {inputs} → {outputs}");
    }
}

#[test]
fn emulated_instructions_match_their_definition() {
    use dsp::primitives::{sadd16, smlad, smmulr, ssat8, sxtb16, sxtb16_ror8};
    // Each half wraps on its own: no carry from the low half into the high one.
    assert_eq!(sadd16(0x7fff_ffff, 0x0001_0001), 0x8000_0000);
    assert_eq!(sadd16(0x0005_fffb, 0xfffb_0005), 0x0000_0000);
    // Rounded high words: +0.5 rounds up, −0.5 rounds up (towards +∞).
    assert_eq!(smmulr(1 << 30, 1 << 2), 1);
    assert_eq!(smmulr(1 << 30, 1 << 1), 1);
    assert_eq!(smmulr(-(1 << 30), 1 << 1), 0);
    assert_eq!(smmulr(i32::MIN, i32::MIN), 1 << 30);
    assert_eq!([ssat8(200), ssat8(-129), ssat8(-7)], [127, -128, -7]);
    assert_eq!(sxtb16(0x80_7f_ff_01), 0x007f_0001);
    assert_eq!(sxtb16_ror8(0x80_7f_ff_01), 0xff80_ffff);
    assert_eq!(smlad(0xff80_0002, 0x007f_0003, 10), 10 + 6 - 128 * 127);
    assert_eq!(
        smlad(0x8000_8000, 0x8000_8000, i32::MAX),
        i32::MAX.wrapping_add(1 << 31)
    );
}

/// The DSP addition against [`AddParams::add`] (TFLite's reference arithmetic) on every
/// pair of int8 inputs, for scales where either input is the larger (one multiplier without
/// a shift) and output scales from tiny to large, zero points at both extremes, clamps.
#[test]
fn dsp_add_is_bit_identical_to_the_reference() {
    let all: Vec<(i8, i8)> = (-128..=127)
        .flat_map(|a| (-128..=127).map(move |b| (a as i8, b as i8)))
        .collect();
    let (a, b): (Vec<i8>, Vec<i8>) = all.iter().copied().unzip();
    let mut out = vec![0i8; all.len()];
    let cases = [
        ((0.05, -128), (0.02, 3), (0.07, -128), (-128, 127)),
        ((0.01, 127), (0.04, -128), (0.001, 0), (-128, 127)),
        ((0.3, 0), (0.3, 0), (0.6, 5), (-100, 90)),
        ((1e-3, -7), (0.2, 127), (0.5, 127), (-128, 127)),
        ((0.0123, 12), (0.0456, -45), (0.0789, -128), (-128, 0)),
    ];
    for (first, second, output, clamp) in cases {
        let params = AddParams::new(first, second, output, clamp);
        assert!(dsp::add(&params, &a, &b, &mut out), "{params:?}");
        for (k, &(x, y)) in all.iter().enumerate() {
            assert_eq!(out[k], params.add(x, y), "{x} + {y} with {params:?}");
        }
    }
}

/// Pruned layers: some filters all zeros, with the biases near ±2^30 and the vanishing or
/// left-shifting scales TFLite's converter gives them, beside ordinary filters (in pairs,
/// alone, first and last, every filter pruned): the live filters summed, the pruned ones'
/// constant maps written, every output the portable kernel's. Also with more output
/// channels than the pruned filters tracked (256) and filters summed in pieces.
#[test]
fn dsp_convolutions_with_all_zero_filters_are_bit_identical_to_the_portable_one() {
    let mut rng = Rng::new(19);
    for case in 0..40 {
        let kernel = if case % 2 == 0 { 1 } else { 3 };
        let in_channels = [3, 8, 16, 40][case % 4];
        let out_channels = [1, 2, 5, 9, 16, 300][case % 6];
        let (in_height, in_width) = (2 + case % 5, 3 + case % 4);
        let s = Conv2dShape {
            in_channels,
            in_height,
            in_width,
            out_channels,
            kernel_h: kernel,
            kernel_w: kernel,
            stride_h: 1,
            stride_w: 1 + case % 2,
            pad_top: kernel / 2,
            pad_left: kernel / 2,
            out_height: in_height,
            out_width: (in_width - 1) / (1 + case % 2) + 1,
        };
        let len = in_channels * kernel * kernel;
        let mut weight = values(&mut rng, out_channels * len, EDGES[case % 3]);
        let mut bias: Vec<i32> = (0..out_channels).map(|o| o as i32 * 37 - 900).collect();
        let mut sc = scales(&mut rng, out_channels);
        let pruned = |o: usize| match case % 4 {
            0 => o % 3 != 1,
            1 => o.is_multiple_of(2),
            2 => true,
            _ => o == 0 || o + 1 == out_channels,
        };
        for o in (0..out_channels).filter(|&o| pruned(o)) {
            weight[o * len..][..len].fill(0);
            bias[o] = [(1 << 30) + 5, -(1 << 30) - 77, 12_345][o % 3];
            sc[o] = [
                QuantizedMultiplier::from_f64(1e-12),
                QuantizedMultiplier::from_f64(3.0),
                sc[o],
            ][(o / 3) % 3];
        }
        let st = stage(&sc, [-128, 127, 3][case % 3], -7);
        let n = out_channels * s.out_height * s.out_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        let input = values(
            &mut rng,
            in_channels * in_height * in_width,
            EDGES[case / 3 % 3],
        );
        let ran = dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast);
        // Pruned filters past the 256 tracked, or summed in pieces, keep their biases near
        // 2^30 in the bound: the layer is declined.
        assert_eq!(
            ran,
            out_channels <= 256 && len <= dsp::MAX_COLUMN,
            "case {case}: {s:?}"
        );
        conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        if ran {
            assert_eq!(fast, portable, "case {case}: {s:?}");
        }
    }
}

/// A scale of 0.5 or more (a left shift) or a live filter's bias near 2^30: the DSP
/// kernels decline, writing nothing, and the public functions run the portable ones.
#[test]
fn dsp_kernels_decline_what_32_bit_requantization_cannot_take() {
    let mut rng = Rng::new(20);
    let s = Conv2dShape {
        in_channels: 4,
        in_height: 5,
        in_width: 5,
        out_channels: 4,
        kernel_h: 3,
        kernel_w: 3,
        stride_h: 1,
        stride_w: 1,
        pad_top: 1,
        pad_left: 1,
        out_height: 5,
        out_width: 5,
    };
    let weight = values(&mut rng, 4 * 36, None);
    let depthwise_weight = values(&mut rng, 4 * 9, None);
    let input = values(&mut rng, 100, None);
    let n = 100;
    for (scale, big) in [(0.75, 0), (1e-3, 1 << 30)] {
        let sc = vec![QuantizedMultiplier::from_f64(scale); 4];
        let bias = [5, -6, big, 7];
        let st = stage(&sc, -3, 4);
        let mut fast = vec![99i8; n];
        assert!(!dsp::conv2d(&s, &st, &weight, &bias, &input, &mut fast));
        assert!(!dsp::depthwise_conv2d(
            &s,
            &st,
            &depthwise_weight,
            &bias,
            &input,
            &mut fast
        ));
        assert!(fast.iter().all(|&x| x == 99), "nothing written");
        let (mut public, mut portable) = (vec![0i8; n], vec![0i8; n]);
        conv2d(&s, &st, &weight, &bias, &input, &mut public);
        conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        assert_eq!(public, portable);
    }
}
