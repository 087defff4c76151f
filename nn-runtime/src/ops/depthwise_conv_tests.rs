//! Tests of the depthwise convolution against a naive reference and finite differences.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `[channels, multiplier, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_top,
/// pad_left, pad_bottom, pad_right]`: valid, TensorFlow's `same` at strides 1 and 2 (the odd
/// zero row and column at the bottom and right), explicit padding, ragged maps, non-square
/// kernels and strides, multipliers 1 to 3, and KWS's and VWW's geometries at small sizes;
/// kernels 5 and 6 wide; the last two have output rows wide enough for the `axpy` loop.
const CASES: [[usize; 12]; 14] = [
    [1, 1, 4, 4, 3, 3, 1, 1, 0, 0, 0, 0],
    [3, 1, 5, 7, 3, 3, 1, 1, 1, 1, 1, 1],
    [2, 2, 6, 6, 3, 3, 2, 2, 0, 0, 1, 1],
    [2, 1, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1],
    [3, 3, 5, 6, 2, 3, 1, 2, 1, 1, 1, 1],
    [2, 1, 9, 4, 4, 2, 3, 1, 0, 0, 0, 0],
    [1, 2, 11, 6, 5, 4, 2, 2, 2, 1, 2, 1],
    [4, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1],
    [2, 1, 1, 5, 1, 3, 1, 1, 0, 1, 0, 1],
    [1, 1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1],
    [1, 1, 6, 9, 2, 6, 1, 1, 0, 2, 0, 2],
    [2, 1, 5, 8, 1, 5, 1, 2, 0, 2, 0, 2],
    [2, 2, 5, 20, 3, 3, 1, 1, 1, 1, 1, 1],
    [1, 1, 7, 18, 3, 2, 2, 1, 0, 1, 0, 0],
];

fn shape_of(case: [usize; 12]) -> Conv2dShape {
    let [c, m, h, w, kh, kw, sh, sw, top, left, bottom, right] = case;
    Conv2dShape {
        in_channels: c,
        in_height: h,
        in_width: w,
        out_channels: c * m,
        kernel_h: kh,
        kernel_w: kw,
        stride_h: sh,
        stride_w: sw,
        pad_top: top,
        pad_left: left,
        out_height: (h + top + bottom - kh) / sh + 1,
        out_width: (w + left + right - kw) / sw + 1,
    }
}

/// The input value a tap reads, or `None` in the padding.
fn tap(s: &Conv2dShape, y: usize, x: usize, i: usize, j: usize) -> Option<(usize, usize)> {
    let iy = (y * s.stride_h + i).checked_sub(s.pad_top)?;
    let ix = (x * s.stride_w + j).checked_sub(s.pad_left)?;
    (iy < s.in_height && ix < s.in_width).then_some((iy, ix))
}

/// The definition, in f64, one output at a time; with the gradients of `Σ dy ⊙ y`.
struct Naive {
    y: Vec<f64>,
    dx: Vec<f64>,
    dw: Vec<f64>,
    db: Vec<f64>,
}

fn naive(s: &Conv2dShape, w: &[f32], b: &[f32], x: &[f32], dy: &[f32], batch: usize) -> Naive {
    let m = s.out_channels / s.in_channels;
    let (ih, iw, oh, ow) = (s.in_height, s.in_width, s.out_height, s.out_width);
    let mut n = Naive {
        y: vec![0.0; batch * s.out_channels * oh * ow],
        dx: vec![0.0; x.len()],
        dw: vec![0.0; w.len()],
        db: vec![0.0; b.len()],
    };
    for bi in 0..batch {
        for o in 0..s.out_channels {
            let c = o / m;
            for y in 0..oh {
                for xo in 0..ow {
                    let out = ((bi * s.out_channels + o) * oh + y) * ow + xo;
                    let g = f64::from(dy[out]);
                    let mut sum = b.get(o).map_or(0.0, |&b| f64::from(b));
                    if let Some(db) = n.db.get_mut(o) {
                        *db += g;
                    }
                    for i in 0..s.kernel_h {
                        for j in 0..s.kernel_w {
                            let Some((iy, ix)) = tap(s, y, xo, i, j) else {
                                continue;
                            };
                            let k = (o * s.kernel_h + i) * s.kernel_w + j;
                            let at = ((bi * s.in_channels + c) * ih + iy) * iw + ix;
                            sum += f64::from(w[k]) * f64::from(x[at]);
                            n.dw[k] += g * f64::from(x[at]);
                            n.dx[at] += g * f64::from(w[k]);
                        }
                    }
                    n.y[out] = sum;
                }
            }
        }
    }
    n
}

fn forward(s: &Conv2dShape, w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let batch = x.len() / (s.in_channels * s.in_height * s.in_width);
    let mut y = vec![f32::NAN; batch * s.out_channels * s.out_height * s.out_width];
    depthwise_conv2d_forward(s, w, b, x, &mut y);
    y
}

/// Random weight, bias (or none) and a batch of inputs.
fn data(rng: &mut Rng, s: &Conv2dShape, bias: bool, batch: usize) -> [Vec<f32>; 3] {
    let w = random_vec(rng, s.out_channels * s.kernel_h * s.kernel_w, 1.0);
    let b = if bias {
        random_vec(rng, s.out_channels, 1.0)
    } else {
        Vec::new()
    };
    let x = random_vec(rng, batch * s.in_channels * s.in_height * s.in_width, 1.0);
    [w, b, x]
}

#[test]
fn forward_and_backward_match_the_naive_loops() {
    let mut rng = Rng::new(71);
    for case in CASES {
        let s = shape_of(case);
        for (batch, bias) in [(1, true), (3, true), (2, false)] {
            let [w, b, x] = data(&mut rng, &s, bias, batch);
            let outputs = batch * s.out_channels * s.out_height * s.out_width;
            let dy = random_vec(&mut rng, outputs, 1.0);
            let want = naive(&s, &w, &b, &x, &dy, batch);
            let what = format!("{case:?} batch {batch} bias {bias}");
            let y = forward(&s, &w, &b, &x);
            assert_close(&y, &want.y, 1e-5, 1e-6, &format!("forward {what}"));

            let (mut dw, mut db) = (vec![0.5; w.len()], vec![0.5; b.len()]);
            let mut dx = vec![f32::NAN; x.len()];
            depthwise_conv2d_backward(&s, &w, &x, &dy, Some(&mut dx), &mut dw, &mut db);
            assert_close(&dx, &want.dx, 1e-5, 1e-6, &format!("dx {what}"));
            // Parameter gradients are added to what was there.
            let plus_half = |v: &[f64]| v.iter().map(|g| g + 0.5).collect::<Vec<_>>();
            assert_close(&dw, &plus_half(&want.dw), 1e-5, 1e-5, &format!("dw {what}"));
            assert_close(&db, &plus_half(&want.db), 1e-5, 1e-5, &format!("db {what}"));

            // Without an input gradient, the parameter gradients are the same.
            let (mut dw_alone, mut db_alone) = (vec![0.5; w.len()], vec![0.5; b.len()]);
            depthwise_conv2d_backward(&s, &w, &x, &dy, None, &mut dw_alone, &mut db_alone);
            assert_eq!((dw_alone, db_alone), (dw, db), "{what}");
        }
    }
}

#[test]
fn both_forward_loops_match_the_naive_one_on_every_geometry() {
    let mut rng = Rng::new(73);
    for case in CASES {
        let s = shape_of(case);
        let [w, b, x] = data(&mut rng, &s, true, 1);
        let dy = vec![0.0; s.out_channels * s.out_height * s.out_width];
        let want = naive(&s, &w, &b, &x, &dy, 1).y;
        let (taps, ohw) = (s.kernel_h * s.kernel_w, s.out_height * s.out_width);
        let m = s.out_channels / s.in_channels;
        for (name, variant) in [
            ("taps", taps_channel as fn(&_, &_, &_, &mut _)),
            ("direct", direct_channel),
        ] {
            let mut y = vec![f32::NAN; want.len()];
            for (o, out_map) in y.chunks_exact_mut(ohw).enumerate() {
                let c = o / m;
                out_map.fill(b[o]);
                let in_map = &x[c * s.in_height * s.in_width..][..s.in_height * s.in_width];
                variant(&s, &w[o * taps..][..taps], in_map, out_map);
            }
            assert_close(&y, &want, 1e-5, 1e-6, &format!("{name} {case:?}"));
        }
    }
    // Both loops are used.
    assert!(runs_by_tap(&shape_of(CASES[12])) && !runs_by_tap(&shape_of(CASES[2])));
}

/// The scalar-FPU kernel of Cortex-M cores (which writes whole maps, bias included) on every
/// geometry above, on random padded and strided ones (kernels 1–5, the 3×3 it specializes
/// among them; strides 1–3; maps from 1×1; rows whose inside outputs are fewer than, equal
/// to and more than its tile), on KWS's and VWW's, and on rows too wide for its ring.
#[test]
fn scalar_fpu_kernel_matches_the_naive_loop() {
    let mut rng = Rng::new(79);
    let mut cases = CASES.to_vec();
    for _ in 0..300 {
        let (kh, kw) = (1 + rng.below(5), 1 + rng.below(5));
        let pads = [rng.below(kh), rng.below(kw), rng.below(kh), rng.below(kw)];
        let h = (1 + rng.below(10)).max(kh.saturating_sub(pads[0] + pads[2]));
        let w = (1 + rng.below(16)).max(kw.saturating_sub(pads[1] + pads[3]));
        let [top, left, bottom, right] = pads;
        let (sh, sw) = (1 + rng.below(3), 1 + rng.below(3));
        cases.push([
            1 + rng.below(3),
            1 + rng.below(2),
            h,
            w,
            kh,
            kw,
            sh,
            sw,
            top,
            left,
            bottom,
            right,
        ]);
    }
    cases.extend([
        [64, 1, 25, 5, 3, 3, 1, 1, 1, 1, 1, 1],
        [8, 1, 48, 48, 3, 3, 1, 1, 1, 1, 1, 1],
        [16, 1, 48, 48, 3, 3, 2, 2, 0, 0, 1, 1],
        // Rows too wide for its ring of padded rows: the loop that clips edge windows.
        [2, 1, 5, 90, 3, 3, 1, 1, 1, 1, 1, 1],
        [1, 1, 6, 60, 5, 3, 1, 2, 2, 1, 2, 1],
    ]);
    for case in cases {
        let s = shape_of(case);
        let [w, b, x] = data(&mut rng, &s, true, 1);
        let dy = vec![0.0; s.out_channels * s.out_height * s.out_width];
        let want = naive(&s, &w, &b, &x, &dy, 1).y;
        let (taps, ohw, ihw) = (
            s.kernel_h * s.kernel_w,
            s.out_height * s.out_width,
            s.in_height * s.in_width,
        );
        let m = s.out_channels / s.in_channels;
        let mut y = vec![f32::NAN; want.len()];
        let mut ring = scalar::Ring::new();
        for (o, out_map) in y.chunks_exact_mut(ohw).enumerate() {
            let in_map = &x[o / m * ihw..][..ihw];
            scalar::channel(&s, &w[o * taps..][..taps], b[o], in_map, out_map, &mut ring);
        }
        assert_close(&y, &want, 1e-5, 1e-6, &format!("scalar fpu {case:?}"));
    }
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng::new(72);
    for case in CASES {
        let s = shape_of(case);
        let batch = 2;
        let [w, b, x] = data(&mut rng, &s, true, batch);
        let r = random_vec(
            &mut rng,
            batch * s.out_channels * s.out_height * s.out_width,
            1.0,
        );
        let (mut dw, mut db, mut dx) = (vec![0.0; w.len()], vec![0.0; b.len()], vec![0.0; x.len()]);
        depthwise_conv2d_backward(&s, &w, &x, &r, Some(&mut dx), &mut dw, &mut db);
        let what = format!("{case:?}");
        check_gradient(&format!("dx {what}"), &x, &dx, 1e-2, 1e-2, 1e-3, |x| {
            weighted_sum(&r, &forward(&s, &w, &b, x))
        });
        check_gradient(&format!("dw {what}"), &w, &dw, 1e-2, 1e-2, 1e-3, |w| {
            weighted_sum(&r, &forward(&s, w, &b, &x))
        });
        check_gradient(&format!("db {what}"), &b, &db, 1e-2, 1e-2, 1e-3, |b| {
            weighted_sum(&r, &forward(&s, &w, b, &x))
        });
    }
}

#[test]
fn same_padding_at_stride_2_puts_the_extra_zeros_after_as_tensorflow() {
    // 4×4 input, 3×3 kernel of ones, stride 2, TensorFlow `same`: output 2×2, total padding
    // 1 per axis, none before. Each output sums a window starting at (2y, 2x); the last row
    // and column of windows reach one zero past the input.
    let s = shape_of([1, 1, 4, 4, 3, 3, 2, 2, 0, 0, 1, 1]);
    assert_eq!((s.out_height, s.out_width), (2, 2));
    let x: Vec<f32> = (0..16).map(|v| v as f32).collect();
    let y = forward(&s, &[1.0; 9], &[], &x);
    // Rows 0..3 × cols 0..3; cols 2..4; rows 2..4 × cols 0..3; rows 2..4 × cols 2..4.
    assert_eq!(y, [45.0, 39.0, 66.0, 50.0]);
}

#[test]
fn each_output_channel_reads_its_own_input_channel() {
    // Two channels, multiplier 2: outputs 0, 1 read channel 0 and outputs 2, 3 channel 1,
    // with 1×1 kernels 1, 2, 3, 4 and biases 0, 0, 0, 10.
    let s = shape_of([2, 2, 1, 2, 1, 1, 1, 1, 0, 0, 0, 0]);
    let y = forward(
        &s,
        &[1.0, 2.0, 3.0, 4.0],
        &[0.0, 0.0, 0.0, 10.0],
        &[1.0, 2.0, 5.0, 7.0],
    );
    assert_eq!(y, [1.0, 2.0, 2.0, 4.0, 15.0, 21.0, 30.0, 38.0]);
}

#[test]
fn a_nan_reaches_every_output_that_reads_it_and_no_other() {
    let s = shape_of([2, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1]);
    let mut x = vec![1.0; 50];
    x[12] = f32::NAN; // channel 0, the centre
    let y = forward(&s, &[0.5; 18], &[0.0; 2], &x);
    for (k, v) in y.iter().enumerate() {
        let (c, row, col) = (k / 25, k % 25 / 5, k % 5);
        let reads = c == 0 && (1..=3).contains(&row) && (1..=3).contains(&col);
        assert_eq!(v.is_nan(), reads, "output {k}: {v}");
    }
}

#[test]
#[should_panic(expected = "6 out_channels are not a whole multiple of 4 in_channels")]
fn out_channels_must_be_a_multiple() {
    let s = Conv2dShape {
        out_channels: 6,
        ..shape_of([4, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0])
    };
    depthwise_conv2d_forward(&s, &[0.0; 6], &[], &[0.0; 36], &mut [0.0; 54]);
}

#[test]
#[should_panic(expected = "bias has 1 values for 2 out_channels (give all or none)")]
fn a_partial_bias_is_rejected() {
    let s = shape_of([2, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0]);
    depthwise_conv2d_forward(&s, &[0.0; 2], &[0.0], &[0.0; 18], &mut [0.0; 18]);
}

#[test]
#[should_panic(expected = "are not the same whole number of samples")]
fn a_ragged_batch_is_rejected() {
    let s = shape_of([2, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0]);
    depthwise_conv2d_forward(&s, &[0.0; 2], &[], &[0.0; 19], &mut [0.0; 18]);
}
