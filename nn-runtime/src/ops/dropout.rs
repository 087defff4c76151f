//! Inverted dropout: in training, each value is kept with probability `1 − rate` and scaled
//! by `1/(1 − rate)`, so inference is the identity.

use crate::rng::Rng;

/// Training mode: draws a mask (`0` or `1/(1 − rate)` per value) into `mask` and writes
/// `output = input · mask`. `rate` is in `[0, 1)`.
pub fn dropout_forward_train(rate: f32, input: &[f32], output: &mut [f32], mask: &mut [f32], rng: &mut Rng) {
    todo!()
}

/// `input_grad = output_grad · mask` (overwrites).
pub fn dropout_backward(mask: &[f32], output_grad: &[f32], input_grad: &mut [f32]) {
    todo!()
}
