//! Batch normalization over `[channels, spatial]` samples (`spatial` = height·width after a
//! convolution, 1 after a dense layer), as in PyTorch's BatchNorm1d/2d.

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
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward_train(shape: &BatchNormShape, gamma: &[f32], beta: &[f32], input: &[f32], output: &mut [f32], stats: &mut [f32], batch: usize) {
    todo!()
}

/// Inference mode, in place: normalizes with the running statistics. `values` may hold any
/// whole number of samples.
pub fn batch_norm_infer_in_place(shape: &BatchNormShape, gamma: &[f32], beta: &[f32], running_mean: &[f32], running_var: &[f32], values: &mut [f32]) {
    todo!()
}

/// Backward of training mode: *adds* into `gamma_grad` and `beta_grad`, *overwrites*
/// `input_grad` when given.
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
    todo!()
}

/// Blends the batch statistics in `stats` into the running ones:
/// `running = (1 − momentum)·running + momentum·batch`, with the *unbiased* batch variance
/// (`n/(n−1)`, n = batch·spatial; as PyTorch), recovered from the stored `1/√(var+ε)`.
pub fn batch_norm_update_running(shape: &BatchNormShape, stats: &[f32], running_mean: &mut [f32], running_var: &mut [f32], batch: usize) {
    todo!()
}
