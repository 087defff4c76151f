//! Tests of `activation.rs`.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

const SIZES: [usize; 6] = [1, 3, 7, 16, 33, 100];

/// Forward, in-place forward and a reference function agree.
fn check_forward(act: &dyn Activation, reference: impl Fn(f64) -> f64, limit: f32, what: &str) {
    let mut rng = Rng::new(11);
    for n in SIZES {
        let x = random_vec(&mut rng, n, limit);
        let mut y = vec![f32::NAN; n];
        act.forward(&x, &mut y);
        let want: Vec<f64> = x.iter().map(|&v| reference(f64::from(v))).collect();
        assert_close(&y, &want, 1e-6, 1e-7, what);
        let mut in_place = x.clone();
        act.forward_in_place(&mut in_place);
        assert_eq!(in_place, y, "{what}: in-place forward differs");
    }
}

/// Backward against central differences of `Σ r ⊙ f(x)`.
fn check_backward(act: &dyn Activation, x: &[f32], what: &str) {
    let mut rng = Rng::new(5);
    let n = x.len();
    let r = random_vec(&mut rng, n, 1.0);
    let mut y = vec![0.0; n];
    act.forward(x, &mut y);
    let mut dx = vec![f32::NAN; n];
    act.backward(x, &y, &r, &mut dx);
    let mut scratch = vec![0.0; n];
    check_gradient(what, x, &dx, 1e-3, 1e-2, 1e-4, |probe| {
        act.forward(probe, &mut scratch);
        weighted_sum(&r, &scratch)
    });
}

#[test]
fn relu_forward_and_gradient() {
    check_forward(&Relu, |x| x.max(0.0), 3.0, "relu");
    let mut rng = Rng::new(1);
    for n in SIZES {
        check_backward(
            &Relu,
            &random_vec_away_from_zero(&mut rng, n, 3.0, 0.01),
            "relu'",
        );
    }
    let mut dx = [f32::NAN; 3];
    Relu.backward(
        &[-1.0, 0.0, 2.0],
        &[0.0, 0.0, 2.0],
        &[5.0, 5.0, 5.0],
        &mut dx,
    );
    assert_eq!(dx, [0.0, 0.0, 5.0]);
}

#[test]
fn relu6_forward_and_gradient() {
    check_forward(&Relu6, |x| x.clamp(0.0, 6.0), 9.0, "relu6");
    let mut rng = Rng::new(3);
    for n in SIZES {
        // Away from both kinks, 0 and 6.
        let x: Vec<f32> = random_vec_away_from_zero(&mut rng, n, 4.5, 0.01)
            .iter()
            .map(|&v| if v > 0.0 { v * 2.0 } else { v })
            .map(|v| if (v - 6.0).abs() < 0.01 { 5.5 } else { v })
            .collect();
        assert!(x.iter().any(|&v| v > 6.0) || n < 16, "{x:?}");
        check_backward(&Relu6, &x, "relu6'");
    }
    let x = [
        -1.0,
        -0.0,
        0.0,
        3.0,
        6.0,
        7.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    let mut y = [f32::NAN; 8];
    Relu6.forward(&x, &mut y);
    assert_eq!(
        y.map(f32::to_bits),
        [0.0, 0.0, 0.0, 3.0, 6.0, 6.0, 6.0, 0.0].map(f32::to_bits)
    );
    let mut dx = [f32::NAN; 8];
    Relu6.backward(&x, &y, &[5.0; 8], &mut dx);
    assert_eq!(dx, [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn leaky_relu_forward_and_gradient() {
    let act = LeakyRelu { alpha: 0.3 };
    check_forward(
        &act,
        |x| if x > 0.0 { x } else { 0.3 * x },
        3.0,
        "leaky relu",
    );
    let mut rng = Rng::new(2);
    for n in SIZES {
        check_backward(
            &act,
            &random_vec_away_from_zero(&mut rng, n, 3.0, 0.01),
            "leaky relu'",
        );
    }
}

#[test]
fn sigmoid_forward_and_gradient() {
    check_forward(&Sigmoid, |x| 1.0 / (1.0 + (-x).exp()), 8.0, "sigmoid");
    let mut rng = Rng::new(3);
    for n in SIZES {
        check_backward(&Sigmoid, &random_vec(&mut rng, n, 4.0), "sigmoid'");
    }
}

#[test]
fn sigmoid_is_stable_for_large_inputs() {
    let x = [
        -1000.0,
        -100.0,
        -88.0,
        88.0,
        100.0,
        1000.0,
        f32::MAX,
        f32::MIN,
    ];
    let mut y = [f32::NAN; 8];
    Sigmoid.forward(&x, &mut y);
    assert!(
        y.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
        "{y:?}"
    );
    assert_eq!(y[0], 0.0);
    assert_eq!(y[5], 1.0);
    // e^-88 ≈ 6e-39 must survive as a tiny positive number, not collapse to 0.
    assert!(y[2] > 0.0 && y[2] < 1e-37, "{}", y[2]);
    let mut dx = [f32::NAN; 8];
    Sigmoid.backward(&x, &y, &[1.0; 8], &mut dx);
    assert!(dx.iter().all(|v| v.is_finite() && *v >= 0.0), "{dx:?}");
}

#[test]
fn tanh_forward_and_gradient() {
    check_forward(&Tanh, f64::tanh, 5.0, "tanh");
    let mut rng = Rng::new(4);
    for n in SIZES {
        check_backward(&Tanh, &random_vec(&mut rng, n, 2.0), "tanh'");
    }
}

/// Softmax of each row in `f64`.
fn softmax_reference(x: &[f32], width: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for row in x.chunks(width) {
        let exps: Vec<f64> = row.iter().map(|&v| f64::from(v).exp()).collect();
        let sum: f64 = exps.iter().sum();
        out.extend(exps.iter().map(|e| e / sum));
    }
    out
}

#[test]
fn softmax_forward_matches_reference_per_row() {
    let mut rng = Rng::new(6);
    for width in [1, 2, 3, 10, 17] {
        for rows in [1, 4, 7] {
            let act = Softmax { width };
            let x = random_vec(&mut rng, width * rows, 6.0);
            let mut y = vec![f32::NAN; x.len()];
            act.forward(&x, &mut y);
            assert_close(&y, &softmax_reference(&x, width), 1e-5, 1e-7, "softmax");
            for row in y.chunks(width) {
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
            let mut in_place = x.clone();
            act.forward_in_place(&mut in_place);
            assert_eq!(in_place, y);
        }
    }
}

#[test]
fn softmax_survives_huge_logits() {
    let act = Softmax { width: 3 };
    let mut y = [0.0; 6];
    act.forward(&[1000.0, 999.0, -1000.0, -5000.0, -5001.0, -5000.0], &mut y);
    let e = (-1.0f64).exp();
    let want = [
        1.0 / (1.0 + e),
        e / (1.0 + e),
        0.0,
        1.0 / (2.0 + e),
        e / (2.0 + e),
        1.0 / (2.0 + e),
    ];
    assert_close(&y, &want, 1e-6, 1e-7, "softmax of huge logits");
}

#[test]
fn softmax_gradient_is_the_jacobian_vector_product() {
    let mut rng = Rng::new(7);
    for width in [1, 2, 5, 10] {
        for rows in [1, 3] {
            let x = random_vec(&mut rng, width * rows, 3.0);
            check_backward(&Softmax { width }, &x, "softmax'");
        }
    }
}

/// Every activation, forward (both forms) and backward, maps a NaN input to NaN and
/// leaves its neighbours alone.
#[test]
fn a_nan_input_gives_a_nan_output_and_derivative() {
    let x = [-2.0, f32::NAN, 0.0, 1.5, -0.0, 3.0];
    let elementwise: [(&dyn Activation, &str); 5] = [
        (&Relu, "relu"),
        (&Relu6, "relu6"),
        (&LeakyRelu { alpha: 0.1 }, "leaky relu"),
        (&Sigmoid, "sigmoid"),
        (&Tanh, "tanh"),
    ];
    for (act, what) in elementwise {
        let mut y = [0.0; 6];
        act.forward(&x, &mut y);
        let mut in_place = x;
        act.forward_in_place(&mut in_place);
        let mut dx = [0.0; 6];
        act.backward(&x, &y, &[1.0; 6], &mut dx);
        for (i, (v, d)) in y.iter().zip(dx).enumerate() {
            assert_eq!(v.is_nan(), i == 1, "{what}: y = {y:?}");
            assert_eq!(
                in_place[i].is_nan(),
                i == 1,
                "{what} in place: {in_place:?}"
            );
            assert_eq!(d.is_nan(), i == 1, "{what}': dx = {dx:?}");
        }
    }
    // Softmax: the row with the NaN is NaN throughout, the other row is untouched.
    let act = Softmax { width: 3 };
    let x = [0.5, f32::NAN, -1.0, 0.5, 2.0, -1.0];
    let mut y = [0.0; 6];
    act.forward(&x, &mut y);
    assert!(y[..3].iter().all(|v| v.is_nan()), "{y:?}");
    assert!(y[3..].iter().all(|v| v.is_finite()), "{y:?}");
    let mut dx = [0.0; 6];
    act.backward(&x, &y, &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &mut dx);
    assert!(dx[..3].iter().all(|v| v.is_nan()), "{dx:?}");
    assert!(dx[3..].iter().all(|v| v.is_finite()), "{dx:?}");
}

#[test]
fn relu_keeps_its_values_at_signed_zeros_and_infinities() {
    let x = [-0.0, 0.0, f32::INFINITY, f32::NEG_INFINITY];
    let mut y = [f32::NAN; 4];
    Relu.forward(&x, &mut y);
    assert_eq!(
        y.map(f32::to_bits),
        [0.0, 0.0, f32::INFINITY, 0.0].map(f32::to_bits)
    );
    let mut dx = [f32::NAN; 4];
    Relu.backward(&x, &y, &[2.0; 4], &mut dx);
    assert_eq!(dx, [0.0, 0.0, 2.0, 0.0]);
}

#[test]
#[should_panic(expected = "whole number of rows")]
fn softmax_rejects_partial_rows() {
    Softmax { width: 3 }.forward_in_place(&mut [0.0; 4]);
}

#[test]
#[should_panic(expected = "same length")]
fn backward_rejects_mismatched_lengths() {
    Tanh.backward(&[0.0; 3], &[0.0; 3], &[0.0; 2], &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "same length")]
fn relu_backward_rejects_mismatched_lengths() {
    Relu.backward(&[0.0; 3], &[0.0; 3], &[0.0; 3], &mut [0.0; 4]);
}

crate::ops::kernels::test_every_variant! {
    fn every_variant_runs_relu_bit_for_bit(kernels) {
        // Every length from 0 to 70 (vector bodies and every ragged end), values with signed
        // zeros, infinities and NaN beside random ones; against the scalar definitions.
        let mut rng = Rng::new(17);
        let specials = [-0.0, 0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1e-45, -1e-45];
        for len in 0..=70 {
            let x: Vec<f32> = (0..len)
                .map(|_| match rng.below(4) {
                    0 => specials[rng.below(specials.len())],
                    _ => rng.uniform(2.0),
                })
                .collect();
            let dy = random_vec(&mut rng, len, 1.0);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            let want: Vec<f32> = x.iter().map(|&v| relu(v)).collect();
            let mut y = vec![f32::NAN; len];
            (kernels.relu.forward)(&x, &mut y);
            assert_eq!(bits(&y), bits(&want), "forward, {len} values");
            let mut in_place = x.clone();
            (kernels.relu.in_place)(&mut in_place);
            assert_eq!(bits(&in_place), bits(&want), "in place, {len} values");
            let want_dx: Vec<f32> = x.iter().zip(&dy).map(|(&x, &g)| piecewise(x, g, 0.0)).collect();
            let mut dx = vec![f32::NAN; len];
            (kernels.relu.backward)(&x, &dy, &mut dx);
            assert_eq!(bits(&dx), bits(&want_dx), "backward, {len} values");
        }
    }
}
