//! Every kernel variant's int8 convolutions and dense layer against the portable kernels on
//! seeded ragged shapes and saturating values: every output byte identical. On x86-64 the
//! `avx2` and `avx512` variants run their SIMD kernels (the test fails if one falls back to
//! the portable kernel where it should not); the other variants run the portable ones.

use super::accelerated;
use super::test_cases::{shape, stage, values, Limits, EDGES};
use super::*;
use crate::ops::kernels::{test_every_variant, Kernels};
use crate::Rng;

/// Channels 1..=70, kernels 1..=7, strides 1..=3, multipliers 1..=3, inputs from 1×1.
const WIDE: Limits = Limits {
    in_channels: 70,
    kernel_h: 7,
    kernel_w: 7,
    stride: 3,
    grow: 12,
    out_channels: 70,
    multiplier: 3,
    shrink: true,
};

/// Zero points at int8's extremes and inside.
const ZERO_POINTS: [i32; 4] = [-128, 127, 0, -7];

/// Per-channel scales for case `case`: ordinary ones, ones near 1 that send most outputs
/// into the clamp, the largest and smallest the fixed-point form holds (a shift of +30 and
/// multipliers of about `2^−31`, flushed to zero below), or one scale for every channel.
fn scales(rng: &mut Rng, case: usize, n: usize) -> Vec<QuantizedMultiplier> {
    let pick = |rng: &mut Rng| match case % 5 {
        0 | 1 => 1e-4 + 0.02 * f64::from(rng.next_f32()),
        2 => 1.0 - 1e-9 * f64::from(rng.next_f32()),
        3 => [2f64.powi(30) * 1.999, 2f64.powi(-31), 0.75 * 2f64.powi(-31)][rng.below(3)],
        _ => 0.003,
    };
    let n = if case % 5 == 4 { 1 } else { n };
    (0..n)
        .map(|_| QuantizedMultiplier::from_f64(pick(rng)))
        .collect()
}

/// Biases: ordinary, or near `i32`'s limits so that adding them wraps.
fn biases(rng: &mut Rng, case: usize, n: usize) -> Vec<i32> {
    match case % 4 {
        0 => Vec::new(),
        3 => (0..n)
            .map(|o| {
                if o % 2 == 0 {
                    i32::MAX - 3
                } else {
                    i32::MIN + 5
                }
            })
            .collect(),
        _ => (0..n)
            .map(|_| (rng.next_u64() % 200_001) as i32 - 100_000)
            .collect(),
    }
}

/// Whether `kernels` should run SIMD kernels for a layer with these zero points.
fn expects_simd(kernels: &Kernels, weight_zero_point: i32) -> bool {
    kernels.int8.is_some() && weight_zero_point == 0
}

/// One random convolution or depthwise convolution, run by `kernels` and by the portable
/// kernel.
fn compare_convolution(kernels: &Kernels, rng: &mut Rng, case: usize, depthwise: bool) {
    let s = shape(rng, depthwise, &WIDE);
    let per_filter = if depthwise {
        s.kernel_h * s.kernel_w
    } else {
        s.in_channels * s.kernel_h * s.kernel_w
    };
    let weight = values(rng, s.out_channels * per_filter, EDGES[(case / 3) % 3]);
    let input = values(
        rng,
        s.in_channels * s.in_height * s.in_width,
        EDGES[case % 3],
    );
    let bias = biases(rng, case, s.out_channels);
    let sc = scales(rng, case, s.out_channels);
    let mut st = stage(&sc, ZERO_POINTS[case % 4], [-128, 127, 5][case % 3]);
    if case % 7 == 3 {
        (st.min, st.max) = (-20, 90);
    }
    // Weights with a zero point are outside the SIMD kernels: they must fall back.
    if case % 11 == 10 {
        st.weight_zero_point = 3;
    }
    let n = s.out_channels * s.out_height * s.out_width;
    let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
    let ran = if depthwise {
        depthwise_conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        accelerated::depthwise_conv2d(kernels, &s, &st, &weight, &bias, &input, &mut fast)
    } else {
        conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
        accelerated::conv2d(kernels, &s, &st, &weight, &bias, &input, &mut fast)
    };
    assert_eq!(
        ran,
        expects_simd(kernels, st.weight_zero_point),
        "case {case}"
    );
    if ran {
        assert_eq!(fast, portable, "case {case}: {s:?}");
    }
}

test_every_variant! {
    fn int8_convolutions_are_bit_identical_to_the_portable_kernel(kernels) {
        let mut rng = Rng::new(41);
        for case in 0..400 {
            compare_convolution(kernels, &mut rng, case, false);
        }
    }

    fn int8_depthwise_convolutions_are_bit_identical_to_the_portable_kernel(kernels) {
        let mut rng = Rng::new(42);
        for case in 0..400 {
            compare_convolution(kernels, &mut rng, case, true);
        }
    }

    fn int8_dense_is_bit_identical_to_the_portable_kernel(kernels) {
        let mut rng = Rng::new(43);
        for case in 0..600 {
            // Inputs across several 64-byte steps and every tail length, outputs across
            // several blocks of four rows and every remainder.
            let inputs = 1 + rng.below(if case % 3 == 0 { 400 } else { 70 });
            let outputs = 1 + rng.below(70);
            let weight = values(&mut rng, inputs * outputs, EDGES[(case / 3) % 3]);
            let input = values(&mut rng, inputs, EDGES[case % 3]);
            let bias = biases(&mut rng, case, outputs);
            let sc = scales(&mut rng, case, outputs);
            let st = stage(&sc, ZERO_POINTS[case % 4], [-128, 127, 7][case % 3]);
            let (mut fast, mut portable) = (vec![0i8; outputs], vec![0i8; outputs]);
            fully_connected_portable(&st, &weight, &bias, &input, &mut portable);
            let ran = accelerated::fully_connected(kernels, &st, &weight, &bias, &input, &mut fast);
            assert_eq!(ran, expects_simd(kernels, 0), "case {case}");
            if ran {
                assert_eq!(fast, portable, "case {case}: {inputs} → {outputs}");
            }
            // TFLite's reference requantization in double precision, through the same sums.
            let doubles: Vec<DoubleScale> =
                (0..outputs).map(|o| DoubleScale(0.001 * (o + 1) as f64)).collect();
            let st = stage(&doubles, ZERO_POINTS[case % 4], 0);
            fully_connected_portable(&st, &weight, &bias, &input, &mut portable);
            if accelerated::fully_connected(kernels, &st, &weight, &bias, &input, &mut fast) {
                assert_eq!(fast, portable, "case {case} (double scales)");
            }
        }
    }

    fn int8_pointwise_and_model_shapes_are_bit_identical(kernels) {
        // The MLPerf Tiny models' layer shapes, where the tiles run full: KWS's 10×4 stride-2
        // stem and 64-channel blocks, VWW's stride-2 depthwise and 256-channel pointwise
        // layers on 3×3 maps, IC's 3×3 convolutions and 1×1 stride-2 projections.
        let geometries = [
            (1, 49, 10, 64, (10, 4), 2, (4, 1), (25, 5), false),
            (64, 25, 5, 64, (3, 3), 1, (1, 1), (25, 5), true),
            (64, 25, 5, 64, (1, 1), 1, (0, 0), (25, 5), false),
            (3, 96, 96, 8, (3, 3), 2, (0, 0), (48, 48), false),
            (16, 48, 48, 16, (3, 3), 2, (0, 0), (24, 24), true),
            (256, 3, 3, 256, (1, 1), 1, (0, 0), (3, 3), false),
            (16, 32, 32, 32, (3, 3), 2, (0, 0), (16, 16), false),
            (32, 16, 16, 64, (1, 1), 2, (0, 0), (8, 8), false),
        ];
        let mut rng = Rng::new(44);
        for (case, &(i, h, w, o, (kh, kw), stride, (pt, pl), (oh, ow), depthwise)) in
            geometries.iter().enumerate()
        {
            let s = Conv2dShape {
                in_channels: i,
                in_height: h,
                in_width: w,
                out_channels: o,
                kernel_h: kh,
                kernel_w: kw,
                stride_h: stride,
                stride_w: stride,
                pad_top: pt,
                pad_left: pl,
                out_height: oh,
                out_width: ow,
            };
            let per_filter = if depthwise { kh * kw } else { i * kh * kw };
            let weight = values(&mut rng, o * per_filter, None);
            let input = values(&mut rng, i * h * w, None);
            let bias = biases(&mut rng, 1, o);
            let sc = scales(&mut rng, 0, o);
            let st = stage(&sc, -128 + case as i32, -3);
            let n = o * oh * ow;
            let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
            let ran = if depthwise {
                depthwise_conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
                accelerated::depthwise_conv2d(kernels, &s, &st, &weight, &bias, &input, &mut fast)
            } else {
                conv2d_portable(&s, &st, &weight, &bias, &input, &mut portable);
                accelerated::conv2d(kernels, &s, &st, &weight, &bias, &input, &mut fast)
            };
            assert_eq!(ran, expects_simd(kernels, 0));
            if ran {
                assert_eq!(fast, portable, "{s:?}");
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
test_every_variant! {
    fn int8_add_is_bit_identical_to_the_portable_loop(kernels) {
        let mut rng = Rng::new(46);
        for case in 0..300 {
            let len = 1 + rng.below(300);
            let a = values(&mut rng, len, EDGES[case % 3]);
            let b = values(&mut rng, len, EDGES[(case / 3) % 3]);
            let mut scale = || 1e-3 + 0.2 * f64::from(rng.next_f32()) as f32;
            let (s1, s2, s3) = (scale(), scale(), scale() * [1.0, 0.01, 30.0][case % 3]);
            let zero_points = [ZERO_POINTS[case % 4], ZERO_POINTS[(case / 4) % 4], -3];
            let clamp = if case % 5 == 0 { (-50, 60) } else { (-128, 127) };
            let params = AddParams::new((s1, zero_points[0]), (s2, zero_points[1]), (s3, zero_points[2]), clamp);
            let (mut fast, mut portable) = (vec![0i8; len], vec![0i8; len]);
            super::add::add_elements(&params, &a, &b, &mut portable);
            if super::x86::add(kernels, &params, &a, &b, &mut fast) {
                assert_eq!(fast, portable, "case {case}: {params:?}");
            }
        }
    }
}

#[test]
fn the_public_entry_points_agree_with_the_portable_kernels() {
    // Whatever variant this process runs (`NN_KERNELS` or the CPU's best).
    let mut rng = Rng::new(45);
    for case in 0..60 {
        let s = shape(&mut rng, case % 2 == 1, &WIDE);
        let per_filter = s.kernel_h * s.kernel_w * if case % 2 == 1 { 1 } else { s.in_channels };
        let weight = values(&mut rng, s.out_channels * per_filter, None);
        let input = values(&mut rng, s.in_channels * s.in_height * s.in_width, None);
        let sc = scales(&mut rng, case, s.out_channels);
        let st = stage(&sc, ZERO_POINTS[case % 4], 1);
        let n = s.out_channels * s.out_height * s.out_width;
        let (mut fast, mut portable) = (vec![0i8; n], vec![0i8; n]);
        if case % 2 == 1 {
            depthwise_conv2d(&s, &st, &weight, &[], &input, &mut fast);
            depthwise_conv2d_portable(&s, &st, &weight, &[], &input, &mut portable);
        } else {
            conv2d(&s, &st, &weight, &[], &input, &mut fast);
            conv2d_portable(&s, &st, &weight, &[], &input, &mut portable);
        }
        assert_eq!(fast, portable, "case {case}: {s:?}");
        let (inputs, outputs) = (s.in_channels * s.in_height, s.out_channels);
        let (mut fast, mut portable) = (vec![0i8; outputs], vec![0i8; outputs]);
        let weight = &values(&mut rng, inputs * outputs, None);
        fully_connected(&st, weight, &[], &input[..inputs], &mut fast);
        fully_connected_portable(&st, weight, &[], &input[..inputs], &mut portable);
        assert_eq!(fast, portable, "case {case}: dense");
    }
}
