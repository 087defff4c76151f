//! Losses, each returning the batch mean and optionally writing its gradient.
//!
//! Sums run in `f64` so that a large evaluation batch does not lose the mean to rounding.
//! An empty batch has loss 0.

use super::activation::sigmoid;
use super::math;
use crate::layers::{ArgKind, ArgSpec};

/// What `loss: huber(…)` may give in a `network!` spec: the `delta` of [`huber`], Keras'
/// default 1 when left out.
pub const HUBER_ARGS: &[ArgSpec] = &[ArgSpec::new(
    "delta",
    ArgKind::Positive,
    false,
    true,
    "huber(delta = 0.5)",
)];

/// The Huber `delta` of a spec that gives none, as in Keras and PyTorch.
pub const HUBER_DEFAULT_DELTA: f32 = 1.0;

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

/// Mean over all elements of `|y - t|` (Keras' `mean_absolute_error`, PyTorch's `L1Loss`);
/// gradient `sign(y - t) / len`, and 0 where `y = t`, as both frameworks take it there.
pub fn mean_absolute_error(
    outputs: &[f32],
    targets: &[f32],
    outputs_grad: Option<&mut [f32]>,
) -> f32 {
    check_lengths(
        "mean_absolute_error",
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
        .map(|(&y, &t)| (f64::from(y) - f64::from(t)).abs())
        .sum();
    if let Some(grad) = outputs_grad {
        let scale = 1.0 / outputs.len() as f32;
        for ((g, &y), &t) in grad.iter_mut().zip(outputs).zip(targets) {
            *g = scale * sign(y - t);
        }
    }
    (total / outputs.len() as f64) as f32
}

/// Mean over all elements of the Huber loss of `d = y - t`: `d² / 2` where `|d| ≤ delta`,
/// `delta · (|d| - delta / 2)` beyond (Keras' `Huber(delta)`, PyTorch's `HuberLoss(delta)`;
/// PyTorch's `SmoothL1Loss(beta)` is this divided by `beta`). Gradient `d / len` inside,
/// `delta · sign(d) / len` beyond: quadratic near the target, linear (so robust to outliers)
/// far from it.
///
/// # Panics
/// If `delta` is not finite and greater than 0, or the lengths differ.
pub fn huber(
    outputs: &[f32],
    targets: &[f32],
    delta: f32,
    outputs_grad: Option<&mut [f32]>,
) -> f32 {
    check_lengths("huber", outputs, targets, outputs_grad.as_deref());
    assert!(
        delta.is_finite() && delta > 0.0,
        "huber: delta must be finite and greater than 0, not {delta}"
    );
    if outputs.is_empty() {
        return 0.0;
    }
    let delta64 = f64::from(delta);
    let total: f64 = outputs
        .iter()
        .zip(targets)
        .map(|(&y, &t)| {
            let d = (f64::from(y) - f64::from(t)).abs();
            if d <= delta64 {
                0.5 * d * d
            } else {
                delta64 * (d - 0.5 * delta64)
            }
        })
        .sum();
    if let Some(grad) = outputs_grad {
        let scale = 1.0 / outputs.len() as f32;
        for ((g, &y), &t) in grad.iter_mut().zip(outputs).zip(targets) {
            *g = scale * (y - t).clamp(-delta, delta);
        }
    }
    (total / outputs.len() as f64) as f32
}

/// -1, 0 or 1 (`f32::signum` gives 1 for +0); NaN stays NaN.
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
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
#[path = "loss_tests.rs"]
mod tests;
