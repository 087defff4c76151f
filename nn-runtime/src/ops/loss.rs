//! Losses, each returning the batch mean and optionally writing its gradient.
//!
//! Sums run in `f64` so that a large evaluation batch does not lose the mean to rounding.
//! An empty batch has loss 0.

use super::activation::sigmoid;
use super::math;

/// Softmax cross-entropy from logits, rows of `classes`: mean over rows of
/// `-Σ t · log_softmax(z)` via log-sum-exp; gradient `(softmax(z) - t) / rows`.
///
/// Targets may be soft (any probability vector per row). The gradient written is exactly
/// that of the returned mean, `(Σt · softmax(z) − t) / rows`, which is the formula above
/// whenever a row of targets sums to 1.
pub fn softmax_cross_entropy(
    logits: &[f32],
    targets: &[f32],
    classes: usize,
    logits_grad: Option<&mut [f32]>,
) -> f32 {
    let what = "softmax_cross_entropy";
    assert!(classes > 0, "{what}: classes must be at least 1");
    check_lengths(what, logits, targets, logits_grad.as_deref());
    assert!(
        logits.len().is_multiple_of(classes),
        "{what}: {} logits are not a whole number of rows of {classes}",
        logits.len()
    );
    let rows = logits.len() / classes;
    if rows == 0 {
        return 0.0;
    }
    let inv_rows = 1.0 / rows as f32;
    let mut total = 0.0f64;
    let mut grad_rows = logits_grad.map(|g| g.chunks_exact_mut(classes));
    for (z, t) in logits
        .chunks_exact(classes)
        .zip(targets.chunks_exact(classes))
    {
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum_exp: f32 = z.iter().map(|&v| math::exp(v - max)).sum();
        let log_sum_exp = max + math::ln(sum_exp);
        let mut row_loss = 0.0f32;
        for (&z, &t) in z.iter().zip(t) {
            // Skipping t = 0 keeps a −∞ logit of an impossible class from making 0·∞ = NaN.
            if t != 0.0 {
                row_loss += t * (log_sum_exp - z);
            }
        }
        total += f64::from(row_loss);
        if let Some(grad) = grad_rows.as_mut().and_then(|rows| rows.next()) {
            let target_mass: f32 = t.iter().sum();
            for ((g, &z), &t) in grad.iter_mut().zip(z).zip(t) {
                *g = (target_mass * math::exp(z - log_sum_exp) - t) * inv_rows;
            }
        }
    }
    (total / rows as f64) as f32
}

/// Binary cross-entropy from logits, mean over all elements:
/// `max(z,0) - z·t + ln(1 + e^-|z|)`; gradient `(σ(z) - t) / len`.
pub fn sigmoid_binary_cross_entropy(
    logits: &[f32],
    targets: &[f32],
    logits_grad: Option<&mut [f32]>,
) -> f32 {
    check_lengths(
        "sigmoid_binary_cross_entropy",
        logits,
        targets,
        logits_grad.as_deref(),
    );
    if logits.is_empty() {
        return 0.0;
    }
    let total: f64 = logits
        .iter()
        .zip(targets)
        .map(|(&z, &t)| f64::from(z.max(0.0) - z * t + math::ln(1.0 + math::exp(-z.abs()))))
        .sum();
    if let Some(grad) = logits_grad {
        let inv_len = 1.0 / logits.len() as f32;
        for ((g, &z), &t) in grad.iter_mut().zip(logits).zip(targets) {
            *g = (sigmoid(z) - t) * inv_len;
        }
    }
    (total / logits.len() as f64) as f32
}

/// The Kullback–Leibler divergence of `N(mean, exp(log_var))` from `N(0, I)`, summed over
/// the `width` values of each row and averaged over rows:
/// `−½ Σ (1 + log_var − mean² − exp(log_var))`. Gradients: `mean / rows` and
/// `½ (exp(log_var) − 1) / rows`.
pub fn kl_divergence_standard_normal(
    mean: &[f32],
    log_var: &[f32],
    width: usize,
    grads: Option<(&mut [f32], &mut [f32])>,
) -> f32 {
    let what = "kl_divergence_standard_normal";
    check_lengths(what, mean, log_var, None);
    assert!(
        width > 0 && mean.len().is_multiple_of(width),
        "{what}: {} values are not a whole number of rows of {width}",
        mean.len()
    );
    let rows = mean.len() / width;
    if rows == 0 {
        return 0.0;
    }
    let total: f64 = mean
        .iter()
        .zip(log_var)
        .map(|(&m, &v)| -0.5 * f64::from(1.0 + v - m * m - math::exp(v)))
        .sum();
    if let Some((mean_grad, log_var_grad)) = grads {
        let inv_rows = 1.0 / rows as f32;
        for (g, &m) in mean_grad.iter_mut().zip(mean) {
            *g = m * inv_rows;
        }
        for (g, &v) in log_var_grad.iter_mut().zip(log_var) {
            *g = 0.5 * (math::exp(v) - 1.0) * inv_rows;
        }
    }
    (total / rows as f64) as f32
}

/// Mean over all elements of `(y - t)²`; gradient `2 (y - t) / len`.
pub fn mean_squared_error(
    outputs: &[f32],
    targets: &[f32],
    outputs_grad: Option<&mut [f32]>,
) -> f32 {
    check_lengths(
        "mean_squared_error",
        outputs,
        targets,
        outputs_grad.as_deref(),
    );
    if outputs.is_empty() {
        return 0.0;
    }
    let total: f64 = outputs
        .iter()
        .zip(targets)
        .map(|(&y, &t)| {
            let d = f64::from(y) - f64::from(t);
            d * d
        })
        .sum();
    if let Some(grad) = outputs_grad {
        let scale = 2.0 / outputs.len() as f32;
        for ((g, &y), &t) in grad.iter_mut().zip(outputs).zip(targets) {
            *g = scale * (y - t);
        }
    }
    (total / outputs.len() as f64) as f32
}

/// Panics unless predictions, targets and (if given) the gradient have the same length.
fn check_lengths(what: &str, predictions: &[f32], targets: &[f32], grad: Option<&[f32]>) {
    assert_eq!(
        targets.len(),
        predictions.len(),
        "{what}: {} targets for {} predictions",
        targets.len(),
        predictions.len()
    );
    if let Some(grad) = grad {
        assert_eq!(
            grad.len(),
            predictions.len(),
            "{what}: gradient has {} values for {} predictions",
            grad.len(),
            predictions.len()
        );
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn empty_batches_have_zero_loss() {
        assert_eq!(softmax_cross_entropy(&[], &[], 3, Some(&mut [])), 0.0);
        assert_eq!(sigmoid_binary_cross_entropy(&[], &[], None), 0.0);
        assert_eq!(mean_squared_error(&[], &[], None), 0.0);
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
}
