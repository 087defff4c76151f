//! Batch normalization over `[channels, spatial]` samples (`spatial` = height·width after a
//! convolution, 1 after a dense layer), as in PyTorch's BatchNorm1d/2d.
//!
//! A batch is `batch` samples back to back; the statistics of channel `c` are taken over its
//! `n = batch · spatial` values. Sums are accumulated in `f64`, so large batches and large
//! offsets do not cost accuracy.

use super::math::sqrt_f64;

/// The fixed geometry and settings of one batch-norm layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormShape {
    /// Channels (features).
    pub channels: usize,
    /// Values per channel in one sample.
    pub spatial: usize,
    /// Weight of the new batch statistic in the running average (PyTorch's 0.1).
    pub momentum: f32,
    /// Added to the variance.
    pub epsilon: f32,
}

/// Training mode: normalizes with the batch's own per-channel mean and (biased) variance,
/// then scales by `gamma` and shifts by `beta`. Writes `[mean; channels]` then
/// `[1/√(var+ε); channels]` into `stats` (`2·channels` floats) for the backward pass and
/// for [`batch_norm_update_running`].
///
/// An empty batch writes mean 0 and variance 0 into `stats`.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward_train(
    shape: &BatchNormShape,
    gamma: &[f32],
    beta: &[f32],
    input: &[f32],
    output: &mut [f32],
    stats: &mut [f32],
    batch: usize,
) {
    let what = "batch_norm_forward_train";
    check_per_channel(what, shape, "gamma", gamma.len());
    check_per_channel(what, shape, "beta", beta.len());
    check_stats(what, shape, stats.len());
    let n = values_per_channel(what, shape, "input", input.len(), batch);
    values_per_channel(what, shape, "output", output.len(), batch);

    let channels = shape.channels;
    for c in 0..channels {
        let (mean, var) = mean_and_variance(channel_runs(input, shape, c), n);
        let inv_std = 1.0 / sqrt_f64(var + f64::from(shape.epsilon));
        stats[c] = mean as f32;
        stats[channels + c] = inv_std as f32;

        // Normalize with the stored (rounded) statistics, exactly as the backward pass will.
        let (mean, inv_std, g, b) = (stats[c], stats[channels + c], gamma[c], beta[c]);
        let runs = channel_runs(input, shape, c).zip(channel_runs_mut(output, shape, c));
        for (x_run, y_run) in runs {
            for (y, &x) in y_run.iter_mut().zip(x_run) {
                *y = g * ((x - mean) * inv_std) + b;
            }
        }
    }
}

/// Inference mode, in place: normalizes with the running statistics. `values` may hold any
/// whole number of samples.
pub fn batch_norm_infer_in_place(
    shape: &BatchNormShape,
    gamma: &[f32],
    beta: &[f32],
    running_mean: &[f32],
    running_var: &[f32],
    values: &mut [f32],
) {
    let what = "batch_norm_infer_in_place";
    check_per_channel(what, shape, "gamma", gamma.len());
    check_per_channel(what, shape, "beta", beta.len());
    check_per_channel(what, shape, "running_mean", running_mean.len());
    check_per_channel(what, shape, "running_var", running_var.len());
    let sample = shape.channels * shape.spatial;
    assert!(
        values.is_empty() || (sample > 0 && values.len().is_multiple_of(sample)),
        "{what}: {} values are not a whole number of samples of {} channels × {} spatial = {sample}",
        values.len(),
        shape.channels,
        shape.spatial
    );

    for c in 0..shape.channels {
        // y = γ·(x − μ)/√(σ²+ε) + β, folded into one multiply-add per value.
        let var = f64::from(running_var[c]) + f64::from(shape.epsilon);
        let scale = (f64::from(gamma[c]) / sqrt_f64(var)) as f32;
        let shift = beta[c] - running_mean[c] * scale;
        for run in channel_runs_mut(values, shape, c) {
            for v in run {
                *v = *v * scale + shift;
            }
        }
    }
}

/// Backward of training mode: *adds* into `gamma_grad` and `beta_grad`, *overwrites*
/// `input_grad` when given.
///
/// With `x̂ = (x − mean)·inv_std` from `stats`, per channel:
/// `dγ += Σ dy·x̂`, `dβ += Σ dy`, `dx = γ·inv_std·(dy − mean(dy) − x̂·mean(dy·x̂))`.
/// The input gradient couples every value of a channel across the batch, because each one
/// moves the batch mean and variance.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    shape: &BatchNormShape,
    gamma: &[f32],
    input: &[f32],
    stats: &[f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    gamma_grad: &mut [f32],
    beta_grad: &mut [f32],
    batch: usize,
) {
    let what = "batch_norm_backward";
    check_per_channel(what, shape, "gamma", gamma.len());
    check_per_channel(what, shape, "gamma_grad", gamma_grad.len());
    check_per_channel(what, shape, "beta_grad", beta_grad.len());
    check_stats(what, shape, stats.len());
    let n = values_per_channel(what, shape, "input", input.len(), batch);
    values_per_channel(what, shape, "output_grad", output_grad.len(), batch);
    let mut input_grad = input_grad;
    if let Some(dx) = input_grad.as_deref() {
        values_per_channel(what, shape, "input_grad", dx.len(), batch);
    }

    let channels = shape.channels;
    for c in 0..channels {
        let (mean, inv_std) = (stats[c], stats[channels + c]);
        let normalized = |x: f32| (x - mean) * inv_std;
        let (mut sum_dy, mut sum_dy_xhat) = (0.0f64, 0.0f64);
        let runs = channel_runs(input, shape, c).zip(channel_runs(output_grad, shape, c));
        for (x_run, dy_run) in runs {
            for (&x, &dy) in x_run.iter().zip(dy_run) {
                sum_dy += f64::from(dy);
                sum_dy_xhat += f64::from(dy) * f64::from(normalized(x));
            }
        }
        gamma_grad[c] += sum_dy_xhat as f32;
        beta_grad[c] += sum_dy as f32;

        let Some(input_grad) = input_grad.as_deref_mut() else {
            continue;
        };
        // n > 0 here: with n = 0 there are no runs to write.
        let mean_dy = (sum_dy / n.max(1) as f64) as f32;
        let mean_dy_xhat = (sum_dy_xhat / n.max(1) as f64) as f32;
        let scale = gamma[c] * inv_std;
        let runs = channel_runs(input, shape, c)
            .zip(channel_runs(output_grad, shape, c))
            .zip(channel_runs_mut(input_grad, shape, c));
        for ((x_run, dy_run), dx_run) in runs {
            for ((&x, &dy), dx) in x_run.iter().zip(dy_run).zip(dx_run) {
                *dx = scale * (dy - mean_dy - normalized(x) * mean_dy_xhat);
            }
        }
    }
}

/// Blends the batch statistics in `stats` into the running ones:
/// `running = (1 − momentum)·running + momentum·batch`, with the *unbiased* batch variance
/// (`n/(n−1)`, n = batch·spatial; as PyTorch), recovered from the stored `1/√(var+ε)`.
///
/// With n = 1 the (biased) variance 0 is blended in; with n = 0 nothing was measured and the
/// running statistics are left unchanged.
pub fn batch_norm_update_running(
    shape: &BatchNormShape,
    stats: &[f32],
    running_mean: &mut [f32],
    running_var: &mut [f32],
    batch: usize,
) {
    let what = "batch_norm_update_running";
    check_stats(what, shape, stats.len());
    check_per_channel(what, shape, "running_mean", running_mean.len());
    check_per_channel(what, shape, "running_var", running_var.len());
    let n = batch * shape.spatial;
    if n == 0 {
        return;
    }

    let channels = shape.channels;
    let momentum = f64::from(shape.momentum);
    let blend =
        |running: f32, new: f64| ((1.0 - momentum) * f64::from(running) + momentum * new) as f32;
    let correction = if n > 1 {
        n as f64 / (n - 1) as f64
    } else {
        1.0
    };
    for c in 0..channels {
        let inv_std = f64::from(stats[channels + c]);
        // Rounding can push a zero variance slightly below zero. Not `max(0.0)`, which would
        // turn the NaN of a batch with a NaN into a running variance of 0.
        let biased = 1.0 / (inv_std * inv_std) - f64::from(shape.epsilon);
        let biased = if biased < 0.0 { 0.0 } else { biased };
        running_mean[c] = blend(running_mean[c], f64::from(stats[c]));
        running_var[c] = blend(running_var[c], biased * correction);
    }
}

/// Mean and biased variance of `n` values, in two passes for accuracy; `(0, 0)` when empty.
fn mean_and_variance<'a>(runs: impl Iterator<Item = &'a [f32]> + Clone, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let values = runs.flatten().map(|&x| f64::from(x));
    let mean = values.clone().sum::<f64>() / n as f64;
    let var = values.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    (mean, var)
}

/// The `spatial` values of channel `c` in each sample of `data`, in batch order.
/// `data` must be a whole number of samples (checked by the callers).
fn channel_runs<'a>(
    data: &'a [f32],
    shape: &BatchNormShape,
    c: usize,
) -> impl Iterator<Item = &'a [f32]> + Clone {
    let spatial = shape.spatial;
    // An empty sample means empty data: any chunk size then yields nothing.
    let sample = (shape.channels * spatial).max(1);
    data.chunks_exact(sample)
        .map(move |x| &x[c * spatial..(c + 1) * spatial])
}

/// Mutable [`channel_runs`].
fn channel_runs_mut<'a>(
    data: &'a mut [f32],
    shape: &BatchNormShape,
    c: usize,
) -> impl Iterator<Item = &'a mut [f32]> {
    let spatial = shape.spatial;
    let sample = (shape.channels * spatial).max(1);
    data.chunks_exact_mut(sample)
        .map(move |x| &mut x[c * spatial..(c + 1) * spatial])
}

/// Checks that `len` values are `batch` samples; returns n, the values per channel.
#[track_caller]
fn values_per_channel(
    what: &str,
    shape: &BatchNormShape,
    name: &str,
    len: usize,
    batch: usize,
) -> usize {
    let (channels, spatial) = (shape.channels, shape.spatial);
    let need = batch * channels * spatial;
    assert_eq!(
        len, need,
        "{what}: {name} has {len} values, but {batch} samples × {channels} channels × {spatial} spatial need {need}"
    );
    batch * spatial
}

/// Checks a per-channel parameter's length.
#[track_caller]
fn check_per_channel(what: &str, shape: &BatchNormShape, name: &str, len: usize) {
    let channels = shape.channels;
    assert_eq!(
        len, channels,
        "{what}: {name} has {len} values for {channels} channels"
    );
}

/// Checks that `stats` holds a mean and an inverse deviation per channel.
#[track_caller]
fn check_stats(what: &str, shape: &BatchNormShape, len: usize) {
    let channels = shape.channels;
    assert_eq!(
        len,
        2 * channels,
        "{what}: stats has {len} values, but {channels} channels need 2 × {channels} (means, then inverse deviations)"
    );
}

#[cfg(test)]
#[path = "normalization_backward_tests.rs"]
mod backward_tests;
#[cfg(test)]
#[path = "normalization_tests.rs"]
mod tests;
