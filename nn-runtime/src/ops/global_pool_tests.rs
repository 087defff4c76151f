//! Tests of the global pooling kernels against naive references and finite differences.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `[channels, height, width]`: square and ragged maps, a single row or column, a single value
/// and maps longer than the 16 lanes of the vectorized sum.
const CASES: [[usize; 3]; 7] = [
    [1, 4, 4],
    [3, 5, 7],
    [2, 1, 9],
    [4, 6, 1],
    [2, 1, 1],
    [5, 8, 8],
    [3, 25, 5],
];

fn shape_of([channels, height, width]: [usize; 3]) -> GlobalPoolShape {
    GlobalPoolShape {
        channels,
        height,
        width,
    }
}

fn forward(max: bool, s: &GlobalPoolShape, x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::NAN; x.len() / s.area()];
    if max {
        global_max_pool2d_forward(s, x, &mut y);
    } else {
        global_avg_pool2d_forward(s, x, &mut y);
    }
    y
}

/// Distinct values (a shuffled grid 0.05 apart), so the maximum survives a ±1e-3 nudge.
fn distinct_values(rng: &mut Rng, len: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..len)
        .map(|i| i as f32 * 0.05 - len as f32 * 0.025)
        .collect();
    rng.shuffle(&mut v);
    v
}

#[test]
fn forward_and_backward_match_the_naive_loops() {
    let mut rng = Rng::new(61);
    for case in CASES {
        let s = shape_of(case);
        for batch in [1, 3] {
            let len = batch * s.channels * s.area();
            let x = random_vec(&mut rng, len, 1.0);
            let dy = random_vec(&mut rng, batch * s.channels, 1.0);
            let area = s.area() as f64;
            let (mut want_max, mut want_avg) = (Vec::new(), Vec::new());
            let (mut want_dmax, mut want_davg) = (vec![0.0f64; len], vec![0.0f64; len]);
            for (m, &g) in dy.iter().enumerate() {
                let map = m * s.area()..(m + 1) * s.area();
                let mut first_max = map.start;
                for k in map.clone() {
                    if x[k] > x[first_max] {
                        first_max = k;
                    }
                    want_davg[k] = f64::from(g) / area;
                }
                want_max.push(f64::from(x[first_max]));
                want_dmax[first_max] = f64::from(g);
                want_avg.push(map.map(|k| f64::from(x[k])).sum::<f64>() / area);
            }
            let what = format!("{case:?} batch {batch}");
            assert_close(
                &forward(true, &s, &x),
                &want_max,
                0.0,
                0.0,
                &format!("max {what}"),
            );
            assert_close(
                &forward(false, &s, &x),
                &want_avg,
                1e-6,
                1e-6,
                &format!("avg {what}"),
            );

            let mut dx = vec![f32::NAN; len];
            global_max_pool2d_backward(&s, &x, &dy, &mut dx);
            assert_close(&dx, &want_dmax, 0.0, 0.0, &format!("max backward {what}"));
            let mut dx = vec![f32::NAN; len];
            global_avg_pool2d_backward(&s, &dy, &mut dx);
            assert_close(&dx, &want_davg, 1e-6, 1e-7, &format!("avg backward {what}"));
        }
    }
}

#[test]
fn backward_matches_finite_differences() {
    let mut rng = Rng::new(62);
    for case in CASES {
        let s = shape_of(case);
        let batch = 2;
        let x = distinct_values(&mut rng, batch * s.channels * s.area());
        let r = random_vec(&mut rng, batch * s.channels, 1.0);
        for max in [true, false] {
            let mut dx = vec![f32::NAN; x.len()];
            if max {
                global_max_pool2d_backward(&s, &x, &r, &mut dx);
            } else {
                global_avg_pool2d_backward(&s, &r, &mut dx);
            }
            let what = format!("{} {case:?}", if max { "max" } else { "avg" });
            check_gradient(&what, &x, &dx, 1e-3, 1e-2, 1e-3, |x| {
                weighted_sum(&r, &forward(max, &s, x))
            });
        }
    }
}

#[test]
fn known_values_and_ties_go_to_the_first_maximum() {
    // Two channels of 2×3: means 2.5 and −1, maxima 5 and 0 (the first of two zeros).
    let s = shape_of([2, 2, 3]);
    let x = [
        0.0, 1.0, 2.0, 3.0, 4.0, 5.0, -3.0, 0.0, -1.0, 0.0, -2.0, 0.0,
    ];
    assert_eq!(forward(false, &s, &x), [2.5, -1.0]);
    assert_eq!(forward(true, &s, &x), [5.0, 0.0]);
    let mut dx = [f32::NAN; 12];
    global_max_pool2d_backward(&s, &x, &[2.0, -4.0], &mut dx);
    assert_eq!(dx, [0., 0., 0., 0., 0., 2., 0., -4., 0., 0., 0., 0.]);
    global_avg_pool2d_backward(&s, &[3.0, -6.0], &mut dx);
    assert_eq!(
        dx,
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -1., -1., -1., -1., -1., -1.]
    );
}

#[test]
fn a_nan_propagates_and_takes_the_gradient() {
    let s = shape_of([1, 2, 2]);
    let x = [1.0, 7.0, f32::NAN, 2.0];
    assert!(forward(true, &s, &x)[0].is_nan());
    assert!(forward(false, &s, &x)[0].is_nan());
    let mut dx = [f32::NAN; 4];
    global_max_pool2d_backward(&s, &x, &[1.0], &mut dx);
    assert_eq!(dx, [0.0, 0.0, 1.0, 0.0]);
    // A NaN first is the maximum too: nothing compares greater than it.
    assert!(forward(true, &s, &[f32::NAN, 9.0, 1.0, 2.0])[0].is_nan());
}

#[test]
#[should_panic(
    expected = "global_avg_pool2d_forward: 19 input values are not a whole number of samples"
)]
fn a_ragged_batch_is_rejected() {
    global_avg_pool2d_forward(&shape_of([2, 3, 3]), &[0.0; 19], &mut [0.0; 2]);
}

#[test]
#[should_panic(
    expected = "global_max_pool2d_forward: 3 output values, but 1 samples × 2 channels need 2"
)]
fn a_wrong_output_length_is_rejected() {
    global_max_pool2d_forward(&shape_of([2, 3, 3]), &[0.0; 18], &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "global_max_pool2d_backward: input_grad has 17 values, but input has 18")]
fn mismatched_gradients_are_rejected() {
    let s = shape_of([2, 3, 3]);
    global_max_pool2d_backward(&s, &[0.0; 18], &[0.0; 2], &mut [0.0; 17]);
}
