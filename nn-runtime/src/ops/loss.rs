//! Losses, each returning the batch mean and optionally writing its gradient.

/// Softmax cross-entropy from logits, rows of `classes`: mean over rows of
/// `-Σ t · log_softmax(z)` via log-sum-exp; gradient `(softmax(z) - t) / rows`.
pub fn softmax_cross_entropy(logits: &[f32], targets: &[f32], classes: usize, logits_grad: Option<&mut [f32]>) -> f32 { todo!() }

/// Binary cross-entropy from logits, mean over all elements:
/// `max(z,0) - z·t + ln(1 + e^-|z|)`; gradient `(σ(z) - t) / len`.
pub fn sigmoid_binary_cross_entropy(logits: &[f32], targets: &[f32], logits_grad: Option<&mut [f32]>) -> f32 { todo!() }

/// Mean over all elements of `(y - t)²`; gradient `2 (y - t) / len`.
pub fn mean_squared_error(outputs: &[f32], targets: &[f32], outputs_grad: Option<&mut [f32]>) -> f32 { todo!() }
