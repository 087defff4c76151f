//! Tests of the losses against their definitions in `f64` and finite differences.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// Mean over rows of `−Σ t · ln softmax(z)`, directly from the definition in `f64`.
fn cross_entropy_reference(z: &[f32], t: &[f32], classes: usize) -> f64 {
    let rows = z.len() / classes;
    let mut total = 0.0;
    for (z, t) in z.chunks(classes).zip(t.chunks(classes)) {
        let denominator: f64 = z.iter().map(|&v| f64::from(v).exp()).sum();
        for (&z, &t) in z.iter().zip(t) {
            total -= f64::from(t) * (f64::from(z).exp() / denominator).ln();
        }
    }
    total / rows as f64
}

#[test]
fn kl_divergence_value_and_gradients() {
    let mut rng = Rng::new(43);
    let (rows, width) = (3, 4);
    let mean = random_vec(&mut rng, rows * width, 2.0);
    let log_var = random_vec(&mut rng, rows * width, 2.0);
    // From the closed form of KL(N(μ, σ²) ‖ N(0, 1)) = ln(1/σ) + (σ² + μ²)/2 − ½.
    let want: f64 = mean
        .iter()
        .zip(&log_var)
        .map(|(&m, &v)| {
            let (m, sigma) = (f64::from(m), (f64::from(v) / 2.0).exp());
            -sigma.ln() + (sigma * sigma + m * m) / 2.0 - 0.5
        })
        .sum::<f64>()
        / rows as f64;
    let (mut mean_grad, mut log_var_grad) = (vec![0.0; 12], vec![0.0; 12]);
    let loss = kl_divergence_standard_normal(
        &mean,
        &log_var,
        width,
        Some((&mut mean_grad, &mut log_var_grad)),
    );
    assert!(
        (f64::from(loss) - want).abs() < 1e-5 * (1.0 + want),
        "{loss} vs {want}"
    );
    check_gradient("d kl / d mean", &mean, &mean_grad, 1e-3, 1e-2, 2e-4, |m| {
        f64::from(kl_divergence_standard_normal(m, &log_var, width, None))
    });
    check_gradient(
        "d kl / d log_var",
        &log_var,
        &log_var_grad,
        1e-3,
        1e-2,
        2e-4,
        |v| f64::from(kl_divergence_standard_normal(&mean, v, width, None)),
    );
    // N(0, I) itself is at distance zero.
    assert_eq!(
        kl_divergence_standard_normal(&[0.0; 4], &[0.0; 4], 2, None),
        0.0
    );
}

#[test]
fn softmax_cross_entropy_value_and_gradient() {
    let mut rng = Rng::new(41);
    for classes in [1, 2, 3, 10, 17] {
        for rows in [1, 4, 9] {
            let z = random_vec(&mut rng, rows * classes, 4.0);
            let t = random_distributions(&mut rng, rows, classes);
            let mut grad = vec![f32::NAN; z.len()];
            let loss = softmax_cross_entropy(&z, &t, classes, Some(&mut grad));
            let want = cross_entropy_reference(&z, &t, classes);
            assert!(
                (f64::from(loss) - want).abs() <= 1e-5 * (1.0 + want),
                "loss {loss} vs {want}"
            );
            assert_eq!(loss, softmax_cross_entropy(&z, &t, classes, None));
            check_gradient("d softmax_ce", &z, &grad, 1e-3, 1e-2, 2e-4, |z| {
                f64::from(softmax_cross_entropy(z, &t, classes, None))
            });
        }
    }
}

#[test]
fn softmax_cross_entropy_with_one_hot_targets_and_unnormalised_targets() {
    let mut rng = Rng::new(42);
    let (rows, classes) = (5, 4);
    let z = random_vec(&mut rng, rows * classes, 3.0);
    let mut one_hot = vec![0.0; rows * classes];
    for r in 0..rows {
        one_hot[r * classes + rng.below(classes)] = 1.0;
    }
    // Targets that do not sum to 1: the gradient must still be that of the returned value.
    let weights: Vec<f32> = random_vec(&mut rng, rows * classes, 1.0)
        .iter()
        .map(|v| v.abs() * 2.0)
        .collect();
    // The unnormalised loss is larger, so its f32 rounding needs a wider difference step.
    for (t, eps) in [(one_hot, 1e-3), (weights, 1e-2)] {
        let mut grad = vec![0.0; z.len()];
        let loss = softmax_cross_entropy(&z, &t, classes, Some(&mut grad));
        let want = cross_entropy_reference(&z, &t, classes);
        assert!((f64::from(loss) - want).abs() <= 1e-5 * (1.0 + want));
        check_gradient("d softmax_ce", &z, &grad, eps, 1e-2, 2e-4, |z| {
            f64::from(softmax_cross_entropy(z, &t, classes, None))
        });
    }
}

#[test]
fn softmax_cross_entropy_is_stable_for_huge_logits() {
    // Row 1: the right class wins by 1000 → loss ≈ 0. Row 2: it loses by 1000 → loss 1000.
    let z = [1000.0, 0.0, -1000.0, 0.0];
    let t = [1.0, 0.0, 1.0, 0.0];
    let mut grad = [f32::NAN; 4];
    let loss = softmax_cross_entropy(&z, &t, 2, Some(&mut grad));
    assert!((loss - 500.0).abs() < 1e-3, "{loss}");
    assert_eq!(grad, [0.0, 0.0, -0.5, 0.5]);
    // A −∞ logit on a class with zero target is allowed.
    let loss = softmax_cross_entropy(&[0.0, f32::NEG_INFINITY], &[1.0, 0.0], 2, None);
    assert_eq!(loss, 0.0);
}

#[test]
fn binary_cross_entropy_value_and_gradient() {
    let mut rng = Rng::new(43);
    for n in [1, 2, 7, 16, 33] {
        let z = random_vec(&mut rng, n, 5.0);
        let t: Vec<f32> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    rng.next_f32()
                } else {
                    (i % 2) as f32
                }
            })
            .collect();
        let mut grad = vec![f32::NAN; n];
        let loss = sigmoid_binary_cross_entropy(&z, &t, Some(&mut grad));
        // The textbook form −t ln p − (1−t) ln(1−p), fine in f64 for moderate logits.
        let want: f64 = z
            .iter()
            .zip(&t)
            .map(|(&z, &t)| {
                let (z, t) = (f64::from(z), f64::from(t));
                let p = 1.0 / (1.0 + (-z).exp());
                -t * p.ln() - (1.0 - t) * (1.0 - p).ln()
            })
            .sum::<f64>()
            / n as f64;
        assert!(
            (f64::from(loss) - want).abs() <= 1e-5 * (1.0 + want),
            "{loss} vs {want}"
        );
        check_gradient("d bce", &z, &grad, 1e-3, 1e-2, 2e-4, |z| {
            f64::from(sigmoid_binary_cross_entropy(z, &t, None))
        });
    }
}

#[test]
fn binary_cross_entropy_is_stable_for_huge_logits() {
    let mut grad = [f32::NAN; 4];
    let loss = sigmoid_binary_cross_entropy(
        &[200.0, -200.0, 200.0, -200.0],
        &[1.0, 0.0, 0.0, 1.0],
        Some(&mut grad),
    );
    assert!((loss - 100.0).abs() < 1e-3, "{loss}");
    assert_eq!(grad, [0.0, 0.0, 0.25, -0.25]);
}

#[test]
fn mean_squared_error_value_and_gradient() {
    let mut rng = Rng::new(44);
    for n in [1, 2, 7, 16, 33] {
        let y = random_vec(&mut rng, n, 3.0);
        let t = random_vec(&mut rng, n, 3.0);
        let mut grad = vec![f32::NAN; n];
        let loss = mean_squared_error(&y, &t, Some(&mut grad));
        let want: f64 = y
            .iter()
            .zip(&t)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!((f64::from(loss) - want).abs() <= 1e-6 * (1.0 + want));
        check_gradient("d mse", &y, &grad, 1e-3, 1e-2, 2e-4, |y| {
            f64::from(mean_squared_error(y, &t, None))
        });
    }
    assert_eq!(mean_squared_error(&[3.0, 1.0], &[1.0, 1.0], None), 2.0);
}

/// `targets + differences`, each difference at least `gap` from 0 and from `±kink`, so a
/// finite difference never straddles a point where the loss bends.
fn outputs_off_kinks(rng: &mut Rng, targets: &[f32], kink: f32, gap: f32) -> Vec<f32> {
    targets
        .iter()
        .map(|&t| loop {
            let d = rng.uniform(3.0);
            if d.abs() >= gap && (d.abs() - kink).abs() >= gap {
                break t + d;
            }
        })
        .collect()
}

#[test]
fn mean_absolute_error_by_hand() {
    // |d| = 1, 3, 0, 2: mean 6 / 4. The gradient is sign(d) / 4, and 0 where d = 0
    // (PyTorch's L1Loss and TensorFlow's abs both take 0 there).
    let (y, t) = ([1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 0.5, 1.0]);
    let mut grad = [f32::NAN; 4];
    assert_eq!(mean_absolute_error(&y, &t, Some(&mut grad)), 1.5);
    assert_eq!(grad, [0.25, -0.25, 0.0, 0.25]);
}

#[test]
fn huber_by_hand() {
    let t = [0.0; 4];
    // delta 1 (Keras' default): d = 1, -3, 0, 2 → 1/2, 3 - 1/2, 0, 2 - 1/2; mean 4.5 / 4.
    let mut grad = [f32::NAN; 4];
    let loss = huber(&[1.0, -3.0, 0.0, 2.0], &t, 1.0, Some(&mut grad));
    assert_eq!(loss, 1.125);
    assert_eq!(grad, [0.25, -0.25, 0.0, 0.25]);
    // delta 0.5: d = 0.25 is inside (0.25² / 2), the others beyond: 0.5 · (|d| − 0.25).
    // (0.03125 + 1.375 + 0 + 0.875) / 4 = 0.5703125, which is PyTorch's
    // HuberLoss(delta=0.5); its SmoothL1Loss(beta=0.5) is twice that, 1.140625.
    let loss = huber(&[0.25, -3.0, 0.0, 2.0], &t, 0.5, Some(&mut grad));
    assert_eq!(loss, 0.5703125);
    assert_eq!(grad, [0.0625, -0.125, 0.0, 0.125]);
}

#[test]
fn regression_losses_value_and_gradient() {
    let mut rng = Rng::new(45);
    for n in [1, 2, 7, 16, 33] {
        for delta in [0.3f32, 1.0, 2.5] {
            let t = random_vec(&mut rng, n, 2.0);
            let y = outputs_off_kinks(&mut rng, &t, delta, 0.05);
            let d: Vec<f64> = y
                .iter()
                .zip(&t)
                .map(|(&y, &t)| f64::from(y) - f64::from(t))
                .collect();
            let mae = d.iter().map(|d| d.abs()).sum::<f64>() / n as f64;
            let delta64 = f64::from(delta);
            let huber_want = d
                .iter()
                .map(|d| {
                    if d.abs() <= delta64 {
                        d * d / 2.0
                    } else {
                        delta64 * (d.abs() - delta64 / 2.0)
                    }
                })
                .sum::<f64>()
                / n as f64;

            let mut grad = vec![f32::NAN; n];
            let loss = mean_absolute_error(&y, &t, Some(&mut grad));
            assert!((f64::from(loss) - mae).abs() <= 1e-6 * (1.0 + mae));
            assert_eq!(loss, mean_absolute_error(&y, &t, None));
            check_gradient("d mae", &y, &grad, 1e-3, 1e-2, 2e-4, |y| {
                f64::from(mean_absolute_error(y, &t, None))
            });

            let loss = huber(&y, &t, delta, Some(&mut grad));
            assert!((f64::from(loss) - huber_want).abs() <= 1e-6 * (1.0 + huber_want));
            assert_eq!(loss, huber(&y, &t, delta, None));
            check_gradient("d huber", &y, &grad, 1e-3, 1e-2, 2e-4, |y| {
                f64::from(huber(y, &t, delta, None))
            });
        }
    }
}

#[test]
fn huber_between_half_mse_and_shifted_mae() {
    // Within delta of every target it is half the squared error; beyond every target it is
    // delta · MAE − delta² / 2.
    let (y, t) = ([0.5, -0.25, 0.125], [0.0, 0.25, -0.5]);
    assert_eq!(
        huber(&y, &t, 10.0, None),
        mean_squared_error(&y, &t, None) / 2.0
    );
    let (y, t) = ([5.0, -4.0, 7.5], [0.0, 0.25, -0.5]);
    let want = 0.5 * mean_absolute_error(&y, &t, None) - 0.125;
    assert!((huber(&y, &t, 0.5, None) - want).abs() < 1e-6);
}

#[test]
fn regression_losses_pass_nan_on() {
    let mut grad = [0.0; 2];
    assert!(mean_absolute_error(&[f32::NAN, 1.0], &[0.0, 0.0], Some(&mut grad)).is_nan());
    assert!(grad[0].is_nan());
    assert!(huber(&[f32::NAN, 1.0], &[0.0, 0.0], 1.0, Some(&mut grad)).is_nan());
    assert!(grad[0].is_nan());
}

#[test]
#[should_panic(expected = "delta must be finite and greater than 0")]
fn huber_rejects_a_zero_delta() {
    huber(&[1.0], &[0.0], 0.0, None);
}

#[test]
fn empty_batches_have_zero_loss() {
    assert_eq!(softmax_cross_entropy(&[], &[], 3, Some(&mut [])), 0.0);
    assert_eq!(sigmoid_binary_cross_entropy(&[], &[], None), 0.0);
    assert_eq!(mean_squared_error(&[], &[], None), 0.0);
    assert_eq!(mean_absolute_error(&[], &[], None), 0.0);
    assert_eq!(huber(&[], &[], 1.0, None), 0.0);
}

#[test]
#[should_panic(expected = "3 targets for 2 predictions")]
fn rejects_mismatched_targets() {
    mean_squared_error(&[0.0; 2], &[0.0; 3], None);
}

#[test]
#[should_panic(expected = "not a whole number of rows")]
fn rejects_partial_rows() {
    softmax_cross_entropy(&[0.0; 5], &[0.0; 5], 2, None);
}

#[test]
fn loss_kinds_run_their_kernels_and_refuse_a_bad_delta() {
    use crate::network::LossKind;
    let (y, t) = ([0.25, -3.0, 0.0, 2.0], [0.0; 4]);
    assert_eq!(LossKind::MeanAbsoluteError.compute(&y, &t, 4, None), 1.3125);
    assert_eq!(
        LossKind::Huber { delta: 0.5 }.compute(&y, &t, 4, None),
        0.5703125
    );
    assert_eq!(
        LossKind::MeanSquaredError.compute(&y, &t, 4, None),
        mean_squared_error(&y, &t, None)
    );
    assert!(!LossKind::Huber { delta: 1.0 }.fused_with_last_layer());
    assert!(LossKind::SoftmaxCrossEntropy.fused_with_last_layer());
    assert!(LossKind::Huber { delta: 1.0 }.validate().is_ok());
    for delta in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert!(LossKind::Huber { delta }.validate().is_err(), "{delta}");
    }
}
