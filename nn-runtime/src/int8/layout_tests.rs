//! The channels-first kernels against TFLite's loops transcribed in TFLite's own layouts
//! (NHWC activations, OHWI and 1HWO kernels), on random geometries: ragged sizes, strides
//! up to 3, windows larger than the input, TensorFlow's `same` padding with an odd total.
//! Integer sums are exact, so the two must agree bit for bit.

use super::*;
use crate::ops::conv::Conv2dShape;
use crate::rng::Rng;

fn int8s(rng: &mut Rng, n: usize) -> Vec<i8> {
    (0..n)
        .map(|_| (rng.below(256) as i32 - 128) as i8)
        .collect()
}

/// A random geometry with TensorFlow's `same` (`same` true) or `valid` padding.
fn geometry(rng: &mut Rng, same: bool, depthwise: bool) -> Conv2dShape {
    let in_channels = 1 + rng.below(4);
    let (in_height, in_width) = (1 + rng.below(7), 1 + rng.below(7));
    let (kernel_h, kernel_w) = (1 + rng.below(4), 1 + rng.below(4));
    let (stride_h, stride_w) = (1 + rng.below(3), 1 + rng.below(3));
    let out_channels = if depthwise {
        in_channels * (1 + rng.below(3))
    } else {
        1 + rng.below(5)
    };
    let axis = |input: usize, kernel: usize, stride: usize| {
        if same {
            let out = input.div_ceil(stride);
            (out, ((out - 1) * stride + kernel).saturating_sub(input) / 2)
        } else {
            ((input + stride).saturating_sub(kernel) / stride, 0)
        }
    };
    let (out_height, pad_top) = axis(in_height, kernel_h, stride_h);
    let (out_width, pad_left) = axis(in_width, kernel_w, stride_w);
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
        out_height,
        out_width,
    }
}

fn chw_to_hwc(src: &[i8], [c, h, w]: [usize; 3]) -> Vec<i8> {
    let mut dst = vec![0; src.len()];
    for ch in 0..c {
        for y in 0..h {
            for x in 0..w {
                dst[(y * w + x) * c + ch] = src[(ch * h + y) * w + x];
            }
        }
    }
    dst
}

/// TFLite's `ConvPerChannel` (or `DepthwiseConvPerChannel`) loop, NHWC in and out.
fn tflite_conv(
    s: &Conv2dShape,
    stage: &OutputStage<'_, QuantizedMultiplier>,
    weight_tflite: &[i8],
    bias: &[i32],
    input_hwc: &[i8],
    depthwise: bool,
) -> Vec<i8> {
    let m = s.out_channels / s.in_channels;
    let mut out = vec![0; s.out_height * s.out_width * s.out_channels];
    for oy in 0..s.out_height {
        for ox in 0..s.out_width {
            for o in 0..s.out_channels {
                let mut acc = 0i64;
                for ky in 0..s.kernel_h {
                    for kx in 0..s.kernel_w {
                        let iy = (oy * s.stride_h + ky) as isize - s.pad_top as isize;
                        let ix = (ox * s.stride_w + kx) as isize - s.pad_left as isize;
                        if iy < 0
                            || ix < 0
                            || iy >= s.in_height as isize
                            || ix >= s.in_width as isize
                        {
                            continue;
                        }
                        let pixel = (iy as usize * s.in_width + ix as usize) * s.in_channels;
                        let channels: Vec<(usize, usize)> = if depthwise {
                            // 1HWO kernel; output o reads input channel o / m.
                            vec![(o / m, (ky * s.kernel_w + kx) * s.out_channels + o)]
                        } else {
                            (0..s.in_channels)
                                .map(|i| {
                                    (
                                        i,
                                        ((o * s.kernel_h + ky) * s.kernel_w + kx) * s.in_channels
                                            + i,
                                    )
                                })
                                .collect()
                        };
                        for (i, w) in channels {
                            let x =
                                i64::from(input_hwc[pixel + i]) - i64::from(stage.input_zero_point);
                            acc += i64::from(weight_tflite[w]) * x;
                        }
                    }
                }
                acc += i64::from(bias[o]);
                let acc = i32::try_from(acc).expect("the sums stay inside i32");
                let value = stage.scales[o].apply(acc) + stage.output_zero_point;
                out[(oy * s.out_width + ox) * s.out_channels + o] =
                    value.clamp(i32::from(stage.min), i32::from(stage.max)) as i8;
            }
        }
    }
    out
}

#[test]
fn conv_and_depthwise_match_tflite_loops_in_nhwc() {
    let mut rng = Rng::new(7);
    let mut compared = 0;
    for case in 0..400 {
        let depthwise = case % 2 == 1;
        let s = geometry(&mut rng, case % 4 < 2, depthwise);
        if s.out_height == 0 || s.out_width == 0 {
            continue;
        }
        let taps = s.kernel_h * s.kernel_w * if depthwise { 1 } else { s.in_channels };
        // nn's layout, and the same weights in TFLite's.
        let weight = int8s(&mut rng, s.out_channels * taps);
        let weight_tflite = if depthwise {
            chw_to_hwc(&weight, [s.out_channels, s.kernel_h, s.kernel_w])
        } else {
            (0..s.out_channels)
                .flat_map(|o| {
                    chw_to_hwc(
                        &weight[o * taps..][..taps],
                        [s.in_channels, s.kernel_h, s.kernel_w],
                    )
                })
                .collect()
        };
        let bias: Vec<i32> = (0..s.out_channels)
            .map(|_| rng.below(20_001) as i32 - 10_000)
            .collect();
        let scales: Vec<QuantizedMultiplier> = (0..s.out_channels)
            .map(|_| QuantizedMultiplier::from_f64(f64::from(rng.next_f32()) * 0.02 + 1e-4))
            .collect();
        let stage = OutputStage {
            input_zero_point: rng.below(256) as i32 - 128,
            weight_zero_point: 0,
            output_zero_point: rng.below(256) as i32 - 128,
            min: -128 + rng.below(20) as i8,
            max: 127 - rng.below(20) as i8,
            scales: &scales,
        };
        let input = int8s(&mut rng, s.in_channels * s.in_height * s.in_width);
        let mut output = vec![0; s.out_channels * s.out_height * s.out_width];
        if depthwise {
            depthwise_conv2d(&s, &stage, &weight, &bias, &input, &mut output);
        } else {
            conv2d(&s, &stage, &weight, &bias, &input, &mut output);
        }
        let hwc = chw_to_hwc(&input, [s.in_channels, s.in_height, s.in_width]);
        let want = tflite_conv(&s, &stage, &weight_tflite, &bias, &hwc, depthwise);
        assert_eq!(
            chw_to_hwc(&output, [s.out_channels, s.out_height, s.out_width]),
            want,
            "case {case}: {s:?}"
        );
        compared += 1;
    }
    assert!(
        compared > 300,
        "only {compared} of 400 geometries had an output"
    );
}

#[test]
fn average_pool_matches_tflite_loops_with_same_padding() {
    let mut rng = Rng::new(11);
    for case in 0..300 {
        let g = geometry(&mut rng, case % 2 == 0, true);
        let s = AvgPool2dShape {
            channels: g.in_channels,
            in_height: g.in_height,
            in_width: g.in_width,
            size_h: g.kernel_h,
            size_w: g.kernel_w,
            stride_h: g.stride_h,
            stride_w: g.stride_w,
            pad_top: g.pad_top,
            pad_left: g.pad_left,
            out_height: g.out_height,
            out_width: g.out_width,
        };
        let input = int8s(&mut rng, s.channels * s.in_height * s.in_width);
        let mut output = vec![0; s.channels * s.out_height * s.out_width];
        avg_pool2d(&s, -100, 100, &input, &mut output);
        for c in 0..s.channels {
            for oy in 0..s.out_height {
                for ox in 0..s.out_width {
                    // TFLite clamps the window to the input, then averages what is inside.
                    let (y0, x0) = (
                        (oy * s.stride_h) as isize - s.pad_top as isize,
                        (ox * s.stride_w) as isize - s.pad_left as isize,
                    );
                    let (mut sum, mut count) = (0i64, 0i64);
                    for y in y0.max(0)..(y0 + s.size_h as isize).min(s.in_height as isize) {
                        for x in x0.max(0)..(x0 + s.size_w as isize).min(s.in_width as isize) {
                            sum += i64::from(
                                input[(c * s.in_height + y as usize) * s.in_width + x as usize],
                            );
                            count += 1;
                        }
                    }
                    let average = if sum > 0 {
                        (sum + count / 2) / count
                    } else {
                        (sum - count / 2) / count
                    };
                    let got = output[(c * s.out_height + oy) * s.out_width + ox];
                    assert_eq!(
                        i64::from(got),
                        average.clamp(-100, 100),
                        "case {case}: {s:?}"
                    );
                }
            }
        }
    }
}
