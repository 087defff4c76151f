use super::*;
use crate::ops::test_support::{check_gradient, random_vec, weighted_sum};
use std::vec;
use std::vec::Vec;

/// Runs the forward pass on fresh buffers: `(output, mask)`.
fn forward(rate: f32, input: &[f32], seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut output = vec![f32::NAN; input.len()];
    let mut mask = vec![f32::NAN; input.len()];
    dropout_forward_train(rate, input, &mut output, &mut mask, &mut Rng::new(seed));
    (output, mask)
}

#[test]
fn rate_zero_is_the_identity() {
    let input = random_vec(&mut Rng::new(1), 1000, 3.0);
    let (output, mask) = forward(0.0, &input, 2);
    assert_eq!(output, input);
    assert!(mask.iter().all(|&m| m == 1.0));
}

#[test]
fn mask_is_zero_or_the_inverse_keep_probability_and_scales_the_input() {
    let input = random_vec(&mut Rng::new(3), 10_000, 2.0);
    for rate in [0.1f32, 0.5, 0.9] {
        let (output, mask) = forward(rate, &input, 4);
        let scale = 1.0 / (1.0 - rate);
        assert!(
            mask.iter().all(|&m| m == 0.0 || m == scale),
            "rate {rate}: a mask value is neither 0 nor {scale}"
        );
        assert!(mask.contains(&0.0) && mask.contains(&scale), "rate {rate}");
        for ((&y, &x), &m) in output.iter().zip(&input).zip(&mask) {
            assert_eq!(y, x * m);
        }
    }
}

#[test]
fn kept_fraction_matches_the_rate() {
    let input = vec![1.0f32; 100_000];
    for (seed, rate) in [0.05f32, 0.2, 0.5, 0.8].into_iter().enumerate() {
        let (_, mask) = forward(rate, &input, seed as u64);
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / input.len() as f64;
        let want = 1.0 - f64::from(rate);
        assert!(
            (kept - want).abs() <= 0.01,
            "rate {rate}: kept {kept}, expected {want}"
        );
    }
}

#[test]
fn expectation_is_preserved() {
    let mut rng = Rng::new(5);
    // Positive inputs, so the mean is far from zero and a relative bound means something.
    let input: Vec<f32> = (0..100_000).map(|_| 1.0 + rng.uniform(0.5)).collect();
    let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    for rate in [0.1f32, 0.5, 0.7] {
        let (output, _) = forward(rate, &input, 6);
        let (got, want) = (mean(&output), mean(&input));
        assert!(
            (got - want).abs() <= 0.02 * want,
            "rate {rate}: output mean {got}, input mean {want}"
        );
    }
}

#[test]
fn same_seed_same_mask_and_different_seeds_differ() {
    let input = random_vec(&mut Rng::new(7), 1000, 1.0);
    let (out_a, mask_a) = forward(0.5, &input, 8);
    let (out_b, mask_b) = forward(0.5, &input, 8);
    let (_, mask_c) = forward(0.5, &input, 9);
    assert_eq!(mask_a, mask_b);
    assert_eq!(out_a, out_b);
    assert_ne!(mask_a, mask_c);
}

#[test]
fn one_draw_per_value_whatever_the_rate() {
    for rate in [0.0f32, 0.3] {
        let mut rng = Rng::new(10);
        let mut reference = rng.clone();
        let mut buffers = (vec![0.0; 17], vec![0.0; 17]);
        dropout_forward_train(rate, &[1.0; 17], &mut buffers.0, &mut buffers.1, &mut rng);
        for _ in 0..17 {
            reference.next_f32();
        }
        assert_eq!(rng.next_u64(), reference.next_u64(), "rate {rate}");
    }
}

#[test]
fn backward_multiplies_by_the_mask_exactly() {
    let mut rng = Rng::new(11);
    let input = random_vec(&mut rng, 500, 1.0);
    let dy = random_vec(&mut rng, 500, 1.0);
    let (_, mask) = forward(0.4, &input, 12);
    let mut dx = vec![f32::NAN; 500];
    dropout_backward(&mask, &dy, &mut dx);
    let want: Vec<f32> = dy.iter().zip(&mask).map(|(&g, &m)| g * m).collect();
    assert_eq!(dx, want);
    assert!(dx.iter().zip(&mask).all(|(&g, &m)| m != 0.0 || g == 0.0));
}

#[test]
fn backward_matches_finite_differences_for_a_fixed_seed() {
    let mut rng = Rng::new(13);
    let input = random_vec(&mut rng, 40, 1.0);
    let r = random_vec(&mut rng, 40, 1.0);
    let (_, mask) = forward(0.3, &input, 14);
    let mut dx = vec![f32::NAN; 40];
    dropout_backward(&mask, &r, &mut dx);
    // Reseeding makes every evaluation draw the same mask: L(x) = Σ r ⊙ dropout(x).
    check_gradient("dX", &input, &dx, 1e-3, 1e-3, 1e-4, |x| {
        weighted_sum(&r, &forward(0.3, x, 14).0)
    });
}

#[test]
#[should_panic(expected = "rate must be in [0, 1), got 1")]
fn rate_one_is_rejected() {
    forward(1.0, &[1.0; 4], 0);
}

#[test]
#[should_panic(expected = "rate must be in [0, 1), got -0.1")]
fn negative_rate_is_rejected() {
    forward(-0.1, &[1.0; 4], 0);
}

#[test]
#[should_panic(expected = "rate must be in [0, 1), got NaN")]
fn nan_rate_is_rejected() {
    forward(f32::NAN, &[1.0; 4], 0);
}

#[test]
#[should_panic(expected = "dropout_forward_train: mask has 3 values, input 4")]
fn forward_rejects_a_wrong_mask_length() {
    dropout_forward_train(
        0.5,
        &[1.0; 4],
        &mut [0.0; 4],
        &mut [0.0; 3],
        &mut Rng::new(0),
    );
}

#[test]
#[should_panic(expected = "dropout_backward: input_grad has 5 values, mask 4")]
fn backward_rejects_a_wrong_input_grad_length() {
    dropout_backward(&[1.0; 4], &[1.0; 4], &mut [0.0; 5]);
}
