//! Tests of the pooling kernels against naive references and finite differences.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `[channels, in_h, in_w, size_h, size_w, stride_h, stride_w]`: stride = size, overlapping
/// windows (stride < size), sizes that leave rows or columns unused, non-square windows.
const CASES: [[usize; 7]; 9] = [
    [1, 4, 4, 2, 2, 2, 2],
    [3, 8, 6, 2, 3, 2, 3],
    [2, 7, 7, 2, 2, 2, 2],
    [2, 7, 7, 3, 3, 2, 2],
    [1, 6, 9, 3, 2, 1, 1],
    [4, 5, 11, 2, 4, 3, 2],
    [1, 1, 5, 1, 2, 1, 1],
    [2, 9, 4, 4, 1, 3, 1],
    [1, 3, 3, 3, 3, 1, 1],
];

fn shape_of([c, h, w, kh, kw, sh, sw]: [usize; 7]) -> Pool2dShape {
    Pool2dShape {
        channels: c,
        in_height: h,
        in_width: w,
        size_h: kh,
        size_w: kw,
        stride_h: sh,
        stride_w: sw,
        out_height: (h - kh) / sh + 1,
        out_width: (w - kw) / sw + 1,
    }
}

/// For each output of a batch, the flat input indices of its window in row-major order.
fn windows(s: &Pool2dShape, batch: usize) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    for plane in 0..batch * s.channels {
        for y in 0..s.out_height {
            for x in 0..s.out_width {
                let mut window = Vec::new();
                for i in 0..s.size_h {
                    for j in 0..s.size_w {
                        let (iy, ix) = (y * s.stride_h + i, x * s.stride_w + j);
                        assert!(iy < s.in_height && ix < s.in_width);
                        window.push((plane * s.in_height + iy) * s.in_width + ix);
                    }
                }
                all.push(window);
            }
        }
    }
    all
}

/// Distinct values (a shuffled grid 0.05 apart), so the maximum survives a ±1e-3 nudge.
fn distinct_values(rng: &mut Rng, len: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..len)
        .map(|i| i as f32 * 0.05 - len as f32 * 0.025)
        .collect();
    rng.shuffle(&mut v);
    v
}

fn forward(max: bool, s: &Pool2dShape, x: &[f32], batch: usize) -> Vec<f32> {
    let mut y = vec![f32::NAN; batch * s.channels * s.out_height * s.out_width];
    if max {
        max_pool2d_forward(s, x, &mut y);
    } else {
        avg_pool2d_forward(s, x, &mut y);
    }
    y
}

#[test]
fn forward_and_backward_match_the_naive_loops() {
    let mut rng = Rng::new(51);
    for case in CASES {
        let s = shape_of(case);
        for batch in [1, 3] {
            let len = batch * s.channels * s.in_height * s.in_width;
            let x = random_vec(&mut rng, len, 1.0);
            let wins = windows(&s, batch);
            let dy = random_vec(&mut rng, wins.len(), 1.0);
            let area = (s.size_h * s.size_w) as f64;
            let (mut want_max, mut want_avg) = (Vec::new(), Vec::new());
            let (mut want_dmax, mut want_davg) = (vec![0.0f64; len], vec![0.0f64; len]);
            for (window, &g) in wins.iter().zip(&dy) {
                let mut first_max = window[0];
                for &k in window {
                    if x[k] > x[first_max] {
                        first_max = k;
                    }
                }
                want_max.push(f64::from(x[first_max]));
                want_dmax[first_max] += f64::from(g);
                want_avg.push(window.iter().map(|&k| f64::from(x[k])).sum::<f64>() / area);
                for &k in window {
                    want_davg[k] += f64::from(g) / area;
                }
            }
            let what = format!("{case:?} batch {batch}");
            let y_max = forward(true, &s, &x, batch);
            assert_close(&y_max, &want_max, 0.0, 0.0, &format!("max {what}"));
            assert_close(
                &forward(false, &s, &x, batch),
                &want_avg,
                1e-6,
                1e-6,
                &format!("avg {what}"),
            );

            let mut dx = vec![f32::NAN; len];
            max_pool2d_backward(&s, &x, &y_max, &dy, &mut dx);
            assert_close(&dx, &want_dmax, 1e-6, 1e-6, &format!("max backward {what}"));
            let mut dx = vec![f32::NAN; len];
            avg_pool2d_backward(&s, &dy, &mut dx);
            assert_close(&dx, &want_davg, 1e-6, 1e-6, &format!("avg backward {what}"));
        }
    }
}

#[test]
fn backward_matches_finite_differences() {
    let mut rng = Rng::new(52);
    for case in CASES {
        let s = shape_of(case);
        let batch = 2;
        let x = distinct_values(&mut rng, batch * s.channels * s.in_height * s.in_width);
        let r = random_vec(
            &mut rng,
            batch * s.channels * s.out_height * s.out_width,
            1.0,
        );
        for max in [true, false] {
            let y = forward(max, &s, &x, batch);
            let mut dx = vec![f32::NAN; x.len()];
            if max {
                max_pool2d_backward(&s, &x, &y, &r, &mut dx);
            } else {
                avg_pool2d_backward(&s, &r, &mut dx);
            }
            let what = format!("{} {case:?}", if max { "max" } else { "avg" });
            check_gradient(&what, &x, &dx, 1e-3, 1e-2, 1e-3, |x| {
                weighted_sum(&r, &forward(max, &s, x, batch))
            });
        }
    }
}

#[test]
fn known_values_and_ties_go_to_the_first_maximum() {
    // 7×7 input, 2×2 windows with stride 2: a 3×3 output; the last row and column are unused.
    let s = shape_of([1, 7, 7, 2, 2, 2, 2]);
    let x: Vec<f32> = (0..49).map(|v| v as f32).collect();
    let mut y = [f32::NAN; 9];
    max_pool2d_forward(&s, &x, &mut y);
    assert_eq!(y, [8.0, 10.0, 12.0, 22.0, 24.0, 26.0, 36.0, 38.0, 40.0]);
    avg_pool2d_forward(&s, &x, &mut y);
    assert_eq!(y, [4.0, 6.0, 8.0, 18.0, 20.0, 22.0, 32.0, 34.0, 36.0]);

    // Ties: each window's gradient goes to its first maximum in row-major order; with
    // overlapping windows (3×3 input, 2×2 windows, stride 1) they accumulate.
    let s = shape_of([1, 3, 3, 2, 2, 1, 1]);
    let x = [5.0, 5.0, 1.0, 5.0, 5.0, 5.0, 0.0, 5.0, 5.0];
    let mut y = [f32::NAN; 4];
    max_pool2d_forward(&s, &x, &mut y);
    assert_eq!(y, [5.0; 4]);
    let mut dx = [f32::NAN; 9];
    max_pool2d_backward(&s, &x, &y, &[1.0, 2.0, 4.0, 8.0], &mut dx);
    // Windows start at (0,0), (0,1), (1,0), (1,1); their first 5s are (0,0), (0,1), (1,0), (1,1).
    assert_eq!(dx, [1.0, 2.0, 0.0, 4.0, 8.0, 0.0, 0.0, 0.0, 0.0]);

    // All equal: everything to the window's top-left element.
    let s = shape_of([1, 2, 4, 2, 2, 2, 2]);
    let mut dx = [f32::NAN; 8];
    max_pool2d_backward(&s, &[3.0; 8], &[3.0; 2], &[1.5, -2.0], &mut dx);
    assert_eq!(dx, [1.5, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn a_nan_propagates_through_max_pooling() {
    let s = shape_of([1, 2, 2, 2, 2, 2, 2]);
    let x = [1.0, f32::NAN, 3.0, 2.0];
    let mut y = [0.0; 1];
    max_pool2d_forward(&s, &x, &mut y);
    assert!(y[0].is_nan());
    let mut dx = [f32::NAN; 4];
    max_pool2d_backward(&s, &x, &y, &[1.0], &mut dx);
    assert_eq!(dx, [0.0, 1.0, 0.0, 0.0]);
}

#[test]
#[should_panic(expected = "max_pool2d_forward: 19 input values are not a whole number of samples")]
fn a_ragged_batch_is_rejected() {
    max_pool2d_forward(&shape_of([1, 3, 3, 2, 2, 1, 1]), &[0.0; 19], &mut [0.0; 8]);
}

#[test]
#[should_panic(
    expected = "avg_pool2d_forward: 7 output values, but 2 samples × 1 channels × 2×2 need 8"
)]
fn a_wrong_output_length_is_rejected() {
    avg_pool2d_forward(&shape_of([1, 3, 3, 2, 2, 1, 1]), &[0.0; 18], &mut [0.0; 7]);
}

#[test]
#[should_panic(expected = "gives 3×3 outputs, but the shape says 4×3")]
fn an_inconsistent_shape_is_rejected() {
    let s = Pool2dShape {
        out_height: 4,
        ..shape_of([1, 7, 7, 2, 2, 2, 2])
    };
    avg_pool2d_backward(&s, &[0.0; 12], &mut [0.0; 49]);
}

#[test]
#[should_panic(expected = "max_pool2d_backward: output_grad has 3 values, but output has 4")]
fn mismatched_gradients_are_rejected() {
    let s = shape_of([1, 3, 3, 2, 2, 1, 1]);
    max_pool2d_backward(&s, &[0.0; 9], &[0.0; 4], &[0.0; 3], &mut [0.0; 9]);
}

/// Values from a small set (many ties, signed zeros) and, in about one in `nan_every`, NaN.
fn tied_values(rng: &mut Rng, len: usize, nan_every: usize) -> Vec<f32> {
    let palette = [-1.0, -0.0, 0.0, 0.5, 2.0];
    (0..len)
        .map(|_| {
            if rng.below(nan_every) == 0 {
                f32::NAN
            } else {
                palette[rng.below(palette.len())]
            }
        })
        .collect()
}

/// The general scan, window by window, with the tie and NaN rule of the forward pass: each
/// output's input index.
fn first_maxima(s: &Pool2dShape, x: &[f32], batch: usize) -> Vec<usize> {
    windows(s, batch)
        .iter()
        .map(|window| {
            let mut best = window[0];
            for &i in &window[1..] {
                if x[best].is_nan() {
                    break;
                }
                if x[i] > x[best] || x[i].is_nan() {
                    best = i;
                }
            }
            best
        })
        .collect()
}

#[test]
fn the_halving_fast_path_matches_the_general_scan() {
    let mut rng = Rng::new(91);
    for (h, w) in [(2, 2), (4, 6), (5, 7), (7, 4), (26, 26), (11, 11)] {
        let s = shape_of([3, h, w, 2, 2, 2, 2]);
        let batch = 2;
        let x = tied_values(&mut rng, batch * 3 * h * w, 40);
        let outputs = batch * 3 * s.out_height * s.out_width;
        let mut fast = vec![f32::NAN; outputs];
        max_pool2d_forward(&s, &x, &mut fast);
        let dy = random_vec(&mut rng, outputs, 1.0);
        let mut fast_dx = vec![f32::NAN; x.len()];
        max_pool2d_backward(&s, &x, &fast, &dy, &mut fast_dx);

        let mut slow_dx = vec![0.0f32; x.len()];
        for (k, &best) in first_maxima(&s, &x, batch).iter().enumerate() {
            assert_eq!(fast[k].to_bits(), x[best].to_bits(), "{h}×{w} output {k}");
            slow_dx[best] += dy[k];
        }
        assert_eq!(fast_dx, slow_dx, "{h}×{w}");
    }
}

crate::ops::kernels::test_every_variant! {
    fn every_variant_pools_halving_windows_as_the_general_scan(kernels) {
        // Every row length from 1 to 37 windows (masked ends of 1 to 8 windows after 0 to 4
        // full vectors), odd and even sizes, NaN-free planes and planes with NaNs in some
        // rows; the maxima's and the gradient's bits must match, and what no window covers
        // must be zeroed.
        let mut rng = Rng::new(92);
        for w in 2..=75 {
            for (h, nan_every) in [(2, usize::MAX), (5, 60), (8, usize::MAX), (7, 12)] {
                let s = shape_of([1, h, w, 2, 2, 2, 2]);
                let x = tied_values(&mut rng, h * w, nan_every);
                let outputs = s.out_height * s.out_width;
                let mut y = vec![f32::NAN; outputs];
                (kernels.max_pool_halving_forward)(&s, &x, &mut y);
                let maxima = first_maxima(&s, &x, 1);
                let bits = |v: &[f32]| v.iter().map(|g| g.to_bits()).collect::<Vec<_>>();
                let want: Vec<f32> = maxima.iter().map(|&best| x[best]).collect();
                assert_eq!(bits(&y), bits(&want), "forward {h}×{w}, NaN one in {nan_every}");

                let dy = random_vec(&mut rng, outputs, 1.0);
                let mut dx = vec![f32::NAN; x.len()];
                (kernels.max_pool_halving_backward)(&s, &x, &dy, &mut dx);
                let mut expected = vec![0.0f32; x.len()];
                for (k, &best) in maxima.iter().enumerate() {
                    expected[best] += dy[k];
                }
                assert_eq!(bits(&dx), bits(&expected), "backward {h}×{w}, NaN one in {nan_every}");
            }
        }
    }
}
